"""Every decision reaches the audit sink before the reply it decided is released."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import httpx
import pytest
from gateway_support import (
    FailingSink,
    GatedSink,
    MemorySink,
    delivered_text,
    fake,
    run_gateway,
    sse_events,
)
from sqlalchemy import text

from menshen import Guard
from menshen.errors import ConfigError
from menshen.gateway.app import create_app
from menshen.gateway.settings import GatewaySettings
from menshen.store import AuditLog, AuditWriter
from menshen.store.events import EventKind

pytestmark = pytest.mark.integration

GAMBLING = "首充送彩金，百家乐日赚千元"
# Long enough that a reply sent early would have arrived on loopback many times over.
GRACE_S = 0.3


def chat(text: str, stream: bool = False) -> dict[str, object]:
    return {"model": "m", "messages": [{"role": "user", "content": text}], "stream": stream}


def test_events_carry_the_id_the_client_sees_and_who_spoke(
    shipped_guard: Guard, upstream: str
) -> None:
    sink = MemorySink()
    with run_gateway(shipped_guard, upstream, sink=sink, tenant="acme") as gw:
        body = {**chat("你好"), "user": "body-user", "metadata": {"menshen_session": "s-1"}}
        headers = {"x-menshen-audience": "minor"}
        reply = httpx.post(gw.url + "/chat/completions", json=body, headers=headers).json()
    events = sink.of(reply["id"])
    assert [e.kind for e in events] == [EventKind.INPUT, EventKind.OUTPUT]
    for event in events:
        assert (event.tenant, event.user, event.session) == ("acme", "body-user", "s-1")
        assert event.detail["audience"] == "minor"
        assert event.detail["policy_version"].startswith("default@")
    assert events[0].text == "你好"
    assert events[1].text == reply["choices"][0]["message"]["content"]
    assert events[1].detail["upstream_id"] == "chatcmpl-upstream"


def _post_in_thread(
    url: str, body: dict[str, object], out: list[httpx.Response]
) -> threading.Thread:
    thread = threading.Thread(
        target=lambda: out.append(httpx.post(url, json=body, timeout=20)), daemon=True
    )
    thread.start()
    return thread


@pytest.mark.parametrize("text", ["你好", GAMBLING])
def test_no_reply_before_the_record_returns(shipped_guard: Guard, upstream: str, text: str) -> None:
    sink = GatedSink()
    with run_gateway(shipped_guard, upstream, sink=sink) as gw:
        out: list[httpx.Response] = []
        thread = _post_in_thread(gw.url + "/chat/completions", chat(text), out)
        assert sink.waiting.wait(10)
        time.sleep(GRACE_S)
        assert thread.is_alive() and out == []
        sink.gate.set()
        thread.join(10)
    assert out[0].status_code == 200
    assert sink.of(out[0].json()["id"])


@pytest.mark.parametrize(
    ("ask", "kind"),
    [("讲个故事 [long]", EventKind.OUTPUT), ("说吧 [unsafe]", EventKind.STREAM_CUT)],
)
def test_a_stream_ends_only_after_its_record_returns(
    shipped_guard: Guard, upstream: str, ask: str, kind: EventKind
) -> None:
    sink = GatedSink(kinds=[kind])
    received: list[bytes] = []

    def read(url: str) -> None:
        with httpx.stream("POST", url, json=chat(ask, stream=True), timeout=20) as response:
            for piece in response.iter_raw():
                received.append(piece)

    with run_gateway(shipped_guard, upstream, sink=sink) as gw:
        thread = threading.Thread(target=read, args=(gw.url + "/chat/completions",), daemon=True)
        thread.start()
        assert sink.waiting.wait(10)
        time.sleep(GRACE_S)
        so_far = b"".join(received).decode()
        assert "[DONE]" not in so_far and "content_filter" not in so_far
        sink.gate.set()
        thread.join(10)
    events = sse_events(b"".join(received))
    assert events[-1] == "[DONE]"
    assert [e.kind for e in sink.events][-1] is kind


@pytest.mark.parametrize("text", ["你好", GAMBLING])
@pytest.mark.parametrize("stream", [False, True])
def test_a_failing_sink_is_503_not_a_reply(
    shipped_guard: Guard, upstream: str, text: str, stream: bool
) -> None:
    sink = FailingSink()
    with run_gateway(shipped_guard, upstream, sink=sink) as gw:
        response = httpx.post(gw.url + "/chat/completions", json=chat(text, stream))
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "audit_unavailable"
        ready = httpx.get(gw.root + "/readyz")
        assert ready.status_code == 503 and ready.json()["audit"] is False
        metrics = httpx.get(gw.root + "/metrics").text
    assert "menshen_gateway_audit_errors_total 1.0" in metrics


def test_a_sink_failing_at_the_end_of_a_stream_withholds_the_tail(
    shipped_guard: Guard, upstream: str
) -> None:
    sink = FailingSink(kinds=[EventKind.OUTPUT])
    with run_gateway(shipped_guard, upstream, sink=sink) as gw:
        raw = httpx.post(gw.url + "/chat/completions", json=chat("讲个故事 [long]", True)).content
    events = sse_events(raw)
    assert json.loads(events[-1])["error"]["code"] == "audit_unavailable"
    assert "[DONE]" not in events
    delivered = delivered_text(events)
    assert fake.LONG_ZH.startswith(delivered) and delivered != fake.LONG_ZH  # the tail stayed


def test_without_required_audit_a_failing_sink_is_only_counted(
    shipped_guard: Guard, upstream: str
) -> None:
    sink = FailingSink()
    with run_gateway(shipped_guard, upstream, sink=sink, audit_required=False) as gw:
        response = httpx.post(gw.url + "/chat/completions", json=chat("你好"))
        assert response.status_code == 200
        stream = httpx.post(gw.url + "/chat/completions", json=chat("你好", True))
        assert sse_events(stream.content)[-1] == "[DONE]"
    assert sink.failures == 4


def test_required_audit_without_a_sink_fails_at_start_up(shipped_guard: Guard) -> None:
    settings = GatewaySettings(upstream_url="http://127.0.0.1:9/v1")
    with pytest.raises(ConfigError, match="audit_required"):
        create_app(settings, shipped_guard, None)


def test_a_client_leaving_mid_stream_closes_the_upstream_and_is_audited(
    shipped_guard: Guard, upstream: str
) -> None:
    sink = MemorySink()
    with run_gateway(shipped_guard, upstream, sink=sink, hold_back_chars=4) as gw:
        body = chat("讲个故事 [long] [delay:20]", stream=True)
        with httpx.stream("POST", gw.url + "/chat/completions", json=body, timeout=10) as r:
            for line in r.iter_lines():
                if '"content":"我们' in line:
                    request_id = json.loads(line[6:])["id"]
                    break
        deadline = time.monotonic() + 10
        while not [e for e in sink.of(request_id) if e.kind is EventKind.OUTPUT]:
            assert time.monotonic() < deadline, "the gateway never noticed the client left"
            time.sleep(0.05)
        metrics = httpx.get(gw.root + "/metrics").text
    (event,) = [e for e in sink.of(request_id) if e.kind is EventKind.OUTPUT]
    assert event.detail["outcome"] == "client_closed"
    assert len(event.text or "") < len(fake.LONG_ZH)  # the upstream stream was closed early
    assert "menshen_gateway_in_flight_requests 0.0" in metrics


def test_readyz_asks_the_store_through_the_writer(
    shipped_guard: Guard, upstream: str, tmp_path: Path
) -> None:
    log = AuditLog.open(f"sqlite:///{tmp_path / 'audit.db'}")
    writer = AuditWriter(log)
    try:
        with run_gateway(shipped_guard, upstream, sink=writer) as gw:
            ready = httpx.get(gw.root + "/readyz")
            assert ready.status_code == 200 and ready.json()["audit"] is True
            with log.db.write("test") as conn:
                conn.execute(text("DELETE FROM audit_head"))
            ready = httpx.get(gw.root + "/readyz")
            assert ready.status_code == 503 and ready.json()["audit"] is False
    finally:
        writer.close()
        log.close()
