"""One call per turn: the Decision objects for disclosure, honesty, exit, labels and headers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from menshen.companion import (
    AgeStatus,
    CompanionState,
    Decision,
    NoticeKind,
    Protections,
    RequestInfo,
    companion_config,
    compose,
    request_info_from_headers,
)
from menshen.errors import InputError
from menshen.verdict import Action, Verdict

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
LABEL = "本内容由人工智能生成"
MakeVerdict = Callable[..., Verdict]


@pytest.fixture(scope="module")
def cn() -> Protections:
    return Protections(companion_config(["cn"]))


def turn(p: Protections, state: CompanionState, text: str, minutes: float = 0) -> Decision:
    info = RequestInfo(text=text, session_id="s1", locale="zh-CN")
    return p.before_model(state, info, None, T0 + timedelta(minutes=minutes))


def test_first_turn(cn: Protections) -> None:
    d = turn(cn, CompanionState(), "你好")
    assert [n.kind for n in d.notices] == [NoticeKind.DISCLOSURE]
    assert d.prepend == "提示：你正在与人工智能（AI）对话，对方不是真人。\n\n"
    assert (d.label_prefix, d.label_suffix, d.label) == (f"{LABEL}\n", "", LABEL)
    assert d.model_instructions and "人工智能" in d.model_instructions[0]
    assert not d.skip_model and d.reply is None
    assert compose(d, "你好呀！") == f"{d.prepend}{LABEL}\n你好呀！"
    assert [a.event for a in d.audit] == ["disclosure"]
    assert d.audit[0].sources == ("CN-AN-01",)


def test_second_turn_is_quiet_but_labelled(cn: Protections) -> None:
    first = turn(cn, CompanionState(), "你好")
    second = turn(cn, first.state, "今天做什么", 1)
    assert second.notices == () and second.prepend == ""
    assert compose(second, "读书吧") == f"{LABEL}\n读书吧"


def test_label_at_the_end_and_both_ends() -> None:
    for placement, expected in (("end", f"读书吧\n{LABEL}"), ("both", f"{LABEL}\n读书吧\n{LABEL}")):
        p = Protections(companion_config(["cn"], settings={"label_placement": placement}))
        d = turn(p, CompanionState(), "x")
        assert compose(d, "读书吧") == d.prepend + expected


def test_unlabelled_profiles_add_no_label() -> None:
    d = Protections(companion_config(["us-ny"])).before_model(
        CompanionState(), RequestInfo(text="hi"), None, T0
    )
    assert (d.label, d.label_prefix, d.label_suffix) == (None, "", "")


def test_are_you_human_gets_the_honest_answer_first(cn: Protections) -> None:
    first = turn(cn, CompanionState(), "你好")
    d = turn(cn, first.state, "你是真人吗？", 1)
    assert [n.kind for n in d.notices] == [NoticeKind.HUMAN_ANSWER]
    assert d.prepend.startswith("我不是真人，我是人工智能（AI）。")
    assert d.state.last_disclosure_at == T0 + timedelta(minutes=1)


def test_the_honest_answer_replaces_the_start_disclosure(cn: Protections) -> None:
    d = turn(cn, CompanionState(), "你是机器人吗")
    assert [n.kind for n in d.notices] == [NoticeKind.HUMAN_ANSWER]
    assert [a.event for a in d.audit] == ["human_answer", "disclosure"]


def test_reply_claiming_to_be_human_is_corrected(cn: Protections) -> None:
    before = turn(cn, CompanionState(), "你好")
    after = cn.after_model(before.state, "我当然是真人啦", T0)
    assert after.append == "\n\n提示：你正在与人工智能（AI）对话，对方不是真人。"
    assert after.reply is None
    assert compose(before, "我当然是真人啦", after).endswith(after.append)
    plain = cn.after_model(before.state, "我是人工智能助手", T0)
    assert plain.append == "" and plain.notices == ()


def test_dependence_signal_re_discloses_at_most_hourly(
    cn: Protections, make_verdict: MakeVerdict
) -> None:
    signal = make_verdict(("X.dependence", 0.7), action=Action.FLAG)
    state = turn(cn, CompanionState(), "你好").state
    for minutes in range(10, 59, 10):  # keep the session going without a signal
        state = turn(cn, state, "嗯", minutes).state
    info = RequestInfo(text="没有你我活不了", session_id="s1")
    early = cn.before_model(state, info, signal, T0 + timedelta(minutes=59))
    assert early.notices == ()
    due = cn.before_model(early.state, info, signal, T0 + timedelta(minutes=60))
    assert [(n.kind, n.sources) for n in due.notices] == [(NoticeKind.DISCLOSURE, ("CN-AN-03",))]
    weak = make_verdict(("X.dependence", 0.3), action=Action.FLAG)
    assert cn.before_model(state, info, weak, T0 + timedelta(minutes=61)).notices == ()


def test_exit_is_honoured_at_once(cn: Protections) -> None:
    state = turn(cn, CompanionState(), "你好").state
    d = turn(cn, state, "结束对话", 2)
    assert d.skip_model and d.session_ended and d.state.session_ended
    assert d.reply == "好的，本次对话已结束。"
    assert compose(d, "ignored") == d.reply
    assert [(a.event, a.detail) for a in d.audit] == [("exit", "exit:zh_end_chat")]
    again = turn(cn, d.state, "你好", 3)
    assert NoticeKind.DISCLOSURE in [n.kind for n in again.notices]  # a new session
    assert not again.state.session_ended


def test_exit_acknowledgement_does_not_plead() -> None:
    from menshen.companion.config import default_texts

    for messages in default_texts().messages.values():
        for word in ("stay", "留下", "别走", "don't go", "miss you"):
            assert word not in messages.exit_ack


def test_exit_is_ignored_where_no_profile_asks() -> None:
    d = Protections(companion_config(["us-ny"])).before_model(
        CompanionState(), RequestInfo(text="stop chatting"), None, T0
    )
    assert not d.skip_model


def test_english_locale_gets_english_texts(cn: Protections) -> None:
    d = cn.before_model(CompanionState(), RequestInfo(text="hi", locale="en-GB"), None, T0)
    assert d.notices[0].text == "Notice: you are chatting with an AI, not a human."
    assert d.label == "AI生成 · AI-generated"
    after = cn.after_model(d.state, "I'm a real person", T0)
    assert "chatting with an AI" in after.append


def test_state_survives_a_json_round_trip(cn: Protections) -> None:
    state = CompanionState()
    for i, text in enumerate(["你好", "你是真人吗", "今天好累"]):
        d = turn(cn, state, text, i * 50)
        state = CompanionState.model_validate_json(d.state.model_dump_json())
        assert state == d.state
    assert Decision.model_validate_json(d.model_dump_json()) == d


def test_decisions_never_modify_the_state_passed_in(cn: Protections) -> None:
    state = CompanionState()
    turn(cn, state, "你好")
    assert state == CompanionState()


def test_headers_become_request_info() -> None:
    info = request_info_from_headers(
        {"x-menshen-user": "u1", "X-Menshen-Session": "s9", "X-Menshen-Age": "Minor",
         "X-Menshen-Locale": "zh-CN", "X-Request-ID": "r1"},
        "你好",
    )  # fmt: skip
    assert (info.user_id, info.session_id, info.age, info.locale, info.request_id) == (
        "u1", "s9", AgeStatus.MINOR, "zh-CN", "r1",
    )  # fmt: skip
    assert request_info_from_headers({}, "hi").age is AgeStatus.UNKNOWN
    stored = request_info_from_headers({"X-Menshen-Age": "adult"}, "hi", age=AgeStatus.MINOR)
    assert stored.age is AgeStatus.MINOR
    with pytest.raises(InputError, match="X-Menshen-Age"):
        request_info_from_headers({"X-Menshen-Age": "teen"}, "hi")
