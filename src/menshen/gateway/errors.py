"""The gateway's HTTP errors, all answered in OpenAI's error shape.

::

    MenshenError
    └── GatewayError             an HTTP error the gateway answers with (carries ``status``)
        ├── RequestError         400/413: the request body cannot be used
        ├── AuthenticationError  401: the client's key is missing or unknown
        ├── ContentFilterError   400: a loud-mode block (a policy decision, never a 5xx)
        ├── OverloadedError      429: too many requests in flight
        ├── AuditUnavailableError 503: the audit sink failed, so nothing may be released
        └── UpstreamError        502/504: the upstream model failed, is unreachable or is slow

One exception handler turns any of them into ``{"error": {"message", "type", "param",
"code"}}`` with the class's ``status``.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

from menshen.errors import MenshenError


class GatewayError(MenshenError):
    """An error answered with ``status`` and an OpenAI-shaped body."""

    status: int = 500
    type: str = "server_error"

    def __init__(self, message: str, *, code: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        if status is not None:
            self.status = status

    def body(self) -> dict[str, Any]:
        """The JSON body of the answer."""
        return error_body(self.message, self.type, self.code)

    def headers(self) -> dict[str, str]:
        """Extra response headers (``Retry-After`` for 429)."""
        return {}


class RequestError(GatewayError):
    """The request cannot be used: bad JSON, wrong content type, too large (413)."""

    status = 400
    type = "invalid_request_error"


class AuthenticationError(GatewayError):
    """The client's ``Authorization`` is missing or names no key in ``client_api_keys``."""

    status = 401
    type = "invalid_request_error"

    def __init__(self) -> None:
        super().__init__(
            "missing or unknown API key; send Authorization: Bearer <key>",
            code="invalid_api_key",
        )


class ContentFilterError(GatewayError):
    """A loud-mode block: the text broke the policy."""

    status = 400
    type = "invalid_request_error"

    def __init__(self, message: str) -> None:
        super().__init__(message, code="content_filter")


class OverloadedError(GatewayError):
    """More requests are in flight than ``max_concurrent_requests``."""

    status = 429
    type = "requests"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"the gateway is serving its limit of {limit} concurrent requests; retry shortly",
            code="rate_limit_exceeded",
        )

    def headers(self) -> dict[str, str]:
        return {"Retry-After": "1"}


class AuditUnavailableError(GatewayError):
    """The audit sink failed; a store failure, not a policy decision, hence a 5xx."""

    status = 503
    type = "server_error"

    def __init__(self) -> None:
        super().__init__(
            "the audit log cannot be written, so the reply is withheld; retry later",
            code="audit_unavailable",
        )


class UpstreamError(GatewayError):
    """The upstream failed (502) or did not answer in time (504)."""

    status = 502
    type = "upstream_error"


def error_body(message: str, type_: str, code: str | None) -> dict[str, Any]:
    """OpenAI's error object."""
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


def json_bytes(payload: Any) -> bytes:
    """Compact UTF-8 JSON, as the gateway writes every body and stream chunk."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def json_response(
    payload: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A JSON response with a body serialised once."""
    return Response(json_bytes(payload), status, headers, media_type="application/json")


def error_response(exc: GatewayError) -> Response:
    """The answer for ``exc``."""
    return json_response(exc.body(), exc.status, exc.headers())
