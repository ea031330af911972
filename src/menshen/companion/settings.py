"""The settings of one jurisdiction profile, and how profiles combine.

Every number and switch of the companion protections is a field of :class:`ProfileSettings`. The
shipped profiles (``cn``, ``us-ca``, ``us-ny``, ``eu``) are data (``data/profiles.yaml``); a
field a profile leaves out takes the neutral default here (off, or no schedule), so combining a
profile with another never weakens it. :func:`combine` takes the strictest value of each field:
a switch is on when any profile turns it on, a schedule is the shortest, a set of codes is the
union. The rule of each field is listed in :data:`COMBINE_RULES`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from menshen.policy import covers

_FROZEN = ConfigDict(frozen=True, extra="forbid")

Minutes = int | None


class Placement(StrEnum):
    """Where the explicit AIGC label goes on generated text (GB 45438 §5.1 allows start, end or
    middle; Menshen places it at the start, the end, or both)."""

    START = "start"
    END = "end"
    BOTH = "both"


class ProfileSettings(BaseModel):
    """Every switch and number of the companion protections. Durations are in minutes."""

    model_config = _FROZEN

    # -- disclosure: "you are talking to an AI"
    disclose_at_session_start: bool = False
    """Show the AI disclosure on the first turn of a session."""
    start_disclosure_min_gap_minutes: int = Field(default=0, ge=0)
    """A session-start disclosure is skipped when one was shown less than this long ago
    (0: every session). New York lets the start notice be limited to once a day."""
    disclosure_every_minutes: Minutes = Field(default=None, gt=0)
    """Repeat the disclosure for everyone at least this often within a session."""
    minor_disclosure_every_minutes: Minutes = Field(default=None, gt=0)
    """Repeat the disclosure for minors at least this often within a session."""
    answer_are_you_human: bool = False
    """Answer "are you human?" honestly: a fixed answer before the model's reply."""
    correct_human_claims: bool = False
    """When the model's reply claims to be human, append the disclosure after it."""
    redisclose_on_dependence: bool = False
    """Repeat the disclosure when the input shows over-dependence signals."""
    redisclosure_min_gap_minutes: int = Field(default=60, ge=0)
    """A dependence re-disclosure is skipped when a disclosure was shown less than this ago."""
    minors_suitability_notice: bool = False
    """Add "may not be suitable for some minors" to the session-start disclosure."""

    # -- continuous-use reminders
    reminder_every_minutes: Minutes = Field(default=None, gt=0)
    """Remind everyone to take a break after this much continuous use, and again as often."""
    minor_reminder_every_minutes: Minutes = Field(default=None, gt=0)
    """The same for minors (the shorter of the two applies to them)."""
    continuous_use_gap_minutes: int = Field(default=30, gt=0)
    """A pause between two turns at least this long ends continuous use (the clock restarts)."""
    new_session_gap_minutes: int = Field(default=30, gt=0)
    """A pause between two turns at least this long starts a new session."""

    # -- crisis protocol
    crisis_referral: bool = False
    """Show the locale's crisis referral when self-harm or suicide intent is expressed."""
    crisis_gates_model: bool = False
    """The referral replaces the model's reply (the model is not called)."""
    crisis_escalation: bool = False
    """Produce an escalation record for human follow-up."""
    count_referrals: bool = False
    """Count referrals per calendar year for the annual report (no user ids)."""
    crisis_phrases: bool = True
    """Also detect crisis with the shipped zh/en phrase rules, not only the guard's codes."""
    crisis_codes: tuple[str, ...] = ("X.crisis", "A.4.a/suicide", "A.4.a/self_harm")
    """Risk codes (or ancestors) of the input verdict that mean crisis."""
    crisis_min_score: float = Field(default=0.5, ge=0.0, le=1.0)
    """Lowest score of a crisis code that triggers the protocol."""
    dependence_codes: tuple[str, ...] = ("X.dependence",)
    """Risk codes of the input verdict that signal over-dependence."""
    dependence_min_score: float = Field(default=0.5, ge=0.0, le=1.0)
    """Lowest score of a dependence code that triggers a re-disclosure."""

    # -- minors
    treat_unknown_age_as_minor: bool = False
    """Apply minors mode when the age is not known."""
    minor_block_sexual: bool = False
    """For minors, any sexual finding at the flag threshold blocks."""
    minor_sexual_codes: tuple[str, ...] = ("A.1.f/sexual", "X.sexual_minors")
    """The codes that minors mode always blocks."""
    minor_refuse_intimate_persona: bool = False
    """Refuse characters that are an intimate partner or a virtual relative for minors."""

    # -- exit
    honour_exit: bool = False
    """End the session at once on an explicit exit request, without calling the model."""

    # -- labels
    explicit_label: bool = False
    """Put an explicit AIGC label on generated text."""
    label_placement: Placement = Placement.START
    """Where the explicit label goes."""
    implicit_metadata: bool = False
    """Exports carry the implicit ``AIGC`` metadata block."""

    @field_validator("crisis_codes", "dependence_codes", "minor_sexual_codes")
    @classmethod
    def _known(cls, codes: tuple[str, ...]) -> tuple[str, ...]:
        return known_codes(codes)


