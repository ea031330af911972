"""Shared helper for the companion tests: verdicts built by hand."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from menshen.verdict import Action, RiskFinding, Role, Verdict

MakeVerdict = Callable[..., Verdict]


def build_verdict(
    *risks: tuple[str, float], action: Action = Action.ALLOW, role: Role = Role.INPUT
) -> Verdict:
    """A verdict with the given ``(code, score)`` risks."""
    findings = tuple(RiskFinding(code=c, score=s, detector="test") for c, s in risks)
    return Verdict(
        flagged=action is not Action.ALLOW,
        action=action,
        risks=findings,
        role=role,
        policy_version="test",
        lexicon_version="test",
    )


@pytest.fixture
def make_verdict() -> MakeVerdict:
    """``make_verdict(("X.crisis", 0.9), action=Action.BLOCK)``."""
    return build_verdict
