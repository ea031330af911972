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
    assert Policy().fingerprint != Policy(adult=Thresholds(flag=0.6, block=0.8)).fingerprint


def test_bad_policy_file_names_field_and_value(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("adult:\n  flag: 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"policy.yaml: field 'adult.flag'.*got 2"):
        load_policy(path)


def test_partial_thresholds_are_rejected() -> None:
    with pytest.raises(ValueError, match="block"):
        Thresholds(flag=0.2)  # type: ignore[call-arg]


def test_rule_codes_must_cover_a_known_risk() -> None:
    with pytest.raises(ValueError, match="covers no risk code"):
        Policy(rules=(RiskRule(code="A.1.f/sexy", adult=Thresholds(flag=0.1, block=0.2)),))


def test_prefixes_match_whole_segments() -> None:
    policy = Policy(rules=(RiskRule(code="X.crisis", adult=Thresholds(flag=0.1, block=0.2)),))
    assert policy.decide([finding("X.crisis", 0.2)], "adult") is Action.BLOCK
    assert policy.decide([finding("X.jailbreak", 0.2)], "adult") is Action.ALLOW


def test_minors_are_never_laxer_than_adults_by_default() -> None:
    policy = Policy()
    for code in ["X.sexual_minors", "A.1.f/sexual", "A.1.h/gambling", "X.jailbreak"]:
        adult, minor = policy.thresholds(code, "adult"), policy.thresholds(code, "minor")
        assert minor.flag <= adult.flag and minor.block <= adult.block, code


@pytest.mark.parametrize(
    ("score", "action"),
    [(0.29, Action.ALLOW), (0.3, Action.FLAG), (0.69, Action.FLAG), (0.7, Action.BLOCK)],
)
def test_thresholds_give_the_action_for_a_score(score: float, action: Action) -> None:
    assert Thresholds(flag=0.3, block=0.7).action(score) is action
