"""A lean HTTP/1.1 keep-alive transport for ``httpx.AsyncClient`` (the ``fast`` transport).

httpx's own pool (httpcore) cost 1.2–1.7 ms of CPU per upstream call over one connection and
2.1–2.8 ms over sixteen on the benchmark machine, more than the whole guard, and it grows with
the number of pooled connections (every request polls every idle socket). This transport keeps
httpx's client API (timeouts, request objects, streamed responses, its exception types) and
replaces only the connection handling: asyncio streams, the C response parser of ``httptools``
(a uvicorn dependency) and a LIFO list of idle connections. With it a call costs 0.35–0.5 ms,
most of which is httpx's request and response objects (docs/gateway.md, "Upstream transport").

Limits, which is why ``upstream_transport: httpx`` remains: HTTP/1.1 only, no proxies from the
environment, no HTTP/2.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator

import httptools
import httpx

_READ_SIZE = 65536

_Origin = tuple[str, str, int]


class _Exchange:
    """Callbacks of one response parse: status, headers, body pieces, completion."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.headers: list[tuple[bytes, bytes]] = []
        self.headers_done = False
        self.keep_alive = False
        self.body: list[bytes] = []
        self.complete = False

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.headers_done = True
        # The parser forgets this once the message is complete.
        self.keep_alive = self.parser.should_keep_alive()

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.complete = True


class _Connection:
    """One keep-alive connection; serves one exchange at a time."""

    def __init__(
        self, key: _Origin, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.key = key
        self.reader = reader
        self.writer = writer
        self.idle_since = time.monotonic()
        self.used = False

    @property
    def closed(self) -> bool:
        return self.reader.at_eof() or self.writer.is_closing()

    def close(self) -> None:
        self.writer.close()


class _Body(httpx.AsyncByteStream):
    """The response body as it arrives; closing it gives a finished connection back."""

    def __init__(
        self,
        pool: FastTransport,
        conn: _Connection,
        exchange: _Exchange,
        read_timeout: float | None,
    ) -> None:
        self._pool = pool
        self._conn = conn
        self._exchange = exchange
        self._timeout = read_timeout
        self._done = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        exchange = self._exchange
        while True:
            while exchange.body:
                yield exchange.body.pop(0)
            if exchange.complete:
                return
            await _feed(self._conn, exchange, self._timeout)

    async def aclose(self) -> None:
        if self._done:
            return
        self._done = True
        keep = self._exchange.complete and self._exchange.keep_alive
        self._pool.release(self._conn, keep)


async def _feed(conn: _Connection, exchange: _Exchange, timeout: float | None) -> None:
    """Read once from the socket into the parser; EOF mid-message is a protocol error."""
    try:
        async with asyncio.timeout(timeout):
            data = await conn.reader.read(_READ_SIZE)
    except TimeoutError as exc:
        raise httpx.ReadTimeout("the upstream sent nothing in time") from exc
    except OSError as exc:
        raise httpx.ReadError(str(exc)) from exc
    if not data:
        if exchange.headers_done and not _framed(exchange.headers):
            exchange.complete = True  # a body delimited by closing the connection
            return
        raise httpx.RemoteProtocolError("the upstream closed the connection mid-response")
    try:
        exchange.parser.feed_data(data)
    except httptools.HttpParserError as exc:
        raise httpx.RemoteProtocolError(f"malformed response: {exc}") from exc


async def _drain(conn: _Connection, timeout: float | None) -> None:
    try:
        async with asyncio.timeout(timeout):
            await conn.writer.drain()
    except TimeoutError as exc:
        raise httpx.WriteTimeout("the upstream did not take the request in time") from exc
    except OSError as exc:
        raise httpx.RemoteProtocolError(f"the upstream connection broke: {exc}") from exc


def _framed(headers: list[tuple[bytes, bytes]]) -> bool:
    names = {name.lower() for name, _ in headers}
    return b"content-length" in names or b"transfer-encoding" in names


class FastTransport(httpx.AsyncBaseTransport):
    """Pooled HTTP/1.1 connections to any origin, as httpx transport."""

    def __init__(self, max_connections: int = 256, keepalive_expiry: float = 4.0) -> None:
        self._idle: dict[_Origin, list[_Connection]] = {}
        self._slots = asyncio.Semaphore(max_connections)
        self._expiry = keepalive_expiry
        self._ssl: ssl.SSLContext | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
        try:
            async with asyncio.timeout(timeouts.get("pool")):
                await self._slots.acquire()
        except TimeoutError as exc:
            raise httpx.PoolTimeout("no upstream connection became free in time") from exc
        try:
            return await self._exchange(request, timeouts)
        except BaseException:
            self._slots.release()
            raise

    async def _exchange(
        self, request: httpx.Request, timeouts: dict[str, float | None]
    ) -> httpx.Response:
        head = _request_head(request)
        body = request.content
        while True:
            conn = await self._connection(request.url, timeouts.get("connect"))
            reused = conn.used
            conn.used = True
            exchange = _Exchange()
            try:
                conn.writer.write(head + body)
                await _drain(conn, timeouts.get("write"))
                while not exchange.headers_done:
                    await _feed(conn, exchange, timeouts.get("read"))
            except httpx.RemoteProtocolError:
                conn.close()
                # A reused connection the upstream closed while idle: nothing was received,
                # so the request never reached it; open a fresh connection once.
                if reused and not exchange.headers:
                    continue
                raise
            except BaseException:
                conn.close()
                raise
            stream = _Body(self, conn, exchange, timeouts.get("read"))
            return httpx.Response(
                exchange.parser.get_status_code(),
                headers=exchange.headers,
                stream=stream,
                extensions={"http_version": b"HTTP/1.1"},
            )

    async def _connection(self, url: httpx.URL, timeout: float | None) -> _Connection:
        key: _Origin = (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))
        idle = self._idle.setdefault(key, [])
        now = time.monotonic()
        while idle:
            conn = idle.pop()
            if not conn.closed and now - conn.idle_since < self._expiry:
                return conn
            conn.close()
        context: ssl.SSLContext | None = None
        if key[0] == "https":
            self._ssl = self._ssl or httpx.create_ssl_context()
            context = self._ssl
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(key[1], key[2], ssl=context)
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(f"connecting to {key[1]}:{key[2]} timed out") from exc
        except OSError as exc:
            raise httpx.ConnectError(f"cannot connect to {key[1]}:{key[2]}: {exc}") from exc
        return _Connection(key, reader, writer)

    def release(self, conn: _Connection, keep: bool) -> None:
        """Give back a connection whose exchange ended (``keep``: it may serve another)."""
        self._slots.release()
        if keep and not conn.closed:
            conn.idle_since = time.monotonic()
            self._idle.setdefault(conn.key, []).append(conn)
        else:
            conn.close()

    async def aclose(self) -> None:
        for idle in self._idle.values():
            for conn in idle:
                conn.close()
        self._idle.clear()


def _request_head(request: httpx.Request) -> bytes:
    url = request.url
    target = url.raw_path.decode("ascii")
    lines = [f"{request.method} {target} HTTP/1.1"]
    lines.extend(f"{name}: {value}" for name, value in request.headers.items())
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
