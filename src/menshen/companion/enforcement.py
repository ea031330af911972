"""Per-user strikes for inducement attempts: ok → warn → limit → suspend (CN-TS-20).

A **strike** is an input turn that the guard blocked with an inducement code (``X.jailbreak``,
``X.sexual_minors`` and ``A.1`` by default) scoring at least ``min_score``. Any other input turn
resets the *consecutive* count; the *per-day* count restarts each calendar day (in
``timezone``). Levels:

* ``warn`` after ``warn_after`` strikes in a day (default: the first);
* ``limit`` when the consecutive count reaches ``limit_consecutive`` (3) or the day's count
  reaches ``limit_per_day`` (5), the trigger of the 2023 draft quoted by CN-TS-20; both counts
  then restart, and the limit lasts ``limit_minutes`` (then back to ``warn``);
* ``suspend`` when the limit trigger is reached for the ``suspend_after_limits``-th time (2),
  until an appeal is granted or an administrator resets the user.

Every function is pure: it takes the state and returns an :class:`EnforcementResult` with the new
state and one audit note per transition. The store persists both; the admin API exposes
:func:`appeal`, :func:`resolve_appeal` and :func:`reset`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from menshen.companion.crisis import codes_at
from menshen.companion.records import AuditNote
from menshen.companion.settings import known_codes
from menshen.companion.texts import Messages
from menshen.companion.timers import check_aware
from menshen.errors import InputError
from menshen.verdict import Action, Role, Verdict

SOURCE = ("CN-TS-20",)
_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Level(StrEnum):
    """How far enforcement has gone for a user."""

    OK = "ok"
    WARN = "warn"
    LIMIT = "limit"
    SUSPEND = "suspend"


class EnforcementConfig(BaseModel):
    """Thresholds of the strike machine; defaults from REQUIREMENTS CN-TS-20."""

    model_config = _FROZEN

    inducement_codes: tuple[str, ...] = ("X.jailbreak", "X.sexual_minors", "A.1")
    """Risk codes (or ancestors) whose blocked inputs count as inducement attempts."""
    min_score: float = Field(default=0.5, ge=0.0, le=1.0)
    """Lowest score of an inducement code that makes a blocked input a strike."""
    warn_after: int = Field(default=1, ge=1)
    """Strikes in a day before the first warning (Menshen default)."""
    limit_consecutive: int = Field(default=3, ge=1)
    """Consecutive strikes that trigger a limit (CN-TS-20, 2023 draft)."""
    limit_per_day: int = Field(default=5, ge=1)
    """Strikes in one calendar day that trigger a limit (CN-TS-20, 2023 draft)."""
    limit_minutes: int | None = Field(default=1440, gt=0)
    """How long a limit lasts; None: until reset (Menshen default: one day)."""
    suspend_after_limits: int = Field(default=2, ge=1)
    """The limit trigger suspends the user on this occurrence (Menshen default: the second)."""
    timezone: str = "Asia/Shanghai"
    """Time zone of the calendar day for the per-day count."""

    @field_validator("inducement_codes")
    @classmethod
    def _codes(cls, codes: tuple[str, ...]) -> tuple[str, ...]:
        return known_codes(codes)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class EnforcementState(BaseModel):
    """One user's strike record; the store persists it."""

    model_config = _FROZEN

    schema_version: int = 1
    """Version of this record's shape."""
    level: Level = Level.OK
    """Current level."""
    level_since: AwareDatetime | None = None
    """When the current level began."""
    limited_until: AwareDatetime | None = None
    """When a limit ends (None: no limit, or until reset)."""
    consecutive: int = Field(default=0, ge=0)
    """Strikes in a row, since the last clean input or limit trigger."""
    day: date | None = None
    """The calendar day :attr:`day_count` counts."""
    day_count: int = Field(default=0, ge=0)
    """Strikes on :attr:`day`, since the last limit trigger."""
    limits: int = Field(default=0, ge=0)
    """How often the limit trigger was reached since the last reset."""
    total_strikes: int = Field(default=0, ge=0)
    """All strikes ever recorded (kept across resets, for the record)."""
    appeal_pending: bool = False
    """An appeal waits for a decision."""
    appealed_at: AwareDatetime | None = None
    """When the pending appeal was made."""


class EnforcementResult(BaseModel):
    """The outcome of one operation."""

    model_config = _FROZEN

    state: EnforcementState
    """The new state, to persist."""
    strike: bool = False
    """The turn was a strike."""
    codes: tuple[str, ...] = ()
    """The inducement codes behind the strike."""
    audit: tuple[AuditNote, ...] = ()
    """One note per transition."""

    @property
    def allowed(self) -> bool:
        """False when the user is suspended."""
        return self.state.level is not Level.SUSPEND


def _note(now: datetime, event: str, detail: str) -> AuditNote:
    return AuditNote(at=now, event=event, sources=SOURCE, detail=detail)


