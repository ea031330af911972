"""Policy thresholds, prefixes and file loading."""

from __future__ import annotations

from pathlib import Path

import pytest

from menshen import Action, Audience, ConfigError, Policy, RiskFinding, Thresholds
from menshen.policy import RiskRule, load_policy


def finding(code: str, score: float) -> RiskFinding:
    return RiskFinding(code=code, score=score, detector="keyword")


@pytest.mark.parametrize(
    ("score", "audience", "action"),
    [
        (0.49, Audience.ADULT, Action.ALLOW),
        (0.5, Audience.ADULT, Action.FLAG),
        (0.8, Audience.ADULT, Action.BLOCK),
        (0.29, Audience.MINOR, Action.ALLOW),
        (0.3, Audience.MINOR, Action.FLAG),
        (0.5, Audience.MINOR, Action.BLOCK),
    ],
)
def test_thresholds_are_inclusive(score: float, audience: Audience, action: Action) -> None:
    assert Policy().decide([finding("A.1.h/gambling", score)], audience) is action


def test_longest_prefix_wins() -> None:
    policy = Policy(
        rules=(
            RiskRule(code="A.1", adult=Thresholds(flag=0.1, block=0.2)),
            RiskRule(code="A.1.h", adult=Thresholds(flag=0.9, block=0.95)),
        )
    )
    assert policy.decide([finding("A.1.h/gambling", 0.5)], Audience.ADULT) is Action.ALLOW
    assert policy.decide([finding("A.1.f/sexual", 0.5)], Audience.ADULT) is Action.BLOCK


def test_block_below_flag_is_rejected() -> None:
    with pytest.raises(ValueError, match="must not be below"):
        Thresholds(flag=0.9, block=0.1)


def test_fingerprint_changes_with_content() -> None:
    assert Policy().fingerprint != Policy(adult=Thresholds(flag=0.6)).fingerprint


def test_bad_policy_file_names_field_and_value(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("adult:\n  flag: 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"policy.yaml: field 'adult.flag'.*got 2"):
        load_policy(path)
