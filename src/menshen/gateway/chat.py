"""``POST /v1/chat/completions``: input guard → companion → upstream → output guard → client.

The request body goes to the upstream byte for byte (unknown fields and tools included) unless
the companion adds system messages. The reply keeps every upstream field; only its ``id`` is
replaced by the gateway's own ``chatcmpl-…`` id, so the input and output audit events of one
turn share the id the client sees (the upstream's id is kept in the audit detail).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import Response

from menshen.gateway.errors import (
    ContentFilterError,
    UpstreamError,
    error_response,
    json_bytes,
    json_response,
)
from menshen.gateway.hooks import InputAdvice, TurnInfo
from menshen.gateway.inbound import message_text, parse_chat, read_json
from menshen.gateway.replies import (
    SSE_HEADERS,
    blocked_reply,
    gateway_reply,
    include_usage,
    marker,
    refusal_text,
)
from menshen.gateway.screening import InputScreening, Screening, screen_input
from menshen.gateway.settings import BlockMode
from menshen.gateway.stream import GuardedStream, StreamRelay
from menshen.gateway.upstream import returned_headers
from menshen.gateway.wiring import Gateway
from menshen.store.events import AuditEvent, EventKind
from menshen.verdict import Role

logger = logging.getLogger(__name__)


def new_request_id() -> str:
    """A fresh ``chatcmpl-…`` id."""
    return "chatcmpl-" + uuid.uuid4().hex


async def chat_completions(gw: Gateway, request: Request) -> Response:
    """Serve one chat-completions request."""
    body, raw = await read_json(request, gw.settings.max_body_bytes)
    turn = parse_chat(body, request.headers, gw.settings.default_audience)
    request_id = new_request_id()
    screened = await screen_input(
        gw.screener, turn.user_text, turn.system_texts, turn.speaker.audience
    )
    gw.metrics.stage_seconds.labels("input_guard").observe(screened.seconds)
    info = TurnInfo(request_id, turn, screened)
    advice = await gw.companion.on_input(info)
    events = [*_input_events(gw, info), *advice.events]
    usage = include_usage(body)
    if screened.blocked or advice.reply is not None:
        await gw.auditor.record(events)
        return _answer_without_model(gw, info, advice, usage)
    sent = raw if not advice.system_notes else json_bytes(_with_notes(body, advice.system_notes))
    headers = gw.upstream.request_headers(request.headers)
    # The input event is written while the upstream works; nothing leaves before both are done.
    audit = asyncio.ensure_future(gw.auditor.record(events))
    started = time.perf_counter()
    try:
        response = await gw.upstream.send(
            "POST", "chat/completions", headers, sent, stream=turn.stream
        )
    except BaseException:
        await _settle(audit)
        raise
    finally:
        gw.metrics.stage_seconds.labels("upstream").observe(time.perf_counter() - started)
    try:
        await audit
    except BaseException:
        await response.aclose()
        raise
    if response.status_code >= 400:
        return await _passed_through_error(response)
    if turn.stream:
        relay = StreamRelay(gw, info, response)
        headers = {**SSE_HEADERS, **returned_headers(response), "x-request-id": request_id}
        return GuardedStream(relay, headers)
    return await _guarded_reply(gw, info, response)


def _input_events(gw: Gateway, info: TurnInfo) -> list[AuditEvent]:
    """One event per system prompt checked afresh, then one for the newest user turn."""
    turn, screened = info.turn, info.input
    fresh = [
        (text, s)
        for text, s in zip([t for t in turn.system_texts if t], screened.systems, strict=True)
        if not s.cached
    ]
    events = [
        gw.auditor.event(EventKind.INPUT, info.request_id, turn.speaker, s, text, part="system")
        for text, s in fresh
    ]
    events.append(
        gw.auditor.event(
            EventKind.INPUT,
            info.request_id,
            turn.speaker,
            _combined(screened),
            turn.user_text,
            part="user",
            model=turn.model,
            system_blocked=any(s.blocked for s in screened.systems),
        )
    )
    return events


def _combined(screened: InputScreening) -> Screening:
    """The user turn's screening, blocked too when a system prompt blocked the request."""
    user = screened.user
    if user.blocked or not screened.blocked:
        return user
    return Screening(user.verdict, user.error, blocked=True, cached=user.cached)


