"""Relaying a streamed reply through the hold-back window (:mod:`menshen.gateway.holdback`).

The relay reads the upstream's server-sent events, checks each choice's text incrementally,
releases upstream chunks once they are safely behind the checked text, and ends the stream in
one of four ways, each recorded in the audit log before the last bytes go out:

* complete: the final checks passed → ``output`` event, the held-back tail, ``[DONE]``;
* cut (a check blocked) → ``stream_cut`` event, then in soft mode a chunk with the notice and
  ``finish_reason: "content_filter"`` and ``[DONE]``, in loud mode an error event; the upstream
  stream is closed;
* the upstream failed mid-stream → ``output`` event with ``outcome``, the tail if it passes, an
  error event;
* the client went away → ``output`` event with ``outcome: client_closed`` (best effort).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from typing import Any

import anyio
import httpx
from starlette.requests import ClientDisconnect
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from menshen.gateway.errors import AuditUnavailableError, GatewayError, UpstreamError, error_body
from menshen.gateway.holdback import HoldBack
from menshen.gateway.hooks import TurnInfo
from menshen.gateway.replies import DONE, chunk, cut_notice, marker, sse
from menshen.gateway.screening import Screening
from menshen.gateway.settings import BlockMode
from menshen.gateway.wiring import Gateway
from menshen.store.events import AuditEvent, EventKind
from menshen.verdict import Role

logger = logging.getLogger(__name__)


class GuardedStream(StreamingResponse):
    """The response of a relayed stream; it always closes the relay and the upstream.

    Starlette leaves an unfinished body iterator to the garbage collector when a write fails,
    and never starts it when the client left before the first byte; closing both here runs the
    relay's cleanup (close the upstream, audit) at once.
    """

    body_iterator: AsyncGenerator[bytes, None]

    def __init__(self, relay: StreamRelay, headers: dict[str, str]) -> None:
        super().__init__(relay.run(), media_type="text/event-stream", headers=headers)
        self._relay = relay

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except (ClientDisconnect, OSError):
            logger.info("client closed the stream")
        finally:
            with anyio.CancelScope(shield=True):
                await self.body_iterator.aclose()
                await self._relay.close()


@dataclass(frozen=True, slots=True)
class _Cut:
    index: int
    screening: Screening


class StreamRelay:
    """One streamed reply on its way from the upstream to the client."""

    def __init__(self, gateway: Gateway, info: TurnInfo, response: httpx.Response) -> None:
        self._gw = gateway
        self._info = info
        self._response = response
        settings = gateway.settings
        self._hold = HoldBack(
            settings.hold_back_chars, settings.stream_check_chars, settings.stream_context_chars
        )
        self._checks = 0
        self._template: dict[str, Any] = {}
        self._upstream_id: str | None = None
        self._finals: dict[int, Screening] = {}
        """Per choice, the screening of its whole reply (once it passed)."""

    async def run(self) -> AsyncGenerator[bytes, None]:
        """The bytes for the client."""
        ended = False
        try:
            failure: GatewayError | None = None
            try:
                complete = False
                async for data in _sse_data(self._response):
                    if data == "[DONE]":
                        complete = True
                        break
                    cut = await self._check_due(self._hold.add(self._parse(data)))
                    if cut is not None:
                        ended = True
                        yield await self._cut(cut)
                        return
                    released = self._hold.release()
                    if released:
                        yield b"".join(sse(c) for c in released)
                # Some servers end without [DONE]; a stream whose choices all finished is whole.
                if not (complete or self._hold.all_finished()):
                    failure = _disconnected(self._gw)
            except (httpx.HTTPError, UpstreamError) as exc:
                failure = _upstream_failure(exc, self._gw)
            ended = True
            yield await self._finish(failure)
        finally:
            with anyio.CancelScope(shield=True):
                await self._response.aclose()
                if not ended:
                    await self._client_closed()

    async def _check_due(self, due: list[int]) -> _Cut | None:
        """Incremental checks that are due, and the final check of choices that finished."""
        for index in due:
            start, text = self._hold.window(index)
            screening = await self._screen(text)
            if screening.blocked:
                return _Cut(index, screening)
            self._hold.passed(index, start + len(text))
        for index in self._hold.finished_unchecked():
            cut = await self._check_final(index)
            if cut is not None:
                return cut
        return None

    async def _check_final(self, index: int) -> _Cut | None:
        """Check the whole reply of ``index``; on a pass its remaining chunks may leave."""
        screening = await self._screen(self._hold.choices[index].text)
        if screening.blocked:
            return _Cut(index, screening)
        self._finals[index] = screening
        self._hold.passed_final(index)
        return None

    async def close(self) -> None:
        """Close the upstream stream (again: closing twice is harmless)."""
        await self._response.aclose()

    def _parse(self, data: str) -> dict[str, Any]:
        try:
            payload = json.loads(data)
        except json.JSONDecodeError as exc:
            self._gw.metrics.upstream_errors.labels("bad_response").inc()
            raise UpstreamError(
                "the upstream sent an event that is not JSON", code="upstream_bad_response"
            ) from exc
        if not isinstance(payload, dict):
            raise UpstreamError(
                "the upstream sent an event that is not an object", code="upstream_bad_response"
            )
        if "error" in payload:
            self._gw.metrics.upstream_errors.labels("status").inc()
            raise UpstreamError("the upstream reported an error mid-stream", code="upstream_error")
        if self._upstream_id is None and isinstance(payload.get("id"), str):
            self._upstream_id = payload["id"]
        payload["id"] = self._info.request_id
        self._template = payload
        return payload

    async def _screen(self, text: str) -> Screening:
        started = time.perf_counter()
        self._checks += 1
        screening = await self._gw.screener.check(
            text, Role.OUTPUT, self._info.turn.speaker.audience
        )
        self._gw.metrics.stage_seconds.labels("output_guard").observe(time.perf_counter() - started)
        return screening

    async def _finish(self, failure: GatewayError | None) -> bytes:
        """Final checks, the audit record, then the tail and ``[DONE]`` (or the error event)."""
        for index in self._hold.unfinished():
            cut = await self._check_final(index)
            if cut is not None:
                return await self._cut(cut)
        suffixes: dict[int, str] = {}
        extra: list[AuditEvent] = []
        if failure is None:
            for index, screening in self._finals.items():
                text = self._hold.choices[index].text
                advice = await self._gw.companion.on_output(self._info, text, screening)
                suffixes[index] = advice.suffix
                extra.extend(advice.events)
        outcome = "complete" if failure is None else failure.code
        events = [
            self._event(EventKind.OUTPUT, index, screening, outcome=outcome)
            for index, screening in sorted(self._finals.items())
        ]
        try:
            await self._gw.auditor.record([*events, *extra])
        except AuditUnavailableError as exc:
            return sse(exc.body())
        self._hold.open_final()
        tail = b"".join(sse(self._with_suffixes(c, suffixes)) for c in self._hold.release())
        if failure is not None:
            return tail + sse(failure.body())
        return tail + DONE

    def _with_suffixes(self, payload: dict[str, Any], suffixes: dict[int, str]) -> dict[str, Any]:
        """Put each choice's companion suffix into its finish chunk, before the finish."""
        for choice in payload.get("choices") or ():
            index = choice.get("index", 0)
            text = suffixes.get(index)
            if text and choice.get("finish_reason") is not None:
                delta = choice.setdefault("delta", {})
                delta["content"] = (delta.get("content") or "") + text
        return payload

    async def _cut(self, cut: _Cut) -> bytes:
        """Record the cut, then end the stream per block mode; the upstream is closed after."""
        gw = self._gw
        reason = "policy" if cut.screening.verdict is not None else "guard_error"
        gw.metrics.stream_cuts.labels(reason).inc()
        event = self._event(
            EventKind.STREAM_CUT, cut.index, cut.screening, reason=reason, checks=self._checks
        )
        try:
            await gw.auditor.record([event])
        except AuditUnavailableError as exc:
            return sse(exc.body())
        if gw.settings.block_mode is BlockMode.LOUD:
            message = "the reply was stopped by the content policy"
            return sse(error_body(message, "invalid_request_error", "content_filter"))
        notice = cut_notice(gw.settings, self._info.turn.language)
        choices = [
            {
                "index": index,
                "delta": {"content": notice} if index == cut.index else {},
                "logprobs": None,
                "finish_reason": "content_filter",
            }
            for index in sorted(self._hold.choices)
        ]
        template = self._template
        payload = chunk(
            self._info.request_id,
            str(template.get("model", self._info.turn.model)),
            choices,
            created=template.get("created") if isinstance(template.get("created"), int) else None,
            menshen=marker("output", cut.screening.action, cut.screening.risks),
        )
        return sse(payload) + DONE

    async def _client_closed(self) -> None:
        events = [
            self._event(EventKind.OUTPUT, i, None, outcome="client_closed")
            for i in self._hold.choices
        ]
        try:
            await self._gw.auditor.record(events)
        except AuditUnavailableError:
            logger.warning("client closed the stream and the audit sink failed")

    def _event(
        self, kind: EventKind, index: int, screening: Screening | None, **detail: Any
    ) -> AuditEvent:
        state = self._hold.choices[index]
        base = screening or Screening(verdict=None, error=None, blocked=False)
        return self._gw.auditor.event(
            kind,
            self._info.request_id,
            self._info.turn.speaker,
            base,
            state.text,
            choice=index,
            stream=True,
            delivered_chars=state.released,
            upstream_id=self._upstream_id,
            **detail,
        )


async def _sse_data(response: httpx.Response) -> AsyncIterator[str]:
    """The ``data`` of each server-sent event (multi-line data joined with newlines)."""
    lines: list[str] = []
    async for line in response.aiter_lines():
        if line == "":
            if lines:
                yield "\n".join(lines)
                lines = []
        elif line.startswith("data:"):
            lines.append(line[5:].removeprefix(" "))
    if lines:
        yield "\n".join(lines)


def _disconnected(gateway: Gateway) -> GatewayError:
    gateway.metrics.upstream_errors.labels("disconnect").inc()
    return UpstreamError("the upstream connection broke mid-stream", code="upstream_disconnected")


def _upstream_failure(exc: Exception, gateway: Gateway) -> GatewayError:
    if isinstance(exc, UpstreamError):
        return exc
    if isinstance(exc, httpx.TimeoutException):
        gateway.metrics.upstream_errors.labels("timeout").inc()
        return UpstreamError("the upstream stalled mid-stream", code="upstream_timeout", status=504)
    return _disconnected(gateway)
