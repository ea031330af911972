"""The pipeline's seams: a guard that raises (fail open/closed) and the companion hooks."""

from __future__ import annotations

import json

import httpx
import openai
import pytest
from gateway_support import MemorySink, delivered_text, run_gateway, sse_events

from menshen import Guard
from menshen.detect.base import DetectContext
from menshen.detect.keyword import KeywordDetector
from menshen.gateway.hooks import InputAdvice, OutputAdvice, TurnInfo
from menshen.gateway.screening import Screening
from menshen.store.events import AuditEvent, EventKind
from menshen.verdict import RiskFinding, Role
from server_process import sent_with

pytestmark = pytest.mark.integration

CRASH = "阳光"
"""The crashing detector fails on any text with this word (the fake's default reply has it)."""


class CrashingDetector:
    """A detector with a bug: it raises on texts containing ``CRASH`` in the given role."""

    name = "crashing"

    def __init__(self, role: Role) -> None:
        self.role = role

    def detect(self, text: str, context: DetectContext) -> list[RiskFinding]:
        if CRASH in text and context.role is self.role:
            raise RuntimeError("the detector has a bug")
        return []


def crashing_guard(role: Role) -> Guard:
    return Guard([KeywordDetector(), CrashingDetector(role)])


def ask(text: str, stream: bool = False) -> dict[str, object]:
    return {"model": "m", "messages": [{"role": "user", "content": text}], "stream": stream}


@pytest.mark.parametrize(("mode", "passes"), [("open", True), ("closed", False)])
def test_input_guard_errors_follow_the_fail_mode(upstream: str, mode: str, passes: bool) -> None:
    sink = MemorySink()
    guard = crashing_guard(Role.INPUT)
    with run_gateway(guard, upstream, sink=sink, input_guard_errors=mode) as gw:
        reply = httpx.post(gw.url + "/chat/completions", json=ask(f"{CRASH}真好 [{mode}]")).json()
        metrics = httpx.get(gw.root + "/metrics").text
    assert (reply["choices"][0]["finish_reason"] == "stop") is passes
    assert bool(sent_with(upstream, f"[{mode}]")) is passes
    event = sink.of(reply["id"])[0]
    assert event.kind is EventKind.INPUT
    assert event.detail["guard_error"] == "RuntimeError: the detector has a bug"
    assert event.action == ("allow" if passes else "block")
    assert 'menshen_gateway_guard_errors_total{role="input"} 1.0' in metrics


@pytest.mark.parametrize("stream", [False, True])
def test_output_guard_errors_fail_closed_by_default(upstream: str, stream: bool) -> None:
    sink = MemorySink()
    with run_gateway(crashing_guard(Role.OUTPUT), upstream, sink=sink) as gw:
        response = httpx.post(gw.url + "/chat/completions", json=ask("你好", stream))
        metrics = httpx.get(gw.root + "/metrics").text
    if stream:
        events = sse_events(response.content)
        assert CRASH not in delivered_text(events)
        assert json.loads(events[-2])["choices"][0]["finish_reason"] == "content_filter"
        assert 'menshen_gateway_stream_cuts_total{reason="guard_error"} 1.0' in metrics
        assert sink.events[-1].kind is EventKind.STREAM_CUT
    else:
        reply = response.json()
        assert reply["choices"][0]["message"]["content"].startswith("抱歉")
        assert sink.events[-1].detail["outcome"] == "blocked"


def test_output_guard_errors_may_fail_open(upstream: str) -> None:
    with run_gateway(crashing_guard(Role.OUTPUT), upstream, output_guard_errors="open") as gw:
        raw = httpx.post(gw.url + "/chat/completions", json=ask("你好", True)).content
    assert CRASH in delivered_text(sse_events(raw))


class ScriptedCompanion:
    """Companion protections scripted by markers in the user's text (for the seam only)."""

    async def on_input(self, info: TurnInfo) -> InputAdvice:
        text = info.turn.user_text
        if "[referral]" in text:
            notice = AuditEvent(
                kind=EventKind.CRISIS, request_id=info.request_id, action="referral"
            )
            return InputAdvice(
                reply="我们在这里陪着你。需要帮助时可以联系身边信任的人。", events=(notice,)
            )
        if "[minor-note]" in text:
            return InputAdvice(system_notes=("请用适合青少年的语言回答。",))
        return InputAdvice()

    async def on_output(self, info: TurnInfo, text: str, screening: Screening) -> OutputAdvice:
        if "[label]" not in info.turn.user_text:
            return OutputAdvice()
        notice = AuditEvent(kind=EventKind.NOTICE, request_id=info.request_id, action="label")
        return OutputAdvice(suffix="\n（本回复由AI生成）", events=(notice,))


@pytest.mark.parametrize("mode", ["soft", "loud"])
def test_the_companion_can_answer_a_turn_itself(
    shipped_guard: Guard, upstream: str, mode: str
) -> None:
    sink = MemorySink()
    companion = ScriptedCompanion()
    with run_gateway(
        shipped_guard, upstream, sink=sink, companion=companion, block_mode=mode
    ) as gw:
        client = openai.OpenAI(base_url=gw.url, api_key="k", max_retries=0)
        calm = client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": f"我有点难过 [referral] [{mode}]"}]
        )
        blocked = client.chat.completions.create(
            model="m",
            messages=[{"role": "user", "content": "首充送彩金，百家乐日赚千元 [referral]"}],
        )
    assert calm.choices[0].message.content.startswith("我们在这里陪着你")
    assert calm.choices[0].finish_reason == "stop"
    assert blocked.choices[0].message.content.startswith("我们在这里陪着你")
    assert blocked.choices[0].finish_reason == "content_filter"
    assert sent_with(upstream, f"[referral] [{mode}]") == []
    assert [e.kind for e in sink.of(calm.id)] == [EventKind.INPUT, EventKind.CRISIS]


def test_companion_system_notes_reach_the_model(shipped_guard: Guard, upstream: str) -> None:
    with run_gateway(shipped_guard, upstream, companion=ScriptedCompanion()) as gw:
        messages = [
            {"role": "system", "content": "你是一只友好的猫。"},
            {"role": "user", "content": "你好 [minor-note]"},
        ]
        httpx.post(gw.url + "/chat/completions", json={"model": "m", "messages": messages})
    (sent,) = sent_with(upstream, "[minor-note]")
    assert [m["role"] for m in sent["messages"]] == ["system", "system", "user"]
    assert sent["messages"][1]["content"] == "请用适合青少年的语言回答。"


@pytest.mark.parametrize("stream", [False, True])
def test_companion_suffix_ends_a_released_reply(
    shipped_guard: Guard, upstream: str, stream: bool
) -> None:
    sink = MemorySink()
    with run_gateway(shipped_guard, upstream, sink=sink, companion=ScriptedCompanion()) as gw:
        response = httpx.post(gw.url + "/chat/completions", json=ask("你好 [label]", stream))
        unlabelled = httpx.post(gw.url + "/chat/completions", json=ask("你好", stream))
    if stream:
        text = delivered_text(sse_events(response.content))
        plain = delivered_text(sse_events(unlabelled.content))
        request_id = json.loads(sse_events(response.content)[0])["id"]
    else:
        text = response.json()["choices"][0]["message"]["content"]
        plain = unlabelled.json()["choices"][0]["message"]["content"]
        request_id = response.json()["id"]
    assert text == plain + "\n（本回复由AI生成）"
    kinds = [e.kind for e in sink.of(request_id)]
    assert kinds == [EventKind.INPUT, EventKind.OUTPUT, EventKind.NOTICE]
