"""The gateway's ASGI app: :func:`create_app` wires the routes, admission control and errors.

Routes: ``POST /v1/chat/completions``, ``POST /v1/moderations``, ``GET /v1/models`` (proxied),
``GET /healthz``, ``GET /readyz``, ``GET /metrics``. Every error is answered in OpenAI's error
shape; an unexpected failure is a 500 in that shape, never a traceback.
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Protocol, runtime_checkable

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from menshen.gateway.chat import chat_completions
from menshen.gateway.errors import (
    AuthenticationError,
    GatewayError,
    OverloadedError,
    error_body,
    error_response,
    json_bytes,
    json_response,
)
from menshen.gateway.hooks import Companion
from menshen.gateway.metrics import CONTENT_TYPE
from menshen.gateway.moderation import moderations
from menshen.gateway.settings import GatewaySettings, load_settings
from menshen.gateway.upstream import returned_headers
from menshen.gateway.wiring import Gateway, guard_from_settings, settle_process
from menshen.guard import Guard
from menshen.store.events import AuditSink

logger = logging.getLogger(__name__)

_ENDPOINTS = frozenset(
    {"/v1/chat/completions", "/v1/moderations", "/v1/models", "/healthz", "/readyz", "/metrics"}
)
_LIMITED_PREFIX = "/v1/"

SETTINGS_FILE_ENV = "MENSHEN_GATEWAY_CONFIG"
"""Variable naming the YAML settings file for :func:`app_from_environment`."""
LOG_LEVEL_ENV = "MENSHEN_GATEWAY_LOG_LEVEL"
"""Variable naming the log level of worker processes."""


@runtime_checkable
class Pingable(Protocol):
    """A sink that can say whether it is reachable (``/readyz`` asks it)."""

    async def ping(self) -> None:
        """Return when the sink is reachable; raise otherwise."""
        ...


def create_app(
    settings: GatewaySettings,
    guard: Guard,
    sink: AuditSink | None,
    *,
    companion: Companion | None = None,
    on_shutdown: Sequence[Callable[[], Awaitable[None]]] = (),
) -> FastAPI:
    """The gateway app for ``settings``, checking with ``guard`` and auditing into ``sink``.

    The caller owns ``sink``; ``on_shutdown`` runs after the last request (close the sink there).
    """
    gw = Gateway.build(settings, guard, sink, companion)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The first check loads lazily built tables; pay for it before the first request does.
        await gw.screener.run(partial(guard.check, "warm-up 预热"), 0)
        yield
        await gw.upstream.aclose()
        for close in on_shutdown:
            await close()

    app = FastAPI(
        title="Menshen gateway",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.gateway = gw

    async def chat(request: Request) -> Response:
        return await chat_completions(gw, request)

    async def moderate(request: Request) -> Response:
        return await moderations(gw, request)

    async def models(request: Request) -> Response:
        headers = gw.upstream.request_headers(request.headers)
        response = await gw.upstream.send("GET", "models", headers, None, stream=False)
        media = response.headers.get("content-type", "application/json")
        return Response(
            response.content, response.status_code, returned_headers(response), media_type=media
        )

    async def healthz(request: Request) -> Response:
        return json_response({"status": "ok"})

    async def readyz(request: Request) -> Response:
        upstream = await gw.upstream.ping()
        audit = await _sink_ready(gw.auditor.sink)
        ready = upstream and audit
        body = {"status": "ready" if ready else "not ready", "upstream": upstream, "audit": audit}
        return json_response(body, 200 if ready else 503)

    async def metrics(request: Request) -> Response:
        return Response(gw.metrics.render(), media_type=CONTENT_TYPE)

    app.add_route("/v1/chat/completions", chat, methods=["POST"])
    app.add_route("/v1/moderations", moderate, methods=["POST"])
    app.add_route("/v1/models", models, methods=["GET"])
    app.add_route("/healthz", healthz, methods=["GET"])
    app.add_route("/readyz", readyz, methods=["GET"])
    app.add_route("/metrics", metrics, methods=["GET"])

    async def gateway_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, GatewayError)
        return error_response(exc)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return json_response(
            error_body(str(exc.detail), "invalid_request_error", code), exc.status_code
        )

    app.add_exception_handler(GatewayError, gateway_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_middleware(Admission, gateway=gw)
    return app


async def _sink_ready(sink: AuditSink | None) -> bool:
    if not isinstance(sink, Pingable):
        return True
    try:
        await sink.ping()
    except Exception:  # any failure means "not ready"; the reason is logged
        logger.warning("audit sink is not reachable", exc_info=True)
        return False
    return True


class Admission:
    """Checks client keys, caps the requests in flight, counts requests by endpoint and status,
    and answers crashes.

    A plain ASGI middleware: a stream holds its slot until its last byte is sent.
    """

    def __init__(self, app: ASGIApp, gateway: Gateway) -> None:
        self.app = app
        self.gw = gateway
        self.in_flight = 0
        self._keys = [key.get_secret_value().encode() for key in gateway.settings.client_api_keys]

    def _authorized(self, scope: Scope) -> bool:
        """Whether the request's bearer token is one of the client keys (constant time)."""
        header = dict(scope["headers"]).get(b"authorization", b"")
        scheme, _, token = header.partition(b" ")
        if scheme.lower() != b"bearer" or not token:
            return False
        found = False
        for key in self._keys:
            found |= hmac.compare_digest(token.strip(), key)
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        endpoint = path if path in _ENDPOINTS else "other"
        status = 500
        started = False

        async def send_counted(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status, started = message["status"], True
            await send(message)

        limit = self.gw.settings.max_concurrent_requests
        limited = path.startswith(_LIMITED_PREFIX)
        refusal: GatewayError | None = None
        if limited and self._keys and not self._authorized(scope):
            refusal = AuthenticationError()
        elif limited and self.in_flight >= limit:
            refusal = OverloadedError(limit)
        if refusal is not None:
            await error_response(refusal)(scope, receive, send_counted)
            self.gw.metrics.requests.labels(endpoint, str(status)).inc()
            return
        self.in_flight += limited
        self.gw.metrics.in_flight.inc(limited)
        try:
            await self.app(scope, receive, send_counted)
        except Exception:
            logger.exception("unexpected error", extra={"endpoint": endpoint})
            if not started:
                body = error_body("internal error in the gateway", "server_error", "internal_error")
                await Response(json_bytes(body), 500, media_type="application/json")(
                    scope, receive, send_counted
                )
        finally:
            self.in_flight -= limited
            self.gw.metrics.in_flight.dec(limited)
            self.gw.metrics.requests.labels(endpoint, str(status)).inc()


def app_from_environment() -> FastAPI:
    """The app ``menshen serve`` starts in each worker: settings from the file named by
    ``MENSHEN_GATEWAY_CONFIG`` and the ``MENSHEN_*`` variables, the guard they name, and the
    audit sink of :func:`menshen.gateway.sinks.sink_from_settings`."""
    from menshen.gateway.logs import configure_logging
    from menshen.gateway.sinks import sink_from_settings

    # Workers are spawned, not forked: they set up their own logging.
    configure_logging(os.environ.get(LOG_LEVEL_ENV, "info"))
    path = os.environ.get(SETTINGS_FILE_ENV)
    settings = load_settings(Path(path) if path else None)
    guard = guard_from_settings(settings)
    sink = sink_from_settings(settings)
    closers = (sink.aclose,) if sink is not None else ()
    app = create_app(settings, guard, sink, on_shutdown=closers)
    settle_process(guard)
    return app
