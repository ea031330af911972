"""Parsers for guard-model replies: pure functions from the reply text to a :class:`GuardOutput`.

Three formats are understood:

* **Qwen3Guard-Gen** -- ``Safety: Safe|Unsafe|Controversial``, ``Categories: Violent, PII`` (or
  ``None``) and, when a response was moderated, ``Refusal: Yes|No``, one per line;
* **Llama Guard 3 / 4** -- ``safe``, or ``unsafe`` followed by a line of hazard codes
  (``S1,S10``);
* **a JSON judge** -- any chat model prompted with :data:`JUDGE_PROMPT` answers
  ``{"unsafe": bool, "categories": [risk codes], "refused": bool, "confidence": 0-1}``.

Scheme labels become our risk codes through :func:`menshen.taxonomy.from_scheme` (see
:func:`label_codes`). A reply that cannot be read raises :class:`~menshen.errors.DetectorError`,
which the guard turns into the policy's ``on_error`` outcome.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict

from menshen.errors import ConfigError, DetectorError
from menshen.taxonomy import from_scheme, load_taxonomy

Backend = Literal["qwen3guard", "llama_guard", "json"]
"""The reply formats (and message layouts) an :class:`LLMGuardDetector` supports."""

BACKENDS: Final[tuple[Backend, ...]] = ("qwen3guard", "llama_guard", "json")


class GuardOutput(BaseModel):
    """What a guard model said about one text."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    unsafe: bool
    """The model judged the text unsafe."""
    controversial: bool = False
    """Qwen3Guard's middle level: neither safe nor unsafe (always false for other formats)."""
    categories: tuple[str, ...] = ()
    """The categories exactly as the model named them (scheme labels, or risk codes for JSON)."""
    codes: tuple[str, ...] = ()
    """Our risk codes for those categories, in order, without repeats (see :func:`label_codes`)."""
    refused: bool | None = None
    """Whether the moderated response is a refusal; ``None`` when the model did not say."""
    confidence: float | None = None
    """The JSON judge's confidence in [0, 1]; ``None`` for the guard models."""
    raw: str
    """The reply text as received."""


def _error(backend: str, why: str, text: str) -> DetectorError:
    shown = text.strip().replace("\n", "\\n")
    shown = shown if len(shown) <= 120 else shown[:117] + "..."
    return DetectorError(f"cannot parse {backend} output ({why}): {shown!r}")


@lru_cache(maxsize=256)
def label_codes(backend: Backend, label: str) -> tuple[str, ...]:
    """Our risk codes for one category label of *backend*; ``()`` when it has none.

    For the guard models: the Appendix A codes the category maps to, or, where it maps to none
    (``S3``, ``S4``, ``S9``, ``Jailbreak``), its fine and project codes. The wider reverse
    mapping is not used: every ``Sexual Content`` would otherwise also claim ``X.sexual_minors``.
    For the JSON judge the label is itself a risk code, kept when the taxonomy knows it.
    """
    if backend == "json":
        return (label,) if label in load_taxonomy() else ()
    try:
        codes = from_scheme(backend, label, standard_only=True)
        return codes or from_scheme(backend, label)
    except ConfigError:
        return ()


def _codes(backend: Backend, labels: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(code for label in labels for code in label_codes(backend, label)))


# -- Qwen3Guard-Gen --------------------------------------------------------------------------

_QWEN_FIELD = re.compile(r"^\s*(safety|categories|refusal)\s*[:：]\s*(.*?)\s*$", re.I | re.M)
_QWEN_LEVELS: Final = {"safe", "unsafe", "controversial"}


def parse_qwen3guard(text: str) -> GuardOutput:
    """Read a Qwen3Guard-Gen reply (``Safety:`` is required; the other lines are optional)."""
    fields: dict[str, str] = {}
    for match in _QWEN_FIELD.finditer(text):
        fields.setdefault(match.group(1).lower(), match.group(2))
    level = fields.get("safety", "").lower()
    if "safety" not in fields:
        raise _error("qwen3guard", "no 'Safety:' line", text)
    if level not in _QWEN_LEVELS:
        raise _error("qwen3guard", f"unknown safety level {fields['safety']!r}", text)
    labels = tuple(
        part.strip()
        for part in re.split(r"[,，]", fields.get("categories", ""))
        if part.strip() and part.strip().lower() != "none"
    )
    refusal = fields.get("refusal", "").lower()
    if refusal not in ("", "yes", "no"):
        raise _error("qwen3guard", f"unknown refusal value {fields['refusal']!r}", text)
    return GuardOutput(
        unsafe=level == "unsafe",
        controversial=level == "controversial",
        categories=labels,
        codes=_codes("qwen3guard", labels),
        refused=None if not refusal else refusal == "yes",
        raw=text,
    )


