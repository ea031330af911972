"""Per-user strikes: ok → warn → limit → suspend, expiry, appeal and reset (CN-TS-20)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from menshen.companion import (
    EnforcementConfig,
    EnforcementState,
    Level,
    appeal,
    companion_config,
    record_input,
    reset,
    resolve_appeal,
)
from menshen.companion.enforcement import expire, level_message
from menshen.errors import InputError
from menshen.verdict import Action, RiskFinding, Role, Verdict

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
CONFIG = EnforcementConfig()
MakeVerdict = Callable[..., Verdict]


@pytest.fixture
def strike(make_verdict: MakeVerdict) -> Verdict:
    return make_verdict(("X.jailbreak", 0.9), action=Action.BLOCK)


@pytest.fixture
def clean(make_verdict: MakeVerdict) -> Verdict:
    return make_verdict()


def run(state: EnforcementState, verdicts: list[Verdict], start: datetime = T0) -> EnforcementState:
    for i, verdict in enumerate(verdicts):
        state = record_input(state, verdict, start + timedelta(minutes=i), CONFIG).state
    return state


def test_first_strike_warns(strike: Verdict) -> None:
    result = record_input(EnforcementState(), strike, T0, CONFIG)
    assert result.strike and result.codes == ("X.jailbreak",)
    assert result.state.level is Level.WARN and result.allowed
    assert [a.event for a in result.audit] == ["strike", "level_change"]
    assert all(a.sources == ("CN-TS-20",) for a in result.audit)


@pytest.mark.parametrize(("n", "level"), [(2, Level.WARN), (3, Level.LIMIT)])
def test_three_consecutive_strikes_limit(strike: Verdict, n: int, level: Level) -> None:
    state = run(EnforcementState(), [strike] * n)
    assert state.level is level
    if level is Level.LIMIT:
        assert state.limited_until == T0 + timedelta(minutes=2, days=1)
        assert (state.consecutive, state.day_count, state.limits) == (0, 0, 1)


def test_a_clean_turn_resets_the_consecutive_count(strike: Verdict, clean: Verdict) -> None:
    state = run(EnforcementState(), [strike, strike, clean, strike])
    assert state.level is Level.WARN and (state.consecutive, state.day_count) == (1, 3)


@pytest.mark.parametrize(("n", "level"), [(4, Level.WARN), (5, Level.LIMIT)])
def test_five_strikes_a_day_limit(strike: Verdict, clean: Verdict, n: int, level: Level) -> None:
    turns = [v for _ in range(n) for v in (strike, clean)]
    assert run(EnforcementState(), turns).level is level


def test_the_day_count_restarts_at_local_midnight(strike: Verdict, clean: Verdict) -> None:
    # 15:58 UTC is 23:58 in Shanghai: four strikes before midnight, one after.
    evening = datetime(2026, 3, 2, 15, 50, tzinfo=UTC)
    turns = [strike, clean] * 4
    state = run(EnforcementState(), turns, evening)
    after_midnight = record_input(state, strike, evening + timedelta(minutes=11), CONFIG)
    assert after_midnight.state.level is Level.WARN and after_midnight.state.day_count == 1


def test_the_second_limit_trigger_suspends(strike: Verdict) -> None:
    limited = run(EnforcementState(), [strike] * 3)
    result = record_input(limited, strike, T0 + timedelta(hours=1), CONFIG)
    assert result.state.level is Level.LIMIT  # counts restarted after the first trigger
    state = run(result.state, [strike] * 2, T0 + timedelta(hours=2))
    assert state.level is Level.SUSPEND and state.limited_until is None


@pytest.mark.parametrize(
    ("after", "level"),
    [(timedelta(days=1) - timedelta(seconds=1), Level.LIMIT), (timedelta(days=1), Level.WARN)],
)
def test_a_limit_expires(strike: Verdict, after: timedelta, level: Level) -> None:
    limited = run(EnforcementState(), [strike] * 3)
    assert limited.limited_until is not None
    result = expire(limited, limited.limited_until - timedelta(days=1) + after)
    assert result.state.level is level
    assert [a.event for a in result.audit] == ([] if level is Level.LIMIT else ["limit_expired"])


def test_configurable_thresholds(strike: Verdict) -> None:
    config = EnforcementConfig(limit_consecutive=2, suspend_after_limits=1, limit_minutes=None)
    state = EnforcementState()
    for i in range(2):
        state = record_input(state, strike, T0 + timedelta(minutes=i), config).state
    assert state.level is Level.SUSPEND


@pytest.mark.parametrize(
    ("code", "score", "action"),
    [
        ("A.4.f/pii", 0.9, Action.BLOCK),  # blocked, but not an inducement code
        ("X.jailbreak", 0.4, Action.BLOCK),  # below min_score
        ("X.jailbreak", 0.9, Action.FLAG),  # not blocked
        ("A.4.a/suicide", 0.9, Action.BLOCK),  # a person in crisis never earns a strike
    ],
)
def test_what_is_not_a_strike(
    make_verdict: MakeVerdict, code: str, score: float, action: Action
) -> None:
    result = record_input(
        EnforcementState(), make_verdict((code, score), action=action), T0, CONFIG
    )
    assert not result.strike and result.state.level is Level.OK


def test_inducement_codes_are_configurable(make_verdict: MakeVerdict) -> None:
    config = EnforcementConfig(inducement_codes=("A.4.f",))
    verdict = make_verdict(("A.4.f/pii", 0.9), action=Action.BLOCK)
    assert record_input(EnforcementState(), verdict, T0, config).strike
    assert record_input(
        EnforcementState(), make_verdict(("A.1.f/sexual", 0.9), action=Action.BLOCK), T0, CONFIG
    ).strike


def test_output_verdicts_are_refused(make_verdict: MakeVerdict) -> None:
    with pytest.raises(InputError, match="input"):
        record_input(EnforcementState(), make_verdict(role=Role.OUTPUT), T0, CONFIG)


def test_appeal_granted_resets(strike: Verdict) -> None:
    limited = run(EnforcementState(), [strike] * 3)
    appealed = appeal(limited, T0 + timedelta(hours=1))
    assert appealed.state.appeal_pending and appealed.audit[0].event == "appeal"
    granted = resolve_appeal(appealed.state, T0 + timedelta(hours=2), granted=True, reviewer="r1")
    assert granted.state.level is Level.OK and not granted.state.appeal_pending
    assert granted.state.total_strikes == 3 and granted.state.limits == 0
    assert "by r1" in granted.audit[0].detail


def test_appeal_denied_keeps_the_level(strike: Verdict) -> None:
    suspended = run(EnforcementState(), [strike] * 6)
    assert suspended.level is Level.SUSPEND
    appealed = appeal(suspended, T0).state
    denied = resolve_appeal(appealed, T0, granted=False, reviewer="r2")
    assert denied.state.level is Level.SUSPEND and not denied.state.appeal_pending
    assert not denied.allowed


def test_appeal_errors(strike: Verdict) -> None:
    with pytest.raises(InputError, match="nothing to appeal"):
        appeal(EnforcementState(), T0)
    warned = run(EnforcementState(), [strike])
    pending = appeal(warned, T0).state
    with pytest.raises(InputError, match="already pending"):
        appeal(pending, T0)
    with pytest.raises(InputError, match="no pending appeal"):
        resolve_appeal(warned, T0, granted=True, reviewer="r")


def test_reset_by_an_administrator(strike: Verdict) -> None:
    suspended = run(EnforcementState(), [strike] * 6)
    result = reset(suspended, T0, by="admin")
    assert result.state.level is Level.OK and result.state.total_strikes == 6
    assert result.audit[0].event == "reset" and "admin" in result.audit[0].detail


def test_level_messages() -> None:
    messages = companion_config(["cn"]).texts.messages["zh"]
    assert level_message(Level.OK, messages) is None
    assert "暂停" in (level_message(Level.SUSPEND, messages) or "")


def test_state_round_trips_through_json(strike: Verdict) -> None:
    state = run(EnforcementState(), [strike] * 3)
    assert EnforcementState.model_validate_json(state.model_dump_json()) == state


def test_bad_config_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        EnforcementConfig(timezone="Nowhere/City")
    with pytest.raises(ValueError):
        EnforcementConfig(limit_consecutive=0)
    with pytest.raises(ValueError, match="covers no risk code"):
        EnforcementConfig(inducement_codes=("X.jailbrake",))


_ORDER = {Level.OK: 0, Level.WARN: 1, Level.LIMIT: 2, Level.SUSPEND: 3}


def _verdict(blocked: bool) -> Verdict:
    risks = (RiskFinding(code="X.jailbreak", score=0.9, detector="test"),) if blocked else ()
    action = Action.BLOCK if blocked else Action.ALLOW
    return Verdict(
        flagged=blocked, action=action, risks=risks, policy_version="t", lexicon_version="t"
    )


@given(st.lists(st.tuples(st.booleans(), st.integers(0, 600)), max_size=60))
def test_counts_stay_below_the_triggers_and_only_expiry_lowers_a_level(
    turns: list[tuple[bool, int]],
) -> None:
    state, now = EnforcementState(), T0
    for blocked, gap in turns:
        now += timedelta(minutes=gap)
        result = record_input(state, _verdict(blocked), now, CONFIG)
        new = result.state
        assert new.consecutive < CONFIG.limit_consecutive
        assert new.day_count < CONFIG.limit_per_day
        expired = any(a.event == "limit_expired" for a in result.audit)
        if not expired:
            assert _ORDER[new.level] >= _ORDER[state.level]
        assert result.strike is blocked
        state = new
