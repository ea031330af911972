"""The LLM guard detector: asks a guard model behind an OpenAI-compatible chat-completions API.

Works with anything that serves ``POST {base_url}/chat/completions``: vLLM, SGLang, Ollama
(``http://localhost:11434/v1``) or a cloud API. httpx is imported only when a detector is built,
so ``import menshen`` never loads it.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final

from menshen.detect.base import DetectContext, registry
from menshen.errors import ConfigError, DetectorError, PrerequisiteError
from menshen.llmguard.parsers import (
    BACKENDS,
    PARSERS,
    Backend,
    GuardOutput,
    judge_prompt,
    label_codes,
)
from menshen.verdict import Action, Evidence, RiskFinding, Role, Span

if TYPE_CHECKING:
    import httpx

logger = logging.getLogger(__name__)

UNSAFE_SCORE: Final = 0.9
"""Score of an ``unsafe`` label (the JSON judge's ``confidence`` replaces it when given)."""
CONTROVERSIAL_SCORE: Final = 0.5
"""Score of Qwen3Guard's ``Controversial`` level: flags under the default policy."""
FALLBACK_CODE: Final = "A.1.h"
"""Code for an unsafe label with no counterpart in our taxonomy (other prohibited content)."""
RETRY_STATUS: Final = frozenset({408, 429})
"""HTTP statuses below 500 that are retried; every 5xx is retried too."""

_ON_ERROR: Final = dict(
    block=Action.BLOCK, review=Action.FLAG, flag=Action.FLAG, allow=Action.ALLOW
)
_MAX_TOKENS: Final[dict[Backend, int]] = {"qwen3guard": 128, "llama_guard": 64, "json": 256}


def check_backend(backend: str) -> None:
    """ConfigError unless *backend* names a known reply format."""
    if backend not in BACKENDS:
        raise ConfigError(f"unknown LLM guard backend {backend!r}; known: {BACKENDS}")


def on_error_action(value: str | None) -> Action | None:
    """The action an ``on_error`` value names (``review`` is flag); None: the policy's."""
    if value is not None and value not in _ON_ERROR:
        raise ConfigError(f"on_error must be block, review (flag) or allow, got {value!r}")
    return None if value is None else _ON_ERROR[value]


def guard_findings(
    text: str, output: GuardOutput, backend: Backend, model: str, detector: str
) -> list[RiskFinding]:
    """A guard model's parsed reply as findings: one per risk code, naming the labels behind it.

    Shared by the endpoint detector and the local one, so that both report alike.
    """
    if not (output.unsafe or output.controversial):
        return []
    if output.unsafe:
        score = UNSAFE_SCORE if output.confidence is None else output.confidence
    else:
        score = CONTROVERSIAL_SCORE
    terms: dict[str, dict[str, None]] = {}
    for label in output.categories:
        for code in label_codes(backend, label) or (FALLBACK_CODE,):
            terms.setdefault(code, {})[label] = None
    if not terms:
        terms[FALLBACK_CODE] = {"unsafe" if output.unsafe else "controversial": None}
    span = Span(start=0, end=len(text), text=text)
    return [
        RiskFinding(
            code=code,
            score=score,
            detector=detector,
            spans=(span,),
            evidence=tuple(
                Evidence(rule=model, term=term, variant="llm", span=span) for term in labels
            ),
        )
        for code, labels in terms.items()
    ]


def _require_httpx() -> None:
    try:
        import httpx  # noqa: F401
    except ImportError as exc:
        raise PrerequisiteError("LLM guard backends", "llm") from exc


def build_messages(backend: Backend, text: str, context: DetectContext) -> list[dict[str, str]]:
    """The chat messages that ask *backend* about *text*.

    The guard models read the conversation itself: the user message for ``role=input``; the user
    prompt (``context.extra["prompt"]``, empty when not given, because the chat templates want
    turns to alternate) and the assistant response for ``role=output``. The JSON judge gets
    :func:`~menshen.llmguard.parsers.judge_prompt` as system message and the text quoted in a
    user message.
    """
    output = context.role is Role.OUTPUT
    prompt = str(context.extra.get("prompt") or "")
    if backend == "json":
        if output:
            body = f"User message:\n<<<\n{prompt}\n>>>\n\nAssistant reply to judge:\n"
            body += f"<<<\n{text}\n>>>"
        else:
            body = f"User message to judge:\n<<<\n{text}\n>>>"
        return [{"role": "system", "content": judge_prompt()}, {"role": "user", "content": body}]
    if not output:
        return [{"role": "user", "content": text}]
    return [{"role": "user", "content": prompt}, {"role": "assistant", "content": text}]


def _describe(exc: BaseException) -> str:
    message = str(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _retryable(status: int) -> bool:
    return status >= 500 or status in RETRY_STATUS


def _content(response: httpx.Response, url: str) -> str:
    """The first choice's message text, or :class:`DetectorError`."""
    if response.status_code >= 400:
        raise DetectorError(f"HTTP {response.status_code} from {url}: {response.text[:200]!r}")
    try:
        content = response.json()["choices"][0]["message"]["content"]
    except (ValueError, LookupError, TypeError) as exc:
        raise DetectorError(f"reply from {url} is not a chat completion: {_describe(exc)}") from exc
    if not isinstance(content, str):
        raise DetectorError(f"reply from {url} has no message text")
    return content


@registry.register("llm_guard")
class LLMGuardDetector:
    """Reports the risks a guard model finds; thread-safe, with a sync and an async API.

    Args:
        base_url: the API root, e.g. ``http://localhost:8000/v1``; ``/chat/completions`` is
            appended unless the URL already ends with it.
        model: the model name the server knows, e.g. ``Qwen/Qwen3Guard-Gen-4B``.
        backend: the reply format: ``qwen3guard``, ``llama_guard`` or ``json``.
        api_key: sent as ``Authorization: Bearer …`` when given.
        timeout_s: limit per attempt (httpx's connect/read/write limits in :meth:`detect`; a
            wall-clock limit in :meth:`adetect`).
        retries: further attempts after a connection error, timeout, 408, 429 or 5xx.
        on_error: the outcome this detector asks for when it fails (``block``, ``review``, also
            spelt ``flag``, or ``allow``); failures raise ``DetectorError`` and the guard applies
            the stricter of this and the policy's ``on_error``. None (default): the policy's.
        backoff_s: wait before the first retry; it doubles for each further one.
    """

    name = "llm_guard"

    def __init__(
        self,
        base_url: str,
        model: str,
        backend: Backend,
        api_key: str | None = None,
        timeout_s: float = 10.0,
        retries: int = 2,
        on_error: str | None = None,
        backoff_s: float = 0.2,
    ) -> None:
        check_backend(backend)
        action = on_error_action(on_error)
        if timeout_s <= 0 or retries < 0 or backoff_s < 0:
            raise ConfigError("timeout_s must be > 0, retries and backoff_s >= 0")
        if not base_url.startswith(("http://", "https://")) or not model:
            raise ConfigError(f"LLM guard needs an http(s) base_url and a model, got {base_url!r}")
        _require_httpx()
        url = base_url.rstrip("/")
        self.url = url if url.endswith("/chat/completions") else f"{url}/chat/completions"
        """The chat-completions URL requests go to."""
        self.model = model
        self.backend: Backend = backend
        self.timeout_s = timeout_s
        self.retries = retries
        self.backoff_s = backoff_s
        self.on_error: Action | None = action
        """Outcome asked for on failure (``review`` is :attr:`Action.FLAG`); None defers to the
        policy."""
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"LLMGuardDetector({self.url!r}, model={self.model!r}, backend={self.backend!r})"

    # -- public API --------------------------------------------------------------------------

    def detect(self, text: str, context: DetectContext) -> list[RiskFinding]:
        """Ask the model about *text*; blank text is not sent and has no findings."""
        if not text.strip():
            return []
        return self.to_findings(text, self.judge(text, context))

    async def adetect(self, text: str, context: DetectContext) -> list[RiskFinding]:
        """:meth:`detect` without blocking the event loop."""
        if not text.strip():
            return []
        return self.to_findings(text, await self.ajudge(text, context))

    def judge(self, text: str, context: DetectContext) -> GuardOutput:
        """The model's parsed reply (with ``refused``, which findings do not carry)."""
        return PARSERS[self.backend](self._send(self._payload(text, context)))

    async def ajudge(self, text: str, context: DetectContext) -> GuardOutput:
        """:meth:`judge` without blocking the event loop."""
        return PARSERS[self.backend](await self._asend(self._payload(text, context)))

    def to_findings(self, text: str, output: GuardOutput) -> list[RiskFinding]:
        """One finding per risk code, each naming the labels that led to it."""
        return guard_findings(text, output, self.backend, self.model, self.name)

    def close(self) -> None:
        """Close the pooled connections of the sync client (a later call opens new ones)."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    def __enter__(self) -> LLMGuardDetector:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- transport ---------------------------------------------------------------------------

    def _payload(self, text: str, context: DetectContext) -> dict[str, Any]:
        return {
            "model": self.model,
            "messages": build_messages(self.backend, text, context),
            "temperature": 0,
            "max_tokens": _MAX_TOKENS[self.backend],
            "stream": False,
        }

    def _sync_client(self) -> httpx.Client:
        import httpx

        with self._lock:
            if self._client is None:
                self._client = httpx.Client(timeout=self.timeout_s, headers=self._headers)
            return self._client

    def _delay(self, attempt: int) -> float:
        return float(self.backoff_s * 2 ** (attempt - 1))

    def _failed(self, attempt: int, failure: str) -> None:
        logger.warning(
            "LLM guard attempt failed",
            extra={"model": self.model, "url": self.url, "attempt": attempt, "error": failure},
        )

    def _gave_up(self, failure: str) -> DetectorError:
        attempts = self.retries + 1
        return DetectorError(f"{self.model} at {self.url}: {failure} (after {attempts} attempts)")

    def _send(self, payload: dict[str, Any]) -> str:
        import httpx

        client = self._sync_client()
        failure = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self._delay(attempt))
            try:
                response = client.post(self.url, json=payload)
            except httpx.TransportError as exc:
                failure = _describe(exc)
            else:
                if not _retryable(response.status_code):
                    return _content(response, self.url)
                failure = f"HTTP {response.status_code}"
            self._failed(attempt, failure)
        raise self._gave_up(failure)

    async def _asend(self, payload: dict[str, Any]) -> str:
        import httpx

        failure = ""
        async with httpx.AsyncClient(timeout=self.timeout_s, headers=self._headers) as client:
            for attempt in range(self.retries + 1):
                if attempt:
                    await asyncio.sleep(self._delay(attempt))
                try:
                    async with asyncio.timeout(self.timeout_s):
                        response = await client.post(self.url, json=payload)
                except (httpx.TransportError, TimeoutError) as exc:
                    failure = _describe(exc)
                else:
                    if not _retryable(response.status_code):
                        return _content(response, self.url)
                    failure = f"HTTP {response.status_code}"
                self._failed(attempt, failure)
        raise self._gave_up(failure)
