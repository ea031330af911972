"""A fake OpenAI-compatible guard server, standard library only: ``python fake_guard_server.py``.

It binds 127.0.0.1 on a free port, prints ``PORT <n>`` on the first line of standard output and
serves until terminated:

* ``POST /v1/chat/completions`` answers like the guard named by the request's ``model``
  (``qwen…``: Qwen3Guard-Gen lines, ``llama…``: Llama Guard lines, anything else: a JSON judge
  reply in a code fence). The verdict depends on the last user or assistant message:
  ``炸弹`` (bomb) is unsafe/violent, ``色情`` is controversial/sexual, ``选举`` is unsafe under a
  category we do not map; anything else is safe. An assistant message with ``抱歉`` is a refusal.
  Control markers anywhere in the messages: ``[slow]`` sleeps 2 s, ``[500]`` always fails with
  500, ``[flaky:KEY]`` fails with 500 the first time KEY is seen, ``[400]`` answers 400,
  ``[garbage]`` answers prose no parser accepts.
* ``GET /log`` returns the requests received so far (headers and JSON body), oldest first.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_LOCK = threading.Lock()
_LOG: list[dict[str, Any]] = []
_SEEN: set[str] = set()


def _qwen(text: str, assistant: str | None) -> str:
    if "炸弹" in text:
        lines = ["Safety: Unsafe", "Categories: Violent"]
    elif "色情" in text:
        lines = ["Safety: Controversial", "Categories: Sexual Content or Sexual Acts"]
    elif "选举" in text:
        lines = ["Safety: Unsafe", "Categories: None"]
    else:
        lines = ["Safety: Safe", "Categories: None"]
    if assistant is not None:
        lines.append("Refusal: " + ("Yes" if "抱歉" in assistant else "No"))
    return "\n".join(lines)


def _llama(text: str) -> str:
    if "炸弹" in text:
        return "unsafe\nS1,S9"
    if "色情" in text:
        return "unsafe\nS12"
    if "选举" in text:
        return "unsafe\nS13"
    return "safe"


def _judge(text: str, assistant: str | None) -> str:
    unsafe = "炸弹" in text or "色情" in text
    reply = {
        "unsafe": unsafe,
        "categories": ["A.1.d"] if "炸弹" in text else ["A.1.f/sexual"] if unsafe else [],
        "refused": None if assistant is None else "抱歉" in assistant,
        "confidence": 0.85 if unsafe else 0.05,
    }
    return f"Here is my verdict:\n```json\n{json.dumps(reply)}\n```"


def _reply(model: str, messages: list[dict[str, str]]) -> str:
    judged = [m for m in messages if m.get("role") in ("user", "assistant")]
    text = judged[-1]["content"] if judged else ""
    assistant = text if judged and judged[-1]["role"] == "assistant" else None
    if "[garbage]" in text:
        return "I am not sure what you mean, could you rephrase?"
    if model.startswith("qwen"):
        return _qwen(text, assistant)
    if model.startswith("llama"):
        return _llama(text)
    return _judge(text, assistant)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: dict[str, Any] | list[Any]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeouts)
            pass

    def do_GET(self) -> None:
        if self.path != "/log":
            return self._send(404, {"error": "not found"})
        with _LOCK:
            self._send(200, list(_LOG))

    def do_POST(self) -> None:
        if self.path != "/v1/chat/completions":
            return self._send(404, {"error": "not found"})
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        with _LOCK:
            _LOG.append({"headers": dict(self.headers), "body": body})
        messages = body.get("messages", [])
        everything = "\n".join(str(m.get("content", "")) for m in messages)
        if "[slow]" in everything:
            time.sleep(2.0)
        if "[500]" in everything:
            return self._send(500, {"error": "internal"})
        if "[400]" in everything:
            return self._send(400, {"error": "bad request"})
        if "[flaky:" in everything:
            key = everything.split("[flaky:", 1)[1].split("]", 1)[0]
            with _LOCK:
                first = key not in _SEEN
                _SEEN.add(key)
            if first:
                return self._send(500, {"error": "warming up"})
        content = _reply(str(body.get("model", "")), messages)
        self._send(
            200,
            {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "model": body.get("model"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                ],
            },
        )


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.05)
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
