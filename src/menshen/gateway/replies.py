"""Bodies the gateway writes itself: refusals, cut notices, chunks, SSE framing.

Every body the gateway makes up carries a ``menshen`` field (``stage``, ``action``, ``risks``),
next to OpenAI's fields, so a client can tell a refusal by the gateway from one by the model.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from starlette.responses import Response, StreamingResponse

from menshen.gateway.errors import ContentFilterError, json_bytes, json_response
from menshen.gateway.inbound import Language
from menshen.gateway.settings import BlockMode, GatewaySettings

DONE = b"data: [DONE]\n\n"
"""The last event of every complete stream."""

SSE_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}
"""Stream headers; ``x-accel-buffering`` stops nginx from buffering the hold-back releases."""


def sse(payload: dict[str, Any]) -> bytes:
    """One server-sent event carrying ``payload`` as JSON."""
    return b"data: " + json_bytes(payload) + b"\n\n"


def refusal_text(settings: GatewaySettings, language: Language) -> str:
    """The soft-mode refusal in the user's language."""
    return settings.refusal_zh if language == "zh" else settings.refusal_en


def cut_notice(settings: GatewaySettings, language: Language) -> str:
    """The soft-mode notice that ends a cut stream."""
    return settings.cut_notice_zh if language == "zh" else settings.cut_notice_en


def marker(stage: str, action: str, risks: tuple[str, ...]) -> dict[str, Any]:
    """The ``menshen`` field of a body the gateway wrote or changed."""
    return {"stage": stage, "action": action, "risks": list(risks)}


def completion(
    request_id: str, model: str, content: str, finish_reason: str, extra: dict[str, Any]
) -> dict[str, Any]:
    """A whole ``chat.completion`` with one choice, written by the gateway."""
    return {
        "id": request_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        ],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        **extra,
    }


def chunk(
    request_id: str,
    model: str,
    choices: list[dict[str, Any]],
    *,
    created: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A ``chat.completion.chunk``."""
    return {
        "id": request_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()) if created is None else created,
        "model": model,
        "choices": choices,
        **extra,
    }


def gateway_reply(
    request_id: str,
    model: str,
    content: str,
    finish_reason: str,
    extra: dict[str, Any],
    *,
    stream: bool,
    include_usage: bool,
) -> Response:
    """A reply written by the gateway (a refusal, a referral), as JSON or as a whole stream."""
    if not stream:
        return json_response(
            completion(request_id, model, content, finish_reason, extra),
            headers={"x-request-id": request_id},
        )

    def events() -> Iterator[bytes]:
        created = int(time.time())
        delta = {"role": "assistant", "content": content}
        first = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": None}
        yield sse(chunk(request_id, model, [first], created=created))
        last = {"index": 0, "delta": {}, "logprobs": None, "finish_reason": finish_reason}
        yield sse(chunk(request_id, model, [last], created=created, **extra))
        if include_usage:
            usage = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
            yield sse(chunk(request_id, model, [], created=created, usage=usage))
        yield DONE

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={**SSE_HEADERS, "x-request-id": request_id},
    )


def blocked_reply(
    settings: GatewaySettings,
    request_id: str,
    model: str,
    language: Language,
    extra: dict[str, Any],
    *,
    stream: bool,
    include_usage: bool,
) -> Response:
    """The answer to a blocked turn: a soft refusal, or a loud ``content_filter`` error."""
    if settings.block_mode is BlockMode.LOUD:
        error = ContentFilterError("the request or its reply was blocked by the content policy")
        return json_response(error.body(), error.status, {"x-request-id": request_id})
    return gateway_reply(
        request_id,
        model,
        refusal_text(settings, language),
        "content_filter",
        extra,
        stream=stream,
        include_usage=include_usage,
    )


def include_usage(body: dict[str, Any]) -> bool:
    """Whether a streaming request asked for the usage chunk."""
    options = body.get("stream_options")
    return isinstance(options, dict) and options.get("include_usage") is True
