"""Sessions, continuous use, and the disclosure and reminder schedules.

Definitions (all durations configurable, see :class:`ProfileSettings`):

* A **session** starts on the first turn, on a turn with a new session id, on the turn after an
  exit, and on a turn that follows a pause of at least ``new_session_gap_minutes``.
* **Continuous use** is a stretch of turns with no pause of ``continuous_use_gap_minutes`` or
  more between two of them; a longer pause restarts the clock. Switching sessions (a new id, an
  exit) does not: moving to another character is still continuous use.
* A **reminder** is due when continuous use since the stretch began, or since the last reminder,
  reaches the interval (at exactly 2 h for ``cn``, not only after it).
* A **session-start disclosure** is due on the first turn of a session unless one was shown less
  than ``start_disclosure_min_gap_minutes`` ago; a **periodic disclosure** is due when the
  interval has passed since the last disclosure or the session start, whichever is later.

Schedules only fire on turns: the protections run when the user writes. A clock that goes
backwards (``now`` before the last turn) counts as no time passing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from menshen.companion.records import CompanionState
from menshen.companion.settings import ProfileSettings
from menshen.errors import InputError
from menshen.verdict import Audience


def minutes(value: int) -> timedelta:
    """``value`` minutes as a :class:`timedelta`."""
    return timedelta(minutes=value)


def check_aware(now: datetime) -> None:
    """Refuse naive datetimes: schedules compare instants."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise InputError("now must be timezone-aware, e.g. datetime.now(timezone.utc)")


def since(earlier: datetime | None, now: datetime) -> timedelta | None:
    """Time from ``earlier`` to ``now`` (never negative); None when ``earlier`` is unknown."""
    if earlier is None:
        return None
    return max(now - earlier, timedelta(0))


def interval(everyone: int | None, minors: int | None, audience: Audience) -> timedelta | None:
    """The schedule that applies to ``audience``: minors get the shorter of the two."""
    candidates = [everyone] + ([minors] if audience is Audience.MINOR else [])
    present = [m for m in candidates if m is not None]
    return minutes(min(present)) if present else None


@dataclass(frozen=True, slots=True)
class Clock:
    """The state advanced to a new turn."""

    state: CompanionState
    new_session: bool
    """This turn starts a session."""


def advance(
    state: CompanionState, session_id: str | None, now: datetime, settings: ProfileSettings
) -> Clock:
    """Move the session and continuous-use clocks to a turn arriving at ``now``."""
    check_aware(now)
    gap = since(state.last_turn_at, now)
    new_session = (
        state.session_started_at is None
        or state.session_ended
        or (session_id is not None and session_id != state.session_id)
        or (gap is not None and gap >= minutes(settings.new_session_gap_minutes))
    )
    update: dict[str, object] = {"last_turn_at": now}
    if new_session:
        update |= {"session_id": session_id, "session_started_at": now, "session_ended": False}
    if gap is None or gap >= minutes(settings.continuous_use_gap_minutes):
        update |= {"continuous_since": now, "last_reminder_at": None}
    return Clock(state.model_copy(update=update), new_session)


def start_disclosure_due(clock: Clock, now: datetime, settings: ProfileSettings) -> bool:
    """The session-start disclosure is due on this turn."""
    if not (clock.new_session and settings.disclose_at_session_start):
        return False
    last = since(clock.state.last_start_disclosure_at, now)
    return last is None or last >= minutes(settings.start_disclosure_min_gap_minutes)


def periodic_disclosure_due(
    state: CompanionState, now: datetime, settings: ProfileSettings, audience: Audience
) -> bool:
    """The scheduled repeat of the disclosure is due on this turn."""
    every = interval(
        settings.disclosure_every_minutes, settings.minor_disclosure_every_minutes, audience
    )
    if every is None:
        return False
    anchors = [t for t in (state.last_disclosure_at, state.session_started_at) if t is not None]
    elapsed = since(max(anchors), now) if anchors else None
    return elapsed is None or elapsed >= every


def redisclosure_allowed(state: CompanionState, now: datetime, settings: ProfileSettings) -> bool:
    """A dependence re-disclosure may be shown (the last disclosure is old enough)."""
    last = since(state.last_disclosure_at, now)
    return last is None or last >= minutes(settings.redisclosure_min_gap_minutes)


def reminder_due(
    state: CompanionState, now: datetime, settings: ProfileSettings, audience: Audience
) -> bool:
    """A continuous-use reminder is due on this turn."""
    every = interval(
        settings.reminder_every_minutes, settings.minor_reminder_every_minutes, audience
    )
    anchor = state.last_reminder_at or state.continuous_since
    elapsed = since(anchor, now)
    return every is not None and elapsed is not None and elapsed >= every


def continuous_use(state: CompanionState, now: datetime) -> timedelta:
    """How long the current stretch of continuous use has lasted."""
    return since(state.continuous_since, now) or timedelta(0)


def disclosed(state: CompanionState, now: datetime, *, at_start: bool) -> CompanionState:
    """The state after a disclosure was shown."""
    update: dict[str, object] = {"last_disclosure_at": now}
    if at_start:
        update["last_start_disclosure_at"] = now
    return state.model_copy(update=update)


def reminded(state: CompanionState, now: datetime) -> CompanionState:
    """The state after a reminder was shown."""
    return state.model_copy(update={"last_reminder_at": now})
