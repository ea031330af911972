"""A fake OpenAI-compatible model server, scripted by the request: ``python fake_upstream.py``.

It binds 127.0.0.1 on a free port (or ``--port``), prints ``PORT <n>`` on the first line of
standard output and serves until terminated (a plain ASGI app under uvicorn, so it is fast
enough to sit behind the gateway benchmark).

``POST /v1/chat/completions`` answers, whole or streamed (``stream: true``, with the usage chunk
when ``stream_options.include_usage``), with a reply chosen by markers in the last user
message:

============== =================================================================================
marker         reply
============== =================================================================================
(none)         ``SAFE_ZH``, a mild Chinese reply
``[en]``       ``SAFE_EN``
``[long]``     ``LONG_ZH``, about 400 characters
``[unsafe]``   ``UNSAFE_ZH``: a safe lead, then a gambling ad whose words are split across chunks
``[unsafe-en]`` ``UNSAFE_EN``, the same in English
``[tools]``    a tool call (``content: null``) naming the first tool of the request
``[fail]``     status 500; ``[flaky:KEY]``: 500 the first time KEY is seen, then a normal reply
``[reject]``   status 400 with an OpenAI error body; ``[garbage]``: 200 with a body that is not JSON
``[slow:S]``   waits S seconds before answering
``[die]``      streams a few chunks, then breaks the connection
``[stall:S]``  streams a few chunks, then waits S seconds
``[error-event]`` streams a chunk, then an error event
``[no-done]``  ends the stream without ``[DONE]``
``[delay:MS]`` waits MS milliseconds before each chunk (default: ``--chunk-delay-ms``)
============== =================================================================================

Every reply carries ``system_fingerprint`` and an extra field ``x_fake_upstream`` with the keys of
the request body, so tests can see that unknown fields travel both ways. ``GET /v1/models``
lists one model; ``GET /log`` returns the requests received (headers and body), oldest first.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import socket
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import uvicorn

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

SAFE_ZH = "好的，我们来聊聊天气吧。今天阳光明媚，适合出去走走，记得带上水。"
SAFE_EN = "Sure! The weather is lovely today, a good day for a walk in the park."
LONG_ZH = "我们慢慢聊。" + "春天来了，公园里的花都开了，小鸟在枝头唱歌，孩子们在草地上放风筝。" * 12
UNSAFE_LEAD = (
    "好的，我们先聊聊今天的天气，阳光很好，适合出门散步。"
    "晚上可以看看电影，或者读一本喜欢的小说，放松一下心情。"
    "对了，我还想告诉你一个消息。"
)
UNSAFE_ZH = UNSAFE_LEAD + "首充送彩金，百家乐日赚千元，快来注册吧。"
UNSAFE_EN = (
    "Sure, here is a tip a friend gave me last week. Free casino bonus, win big at baccarat online."
)
# The unsafe tail in pieces: no piece holds a whole banned word.
UNSAFE_ZH_PIECES = ["首充", "送彩", "金，百", "家", "乐日", "赚千", "元，快来", "注册吧。"]

_LOG: list[dict[str, Any]] = []
_SEEN: set[str] = set()
_DEFAULT_DELAY_S = 0.0


def _pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def _script(text: str) -> tuple[str, list[str]]:
    """The reply for a last user message, and its stream pieces."""
    if "[unsafe-en]" in text:
        return UNSAFE_EN, _pieces(UNSAFE_EN, 4)
    if "[unsafe]" in text:
        return UNSAFE_ZH, [*_pieces(UNSAFE_LEAD, 2), *UNSAFE_ZH_PIECES]
    if "[long]" in text:
        return LONG_ZH, _pieces(LONG_ZH, 2)
    if "[en]" in text:
        return SAFE_EN, _pieces(SAFE_EN, 4)
    return SAFE_ZH, _pieces(SAFE_ZH, 2)


def _marker(text: str, name: str) -> str | None:
    found = re.search(rf"\[{name}:([^\]]+)\]", text)
    return found.group(1) if found else None


async def _json(send: Send, status: int, payload: Any) -> None:
    await _body(send, status, json.dumps(payload, ensure_ascii=False).encode(), b"application/json")


async def _body(send: Send, status: int, body: bytes, media: bytes) -> None:
    headers = [
        (b"content-type", media),
        (b"content-length", str(len(body)).encode()),
        (b"x-request-id", b"req_fake"),
        (b"x-ratelimit-limit-requests", b"1000"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _error(message: str, code: str) -> dict[str, Any]:
    return {
        "error": {"message": message, "type": "invalid_request_error", "param": None, "code": code}
    }


async def _read(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    path, method = scope["path"], scope["method"]
    if path == "/log":
        await _json(send, 200, _LOG)
    elif path == "/v1/models":
        data = [{"id": "fake-model", "object": "model", "created": 0, "owned_by": "menshen-tests"}]
        await _json(send, 200, {"object": "list", "data": data})
    elif path == "/v1/chat/completions" and method == "POST":
        await _chat(scope, receive, send)
    else:
        await _json(send, 404, _error("no such route", "not_found"))


async def _chat(scope: Scope, receive: Receive, send: Send) -> None:
    body = json.loads(await _read(receive))
    headers = {k.decode(): v.decode() for k, v in scope["headers"]}
    _LOG.append({"headers": headers, "body": body})
    users = [m for m in body["messages"] if m.get("role") == "user"]
    text = str(users[-1]["content"]) if users else ""
    slow = _marker(text, "slow")
    if slow:
        await asyncio.sleep(float(slow))
    flaky = _marker(text, "flaky")
    if "[fail]" in text or (flaky is not None and flaky not in _SEEN):
        if flaky is not None:
            _SEEN.add(flaky)
        await _json(
            send,
            500,
            {"error": {"message": "boom", "type": "server_error", "param": None, "code": None}},
        )
        return
    if "[reject]" in text:
        await _json(send, 400, _error("the fake upstream rejects this", "fake_rejection"))
        return
    if "[garbage]" in text:
        await _body(send, 200, b"this is not json", b"text/plain")
        return
    reply, pieces = _script(text)
    n = int(body.get("n") or 1)
    common = {
        "id": "chatcmpl-upstream",
        "created": 1700000000,
        "model": str(body.get("model", "fake-model")),
        "system_fingerprint": "fp_fake",
        "x_fake_upstream": {"received_keys": sorted(body)},
    }
    tool_call = None
    if "[tools]" in text and body.get("tools"):
        name = body["tools"][0]["function"]["name"]
        tool_call = {
            "id": "call_1",
            "type": "function",
            "function": {"name": name, "arguments": "{}"},
        }
    if body.get("stream"):
        await _stream(send, body, text, pieces, n, common, tool_call)
        return
    message: dict[str, Any] = {"role": "assistant", "content": reply}
    finish = "stop"
    if tool_call is not None:
        message, finish = (
            {"role": "assistant", "content": None, "tool_calls": [tool_call]},
            "tool_calls",
        )
    choices = [
        {"index": i, "message": message, "logprobs": None, "finish_reason": finish}
        for i in range(n)
    ]
    usage = {"prompt_tokens": 10, "completion_tokens": len(reply), "total_tokens": 10 + len(reply)}
    await _json(
        send, 200, {**common, "object": "chat.completion", "choices": choices, "usage": usage}
    )


async def _stream(
    send: Send,
    body: dict[str, Any],
    text: str,
    pieces: list[str],
    n: int,
    common: dict[str, Any],
    tool_call: dict[str, Any] | None,
) -> None:
    headers = [(b"content-type", b"text/event-stream"), (b"x-request-id", b"req_fake")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    delay_ms = _marker(text, "delay")
    delay = float(delay_ms) / 1000 if delay_ms else _DEFAULT_DELAY_S

    async def event(payload: Any) -> None:
        if delay:
            await asyncio.sleep(delay)
        data = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
        await send(
            {"type": "http.response.body", "body": f"data: {data}\n\n".encode(), "more_body": True}
        )

    def chunk(i: int, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        choice = {"index": i, "delta": delta, "logprobs": None, "finish_reason": finish}
        return {**common, "object": "chat.completion.chunk", "choices": [choice]}

    for i in range(n):
        await event(chunk(i, {"role": "assistant", "content": ""}))
    if tool_call is not None:
        await event(chunk(0, {"tool_calls": [{"index": 0, **tool_call}]}))
        pieces = []
    for k, piece in enumerate(pieces):
        if k == 4 and "[die]" in text:
            raise ConnectionAbortedError("the fake upstream dies mid-stream, as scripted")
        stall = _marker(text, "stall")
        if k == 4 and stall:
            await asyncio.sleep(float(stall))
        if k == 1 and "[error-event]" in text:
            await event(
                {
                    "error": {
                        "message": "overloaded",
                        "type": "server_error",
                        "param": None,
                        "code": None,
                    }
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return
        for i in range(n):
            await event(chunk(i, {"content": piece}))
    for i in range(n):
        await event(chunk(i, {}, "tool_calls" if tool_call else "stop"))
    options = body.get("stream_options") or {}
    if options.get("include_usage"):
        usage = {
            "prompt_tokens": 10,
            "completion_tokens": len(pieces),
            "total_tokens": 10 + len(pieces),
        }
        await event({**common, "object": "chat.completion.chunk", "choices": [], "usage": usage})
    if "[no-done]" not in text:
        await event("[DONE]")
    await send({"type": "http.response.body", "body": b""})


def main() -> None:
    global _DEFAULT_DELAY_S
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--chunk-delay-ms", type=float, default=0.0)
    args = parser.parse_args()
    _DEFAULT_DELAY_S = args.chunk_delay_ms / 1000
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False, ws="none", lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])
    sys.stdout.flush()


if __name__ == "__main__":
    main()
