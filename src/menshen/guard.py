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

    @classmethod
    def default(
        cls,
        policy: Policy | None = None,
        *,
        lexicon: Sequence[str | Path] = (STARTER,),
        model: str | Path | None = "shipped",
    ) -> Guard:
        """Keywords plus the classifier: the out-of-the-box guard.

        ``model`` is a model file, ``"shipped"`` (the packaged default model) or None (keywords
        only). Both detectors read every text: a cascade that let a blocking keyword hit skip
        the classifier flags the same texts but loses the codes only the classifier reports
        (``X.jailbreak`` on a jailbreak prompt that also names a sexual term, for one).
        """
        detectors: list[Detector] = [KeywordDetector(load_library(lexicon))]
        if model is not None:
            from menshen.classifier import SHIPPED_MODEL, ClassifierDetector

            detectors.append(ClassifierDetector(SHIPPED_MODEL if model == "shipped" else model))
        return cls(detectors, policy)

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
        return self.check_batch(
            [text], role=role, audience=audience, context=context, timings=timings
        )[0]

    def check_batch(
        self,
        texts: Sequence[str],
        *,
        role: Role | str = Role.INPUT,
        audience: Audience | str = Audience.ADULT,
        context: dict[str, Any] | None = None,
        timings: bool = False,
    ) -> list[Verdict]:
        """Check many texts at once: the same verdicts as :meth:`check` on each, faster.

        Detectors with a ``detect_batch`` method (the classifier) see the whole batch in one
        call; with ``timings``, each text gets the batch's time divided by its size.
        """
        for text in texts:
            if not isinstance(text, str):
                raise InputError(f"text must be str, got {type(text).__name__}")
            if len(text) > MAX_TEXT_CHARS:
                raise InputError(f"text has {len(text)} characters; the limit is {MAX_TEXT_CHARS}")
        role = role if isinstance(role, Role) else Role(role)
        audience = audience if isinstance(audience, Audience) else Audience(audience)
        ctx = DetectContext(role=role, audience=audience, extra=context or {})
        runs = [_Run(self.policy.on_error) for _ in texts]
        active = list(range(len(texts)))
        for detectors, tier in self._tiers:
            tops = dict.fromkeys(active, 0.0)
            failed: set[int] = set()
            for detector in detectors:
                started = time.perf_counter()
                results = _detect_many(detector, [texts[i] for i in active], ctx)
                share_us = (time.perf_counter() - started) * 1e6 / max(len(active), 1)
                for i, result in zip(active, results, strict=True):
                    run = runs[i]
                    run.ran.append(detector.name)
                    if timings:
                        run.stage_us[detector.name] = share_us
                    if isinstance(result, DetectorError):
                        run.fail(detector, result)
                        failed.add(i)
                    elif result:
                        run.findings.extend(result)
                        tops[i] = max(tops[i], max(f.score for f in result))
            # A tier that failed is never a confident pass: the next tier still runs.
            if tier is not None:
                active = [i for i in active if i in failed or not tier.stops(tops[i])]
            if not active:
                break
        return [self._verdict(run, role, audience, timings) for run in runs]

    def _verdict(self, run: _Run, role: Role, audience: Audience, timings: bool) -> Verdict:
        started = time.perf_counter()
        findings = run.findings
        action = self.policy.decide(findings, audience) if findings else Action.ALLOW
        if run.errors and _SEVERITY[run.on_error] > _SEVERITY[action]:
            action = run.on_error
        if timings:
            run.stage_us["policy"] = (time.perf_counter() - started) * 1e6
        findings.sort(key=lambda f: (-f.score, f.code))
        # Every field is built here from validated parts (detectors' findings are validated
        # where they are made); skipping a second validation is a tenth of a batch's time.
        return Verdict.model_construct(
            flagged=action is not Action.ALLOW,
            action=action,
            risks=tuple(findings),
            role=role,
            audience=audience,
            policy_version=self._policy_version,
            lexicon_version=self.lexicon_version,
            detectors_run=tuple(run.ran),
            errors=tuple(run.errors),
            timings_us=run.stage_us if timings else None,
        )

    def reload_if_changed(self) -> bool:
        """Reload the keyword library if its files changed on disk (see KeywordDetector)."""
        kw = self.keyword
        return kw.reload_if_changed() if kw else False


class _Run:
    """What the detectors found for one text so far."""

    __slots__ = ("errors", "findings", "on_error", "ran", "stage_us")

    def __init__(self, on_error: Action) -> None:
        self.findings: list[RiskFinding] = []
        self.errors: list[str] = []
        self.ran: list[str] = []
        self.stage_us: dict[str, float] = {}
        self.on_error = on_error

    def fail(self, detector: Detector, exc: DetectorError) -> None:
        self.errors.append(f"{detector.name}: {exc}")
        # A detector may ask for a stricter outcome than the policy; fail-closed wins.
        own = getattr(detector, "on_error", None)
        if isinstance(own, Action) and _SEVERITY[own] > _SEVERITY[self.on_error]:
            self.on_error = own
        logger.error("detector failed", extra={"detector": detector.name, "error": str(exc)})


def _detect_many(
    detector: Detector, texts: list[str], ctx: DetectContext
) -> list[list[RiskFinding] | DetectorError]:
    """Each text's findings, or the error that stopped the detector on it."""
    batch = getattr(detector, "detect_batch", None)
    if batch is not None and len(texts) > 1:
        try:
            return list(batch(texts))
        except DetectorError as exc:
            return [exc] * len(texts)
    results: list[list[RiskFinding] | DetectorError] = []
    for text in texts:
        try:
            results.append(detector.detect(text, ctx))
        except DetectorError as exc:
            results.append(exc)
    return results
