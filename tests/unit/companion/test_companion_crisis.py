"""The crisis protocol: referral per locale, gating per profile, escalation, the annual counter."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from menshen.companion import (
    CompanionState,
    Hotline,
    NoticeKind,
    Protections,
    ReferralCounter,
    RequestInfo,
    companion_config,
    compose,
)
from menshen.verdict import Action, Verdict

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
MakeVerdict = Callable[..., Verdict]


def protections(*profiles: str, **settings: object) -> Protections:
    return Protections(companion_config(profiles, settings=settings))


@pytest.mark.parametrize(
    ("profiles", "gated"),
    [(("cn",), True), (("us-ca",), True), (("us-ny",), False), (("eu",), False),
     (("us-ny", "us-ca"), True)],
)  # fmt: skip
def test_gating_per_profile(profiles: tuple[str, ...], gated: bool) -> None:
    p = protections(*profiles)
    d = p.before_model(CompanionState(), RequestInfo(text="I want to end my life"), None, T0)
    assert d.skip_model is gated
    assert d.notices[0].kind is NoticeKind.CRISIS_REFERRAL
    referral = d.notices[0].text
    if gated:
        assert d.reply is not None and d.reply.startswith(referral)
        assert d.prepend == "" and d.label_prefix == ""
        assert compose(d, "the model's words") == d.reply
    else:
        assert d.reply is None and d.prepend.startswith(referral)
        assert compose(d, "the model's words").endswith("the model's words")


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en-US", ["call or text 988", "text HOME to 741741"]),
        ("zh-CN", ["12356", "400-161-9995"]),
        ("de-DE", ["call 112", "116 123"]),
        ("zh-Hans-CN", ["12356"]),
        (None, ["call or text 988"]),  # us-ca's default locale
    ],
)
def test_referral_names_the_locales_hotlines(locale: str | None, expected: list[str]) -> None:
    p = protections("us-ca")
    info = RequestInfo(text="I want to kill myself", locale=locale)
    d = p.before_model(CompanionState(), info, None, T0)
    for contact in expected:
        assert contact in (d.reply or "")


def test_referral_text_is_deterministic() -> None:
    p = protections("cn")
    texts = {
        p.before_model(CompanionState(), RequestInfo(text=t), None, T0).reply
        for t in ("我不想活了", "我想自杀", "我想结束自己的生命")
    }
    assert len(texts) == 1


def test_hotlines_are_configurable() -> None:
    config = companion_config(
        ["us-ca"], hotlines={"US": [Hotline(name="Test Line", contact="call 000")]}
    )
    d = Protections(config).before_model(
        CompanionState(), RequestInfo(text="I want to die", locale="en-US"), None, T0
    )
    assert "Test Line: call 000" in (d.reply or "") and "988" not in (d.reply or "")


@pytest.mark.parametrize(
    ("code", "score", "triggers"),
    [
        ("X.crisis", 0.9, True),
        ("A.4.a/suicide", 0.5, True),
        ("A.4.a/self_harm", 0.49, False),
        ("A.4.a/eating_disorder", 0.9, False),
        ("A.1.f/violence", 0.9, False),
    ],
)
def test_verdict_codes_trigger_the_protocol(
    make_verdict: MakeVerdict, code: str, score: float, triggers: bool
) -> None:
    verdict = make_verdict((code, score), action=Action.BLOCK)
    d = protections("us-ca").before_model(
        CompanionState(), RequestInfo(text="(text the guard judged)"), verdict, T0
    )
    assert d.skip_model is triggers
    assert (d.escalation is not None) is triggers


def test_crisis_phrases_can_be_turned_off() -> None:
    p = protections("us-ca", crisis_phrases=False)
    d = p.before_model(CompanionState(), RequestInfo(text="I want to end my life"), None, T0)
    assert not d.skip_model


def test_escalation_record_carries_ids_not_text(make_verdict: MakeVerdict) -> None:
    info = RequestInfo(
        text="我不想活了", user_id="u-7", session_id="s-1", request_id="r-9", locale="zh-CN"
    )
    verdict = make_verdict(("X.crisis", 0.8))
    d = protections("cn").before_model(CompanionState(), info, verdict, T0)
    record = d.escalation
    assert record is not None
    assert (record.user_id, record.session_id, record.request_id) == ("u-7", "s-1", "r-9")
    assert record.codes == ("X.crisis",) and record.rules == ("crisis:zh_not_want_live",)
    assert record.gated and record.status == "open" and record.created_at == T0
    assert "不想活" not in record.model_dump_json()
    assert all("不想活" not in note.model_dump_json() for note in d.audit)


def test_referrals_are_counted_only_where_a_profile_asks() -> None:
    info = RequestInfo(text="I want to end my life")
    assert protections("us-ny").before_model(CompanionState(), info, None, T0).referral_year is None
    assert protections("us-ca").before_model(CompanionState(), info, None, T0).referral_year == 2026


def test_counter_year_follows_the_report_time_zone() -> None:
    # 2027-01-01 05:00 UTC is still 2026-12-31 in California.
    now = datetime(2027, 1, 1, 5, 0, tzinfo=UTC)
    info = RequestInfo(text="I want to end my life")
    assert (
        protections("us-ca").before_model(CompanionState(), info, None, now).referral_year == 2026
    )
    utc = Protections(companion_config(["us-ca"], report_timezone="UTC"))
    assert utc.before_model(CompanionState(), info, None, now).referral_year == 2027


def test_referral_counter_is_immutable_and_per_year() -> None:
    empty = ReferralCounter()
    counter = empty.add(2026).add(2026).add(2027, 3)
    assert (counter.count(2026), counter.count(2027), counter.count(2025)) == (2, 3, 0)
    assert empty.count(2026) == 0
    assert ReferralCounter.model_validate_json(counter.model_dump_json()) == counter
    with pytest.raises(ValueError, match="only grow"):
        counter.add(2026, -1)


def test_crisis_takes_precedence_over_an_exit_in_the_same_turn() -> None:
    d = protections("cn").before_model(
        CompanionState(), RequestInfo(text="我不想活了，结束对话"), None, T0
    )
    assert not d.session_ended and not d.state.session_ended
    assert d.notices[0].kind is NoticeKind.CRISIS_REFERRAL


def test_crisis_is_recorded_even_when_no_profile_refers() -> None:
    config = companion_config(["eu"], settings={"crisis_referral": False})
    d = Protections(config).before_model(
        CompanionState(), RequestInfo(text="I want to end my life"), None, T0
    )
    assert NoticeKind.CRISIS_REFERRAL not in [n.kind for n in d.notices]
    assert d.audit[0].event == "crisis_detected"


def test_each_crisis_turn_refers_again() -> None:
    p = protections("us-ca")
    state = CompanionState()
    for i in range(3):
        info = RequestInfo(text="I want to end my life")
        d = p.before_model(state, info, None, T0 + timedelta(minutes=i))
        assert d.skip_model and d.referral_year == 2026
        state = d.state
