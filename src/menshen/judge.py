"""Judge model answers: is the answer unsafe (the guard), and does it refuse (the refusal detector).

``judge`` handles one answer; ``judge_records`` a stream of records read with
:func:`menshen.classify.read_records`, one output record per input record, in input order.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict

from menshen.classify.records import Record, RunSummary, optional_text_field, text_field
from menshen.errors import InputError
from menshen.guard import Guard
from menshen.refusal import RefusalDetector, RefusalJudgement, RefusalLabel
from menshen.verdict import Action, Audience, Role


class Judgement(BaseModel):
    """The verdict on one model answer."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: int = 1
    """Version of this record's shape."""
    unsafe: bool
    """The guard flagged the answer (checked with ``role="output"``)."""
    action: Action
    """The guard's action for the answer."""
    refused: bool
    """The answer refuses, fully or in part (``refusal.refused``)."""
    refusal: RefusalJudgement
    """The refusal detector's judgement, with its evidence."""
    risks: tuple[str, ...] = ()
    """Risk codes the guard found in the answer, highest score first."""


@functools.cache
def default_detector() -> RefusalDetector:
    """The refusal detector over the shipped rules, built once per process."""
    return RefusalDetector()


def judge(
    guard: Guard,
    prompt: str | None,
    response: str,
    *,
    detector: RefusalDetector | None = None,
    audience: Audience | str = Audience.ADULT,
) -> Judgement:
    """Judge ``response``, the model's answer to ``prompt``.

    The prompt is optional; the refusal detector uses it only to ignore an echo of the question
    in the answer. Raises :class:`menshen.errors.InputError` for a text the guard refuses.
    """
    verdict = guard.check(response, role=Role.OUTPUT, audience=audience)
    refusal = (detector or default_detector()).judge(response, prompt)
    return Judgement(
        unsafe=verdict.flagged,
        action=verdict.action,
        refused=refusal.refused,
        refusal=refusal,
        risks=tuple(r.code for r in verdict.risks),
    )


@dataclass(frozen=True, slots=True)
class JudgeFields:
    """Which record fields hold the answer and, optionally, the question."""

    response: str = "response"
    prompt: str | None = "prompt"
    """Field holding the question; a record without it is judged without one."""


@dataclass
class JudgeSummary(RunSummary):
    """Counts over one judging run."""

    unsafe: int = 0
    by_label: Counter[str] = field(default_factory=Counter)
    """Records per refusal label (``full_refusal``, ``partial_refusal``, ``compliance``)."""
    unsafe_by_label: Counter[str] = field(default_factory=Counter)
    """Unsafe records per refusal label: unsafe partial refusals leaked content."""

    @property
    def refused(self) -> int:
        """Records judged a full or a partial refusal."""
        return self.by_label[RefusalLabel.FULL.value] + self.by_label[RefusalLabel.PARTIAL.value]

    @property
    def judged(self) -> int:
        """Records judged (records without an error)."""
        return self.records - self.errors

    def add(self, out: dict[str, Any]) -> None:
        """Count one output record."""
        if not self.count(out):
            return
        judgement = out["judgement"]
        label = judgement["refusal"]["label"]
        self.by_label[label] += 1
        if judgement["unsafe"]:
            self.unsafe += 1
            self.unsafe_by_label[label] += 1


def judge_one(
    guard: Guard,
    record: Record,
    fields: JudgeFields = JudgeFields(),
    *,
    detector: RefusalDetector | None = None,
    audience: Audience = Audience.ADULT,
) -> dict[str, Any]:
    """The output record for one input record: its fields plus ``judgement`` or ``error``."""
    out = dict(record.fields)
    if record.error is not None:
        out["error"] = record.error
        return out
    try:
        response = text_field(record, fields.response)
        prompt = optional_text_field(record, fields.prompt) if fields.prompt else None
    except InputError as exc:
        out["error"] = str(exc)
        return out
    try:
        judgement = judge(guard, prompt, response, detector=detector, audience=audience)
        out["judgement"] = judgement.model_dump(mode="json")
    except Exception as exc:  # the record is kept with its error; the run goes on
        out["error"] = f"record {record.number}: {type(exc).__name__}: {exc}"
    return out


def judge_records(
    guard: Guard,
    records: Iterable[Record],
    *,
    fields: JudgeFields = JudgeFields(),
    detector: RefusalDetector | None = None,
    audience: Audience = Audience.ADULT,
) -> Iterator[dict[str, Any]]:
    """Yield one output record per input record, in input order."""
    detector = detector or default_detector()
    for record in records:
        yield judge_one(guard, record, fields, detector=detector, audience=audience)
