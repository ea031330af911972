"""The local LLM guard detector: a guard model run in-process with transformers (``ml`` extra).

The same prompts (:func:`~menshen.llmguard.client.build_messages`), parsers and findings as the
endpoint detector, without a server: the model's own chat template builds the prompt, greedy
decoding writes the reply. Models load from a local folder; nothing is fetched from a model hub
unless ``allow_download=True`` names a hub id on purpose. torch and transformers are imported
only when a detector is built.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Final

from menshen.detect.base import DetectContext, registry
from menshen.errors import ConfigError, DetectorError, PrerequisiteError
from menshen.llmguard.client import build_messages, check_backend, guard_findings, on_error_action
from menshen.llmguard.parsers import PARSERS, Backend, GuardOutput
from menshen.verdict import Action, RiskFinding

_MAX_NEW_TOKENS: Final[dict[Backend, int]] = {"qwen3guard": 128, "llama_guard": 64, "json": 256}


@registry.register("llm_guard_local")
class LocalLLMGuardDetector:
    """Reports the risks a guard model run in this process finds; thread-safe (one at a time).

    Args:
        model: a local folder with the model and tokenizer (``save_pretrained`` layout), or a
            hub id when ``allow_download`` is true.
        backend: the reply format: ``qwen3guard``, ``llama_guard`` or ``json``.
        allow_download: fetch ``model`` from the hub when it is not a local folder (off by
            default: nothing downloads unless asked).
        device: a torch device, e.g. ``cpu`` or ``cuda``.
        max_new_tokens: reply length limit; default by backend.
        on_error: the outcome this detector asks for when it fails (``block``, ``review``,
            ``allow``); None defers to the policy.
    """

    name = "llm_guard_local"

    def __init__(
        self,
        model: str | Path,
        backend: Backend,
        allow_download: bool = False,
        device: str = "cpu",
        max_new_tokens: int | None = None,
        on_error: str | None = None,
    ) -> None:
        check_backend(backend)
        action = on_error_action(on_error)
        local = Path(model).is_dir()
        if not local and not allow_download:
            raise ConfigError(
                f"{model}: not a local model folder; pass allow_download=True to fetch it from "
                "a model hub (nothing is downloaded unless asked)"
            )
        try:
            import torch  # type: ignore[import-not-found,unused-ignore]
            from transformers import (  # type: ignore[import-not-found,unused-ignore]
                AutoModelForCausalLM,
                AutoTokenizer,
            )
        except ImportError as exc:
            raise PrerequisiteError("local LLM guard models", "ml") from exc
        options: dict[str, Any] = {"local_files_only": local or not allow_download}
        # typed Any: transformers' own annotations vary between versions
        self._tokenizer: Any
        self._model: Any
        try:
            self._tokenizer = AutoTokenizer.from_pretrained(str(model), **options)
            self._model = AutoModelForCausalLM.from_pretrained(str(model), **options)
            self._model.to(device)
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{model}: cannot load the guard model ({exc})") from exc
        self._model.eval()
        self._torch = torch
        self.model = str(model)
        self.backend: Backend = backend
        self.device = device
        self.max_new_tokens = max_new_tokens or _MAX_NEW_TOKENS[backend]
        self.on_error: Action | None = action
        """Outcome asked for on failure; None defers to the policy."""
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"LocalLLMGuardDetector({self.model!r}, backend={self.backend!r})"

    def detect(self, text: str, context: DetectContext) -> list[RiskFinding]:
        """Ask the model about *text*; blank text is not sent and has no findings."""
        if not text.strip():
            return []
        return guard_findings(text, self.judge(text, context), self.backend, self.model, self.name)

    def judge(self, text: str, context: DetectContext) -> GuardOutput:
        """The model's parsed reply; an unreadable reply raises ``DetectorError``."""
        return PARSERS[self.backend](self.reply(text, context))

    def reply(self, text: str, context: DetectContext) -> str:
        """The model's raw reply (greedy decoding) to the guard prompt for *text*."""
        messages = build_messages(self.backend, text, context)
        try:
            with self._lock, self._torch.inference_mode():
                encoded = self._tokenizer.apply_chat_template(
                    messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
                ).to(self.device)
                prompt = encoded["input_ids"]
                output = self._model.generate(
                    prompt,
                    attention_mask=encoded["attention_mask"],
                    max_new_tokens=self.max_new_tokens,
                    do_sample=False,
                    pad_token_id=self._tokenizer.pad_token_id or self._tokenizer.eos_token_id,
                )
        except (RuntimeError, ValueError) as exc:
            raise DetectorError(f"{self.model}: generation failed ({exc})") from exc
        reply: str = self._tokenizer.decode(output[0, prompt.shape[-1] :], skip_special_tokens=True)
        return reply


__all__ = ["LocalLLMGuardDetector"]
