"""The records the protections take and return: request facts, per-user state, decisions.

All are frozen pydantic models: the gateway reads :class:`RequestInfo` from request metadata,
loads :class:`CompanionState` from the store, and persists the state that comes back in
:class:`Decision`, together with its audit notes and any :class:`EscalationRecord`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from menshen.verdict import Audience

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class AgeStatus(StrEnum):
    """What the service knows of the user's age (from registration, or a header)."""

    ADULT = "adult"
    MINOR = "minor"
    UNKNOWN = "unknown"


class RequestInfo(BaseModel):
    """Facts about one user turn, from request metadata and the store."""

    model_config = _FROZEN

    text: str
    """The user's message."""
    user_id: str | None = None
    """Pseudonymous user id (header ``X-Menshen-User``); goes into escalation records only."""
    session_id: str | None = None
    """Conversation id (``X-Menshen-Session``); a new id starts a new session."""
    request_id: str | None = None
    """Id of this request (``X-Request-ID``), to find the turn in the audit log."""
    age: AgeStatus = AgeStatus.UNKNOWN
    """The user's age status (``X-Menshen-Age``); ``unknown`` keeps what the state knows."""
    locale: str | None = None
    """BCP 47 locale (``X-Menshen-Locale``, e.g. ``zh-CN``); the configured default when absent."""
    intimate_persona: bool | None = None
    """Whether the character is an intimate partner or virtual relative, from its card audit
    (:attr:`menshen.cards.CardReport.intimate_persona`); None: unknown."""
    character_prompt: str | None = None
    """The character's system prompt; checked with :func:`menshen.cards.find_persona` when
    :attr:`intimate_persona` is unknown."""


class CompanionState(BaseModel):
    """Per-user protection state; the gateway stores it between turns."""

    model_config = _FROZEN

    schema_version: int = 1
    """Version of this record's shape."""
    age: AgeStatus = AgeStatus.UNKNOWN
    """The last known age status."""
    locale: str | None = None
    """The last locale the user's requests named."""
    session_id: str | None = None
    """The current session's id, as the client named it."""
    session_started_at: AwareDatetime | None = None
    """When the current session began."""
    session_ended: bool = False
    """True after an exit request; the next turn starts a new session."""
    last_turn_at: AwareDatetime | None = None
    """When the last user turn arrived."""
    continuous_since: AwareDatetime | None = None
    """When the current stretch of continuous use began."""
    last_reminder_at: AwareDatetime | None = None
    """When the last break reminder of the current stretch was shown."""
    last_disclosure_at: AwareDatetime | None = None
    """When the AI disclosure was last shown (any reason)."""
    last_start_disclosure_at: AwareDatetime | None = None
    """When a session-start disclosure was last shown."""


class NoticeKind(StrEnum):
    """What a notice is for."""

    CRISIS_REFERRAL = "crisis_referral"
    HUMAN_ANSWER = "human_answer"
    DISCLOSURE = "disclosure"
    MINORS_SUITABILITY = "minors_suitability"
    REMINDER = "reminder"
    EXIT = "exit"
    MINOR_REFUSAL = "minor_refusal"


class Notice(BaseModel):
    """A fixed text to show the user."""

    model_config = _FROZEN

    kind: NoticeKind
    """What the notice is for."""
    text: str
    """The text, in the request's language."""
    sources: tuple[str, ...]
    """REQUIREMENTS rows that call for it, e.g. ``("US-NY-01",)``."""


class AuditNote(BaseModel):
    """One protection decision, for the audit log (never carries the user's text)."""

    model_config = _FROZEN

    at: datetime
    """When it was decided."""
    event: str
    """What happened, e.g. ``disclosure``, ``crisis_referral``, ``strike``."""
    sources: tuple[str, ...] = ()
    """REQUIREMENTS rows behind it."""
    detail: str = ""
    """Rule ids, codes, levels: enough to explain the decision."""


class EscalationRecord(BaseModel):
    """A crisis turn that a person should follow up (CN-AN-04)."""

    model_config = _FROZEN

    schema_version: int = 1
    """Version of this record's shape."""
    created_at: AwareDatetime
    """When the crisis was detected."""
    user_id: str | None
    """The pseudonymous user id, so a person can follow up."""
    session_id: str | None
    """The session it happened in."""
    request_id: str | None
    """The request, to find the turn in the audit log."""
    codes: tuple[str, ...] = ()
    """Crisis risk codes from the input verdict."""
    rules: tuple[str, ...] = ()
    """Crisis phrase rules that matched."""
    locale: str
    """The locale the referral was given in."""
    gated: bool
    """True when the referral replaced the model's reply."""
    status: str = "open"
    """``open`` until a person closes it (the store owns later states)."""


class Decision(BaseModel):
    """What to do with one turn; see docs/companion.md for how a gateway applies it."""

    model_config = _FROZEN

    state: CompanionState
    """The new state, to persist."""
    audience: Audience = Audience.ADULT
    """The audience the turn was handled for."""
    notices: tuple[Notice, ...] = ()
    """Fixed texts to show, most important first."""
    skip_model: bool = False
    """Do not call the model: send :attr:`reply` instead."""
    reply: str | None = None
    """The text to send instead of the model's reply (before_model: when skipping; after_model:
    when the reply must be replaced). Never labelled: it is not generated."""
    prepend: str = ""
    """Notices to send before the reply (with a blank line after)."""
    label_prefix: str = ""
    """Explicit label to put right before the generated text."""
    label_suffix: str = ""
    """Explicit label to put right after the generated text."""
    append: str = ""
    """Text to send after everything else (a correction notice)."""
    label: str | None = None
    """The explicit label in use, for a persistent UI badge."""
    model_instructions: tuple[str, ...] = ()
    """Instructions to add to the model's system prompt for this turn."""
    escalation: EscalationRecord | None = None
    """A crisis escalation to store for human follow-up."""
    referral_year: int | None = Field(default=None, ge=1970)
    """When set, add one referral to this calendar year's counter."""
    session_ended: bool = False
    """The user exited; the session is over."""
    audit: tuple[AuditNote, ...] = ()
    """What was decided and why."""
