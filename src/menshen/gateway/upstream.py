"""The client of the upstream model: bounded retries, and failures mapped to 502/504.

A request is retried only when nothing can have reached the client yet and the upstream cannot
have done the work: a connection that never opened, or a 5xx answer. A read timeout is not
retried (the model may still be generating, and paying twice is worse than a 504).
"""

from __future__ import annotations

import asyncio
import logging

import httpx
from starlette.datastructures import Headers

from menshen import __version__
from menshen.gateway.errors import UpstreamError
from menshen.gateway.metrics import GatewayMetrics
from menshen.gateway.settings import GatewaySettings
from menshen.gateway.transport import FastTransport

logger = logging.getLogger(__name__)

_FORWARDED = ("accept", "openai-organization", "openai-project", "openai-beta")
_RETURNED_PREFIXES = ("x-ratelimit-", "openai-")
_USER_AGENT = f"menshen-gateway/{__version__}"


class Upstream:
    """One pooled HTTP client to the upstream's base URL."""

    def __init__(
        self,
        settings: GatewaySettings,
        metrics: GatewayMetrics,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._settings = settings
        self._metrics = metrics
        timeout = httpx.Timeout(
            connect=settings.connect_timeout_s,
            read=settings.read_timeout_s,
            write=settings.read_timeout_s,
            pool=settings.connect_timeout_s,
        )
        limits = httpx.Limits(
            max_connections=settings.max_concurrent_requests,
            max_keepalive_connections=min(settings.max_concurrent_requests, 64),
        )
        fast = transport is None and settings.upstream_transport == "fast"
        if fast:
            transport = FastTransport(max_connections=settings.max_concurrent_requests)
        self._client = httpx.AsyncClient(
            base_url=settings.upstream_url + "/",
            timeout=timeout,
            limits=limits,
            transport=transport,
            # Proxy variables would mount httpx's own transports in front of the fast one.
            trust_env=not fast,
        )
        self._timeout = timeout.as_dict()
        self._urls: dict[str, httpx.URL] = {}
        key = settings.upstream_api_key
        self._auth = f"Bearer {key.get_secret_value()}" if key is not None else None

    async def aclose(self) -> None:
        """Close the pooled connections."""
        await self._client.aclose()

    def request_headers(self, incoming: Headers) -> dict[str, str]:
        """Headers for the upstream: our key, or the client's own ``Authorization``."""
        headers = {"content-type": "application/json", "user-agent": _USER_AGENT}
        for name in _FORWARDED:
            value = incoming.get(name)
            if value is not None:
                headers[name] = value
        auth = self._auth or incoming.get("authorization")
        if auth is not None:
            headers["authorization"] = auth
        return headers

    async def send(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None, *, stream: bool
    ) -> httpx.Response:
        """The upstream's answer, after retries; the caller closes a streamed one.

        2xx and 4xx answers are returned; connection failures, timeouts and 5xx (after the
        retries) raise :class:`UpstreamError`.
        """
        url = self._urls.get(path)
        if url is None:  # parsing the URL is a measurable share of httpx's cost per call
            url = self._urls[path] = self._client.base_url.join(path)
        request = httpx.Request(
            method, url, headers=headers, content=body, extensions={"timeout": self._timeout}
        )
        attempts = self._settings.upstream_retries + 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = await self._client.send(request, stream=stream)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                kind = "timeout" if isinstance(exc, httpx.ConnectTimeout) else "connect"
                self._metrics.upstream_errors.labels(kind).inc()
                if last:
                    raise _connect_failure(exc) from exc
            except httpx.TimeoutException as exc:
                self._metrics.upstream_errors.labels("timeout").inc()
                raise UpstreamError(
                    f"the upstream did not answer within {self._settings.read_timeout_s} s",
                    code="upstream_timeout",
                    status=504,
                ) from exc
            except httpx.HTTPError as exc:
                self._metrics.upstream_errors.labels("disconnect").inc()
                raise UpstreamError(
                    f"the upstream connection failed: {type(exc).__name__}", code="upstream_error"
                ) from exc
            else:
                if response.status_code < 500:
                    return response
                self._metrics.upstream_errors.labels("status").inc()
                await response.aclose()
                if last:
                    raise UpstreamError(
                        f"the upstream answered {response.status_code}",
                        code="upstream_status",
                    )
            logger.warning("upstream attempt %d of %d failed; retrying", attempt + 1, attempts)
            await asyncio.sleep(self._settings.retry_backoff_s * 2**attempt)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def ping(self) -> bool:
        """Whether the upstream answers ``GET models`` at all (any status below 500)."""
        try:
            response = await self._client.get(
                "models",
                headers={"authorization": self._auth} if self._auth else None,
                timeout=self._settings.connect_timeout_s,
            )
        except httpx.HTTPError:
            return False
        return response.status_code < 500


def _connect_failure(exc: Exception) -> UpstreamError:
    if isinstance(exc, httpx.ConnectTimeout):
        return UpstreamError(
            "the upstream did not accept a connection in time",
            code="upstream_timeout",
            status=504,
        )
    return UpstreamError("the upstream cannot be reached", code="upstream_unreachable")


def returned_headers(response: httpx.Response) -> dict[str, str]:
    """The upstream's rate-limit and processing headers, for the client."""
    kept = {
        name: value
        for name, value in response.headers.items()
        if name.lower().startswith(_RETURNED_PREFIXES) or name.lower() == "retry-after"
    }
    upstream_id = response.headers.get("x-request-id")
    if upstream_id is not None:
        kept["x-upstream-request-id"] = upstream_id
    return kept
