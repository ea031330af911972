"""The policy cascade: cheap tiers first, later tiers only when the earlier ones are unsure."""

from __future__ import annotations

import pytest

from menshen import Action, ConfigError, Guard, Policy, RiskFinding
from menshen.detect import DetectContext
from menshen.errors import DetectorError, InputError
from menshen.policy import Tier


class _Fixed:
    """A detector that reports one fixed score for texts containing its marker."""

    def __init__(self, name: str, marker: str, score: float) -> None:
        self.name, self.marker, self.score = name, marker, score
        self.calls = 0

    def detect(self, text: str, context: DetectContext) -> list[RiskFinding]:
        self.calls += 1
        if self.marker not in text:
            return []
        return [RiskFinding(code="A.1.h/gambling", score=self.score, detector=self.name)]


class _Down:
    name = "remote"

    def detect(self, text: str, context: DetectContext) -> list[RiskFinding]:
        raise DetectorError("unreachable")


CASCADE = (
    Tier(detectors=("cheap",), stop_above=0.9),
    Tier(detectors=("model",), stop_above=0.9, stop_below=0.2),
    Tier(detectors=("judge",)),
)


def _guard() -> tuple[Guard, _Fixed, _Fixed, _Fixed]:
    cheap, model, judge = (
        _Fixed("cheap", "网赌", 0.95),
        _Fixed("model", "平台", 0.5),
        _Fixed("judge", "平台", 0.9),
    )
    return Guard([cheap, model, judge], Policy(cascade=CASCADE)), cheap, model, judge


@pytest.mark.parametrize(
    ("text", "ran", "action"),
    [
        ("来网赌吧", ("cheap",), Action.BLOCK),  # a confident keyword hit decides
        ("今天天气好", ("cheap", "model"), Action.ALLOW),  # a confident pass stops at the model
        ("新平台", ("cheap", "model", "judge"), Action.BLOCK),  # unsure: the judge decides
    ],
)
def test_tiers_run_only_as_far_as_needed(text: str, ran: tuple[str, ...], action: Action) -> None:
    guard, *_ = _guard()
    verdict = guard.check(text)
    assert verdict.detectors_run == ran
    assert verdict.action is action


def test_without_a_cascade_every_detector_runs() -> None:
    cheap, model = _Fixed("cheap", "网赌", 0.95), _Fixed("model", "平台", 0.5)
    assert Guard([cheap, model]).check("来网赌吧").detectors_run == ("cheap", "model")


def test_a_failed_tier_is_not_a_confident_pass() -> None:
    judge = _Fixed("judge", "平台", 0.9)
    policy = Policy(
        cascade=(Tier(detectors=("remote",), stop_below=0.5), Tier(detectors=("judge",))),
        on_error=Action.ALLOW,
    )
    verdict = Guard([_Down(), judge], policy).check("新平台")
    assert verdict.detectors_run == ("remote", "judge") and verdict.action is Action.BLOCK


def test_unknown_detector_names_fail_at_construction() -> None:
    with pytest.raises(ConfigError, match=r"tier 0 names detectors the guard does not have"):
        Guard([_Fixed("cheap", "x", 0.9)], Policy(cascade=(Tier(detectors=("model",)),)))


def test_stop_band_must_be_ordered() -> None:
    with pytest.raises(ValueError, match="stop_below must not exceed stop_above"):
        Tier(detectors=("model",), stop_above=0.3, stop_below=0.6)


class _Batched(_Fixed):
    """A detector with ``detect_batch``: counts whole-batch calls and the texts they carried."""

    def __init__(self, name: str, marker: str, score: float) -> None:
        super().__init__(name, marker, score)
        self.batches: list[int] = []

    def detect_batch(self, texts: list[str]) -> list[list[RiskFinding]]:
        self.batches.append(len(texts))
        return [self.detect(t, DetectContext()) for t in texts]


class _BatchDown(_Batched):
    def detect_batch(self, texts: list[str]) -> list[list[RiskFinding]]:
        raise DetectorError("unreachable")


TEXTS = ["来网赌吧", "今天天气好", "新平台", "网赌新平台", ""]


def test_check_batch_gives_the_verdicts_of_check() -> None:
    guard, *_ = _guard()
    one_by_one = [guard.check(t) for t in TEXTS]
    assert guard.check_batch(TEXTS) == one_by_one


def test_a_batch_detector_sees_only_the_texts_still_undecided() -> None:
    cheap = _Fixed("cheap", "网赌", 0.95)
    model = _Batched("model", "平台", 0.5)
    guard = Guard([cheap, model], Policy(cascade=(CASCADE[0], Tier(detectors=("model",)))))
    verdicts = guard.check_batch(TEXTS)
    assert model.batches == [3]  # the two 网赌 texts were decided by the keyword tier
    assert [v.detectors_run for v in verdicts] == [
        ("cheap",),
        ("cheap", "model"),
        ("cheap", "model"),
        ("cheap",),
        ("cheap", "model"),
    ]


def test_a_failing_batch_detector_fails_every_text_of_the_batch() -> None:
    guard = Guard([_BatchDown("remote", "x", 1.0)], Policy(on_error=Action.FLAG))
    verdicts = guard.check_batch(["a", "b"])
    assert [v.action for v in verdicts] == [Action.FLAG, Action.FLAG]
    assert all(v.errors == ("remote: unreachable",) for v in verdicts)


def test_check_batch_validates_every_text() -> None:
    guard, *_ = _guard()
    with pytest.raises(InputError, match="must be str"):
        guard.check_batch(["ok", 3])  # type: ignore[list-item]
    assert guard.check_batch([]) == []
