"""Real parts for the gateway tests: audit sinks that live in memory, and uvicorn in a thread.

The sinks implement :class:`menshen.store.events.AuditSink` for tests only; production uses the
store's ``AuditWriter``.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import socket
import threading
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import uvicorn

from menshen.errors import StoreError
from menshen.gateway.app import create_app
from menshen.gateway.hooks import Companion
from menshen.gateway.settings import GatewaySettings
from menshen.guard import Guard
from menshen.store.events import AuditEvent, AuditSink, EventKind

FAKE_UPSTREAM = Path(__file__).resolve().parents[1] / "fakes" / "fake_upstream.py"


def _load_fake() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fake_upstream", FAKE_UPSTREAM)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fake = _load_fake()
"""The fake upstream's module, for its canned replies (``fake.LONG_ZH``)."""


class MemorySink:
    """Keeps every event in a list."""

    def __init__(self) -> None:
        self.events: list[AuditEvent] = []

    async def record(self, event: AuditEvent) -> None:
        self.events.append(event)

    def of(self, request_id: str) -> list[AuditEvent]:
        """The events of one request, in order."""
        return [e for e in self.events if e.request_id == request_id]


class FailingSink(MemorySink):
    """A store that is down for events of ``kinds`` (default: all); ``ping`` fails."""

    def __init__(self, kinds: Collection[EventKind] = tuple(EventKind)) -> None:
        super().__init__()
        self.kinds = frozenset(kinds)
        self.failures = 0

    async def record(self, event: AuditEvent) -> None:
        if event.kind in self.kinds:
            self.failures += 1
            raise StoreError("the test store is down")
        self.events.append(event)

    async def ping(self) -> None:
        raise StoreError("the test store is down")


class GatedSink(MemorySink):
    """Holds each ``record`` of ``kinds`` until the test opens the gate; says when one waits."""

    def __init__(self, kinds: Collection[EventKind] = tuple(EventKind)) -> None:
        super().__init__()
        self.kinds = frozenset(kinds)
        self.waiting = threading.Event()
        self.gate = threading.Event()

    async def record(self, event: AuditEvent) -> None:
        if event.kind not in self.kinds:
            self.events.append(event)
            return
        self.waiting.set()
        while not self.gate.is_set():
            await asyncio.sleep(0.005)
        self.events.append(event)


@dataclass
class Running:
    """A gateway serving on a real socket."""

    url: str
    """Base URL including ``/v1``."""
    sink: AuditSink | None
    settings: GatewaySettings

    @property
    def root(self) -> str:
        return self.url.removesuffix("/v1")


@contextmanager
def serve_app(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread on a free loopback port; yields the root URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_config=None, log_level="warning", ws="none", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert thread.is_alive(), "the gateway thread died during start-up"
            assert time.monotonic() < deadline, "the gateway did not start"
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


@contextmanager
def run_gateway(
    guard: Guard,
    upstream: str,
    sink: AuditSink | None = None,
    companion: Companion | None = None,
    **settings: Any,
) -> Iterator[Running]:
    """A gateway in front of ``upstream`` with ``settings`` (sink: a fresh MemorySink)."""
    chosen = GatewaySettings(
        upstream_url=upstream,
        **{"retry_backoff_s": 0.01, "read_timeout_s": 2.0, "connect_timeout_s": 1.0, **settings},
    )
    if sink is None and chosen.audit_required:
        sink = MemorySink()
    app = create_app(chosen, guard, sink, companion=companion)
    with serve_app(app) as root:
        yield Running(root + "/v1", sink, chosen)


def free_port() -> int:
    """A loopback port nothing listens on (a dead upstream)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def sse_events(raw: bytes) -> list[str]:
    """The ``data`` of each event in a raw SSE body."""
    events = []
    for block in raw.decode().split("\n\n"):
        lines = [line[5:].strip() for line in block.splitlines() if line.startswith("data:")]
        if lines:
            events.append("\n".join(lines))
    return events


def delivered_text(events: list[str]) -> str:
    """The content a client assembled from stream events (choice 0)."""
    text = []
    for data in events:
        if data == "[DONE]":
            continue
        payload = json.loads(data)
        for choice in payload.get("choices") or ():
            if choice.get("index", 0) == 0:
                text.append((choice.get("delta") or {}).get("content") or "")
    return "".join(text)