def _move(
    state: EnforcementState, level: Level, now: datetime, **update: object
) -> EnforcementState:
    return state.model_copy(update={"level": level, "level_since": now, **update})


def expire(state: EnforcementState, now: datetime) -> EnforcementResult:
    """End a limit whose time is up (back to ``warn``)."""
    check_aware(now)
    if (
        state.level is Level.LIMIT
        and state.limited_until is not None
        and now >= state.limited_until
    ):
        moved = _move(state, Level.WARN, now, limited_until=None)
        return EnforcementResult(state=moved, audit=(_note(now, "limit_expired", "limit → warn"),))
    return EnforcementResult(state=state)


def record_input(
    state: EnforcementState, verdict: Verdict, now: datetime, config: EnforcementConfig
) -> EnforcementResult:
    """Count one input turn: a strike when blocked with an inducement code, else a clean turn."""
    if verdict.role is not Role.INPUT:
        raise InputError("record_input takes the verdict on the user's input, not on an output")
    expired = expire(state, now)
    state, notes = expired.state, list(expired.audit)
    today = now.astimezone(ZoneInfo(config.timezone)).date()
    if state.day != today:
        state = state.model_copy(update={"day": today, "day_count": 0})
    codes = (
        codes_at(verdict, config.inducement_codes, config.min_score)
        if verdict.action is Action.BLOCK
        else ()
    )
    if not codes:
        if state.consecutive:
            state = state.model_copy(update={"consecutive": 0})
        return EnforcementResult(state=state, audit=tuple(notes))
    state = state.model_copy(
        update={
            "consecutive": state.consecutive + 1,
            "day_count": state.day_count + 1,
            "total_strikes": state.total_strikes + 1,
        }
    )
    counts = f"consecutive={state.consecutive} today={state.day_count}"
    notes.append(_note(now, "strike", f"codes={list(codes)} {counts}"))
    before = state.level
    if state.consecutive >= config.limit_consecutive or state.day_count >= config.limit_per_day:
        limits = state.limits + 1
        reset = {"consecutive": 0, "day_count": 0, "limits": limits}
        notes.append(_note(now, "limit_trigger", f"occurrence={limits} ({counts})"))
        if limits >= config.suspend_after_limits:
            state = _move(state, Level.SUSPEND, now, limited_until=None, **reset)
        else:
            until = now + timedelta(minutes=config.limit_minutes) if config.limit_minutes else None
            state = _move(state, Level.LIMIT, now, limited_until=until, **reset)
    elif before is Level.OK and state.day_count >= config.warn_after:
        state = _move(state, Level.WARN, now)
    if state.level is not before:
        notes.append(_note(now, "level_change", f"{before} → {state.level} ({counts})"))
    return EnforcementResult(state=state, strike=True, codes=codes, audit=tuple(notes))


def appeal(state: EnforcementState, now: datetime) -> EnforcementResult:
    """The user appeals their current level (CN-AN-07, CN-AN-13 appeal channel)."""
    check_aware(now)
    if state.level is Level.OK:
        raise InputError("there is nothing to appeal: the user's level is ok")
    if state.appeal_pending:
        raise InputError("an appeal is already pending for this user")
    moved = state.model_copy(update={"appeal_pending": True, "appealed_at": now})
    return EnforcementResult(state=moved, audit=(_note(now, "appeal", f"level={state.level}"),))


def resolve_appeal(
    state: EnforcementState, now: datetime, *, granted: bool, reviewer: str
) -> EnforcementResult:
    """A person decides the pending appeal: granted resets the user, denied keeps the level."""
    check_aware(now)
    if not state.appeal_pending:
        raise InputError("there is no pending appeal to resolve")
    if granted:
        fresh = EnforcementState(total_strikes=state.total_strikes, level_since=now)
        note = _note(now, "appeal_granted", f"{state.level} → ok by {reviewer}")
        return EnforcementResult(state=fresh, audit=(note,))
    kept = state.model_copy(update={"appeal_pending": False, "appealed_at": None})
    note = _note(now, "appeal_denied", f"level={state.level} kept by {reviewer}")
    return EnforcementResult(state=kept, audit=(note,))


def reset(state: EnforcementState, now: datetime, *, by: str) -> EnforcementResult:
    """An administrator clears the user's record (the strike total is kept)."""
    check_aware(now)
    fresh = EnforcementState(total_strikes=state.total_strikes, level_since=now)
    return EnforcementResult(
        state=fresh, audit=(_note(now, "reset", f"{state.level} → ok by {by}"),)
    )


def level_message(level: Level, messages: Messages) -> str | None:
    """The text to show a user at ``level`` (None at ``ok``)."""
    return {
        Level.OK: None,
        Level.WARN: messages.strike_warning,
        Level.LIMIT: messages.limited,
        Level.SUSPEND: messages.suspended,
    }[level]