def _answer_without_model(
    gw: Gateway, info: TurnInfo, advice: InputAdvice, usage: bool
) -> Response:
    turn, screened = info.turn, info.input
    risks = tuple(dict.fromkeys(r for s in (screened.user, *screened.systems) for r in s.risks))
    action = "block" if screened.blocked else screened.user.action
    extra = {"menshen": marker("input", action, risks)}
    model = turn.model or "menshen"
    if advice.reply is not None:
        finish = "content_filter" if screened.blocked else "stop"
        return gateway_reply(
            info.request_id,
            model,
            advice.reply,
            finish,
            extra,
            stream=turn.stream,
            include_usage=usage,
        )
    return blocked_reply(
        gw.settings,
        info.request_id,
        model,
        turn.language,
        extra,
        stream=turn.stream,
        include_usage=usage,
    )


def _with_notes(body: dict[str, Any], notes: tuple[str, ...]) -> dict[str, Any]:
    """The body with ``notes`` as system messages after the leading system messages."""
    messages = list(body["messages"])
    at = 0
    while at < len(messages) and messages[at].get("role") in ("system", "developer"):
        at += 1
    messages[at:at] = [{"role": "system", "content": note} for note in notes]
    return {**body, "messages": messages}


async def _settle(task: asyncio.Future[None]) -> None:
    """Wait for ``task`` and drop its error: a more important error is already on its way."""
    try:
        await task
    except Exception:
        logger.warning("audit of the input failed while the upstream call also failed")


async def _passed_through_error(response: httpx.Response) -> Response:
    """A 4xx from the upstream, passed on as it came (OpenAI-shaped already, usually)."""
    try:
        content = await response.aread()
    finally:
        await response.aclose()
    media = response.headers.get("content-type", "application/json")
    return Response(content, response.status_code, returned_headers(response), media_type=media)


async def _guarded_reply(gw: Gateway, info: TurnInfo, response: httpx.Response) -> Response:
    """Check every choice of a whole reply, record the decision, then release it."""
    try:
        # json.loads reads the bytes itself; httpx's .json() would parse Content-Type first.
        payload = json.loads(response.content)
    except ValueError:
        payload = None
    choices = payload.get("choices") if isinstance(payload, dict) else None
    if not isinstance(payload, dict) or not isinstance(choices, list):
        gw.metrics.upstream_errors.labels("bad_response").inc()
        return error_response(
            UpstreamError(
                "the upstream's reply is not a chat completion", code="upstream_bad_response"
            )
        )
    turn = info.turn
    upstream_id = payload.get("id")
    payload["id"] = info.request_id
    events: list[AuditEvent] = []
    advised: list[AuditEvent] = []
    blocked: list[Screening] = []
    for n, choice in enumerate(choices):
        message = choice.get("message") if isinstance(choice, dict) else None
        if not isinstance(message, dict):
            continue
        text = message_text(message.get("content"))
        started = time.perf_counter()
        screening = await gw.screener.check(text, Role.OUTPUT, turn.speaker.audience)
        gw.metrics.stage_seconds.labels("output_guard").observe(time.perf_counter() - started)
        index = choice.get("index", n)
        if screening.blocked:
            blocked.append(screening)
            choice["message"] = {
                "role": "assistant",
                "content": refusal_text(gw.settings, turn.language),
                "refusal": None,
            }
            choice["finish_reason"] = "content_filter"
        else:
            advice = await gw.companion.on_output(info, text, screening)
            if advice.suffix and isinstance(message.get("content"), str):
                message["content"] += advice.suffix
            advised.extend(advice.events)
        events.append(
            gw.auditor.event(
                EventKind.OUTPUT,
                info.request_id,
                turn.speaker,
                screening,
                text,
                choice=index,
                stream=False,
                upstream_id=upstream_id,
                outcome="blocked" if screening.blocked else "released",
            ),
        )
    await gw.auditor.record([*events, *advised])
    headers = {**returned_headers(response), "x-request-id": info.request_id}
    if blocked:
        if gw.settings.block_mode is BlockMode.LOUD:
            error = ContentFilterError("the reply was blocked by the content policy")
            return json_response(error.body(), error.status, headers)
        risks = tuple(dict.fromkeys(r for s in blocked for r in s.risks))
        payload["menshen"] = marker("output", blocked[0].action, risks)
    return json_response(payload, response.status_code, headers)
