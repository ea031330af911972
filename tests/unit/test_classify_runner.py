"""Batch classification: chunks go to check_batch per role; a bad record breaks nothing else."""

from __future__ import annotations

from menshen import Guard, RiskFinding
from menshen.classify.records import Record
from menshen.classify.runner import Fields, classify_chunk
from menshen.detect import DetectContext
from menshen.guard import MAX_TEXT_CHARS
from menshen.verdict import Role


class _Batched:
    """Flags texts containing 赌; counts batch calls; crashes (a bug, not a DetectorError) on 炸."""

    name = "batched"

    def __init__(self) -> None:
        self.batches: list[int] = []

    def detect(self, text: str, context: DetectContext) -> list[RiskFinding]:
        if "炸" in text:
            raise RuntimeError("detector bug")
        if "赌" not in text:
            return []
        return [RiskFinding(code="A.1.h/gambling", score=0.9, detector=self.name)]

    def detect_batch(self, texts: list[str]) -> list[list[RiskFinding]]:
        self.batches.append(len(texts))
        return [self.detect(t, DetectContext()) for t in texts]


def _records(*rows: dict[str, object]) -> list[Record]:
    return [Record(n, dict(row)) for n, row in enumerate(rows, 1)]


def test_one_batch_per_role_and_outputs_in_input_order() -> None:
    detector = _Batched()
    records = _records(
        {"text": "来赌", "role": "user"},
        {"text": "你好", "role": "assistant"},
        {"text": "赌吗", "role": "assistant"},
        {"text": "天气", "role": "user"},
    )
    out = classify_chunk(Guard([detector]), records, Fields(role="role"), Role.INPUT)
    assert sorted(detector.batches) == [2, 2]
    assert [o["text"] for o in out] == ["来赌", "你好", "赌吗", "天气"]
    assert [o["verdict"]["flagged"] for o in out] == [True, False, True, False]
    assert [o["verdict"]["role"] for o in out] == ["input", "output", "output", "input"]


def test_a_record_that_breaks_the_batch_gets_the_error_alone() -> None:
    records = _records({"text": "来赌"}, {"text": "炸了"}, {"text": "天气"})
    out = classify_chunk(Guard([_Batched()]), records, Fields(), Role.INPUT)
    assert out[0]["verdict"]["flagged"] and not out[2]["verdict"]["flagged"]
    assert "verdict" not in out[1] and "RuntimeError: detector bug" in out[1]["error"]


def test_unreadable_and_oversized_records_are_kept_with_an_error() -> None:
    records = [
        Record(1, {"_line": 1, "_raw": "{bad"}, "invalid JSON"),
        Record(2, {"text": "x" * (MAX_TEXT_CHARS + 1)}),
        Record(3, {"text": 5}),
        Record(4, {"text": "来赌"}),
    ]
    out = classify_chunk(Guard([_Batched()]), records, Fields(), Role.INPUT)
    assert out[0]["error"] == "invalid JSON"
    assert "the limit is" in out[1]["error"] and "record 2" in out[1]["error"]
    assert "error" in out[2] and out[3]["verdict"]["flagged"]
