"""Sessions, continuous use, reminders and disclosures at every boundary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from menshen.companion import (
    AgeStatus,
    CompanionState,
    Decision,
    NoticeKind,
    Protections,
    RequestInfo,
    companion_config,
)
from menshen.errors import InputError

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def kinds(decision: Decision) -> list[NoticeKind]:
    return [n.kind for n in decision.notices]


def chat(
    protections: Protections,
    minutes: list[float],
    *,
    age: AgeStatus = AgeStatus.UNKNOWN,
    session: str | None = "s1",
) -> list[Decision]:
    """One turn at each offset (minutes after T0), each state fed to the next turn."""
    state, out = CompanionState(), []
    for offset in minutes:
        info = RequestInfo(text="今天天气不错", session_id=session, age=age)
        decision = protections.before_model(state, info, None, T0 + timedelta(minutes=offset))
        state = decision.state
        out.append(decision)
    return out


def every_minutes(end: float, step: float = 10) -> list[float]:
    return [i * step for i in range(int(end // step) + 1)]


@pytest.fixture(scope="module")
def cn() -> Protections:
    return Protections(companion_config(["cn"]))


@pytest.fixture(scope="module")
def ny() -> Protections:
    return Protections(companion_config(["us-ny"]))


@pytest.fixture(scope="module")
def ca() -> Protections:
    return Protections(companion_config(["us-ca"]))


# ------------------------------------------------------------------------ cn: 2 h reminder
@pytest.mark.parametrize(
    ("last", "reminded"), [(119 + 59 / 60, False), (120, True), (120 + 1 / 60, True)]
)
def test_cn_reminder_at_exactly_two_hours(cn: Protections, last: float, reminded: bool) -> None:
    turns = chat(cn, [*every_minutes(110), last])
    assert (NoticeKind.REMINDER in kinds(turns[-1])) is reminded
    assert not any(NoticeKind.REMINDER in kinds(d) for d in turns[:-1])


def test_cn_reminder_repeats_two_hours_after_the_last_one(cn: Protections) -> None:
    turns = chat(cn, every_minutes(250))
    at = [i * 10 for i, d in enumerate(turns) if NoticeKind.REMINDER in kinds(d)]
    assert at == [120, 240]


def test_reminder_text_says_how_long(cn: Protections) -> None:
    turn = chat(cn, [*every_minutes(120, 20), 125])[-2]
    reminder = next(n for n in turn.notices if n.kind is NoticeKind.REMINDER)
    assert "2小时" in reminder.text and reminder.sources == ("CN-AN-02",)


@pytest.mark.parametrize(("pause", "resets"), [(29 + 59 / 60, False), (30, True)])
def test_a_pause_of_the_gap_length_restarts_continuous_use(
    cn: Protections, pause: float, resets: bool
) -> None:
    # 80 min of use, a pause, then 15 more minutes: past 2 h only when the pause did not reset.
    resume = 80 + pause
    turns = chat(cn, [*every_minutes(80), resume, resume + 15])
    assert (NoticeKind.REMINDER in kinds(turns[-1])) is not resets
    assert (turns[-1].state.continuous_since == T0) is not resets


def test_a_new_session_id_does_not_restart_continuous_use(cn: Protections) -> None:
    state = CompanionState()
    for i, offset in enumerate(every_minutes(120)):
        info = RequestInfo(text="你好", session_id=f"character-{i % 3}")
        decision = cn.before_model(state, info, None, T0 + timedelta(minutes=offset))
        state = decision.state
    assert NoticeKind.REMINDER in kinds(decision)


@given(st.lists(st.floats(min_value=0, max_value=90, allow_nan=False), min_size=1, max_size=40))
def test_after_every_turn_the_reminder_clock_is_under_two_hours(gaps: list[float]) -> None:
    protections = Protections(companion_config(["cn"]))
    offsets = [sum(gaps[: i + 1]) for i in range(len(gaps))]
    for decision, offset in zip(chat(protections, offsets), offsets, strict=True):
        state, now = decision.state, T0 + timedelta(minutes=offset)
        anchor = state.last_reminder_at or state.continuous_since
        assert anchor is not None and now - anchor < timedelta(hours=2)


# -------------------------------------------------------------------- us-ca: known minors
@pytest.mark.parametrize(("last", "due"), [(179 + 59 / 60, False), (180, True)])
def test_ca_minor_gets_disclosure_and_break_reminder_every_three_hours(
    ca: Protections, last: float, due: bool
) -> None:
    turns = chat(ca, [*every_minutes(170), last], age=AgeStatus.MINOR)
    expected = {NoticeKind.DISCLOSURE, NoticeKind.REMINDER}
    assert (expected <= set(kinds(turns[-1]))) is due
    if due:
        sources = {n.kind: n.sources for n in turns[-1].notices}
        assert sources[NoticeKind.REMINDER] == ("US-CA-03",)
        assert sources[NoticeKind.DISCLOSURE] == ("US-CA-03",)


def test_ca_adults_and_unknown_ages_get_no_schedule(ca: Protections) -> None:
    for age in (AgeStatus.ADULT, AgeStatus.UNKNOWN):
        turns = chat(ca, every_minutes(400), age=age)
        assert [kinds(d) for d in turns[1:]] == [[] for _ in turns[1:]]


def test_unknown_age_can_be_treated_as_minor() -> None:
    config = companion_config(["us-ca"], settings={"treat_unknown_age_as_minor": True})
    turns = chat(Protections(config), every_minutes(180))
    assert NoticeKind.REMINDER in kinds(turns[-1])


def test_the_stored_age_is_kept_when_the_request_does_not_say(ca: Protections) -> None:
    state = ca.before_model(
        CompanionState(), RequestInfo(text="hi", age=AgeStatus.MINOR), None, T0
    ).state
    for offset in every_minutes(180)[1:]:
        later = ca.before_model(state, RequestInfo(text="hi"), None, T0 + timedelta(minutes=offset))
        state = later.state
    assert later.audience.value == "minor"
    assert NoticeKind.REMINDER in kinds(later)


# ------------------------------------------------------------------------- us-ny: everyone
@pytest.mark.parametrize(("last", "due"), [(179 + 59 / 60, False), (180, True)])
def test_ny_discloses_every_three_hours_for_everyone(
    ny: Protections, last: float, due: bool
) -> None:
    turns = chat(ny, [*every_minutes(170), last], age=AgeStatus.ADULT)
    assert kinds(turns[0]) == [NoticeKind.DISCLOSURE]
    assert (NoticeKind.DISCLOSURE in kinds(turns[-1])) is due
    assert NoticeKind.REMINDER not in kinds(turns[-1])


@pytest.mark.parametrize(("hours", "shown"), [(24 - 1 / 3600, False), (24, True)])
def test_ny_start_notice_at_most_once_a_day(ny: Protections, hours: float, shown: bool) -> None:
    first = ny.before_model(CompanionState(), RequestInfo(text="hi", session_id="a"), None, T0)
    second = ny.before_model(
        first.state, RequestInfo(text="hi", session_id="b"), None, T0 + timedelta(hours=hours)
    )
    assert (NoticeKind.DISCLOSURE in kinds(second)) is shown


def test_ny_periodic_clock_counts_from_the_session_start(ny: Protections) -> None:
    first = ny.before_model(CompanionState(), RequestInfo(text="hi", session_id="a"), None, T0)
    start_b = T0 + timedelta(hours=5)
    b = ny.before_model(first.state, RequestInfo(text="hi", session_id="b"), None, start_b)
    assert kinds(b) == []  # start notice already shown today
    state = b.state
    for minutes in range(10, 180, 10):
        d = ny.before_model(
            state,
            RequestInfo(text="hi", session_id="b"),
            None,
            start_b + timedelta(minutes=minutes),
        )
        assert kinds(d) == []
        state = d.state
    d = ny.before_model(
        state, RequestInfo(text="hi", session_id="b"), None, start_b + 3 * timedelta(hours=1)
    )
    assert kinds(d) == [NoticeKind.DISCLOSURE]


# --------------------------------------------------------------------------- sessions
def test_every_new_session_starts_with_the_disclosure(cn: Protections) -> None:
    state = CompanionState()
    for i, session in enumerate(["a", "a", "b", "b"]):
        d = cn.before_model(
            state, RequestInfo(text="你好", session_id=session), None, T0 + i * SECOND
        )
        assert (NoticeKind.DISCLOSURE in kinds(d)) is (i in (0, 2))
        state = d.state


@pytest.mark.parametrize(("pause", "new"), [(30 - 1 / 60, False), (30, True)])
def test_a_long_pause_starts_a_new_session(cn: Protections, pause: float, new: bool) -> None:
    turns = chat(cn, [0, pause], session=None)
    assert (NoticeKind.DISCLOSURE in kinds(turns[1])) is new
    assert (turns[1].state.session_started_at != T0) is new


def test_a_clock_going_backwards_counts_as_no_time(cn: Protections) -> None:
    first = cn.before_model(CompanionState(), RequestInfo(text="你好", session_id="a"), None, T0)
    back = cn.before_model(
        first.state, RequestInfo(text="你好", session_id="a"), None, T0 - timedelta(hours=5)
    )
    assert kinds(back) == []


def test_naive_datetimes_are_refused(cn: Protections) -> None:
    with pytest.raises(InputError, match="timezone-aware"):
        cn.before_model(CompanionState(), RequestInfo(text="hi"), None, datetime(2026, 1, 1))
