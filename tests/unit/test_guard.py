"""Guard.check: verdict shape, actions per audience, threading, errors."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from menshen import Action, Audience, Guard, InputError, RiskFinding, Verdict
from menshen.detect import DetectContext
from menshen.errors import DetectorError
from menshen.policy import Policy


def test_benign_text_is_allowed(guard: Guard) -> None:
    verdict = guard.check("今天天气不错，我们去公园散步吧")
    assert (verdict.flagged, verdict.action, verdict.risks) == (False, Action.ALLOW, ())


def test_verdict_carries_code_score_spans_and_evidence(guard: Guard) -> None:
    text = "想看色*情小说"
    verdict = guard.check(text)
    assert verdict.action is Action.BLOCK and verdict.flagged
    (risk,) = verdict.risks
    assert (risk.code, risk.detector, risk.score) == ("A.1.f/sexual", "keyword", 0.9)
    assert [(s.start, s.end, s.text) for s in risk.spans] == [(2, 5, "色*情")]
    assert risk.evidence[0].term == "色情"
    assert verdict.policy_version.startswith("default@1#")
    assert verdict.lexicon_version.startswith("2026-01-01T00:00:00Z+")


def test_minor_audience_is_stricter(guard: Guard) -> None:
    text = "成人的世界"  # weight 0.4: below the adult flag threshold, above the minor one
    assert guard.check(text).action is Action.ALLOW
    assert guard.check(text, audience=Audience.MINOR).action is Action.BLOCK


def test_scores_combine_and_sort(guard: Guard) -> None:
    verdict = guard.check("裸聊和约炮，还有赌博")
    assert [r.code for r in verdict.risks] == ["A.1.f/sexual", "A.1.h/gambling"]
    assert verdict.risks[0].score == pytest.approx(1 - (1 - 0.9) * (1 - 1.0))


def test_verdict_json_round_trips(guard: Guard) -> None:
    verdict = guard.check("约炮", timings=True)
    assert verdict.timings_us is not None and "keyword" in verdict.timings_us
    assert Verdict.model_validate_json(verdict.model_dump_json()) == verdict


def test_rejects_non_text(guard: Guard) -> None:
    with pytest.raises(InputError, match="must be str"):
        guard.check(b"bytes")  # type: ignore[arg-type]


def test_thread_safe(guard: Guard) -> None:
    texts = ["约炮", "你好", "赌博", "色*情"] * 200
    expected = [guard.check(t) for t in texts]
    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(guard.check, texts)) == expected


class _Broken:
    name = "broken"

    def detect(self, text: str, context: DetectContext) -> list[RiskFinding]:
        raise DetectorError("model server unreachable")


@pytest.mark.parametrize(("on_error", "expected"), [("block", "block"), ("allow", "allow")])
def test_detector_failure_takes_the_policy_outcome(on_error: str, expected: str) -> None:
    guard = Guard([_Broken()], Policy(on_error=Action(on_error)))
    verdict = guard.check("你好")
    assert verdict.action == expected
    assert verdict.errors == ("broken: model server unreachable",)


class _BrokenStrict(_Broken):
    on_error = Action.BLOCK


def test_a_detector_can_ask_for_a_stricter_outcome_than_the_policy() -> None:
    guard = Guard([_BrokenStrict()], Policy(on_error=Action.ALLOW))
    assert guard.check("你好").action is Action.BLOCK
