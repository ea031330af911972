"""``POST /v1/moderations`` in OpenAI's moderation schema, with Menshen's own verdict added.

Each result has OpenAI's ``flagged``, ``categories``, ``category_scores`` and
``category_applied_input_types``, plus a ``menshen`` object with the action, the risk codes and
scores, and the policy and lexicon versions. A risk counts towards an OpenAI category (through
the taxonomy's mapping) when the policy would at least flag it for the request's audience; the
category's score is the highest score among the risks mapped to it.

The checks here are answers to a caller's question, not decisions about live traffic, so they
are counted in the metrics but not written to the audit log.
"""

from __future__ import annotations

import uuid
from functools import lru_cache, partial
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from menshen.errors import ConfigError
from menshen.gateway.errors import GatewayError, RequestError, json_response
from menshen.gateway.inbound import message_text, read_json, speaker_of
from menshen.gateway.wiring import Gateway
from menshen.taxonomy import OPENAI_CATEGORIES, to_scheme
from menshen.verdict import Action, Audience, Role, Verdict

_MAX_INPUTS = 256


@lru_cache(maxsize=4096)
def openai_categories(code: str) -> tuple[str, ...]:
    """The OpenAI categories of a risk code (none for codes the taxonomy does not know)."""
    try:
        return to_scheme(code, "openai")
    except ConfigError:
        return ()


def _texts(body: dict[str, Any]) -> list[str]:
    """The texts to check: a string, a list of strings, or one multimodal list of parts."""
    value = body.get("input")
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        if len(value) > _MAX_INPUTS:
            raise RequestError(
                f"'input' has {len(value)} texts; the limit is {_MAX_INPUTS}", code="invalid_input"
            )
        return list(value)
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return [message_text(value)]
    raise RequestError(
        "'input' must be a string, a list of strings or a list of content parts",
        code="invalid_input",
    )


def result(verdict: Verdict, gw: Gateway) -> dict[str, Any]:
    """One moderation result."""
    policy = gw.screener.guard.policy
    flagged = dict.fromkeys(OPENAI_CATEGORIES, False)
    scores = dict.fromkeys(OPENAI_CATEGORIES, 0.0)
    for risk in verdict.risks:
        acts = policy.thresholds(risk.code, verdict.audience).action(risk.score) is not Action.ALLOW
        for category in openai_categories(risk.code):
            scores[category] = max(scores[category], risk.score)
            flagged[category] = flagged[category] or acts
    return {
        "flagged": verdict.flagged,
        "categories": flagged,
        "category_scores": scores,
        "category_applied_input_types": {c: ["text"] for c in OPENAI_CATEGORIES},
        "menshen": {
            "action": verdict.action.value,
            "risks": [
                {"code": r.code, "score": r.score, "detector": r.detector} for r in verdict.risks
            ],
            "policy_version": verdict.policy_version,
            "lexicon_version": verdict.lexicon_version,
        },
    }


async def moderations(gw: Gateway, request: Request) -> Response:
    """Serve one moderation request; ``X-Menshen-Role: output`` checks model text."""
    body, _ = await read_json(request, gw.settings.max_body_bytes)
    texts = _texts(body)
    audience = speaker_of(body, request.headers, gw.settings.default_audience).audience
    role_raw = request.headers.get("x-menshen-role", "input").strip().lower()
    try:
        role = Role(role_raw)
    except ValueError as exc:
        raise RequestError(
            f"X-Menshen-Role must be 'input' or 'output', got {role_raw!r}", code="invalid_metadata"
        ) from exc
    verdicts = await _check(gw, texts, role, audience)
    for verdict in verdicts:
        gw.metrics.verdict(verdict)
    model = body.get("model")
    return json_response(
        {
            "id": "modr-" + uuid.uuid4().hex,
            "model": model if isinstance(model, str) else "menshen",
            "results": [result(v, gw) for v in verdicts],
        }
    )


async def _check(gw: Gateway, texts: list[str], role: Role, audience: Audience) -> list[Verdict]:
    guard = gw.screener.guard
    call = partial(guard.check_batch, texts, role=role, audience=audience)
    try:
        return await gw.screener.run(call, sum(len(t) for t in texts))
    except Exception as exc:  # the caller gets a server error, never a made-up verdict
        gw.metrics.guard_errors.labels(role.value).inc()
        raise GatewayError(
            f"the guard failed: {type(exc).__name__}", code="guard_error", status=500
        ) from exc
