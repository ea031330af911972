"""The crisis protocol's detection and its de-identified referral counter.

Crisis means self-harm or suicide intent in the user's turn: a crisis risk code in the input
verdict (``X.crisis``, ``A.4.a/suicide``, ``A.4.a/self_harm`` by default) at or above
``crisis_min_score``, or one of the shipped phrase rules
(:func:`~menshen.companion.intents.find_crisis`).
The referral text itself is built by :func:`menshen.companion.texts.crisis_referral`.

:class:`ReferralCounter` counts referrals per calendar year for California's annual report
(SB 243 §22603, US-CA-06): numbers only, never a user id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from menshen.companion.intents import find_crisis
from menshen.companion.settings import ProfileSettings
from menshen.policy import covers
from menshen.verdict import Verdict


@dataclass(frozen=True, slots=True)
class CrisisSignal:
    """Why a turn counts as a crisis."""

    codes: tuple[str, ...]
    """Crisis codes of the input verdict at or above the threshold."""
    rules: tuple[str, ...]
    """Phrase rules that matched."""


def codes_at(
    verdict: Verdict | None, prefixes: tuple[str, ...], min_score: float
) -> tuple[str, ...]:
    """Risk codes of ``verdict`` covered by ``prefixes`` with a score of at least ``min_score``."""
    if verdict is None:
        return ()
    found = (
        r.code
        for r in verdict.risks
        if r.score >= min_score and any(covers(p, r.code) for p in prefixes)
    )
    return tuple(dict.fromkeys(found))


def detect_crisis(
    text: str, verdict: Verdict | None, settings: ProfileSettings
) -> CrisisSignal | None:
    """The crisis signal of a user turn, or None."""
    codes = codes_at(verdict, settings.crisis_codes, settings.crisis_min_score)
    phrase = find_crisis(text) if settings.crisis_phrases else None
    rules = (phrase.rule,) if phrase else ()
    return CrisisSignal(codes, rules) if codes or rules else None


def report_year(now: datetime, timezone: str) -> int:
    """The calendar year of ``now`` in the report's time zone."""
    return now.astimezone(ZoneInfo(timezone)).year


class ReferralCounter(BaseModel):
    """Crisis referrals per calendar year, aggregate and de-identified (US-CA-06)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: int = 1
    """Version of this record's shape."""
    counts: dict[int, int] = Field(default_factory=dict)
    """Calendar year → number of referrals shown."""

    def add(self, year: int, n: int = 1) -> ReferralCounter:
        """A counter with ``n`` more referrals in ``year``."""
        if n < 0:
            raise ValueError("referral counts only grow")
        return ReferralCounter(counts={**self.counts, year: self.counts.get(year, 0) + n})

    def count(self, year: int) -> int:
        """Referrals shown in ``year``."""
        return self.counts.get(year, 0)
