"""The records the guard returns: :class:`Verdict` and its parts.

They cross every boundary (CLI JSON, gateway, reports), so they are frozen pydantic models with a
``schema_version``.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Action(StrEnum):
    """What the caller should do with the text."""

    ALLOW = "allow"
    FLAG = "flag"
    BLOCK = "block"


class Role(StrEnum):
    """Who produced the text: the user (``input``) or the model (``output``)."""

    INPUT = "input"
    OUTPUT = "output"


class Audience(StrEnum):
    """Who will read the text; minors get stricter thresholds."""

    ADULT = "adult"
    MINOR = "minor"


_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Span(BaseModel):
    """A half-open ``[start, end)`` range of code points in the *original* text."""

    model_config = _FROZEN

    start: int = Field(ge=0)
    """Index of the first code point."""
    end: int = Field(ge=0)
    """Index one past the last code point."""
    text: str
    """The original text in the range, exactly as the user wrote it."""


class Evidence(BaseModel):
    """Why a detector reported a risk: one matched rule."""

    model_config = _FROZEN

    rule: str
    """Identifier of the rule, e.g. the keyword entry id ``starter:sexual:色情``."""
    term: str
    """The library term (or rule description) that matched."""
    variant: str
    """How it matched: ``exact``, ``normalized``, ``pinyin``, ``homophone``, ``split``, ``combo``.
    """
    span: Span
    """Where it matched in the original text."""


class RiskFinding(BaseModel):
    """One risk code reported by one detector."""

    model_config = _FROZEN

    code: str
    """Hierarchical risk code, e.g. ``A.1.f/sexual`` or ``X.jailbreak``."""
    score: float = Field(ge=0.0, le=1.0)
    """Detector confidence that the risk is present."""
    detector: str
    """Registry name of the detector, e.g. ``keyword``."""
    spans: tuple[Span, ...] = ()
    """Merged spans in the original text."""
    evidence: tuple[Evidence, ...] = ()
    """The rules that fired."""


class Verdict(BaseModel):
    """The guard's decision about one text."""

    model_config = _FROZEN

    schema_version: int = 1
    """Version of this record's shape."""
    flagged: bool
    """True when any risk reached the policy's flag threshold."""
    action: Action
    """What to do: allow, flag for review, or block."""
    risks: tuple[RiskFinding, ...] = ()
    """Risks found, highest score first."""
    role: Role = Role.INPUT
    """Whether the text was a user input or a model output."""
    audience: Audience = Audience.ADULT
    """Audience the policy was applied for."""
    policy_version: str
    """Version and hash of the policy that decided the action."""
    lexicon_version: str
    """Version of the keyword library used."""
    detectors_run: tuple[str, ...] = ()
    """Detectors that ran, in order (with a cascade, later tiers may not have run)."""
    errors: tuple[str, ...] = ()
    """Detectors that failed (``name: message``); the action then follows the policy's
    ``on_error``."""
    timings_us: dict[str, float] | None = None
    """Per-stage timings in microseconds, when the guard runs with ``timings=True``."""
