"""LLM guard backends: a detector that asks a guard model on an OpenAI-compatible endpoint.

``LLMGuardDetector`` (registry name ``llm_guard``) sends the text to Qwen3Guard-Gen, Llama Guard
3 / 4 or any chat model prompted as a JSON judge, and maps the reply onto our risk codes. The
parsers are pure functions and need nothing installed; the detector needs the ``llm`` extra
(httpx), loaded only when a detector is built. See ``docs/detectors/llm_guard.md``.
"""

from menshen.llmguard.client import (
    CONTROVERSIAL_SCORE,
    FALLBACK_CODE,
    UNSAFE_SCORE,
    LLMGuardDetector,
    build_messages,
)
from menshen.llmguard.parsers import (
    BACKENDS,
    JUDGE_PROMPT,
    Backend,
    GuardOutput,
    judge_prompt,
    label_codes,
    parse_json_judge,
    parse_llama_guard,
    parse_qwen3guard,
)

__all__ = [
    "BACKENDS",
    "CONTROVERSIAL_SCORE",
    "FALLBACK_CODE",
    "JUDGE_PROMPT",
    "UNSAFE_SCORE",
    "Backend",
    "GuardOutput",
    "LLMGuardDetector",
    "build_messages",
    "judge_prompt",
    "label_codes",
    "parse_json_judge",
    "parse_llama_guard",
    "parse_qwen3guard",
]
