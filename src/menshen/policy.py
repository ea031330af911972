"""Policy: turns detector findings into an action, per risk and per audience.

Thresholds are configuration, not code paths. The longest matching risk-code prefix wins, so
``A.1.f/sexual`` can be stricter than ``A.1``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from menshen.config_files import read_yaml, validate
from menshen.verdict import Action, Audience, RiskFinding

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Thresholds(BaseModel):
    """Scores at or above ``block`` block; at or above ``flag`` flag for review."""

    model_config = _FROZEN

    flag: float = Field(ge=0.0, le=1.0)
    """Lowest score that flags."""
    block: float = Field(ge=0.0, le=1.0)
    """Lowest score that blocks."""

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.block < self.flag:
            raise ValueError(f"block ({self.block}) must not be below flag ({self.flag})")
        return self

    def action(self, score: float) -> Action:
        """The action these thresholds call for at ``score``."""
        if score >= self.block:
            return Action.BLOCK
        return Action.FLAG if score >= self.flag else Action.ALLOW


def covers(prefix: str, code: str) -> bool:
    """True when ``prefix`` names ``code`` or one of its ancestors (``A.1`` covers ``A.1.f/x``).

    Matching is by whole segments: ``X.sexual`` does not cover ``X.sexual_minors``.
    """
    if code == prefix:
        return True
    if prefix.endswith((".", "/")):
        return code.startswith(prefix)
    return code.startswith(prefix + ".") or code.startswith(prefix + "/")


class RiskRule(BaseModel):
    """Thresholds for the risk codes that ``code`` covers."""

    model_config = _FROZEN

    code: str
    """A risk code or an ancestor of codes (``A.1.f/sexual``, ``A.1``, ``X.``)."""
    adult: Thresholds | None = None
    """Thresholds for adults; the policy default when omitted."""
    minor: Thresholds | None = None
    """Thresholds for minors; the policy default when omitted."""


class Tier(BaseModel):
    """One step of the cascade: detectors that run together, and when the cascade stops."""

    model_config = _FROZEN

    detectors: tuple[str, ...] = Field(min_length=1)
    """Names of the guard's detectors in this tier (``keyword``, ``classifier``, ``llm_guard``)."""
    stop_above: float | None = Field(default=None, ge=0.0, le=1.0)
    """Stop after this tier when its highest score is at least this: a confident hit."""
    stop_below: float | None = Field(default=None, ge=0.0, le=1.0)
    """Stop after this tier when its highest score (0 without findings) is below this: a
    confident pass. Leave unset for tiers whose silence proves nothing (keywords miss a lot)."""

    @model_validator(mode="after")
    def _band(self) -> Tier:
        if (
            self.stop_above is not None
            and self.stop_below is not None
            and self.stop_below > self.stop_above
        ):
            raise ValueError("stop_below must not exceed stop_above")
        return self

    def stops(self, top_score: float) -> bool:
        """Whether the cascade ends after this tier, given the tier's highest score."""
        if self.stop_above is not None and top_score >= self.stop_above:
            return True
        return self.stop_below is not None and top_score < self.stop_below


class Policy(BaseModel):
    """Named, versioned decision rules."""

    model_config = _FROZEN

    schema_version: int = 1
    """Version of the policy format."""
    name: str = "default"
    """Policy name."""
    version: str = "1"
    """Policy version chosen by its author."""
    adult: Thresholds = Thresholds(flag=0.5, block=0.8)
    """Default thresholds for adults."""
    minor: Thresholds = Thresholds(flag=0.3, block=0.5)
    """Default thresholds for minors: stricter."""
    rules: tuple[RiskRule, ...] = (
        RiskRule(
            code="X.sexual_minors",
            adult=Thresholds(flag=0.2, block=0.4),
            minor=Thresholds(flag=0.1, block=0.2),
        ),
        RiskRule(code="A.1.f/sexual", minor=Thresholds(flag=0.2, block=0.3)),
    )
    """Per-risk overrides; the most specific rule that covers a code wins."""
    on_error: Action = Action.BLOCK
    """Outcome when a detector fails (fail-closed by default)."""
    cascade: tuple[Tier, ...] = ()
    """Tiers run in order, cheap first, each deciding whether the next must run; empty: every
    detector of the guard runs on every text."""

    @model_validator(mode="after")
    def _known_codes(self) -> Policy:
        from menshen.taxonomy import load_taxonomy

        codes = load_taxonomy().codes()
        for rule in self.rules:
            if not any(covers(rule.code, code) for code in codes):
                raise ValueError(f"rule code {rule.code!r} covers no risk code of the taxonomy")
        return self

    @property
    def fingerprint(self) -> str:
        """``name@version#hash`` of the exact content, recorded in every verdict."""
        digest = hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:12]
        return f"{self.name}@{self.version}#{digest}"

    def thresholds(self, code: str, audience: Audience | str) -> Thresholds:
        """The thresholds that apply to ``code`` for ``audience``."""
        audience = Audience(audience)
        best: Thresholds | None = None
        best_len = -1
        for rule in self.rules:
            if covers(rule.code, code) and len(rule.code) > best_len:
                chosen = rule.minor if audience is Audience.MINOR else rule.adult
                if chosen is not None:
                    best, best_len = chosen, len(rule.code)
        if best is not None:
            return best
        return self.minor if audience is Audience.MINOR else self.adult

    def decide(self, findings: Iterable[RiskFinding], audience: Audience | str) -> Action:
        """The strictest action any finding calls for."""
        audience = Audience(audience)
        action = Action.ALLOW
        for finding in findings:
            verdict = self.thresholds(finding.code, audience).action(finding.score)
            if verdict is Action.BLOCK:
                return verdict
            if verdict is Action.FLAG:
                action = verdict
        return action


def load_policy(path: Path) -> Policy:
    """Read a policy YAML file; a bad file fails with the field and value named."""
    return validate(Policy, read_yaml(path, "policy") or {}, str(path))
