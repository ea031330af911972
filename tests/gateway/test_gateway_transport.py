"""The ``fast`` upstream transport against real sockets, and the gateway on httpx's own."""

from __future__ import annotations

import asyncio
import json
import socketserver
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from gateway_support import delivered_text, free_port, run_gateway, sse_events

from menshen import Guard
from menshen.gateway.transport import FastTransport

pytestmark = pytest.mark.integration


class _Scripted(socketserver.BaseRequestHandler):
    """Answers by path with replies a well-behaved server would not send."""

    def handle(self) -> None:
        while True:
            data = b""
            while b"\r\n\r\n" not in data:
                piece = self.request.recv(65536)
                if not piece:
                    return
                data += piece
            path = data.split(b" ", 2)[1]
            if path == b"/keep":
                self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nkeep")
                continue
            if path == b"/close-after":  # claims keep-alive, then hangs up
                self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            elif path == b"/eof-body":
                self.request.sendall(b"HTTP/1.1 200 OK\r\n\r\nuntil the end")
            elif path == b"/garbage":
                self.request.sendall(b"NOT HTTP AT ALL\r\n\r\n")
            elif path == b"/truncated":
                self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
            elif path == b"/silent":
                time.sleep(1.0)
            return


@pytest.fixture(scope="module")
def scripted() -> Iterator[str]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Scripted)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def run(base: str, *paths: str, timeout: float = 5.0) -> list[httpx.Response | Exception]:
    async def scenario() -> list[httpx.Response | Exception]:
        transport = FastTransport(max_connections=4)
        async with httpx.AsyncClient(base_url=base, transport=transport, timeout=timeout) as c:
            out: list[httpx.Response | Exception] = []
            for path in paths:
                try:
                    out.append(await c.get(path))
                except httpx.HTTPError as exc:
                    out.append(exc)
            out.append(httpx.Response(200, content=str(sum(map(len, transport._idle.values())))))
            return out

    return asyncio.run(scenario())


def test_connections_are_reused(scripted: str) -> None:
    *replies, idle = run(scripted, "/keep", "/keep", "/keep")
    assert [r.text for r in replies if isinstance(r, httpx.Response)] == ["keep"] * 3
    assert isinstance(idle, httpx.Response) and idle.text == "1"


def test_a_connection_closed_while_idle_is_replaced(scripted: str) -> None:
    first, second, _ = run(scripted, "/close-after", "/close-after")
    assert isinstance(first, httpx.Response) and first.text == "ok"
    assert isinstance(second, httpx.Response) and second.text == "ok"


def test_a_body_delimited_by_closing_is_read_whole(scripted: str) -> None:
    reply, _ = run(scripted, "/eof-body")
    assert isinstance(reply, httpx.Response) and reply.text == "until the end"


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("/garbage", httpx.RemoteProtocolError),
        ("/truncated", httpx.RemoteProtocolError),
        ("/silent", httpx.ReadTimeout),
    ],
)
def test_broken_replies_raise_httpx_errors(
    scripted: str, path: str, error: type[Exception]
) -> None:
    reply, idle = run(scripted, path, timeout=0.3)
    assert isinstance(reply, error)
    assert isinstance(idle, httpx.Response) and idle.text == "0"  # a broken connection is dropped


def test_connect_errors_are_httpx_connect_errors() -> None:
    (reply, _) = run(f"http://127.0.0.1:{free_port()}", "/")
    assert isinstance(reply, httpx.ConnectError)


def test_the_gateway_also_runs_on_httpxs_own_transport(shipped_guard: Guard, upstream: str) -> None:
    with run_gateway(shipped_guard, upstream, upstream_transport="httpx") as gw:
        safe = {"model": "m", "messages": [{"role": "user", "content": "你好"}]}
        whole = httpx.post(gw.url + "/chat/completions", json=safe).json()
        assert whole["choices"][0]["finish_reason"] == "stop"
        unsafe = {**safe, "stream": True, "messages": [{"role": "user", "content": "说 [unsafe]"}]}
        events = sse_events(httpx.post(gw.url + "/chat/completions", json=unsafe).content)
        assert "百家乐" not in delivered_text(events)
        assert json.loads(events[-2])["choices"][0]["finish_reason"] == "content_filter"
        failing = {**safe, "messages": [{"role": "user", "content": "请讲个故事 [fail]"}]}
        assert httpx.post(gw.url + "/chat/completions", json=failing).status_code == 502