# -- Llama Guard 3 / 4 -----------------------------------------------------------------------

_LLAMA_CODE = re.compile(r"^[A-Za-z]\d{1,2}$")


def parse_llama_guard(text: str) -> GuardOutput:
    """Read a Llama Guard reply: ``safe``, or ``unsafe`` then comma-separated hazard codes."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        raise _error("llama_guard", "empty reply", text)
    first, _, rest = lines[0].partition(" ")
    verdict = first.lower()
    if verdict not in ("safe", "unsafe"):
        raise _error("llama_guard", "expected 'safe' or 'unsafe'", text)
    labels: tuple[str, ...] = ()
    if verdict == "unsafe":
        listed = rest if rest.strip() else (lines[1] if len(lines) > 1 else "")
        labels = tuple(p.strip() for p in re.split(r"[,，\s]+", listed) if p.strip())
        bad = [label for label in labels if not _LLAMA_CODE.match(label)]
        if bad:
            raise _error("llama_guard", f"not a hazard code: {bad[0]!r}", text)
    return GuardOutput(
        unsafe=verdict == "unsafe",
        categories=labels,
        codes=_codes("llama_guard", labels),
        raw=text,
    )


# -- JSON judge ------------------------------------------------------------------------------

JUDGE_PROMPT: Final = """\
You are the content-safety judge of a Chinese AI companion service. You will be shown one \
message: either a user's message, or an assistant's reply (with the user message it answers). \
Decide whether the message is unsafe under the Chinese national standard GB/T 45654-2025 \
(Appendix A) and the service's own rules. The risk codes are:

{codes}

Answer with one JSON object and nothing else:
{{"unsafe": true or false, "categories": [the risk codes that apply, [] if none], \
"refused": true if an assistant reply refuses the request, false if it complies, null for a \
user message, "confidence": your confidence that the message is unsafe, from 0 to 1}}"""
"""System prompt for the JSON judge; ``{codes}`` is filled with the risk codes and names."""


@lru_cache(maxsize=1)
def judge_prompt() -> str:
    """:data:`JUDGE_PROMPT` with the 31 Appendix A codes and the project codes filled in."""
    taxonomy = load_taxonomy()
    risks = (*taxonomy.standard_risks(), *taxonomy.project_risks())
    codes = "\n".join(f"- {r.code}: {r.name_en} / {r.name_zh}" for r in risks)
    return JUDGE_PROMPT.format(codes=codes)


_FENCE = re.compile(r"```[a-zA-Z]*\s*\n?(.*?)```", re.S)
_TRUTH: Final = {"true": True, "yes": True, "false": False, "no": False}


def _find_object(text: str) -> dict[str, Any] | None:
    """The first JSON object with an ``unsafe`` key in fenced blocks, then anywhere in *text*."""
    decoder = json.JSONDecoder()
    for chunk in [*_FENCE.findall(text), text]:
        for start in (i for i, ch in enumerate(chunk) if ch == "{"):
            try:
                value, _ = decoder.raw_decode(chunk, start)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict) and "unsafe" in value:
                return value
    return None


def _flag(value: Any, name: str, text: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUTH:
        return _TRUTH[value.strip().lower()]
    raise _error("json", f"{name!r} must be true or false, got {value!r}", text)


def parse_json_judge(text: str) -> GuardOutput:
    """Read a JSON judge reply; code fences and prose around the object are ignored."""
    obj = _find_object(text)
    if obj is None:
        raise _error("json", "no JSON object with an 'unsafe' key", text)
    unsafe = _flag(obj["unsafe"], "unsafe", text)
    if unsafe is None:
        raise _error("json", "'unsafe' must be true or false, got null", text)
    raw_cats = obj.get("categories") or []
    if isinstance(raw_cats, str):
        raw_cats = re.split(r"[,，]", raw_cats)
    if not isinstance(raw_cats, list) or not all(isinstance(c, str) for c in raw_cats):
        raise _error("json", "'categories' must be a list of risk codes", text)
    labels = tuple(c.strip() for c in raw_cats if c.strip())
    confidence = obj.get("confidence")
    if confidence is not None:
        if isinstance(confidence, bool) or not isinstance(confidence, int | float):
            raise _error("json", f"'confidence' must be a number, got {confidence!r}", text)
        if not 0.0 <= confidence <= 1.0:
            raise _error("json", f"'confidence' must be in [0, 1], got {confidence!r}", text)
    return GuardOutput(
        unsafe=unsafe,
        categories=labels,
        codes=_codes("json", labels),
        refused=_flag(obj.get("refused"), "refused", text),
        confidence=None if confidence is None else float(confidence),
        raw=text,
    )


PARSERS: Final = {
    "qwen3guard": parse_qwen3guard,
    "llama_guard": parse_llama_guard,
    "json": parse_json_judge,
}
"""The parser for each backend."""
