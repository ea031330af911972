"""The Guard: text + context → :class:`~menshen.verdict.Verdict`. Every client calls this."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from menshen.detect.base import DetectContext, Detector
from menshen.detect.keyword import KeywordDetector
from menshen.errors import ConfigError, DetectorError, InputError
from menshen.lexicon.loader import STARTER, load_library
from menshen.policy import Policy, Tier
from menshen.verdict import Action, Audience, RiskFinding, Role, Verdict

logger = logging.getLogger(__name__)

_SEVERITY = {Action.ALLOW: 0, Action.FLAG: 1, Action.BLOCK: 2}

MAX_TEXT_CHARS = 1_000_000
"""Longest text one check accepts; split longer documents."""


class Guard:
    """Normalise → detect → decide. Thread-safe; build once, call :meth:`check` from anywhere."""

    def __init__(
        self,
        detectors: Sequence[Detector] | None = None,
        policy: Policy | None = None,
    ) -> None:
        self.detectors: tuple[Detector, ...] = tuple(detectors or (KeywordDetector(),))
        self.policy = policy or Policy()
        self._policy_version = self.policy.fingerprint
        self._keyword = next((d for d in self.detectors if isinstance(d, KeywordDetector)), None)
        self._tiers = self._plan_tiers()

    def _plan_tiers(self) -> tuple[tuple[tuple[Detector, ...], Tier | None], ...]:
        """The policy's cascade resolved to detector objects; without one, a single tier."""
        if not self.policy.cascade:
            return ((self.detectors, None),)
        by_name = {d.name: d for d in self.detectors}
        planned = []
        for n, tier in enumerate(self.policy.cascade):
            missing = [name for name in tier.detectors if name not in by_name]
            if missing:
                raise ConfigError(
                    f"policy cascade tier {n} names detectors the guard does not have: "
                    f"{missing}; the guard has {sorted(by_name)}"
                )
            planned.append((tuple(by_name[name] for name in tier.detectors), tier))
        return tuple(planned)

    @classmethod
    def from_lexicon(
        cls, paths: Sequence[str | Path] = (STARTER,), policy: Policy | None = None
    ) -> Guard:
        """A keyword-only guard over the given library files or folders."""
        return cls([KeywordDetector(load_library(paths))], policy)

    @property
    def keyword(self) -> KeywordDetector | None:
        """The keyword detector, when the guard has one."""
        return self._keyword

    @property
    def lexicon_version(self) -> str:
        """Version of the keyword library in use, or ``none``."""
        kw = self._keyword
        return kw.compiled.version if kw else "none"

    def check(
        self,
        text: str,
        *,
        role: Role | str = Role.INPUT,
        audience: Audience | str = Audience.ADULT,
        context: dict[str, Any] | None = None,
        timings: bool = False,
    ) -> Verdict:
        """Check one text and return the verdict."""
        if not isinstance(text, str):
            raise InputError(f"text must be str, got {type(text).__name__}")
        if len(text) > MAX_TEXT_CHARS:
            raise InputError(f"text has {len(text)} characters; the limit is {MAX_TEXT_CHARS}")
        role = role if isinstance(role, Role) else Role(role)
        audience = audience if isinstance(audience, Audience) else Audience(audience)
        ctx = DetectContext(role=role, audience=audience, extra=context or {})
        findings: list[RiskFinding] = []
        stage_us: dict[str, float] = {}
        errors: list[str] = []
        on_error = self.policy.on_error
        ran: list[str] = []
        for detectors, tier in self._tiers:
            tier_top, tier_failed = 0.0, False
            for detector in detectors:
                started = time.perf_counter()
                ran.append(detector.name)
                try:
                    found = detector.detect(text, ctx)
                except DetectorError as exc:
                    errors.append(f"{detector.name}: {exc}")
                    # A detector may ask for a stricter outcome than the policy; fail-closed wins.
                    own = getattr(detector, "on_error", None)
                    if isinstance(own, Action) and _SEVERITY[own] > _SEVERITY[on_error]:
                        on_error = own
                    logger.error(
                        "detector failed", extra={"detector": detector.name, "error": str(exc)}
                    )
                    found, tier_failed = [], True
                if found:
                    findings.extend(found)
                    tier_top = max(tier_top, max(f.score for f in found))
                if timings:
                    stage_us[detector.name] = (time.perf_counter() - started) * 1e6
            # A tier that failed is never a confident pass: the next tier still runs.
            if tier is not None and not tier_failed and tier.stops(tier_top):
                break
        started = time.perf_counter()
        action = self.policy.decide(findings, audience) if findings else Action.ALLOW
        if errors and _SEVERITY[on_error] > _SEVERITY[action]:
            action = on_error
        if timings:
            stage_us["policy"] = (time.perf_counter() - started) * 1e6
        findings.sort(key=lambda f: (-f.score, f.code))
        return Verdict(
            flagged=action is not Action.ALLOW,
            action=action,
            risks=tuple(findings),
            role=role,
            audience=audience,
            policy_version=self._policy_version,
            lexicon_version=self.lexicon_version,
            detectors_run=tuple(ran),
            errors=tuple(errors),
            timings_us=stage_us if timings else None,
        )

    def reload_if_changed(self) -> bool:
        """Reload the keyword library if its files changed on disk (see KeywordDetector)."""
        kw = self.keyword
        return kw.reload_if_changed() if kw else False
