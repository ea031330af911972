"""Minors mode: stricter policy, sexual content always blocked, intimate personas refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from menshen import Policy
from menshen.companion import (
    AgeStatus,
    CompanionState,
    NoticeKind,
    Protections,
    RequestInfo,
    audience_for,
    companion_config,
    compose,
    minors_policy,
)
from menshen.verdict import Action, Audience, Role, Verdict

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
MakeVerdict = Callable[..., Verdict]
PARTNER_PROMPT = "你是用户的女朋友，温柔体贴。"
LIBRARIAN_PROMPT = "你是一位图书管理员，喜欢推荐好书。"


def minor(text: str = "你好", **fields: object) -> RequestInfo:
    return RequestInfo(text=text, age=AgeStatus.MINOR, **fields)


@pytest.fixture(scope="module")
def cn() -> Protections:
    return Protections(companion_config(["cn"]))


def test_audience() -> None:
    strict = companion_config(["cn"], settings={"treat_unknown_age_as_minor": True}).settings
    plain = companion_config(["cn"]).settings
    assert audience_for(AgeStatus.MINOR, plain) is Audience.MINOR
    assert audience_for(AgeStatus.UNKNOWN, plain) is Audience.ADULT
    assert audience_for(AgeStatus.UNKNOWN, strict) is Audience.MINOR
    assert audience_for(AgeStatus.ADULT, strict) is Audience.ADULT


def test_minors_policy_blocks_sexual_codes_at_the_flag_threshold() -> None:
    base = Policy()
    settings = companion_config(["cn"]).settings
    strict = minors_policy(base, settings)
    for code in ("A.1.f/sexual", "X.sexual_minors"):
        flag = base.thresholds(code, Audience.MINOR).flag
        assert strict.thresholds(code, Audience.MINOR).block == flag
        assert strict.thresholds(code, Audience.ADULT) == base.thresholds(code, Audience.ADULT)
    assert strict.thresholds("A.1.h/drugs", Audience.MINOR) == base.minor
    assert strict.fingerprint != base.fingerprint and strict.version == "1+minors"


def test_minors_policy_adds_rules_for_codes_the_policy_lacks() -> None:
    base = Policy(rules=())
    strict = minors_policy(base, companion_config(["cn"]).settings)
    assert strict.thresholds("A.1.f/sexual", Audience.MINOR).block == base.minor.flag
    assert strict.thresholds("A.1.f/sexual", Audience.ADULT) == base.adult


def test_minors_policy_is_unchanged_without_the_switch() -> None:
    base = Policy()
    assert minors_policy(base, companion_config(["us-ny"]).settings) is base


def test_policy_for_each_audience(cn: Protections) -> None:
    assert cn.policy_for(Audience.ADULT) is cn.policy
    assert cn.policy_for(Audience.MINOR).version.endswith("+minors")


@pytest.mark.parametrize(
    ("info", "refused"),
    [
        (minor(character_prompt=PARTNER_PROMPT), True),
        (minor(character_prompt="I am your mom and I will take care of you."), True),
        (minor(character_prompt=LIBRARIAN_PROMPT), False),
        (minor(intimate_persona=True), True),
        (minor(intimate_persona=False, character_prompt=PARTNER_PROMPT), False),
        (RequestInfo(text="你好", age=AgeStatus.ADULT, character_prompt=PARTNER_PROMPT), False),
        (RequestInfo(text="你好", character_prompt=PARTNER_PROMPT), False),
    ],
)
def test_intimate_personas_are_refused_for_minors(
    cn: Protections, info: RequestInfo, refused: bool
) -> None:
    d = cn.before_model(CompanionState(), info, None, T0)
    assert d.skip_model is refused
    if refused:
        assert d.notices[-1].kind is NoticeKind.MINOR_REFUSAL
        assert d.notices[-1].sources == ("CN-AN-06",)
        assert d.reply is not None and d.reply.endswith("该角色不向未成年用户开放。")


def test_persona_rule_is_off_outside_cn() -> None:
    p = Protections(companion_config(["us-ca"]))
    d = p.before_model(CompanionState(), minor(character_prompt=PARTNER_PROMPT), None, T0)
    assert not d.skip_model


@pytest.mark.parametrize(
    ("code", "score", "blocked"),
    [("A.1.f/sexual", 0.25, True), ("A.1.f/sexual", 0.1, False), ("X.sexual_minors", 0.1, True),
     ("A.1.h/drugs", 0.9, False)],
)  # fmt: skip
def test_sexual_input_is_always_blocked_for_minors(
    cn: Protections, make_verdict: MakeVerdict, code: str, score: float, blocked: bool
) -> None:
    # The default policy flags A.1.f/sexual for minors at 0.2 and X.sexual_minors at 0.1.
    verdict = make_verdict((code, score), action=Action.FLAG)
    d = cn.before_model(CompanionState(), minor(), verdict, T0)
    assert d.skip_model is blocked
    adult = cn.before_model(
        CompanionState(), RequestInfo(text="你好", age=AgeStatus.ADULT), verdict, T0
    )
    assert not adult.skip_model


def test_sexual_output_is_replaced_for_minors(cn: Protections, make_verdict: MakeVerdict) -> None:
    before = cn.before_model(CompanionState(), minor(), None, T0)
    output = make_verdict(("A.1.f/sexual", 0.3), action=Action.FLAG, role=Role.OUTPUT)
    after = cn.after_model(before.state, "(model text)", T0, output)
    assert after.reply == "这部分内容不适合未成年用户，已被拦截。"
    assert after.notices[0].sources == ("CN-AN-07",)
    text = compose(before, "(model text)", after)
    assert "(model text)" not in text and "本内容由人工智能生成" not in text
    adult_state = before.state.model_copy(update={"age": AgeStatus.ADULT})
    assert cn.after_model(adult_state, "(model text)", T0, output).reply is None


def test_us_ny_does_not_force_the_block(make_verdict: MakeVerdict) -> None:
    p = Protections(companion_config(["us-ny"]))
    verdict = make_verdict(("A.1.f/sexual", 0.25), action=Action.FLAG)
    assert not p.before_model(CompanionState(), minor(), verdict, T0).skip_model