def known_codes(codes: tuple[str, ...]) -> tuple[str, ...]:
    """``codes`` when each covers a risk code of the taxonomy; a typo fails at start-up."""
    from menshen.taxonomy import load_taxonomy

    taxonomy = load_taxonomy().codes()
    for code in codes:
        if not any(covers(code, known) for known in taxonomy):
            raise ValueError(f"code {code!r} covers no risk code of the taxonomy")
    return codes


def _any(values: Sequence[object]) -> object:
    return any(values)


def _shortest(values: Sequence[object]) -> object:
    present = [v for v in values if isinstance(v, int | float)]
    return min(present) if present else None


def _longest(values: Sequence[object]) -> object:
    return max(v for v in values if isinstance(v, int))


def _union(values: Sequence[object]) -> object:
    merged: dict[str, None] = {}
    for codes in values:
        assert isinstance(codes, tuple)
        merged.update(dict.fromkeys(codes))
    return tuple(merged)


def _placement(values: Sequence[object]) -> object:
    distinct = set(values)
    return distinct.pop() if len(distinct) == 1 else Placement.BOTH


_SWITCHES = tuple(n for n, i in ProfileSettings.model_fields.items() if i.annotation is bool)

COMBINE_RULES: dict[str, Callable[[Sequence[object]], object]] = {
    **dict.fromkeys(_SWITCHES, _any),
    **dict.fromkeys(
        ("start_disclosure_min_gap_minutes", "disclosure_every_minutes",
         "minor_disclosure_every_minutes", "redisclosure_min_gap_minutes",
         "reminder_every_minutes", "minor_reminder_every_minutes", "new_session_gap_minutes",
         "crisis_min_score", "dependence_min_score"),
        _shortest,
    ),
    "continuous_use_gap_minutes": _longest,
    **dict.fromkeys(("crisis_codes", "dependence_codes", "minor_sexual_codes"), _union),
    "label_placement": _placement,
}  # fmt: skip
"""How each field combines: switches on if any is on; schedules, gaps and scores take the
smallest (more notices, more triggers); the continuous-use gap takes the longest (harder to
reset); code sets take the union; differing placements of the labelling profiles give ``both``.
"""


def combine(settings: Sequence[ProfileSettings]) -> ProfileSettings:
    """The strictest combination of ``settings`` (see :data:`COMBINE_RULES`)."""
    if not settings:
        raise ValueError("combine() needs at least one profile")
    if len(settings) == 1:
        return settings[0]
    merged = {
        name: rule([getattr(s, name) for s in settings]) for name, rule in COMBINE_RULES.items()
    }
    # Only the profiles that label decide where the label goes.
    labelled = [s.label_placement for s in settings if s.explicit_label]
    merged["label_placement"] = _placement(labelled) if labelled else Placement.START
    return ProfileSettings.model_validate(merged)
