"""Run a Guard over labelled records and measure it: :func:`evaluate_records`.

Records are read with :func:`menshen.classify.read_records` and checked with
:func:`menshen.classify.classify_records` (so ``workers`` fork processes as in ``classify``).
A record is skipped, counted and sampled in the report when it cannot be read, has no text, or its
label is missing or not in the mapping.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from menshen.classify.records import Record
from menshen.classify.runner import Fields, classify_records
from menshen.evaluate.mapping import SAFE, UNSAFE, LabelMapping, codes_mapping, label_key
from menshen.evaluate.metrics import (
    BinaryMetrics,
    ConfusionMatrix,
    MacroMetrics,
    Outcome,
    RiskMetrics,
    compute_metrics,
    confusion_matrix,
)
from menshen.evaluate.plot import ThresholdPoint, average_precision, threshold_sweep
from menshen.guard import Guard
from menshen.policy import covers
from menshen.stats import Interval, IntervalMethod, proportion_interval
from menshen.taxonomy import rollup
from menshen.verdict import Audience, Role

SAMPLES = 10  # skipped records whose reasons the report keeps
NONE_COLUMN = "none"  # confusion-matrix column of the records not flagged
NO_RISK_COLUMN = "flagged, no risk"  # flagged with no risk at the flag threshold (on_error)
_META = "\x00menshen.evaluate"  # private field: (number, label, gold) through classify
_FROZEN = ConfigDict(frozen=True, extra="forbid")


class EvaluationSettings(BaseModel):
    """What was measured and how."""

    model_config = _FROZEN

    dataset: str = ""
    """The data file (or a name for it)."""
    text_field: str = "text"
    """Record field holding the text."""
    label_field: str = "label"
    """Record field holding the gold label."""
    mapping: LabelMapping = Field(default_factory=codes_mapping)
    """Dataset labels → risk codes, ``safe`` or ``unsafe``."""
    role: Role = Role.INPUT
    """Who wrote the texts, as passed to ``Guard.check``."""
    audience: Audience = Audience.ADULT
    """Who reads them: selects the policy thresholds."""
    confidence: float = Field(default=0.95, gt=0.0, lt=1.0)
    """Confidence level of every interval."""
    interval_method: IntervalMethod = IntervalMethod.WILSON
    """Interval of precision, recall and false-positive rate: ``wilson`` or ``exact``."""
    bootstrap_replicates: int = Field(default=2000, ge=1)
    """Bootstrap replicates for the F1 and macro intervals."""
    seed: int = 0
    """Seed of the bootstrap."""


class GuardInfo(BaseModel):
    """Which guard was measured."""

    model_config = _FROZEN

    detectors: tuple[str, ...]
    """Detector names, in order."""
    lexicon_version: str
    """Keyword library version (``none`` without one)."""
    policy_version: str
    """``name@version#hash`` of the policy."""


class LabelRow(BaseModel):
    """How often the guard flagged the records of one dataset label."""

    model_config = _FROZEN

    label: str
    """The dataset label."""
    gold: str
    """Its gold target."""
    n: int
    """Records with this label."""
    flagged: Interval
    """Share flagged: recall for a harmful label, false-positive rate for a harmless one."""


class EvaluationReport(BaseModel):
    """The result of one evaluation run; persisted as JSON."""

    model_config = _FROZEN

    schema_version: int = 1
    """Version of this record's shape."""
    settings: EvaluationSettings
    """What was measured and how."""
    guard: GuardInfo
    """Which guard was measured."""
    evaluated: int
    """Records measured."""
    skipped: int
    """Records left out (unreadable, no text, label missing or not mapped)."""
    skipped_samples: tuple[str, ...]
    """Why, for the first few skipped records."""
    unmapped_labels: dict[str, int]
    """Labels the mapping does not know, with their record counts."""
    labels: tuple[LabelRow, ...]
    """Share flagged per dataset label."""
    overall: BinaryMetrics
    """Binary task: any risk (gold not ``safe``) vs none; predicted = flagged."""
    per_risk: tuple[RiskMetrics, ...]
    """One-vs-rest metrics per gold risk code."""
    macro: MacroMetrics | None
    """Means over the gold risk codes present."""
    confusion: ConfusionMatrix
    """Dataset label × reported standard risk."""
    sweep: tuple[ThresholdPoint, ...]
    """The binary task at each threshold on the highest risk score."""
    average_precision: float | None
    """Area under the precision-recall step curve of ``sweep``."""


@dataclass(frozen=True, slots=True)
class _Row:
    label: str
    gold: str
    flagged: bool
    decided: tuple[str, ...]
    score: float


@dataclass
class _Skips:
    """Skipped records: a count and the reasons of the lowest-numbered few (bounded memory)."""

    count: int = 0
    unmapped: Counter[str] = field(default_factory=Counter)
    kept: list[tuple[int, str]] = field(default_factory=list)

    def add(self, number: int, reason: str) -> None:
        self.count += 1
        prefix = "" if reason.startswith("record ") else f"record {number}: "
        self.kept = heapq.nsmallest(SAMPLES, [*self.kept, (number, prefix + reason)])


def _labelled(
    records: Iterable[Record], settings: EvaluationSettings, skips: _Skips
) -> Iterator[Record]:
    """Records with a usable label (or a read error), carrying ``(number, label, gold)``."""
    name = settings.label_field
    for record in records:
        if record.error is not None:  # comes back from classify with its error
            fields = {**record.fields, _META: (record.number, "", "")}
            yield Record(record.number, fields, record.error)
            continue
        value = record.fields.get(name)
        key = label_key(value)
        if key is None:
            missing = "has no" if value is None else "has no usable"
            skips.add(record.number, f"record {record.number} {missing} label field {name!r}")
            continue
        gold = settings.mapping.resolve(value)
        if gold is None:
            skips.unmapped[key] += 1
            skips.add(record.number, f"label {key!r} is not in the mapping")
            continue
        yield Record(record.number, {**record.fields, _META: (record.number, key, gold)})


def _covers(gold: str, predicted: str) -> bool:
    return covers(gold, predicted) or rollup(predicted) == gold


def evaluate_records(
    guard: Guard,
    records: Iterable[Record],
    settings: EvaluationSettings | None = None,
    *,
    workers: int = 1,
) -> EvaluationReport:
    """Check every labelled record with ``guard`` and measure the verdicts against the labels."""
    settings = settings or EvaluationSettings()
    skips = _Skips()
    rows: list[_Row] = []
    stream = classify_records(
        guard,
        _labelled(records, settings, skips),
        fields=Fields(text=settings.text_field),
        role=settings.role,
        audience=settings.audience,
        workers=workers,
    )
    policy = guard.policy
    for out in stream:
        number, label, gold = out[_META]
        if "error" in out:
            skips.add(number, str(out["error"]))
            continue
        verdict = out["verdict"]
        risks = [(str(r["code"]), float(r["score"])) for r in verdict["risks"]]
        decided = tuple(
            code
            for code, score in risks
            if score >= policy.thresholds(code, settings.audience).flag
        )
        score = max((s for _, s in risks), default=0.0)
        rows.append(_Row(label, gold, bool(verdict["flagged"]), decided, score))
    return _report(guard, settings, rows, skips)


def _report(
    guard: Guard, settings: EvaluationSettings, rows: list[_Row], skips: _Skips
) -> EvaluationReport:
    golds = {r.gold for r in rows} - {SAFE, UNSAFE}
    codes = tuple(sorted(golds | set(settings.mapping.risk_codes())))
    outcomes = [
        Outcome(
            gold=r.gold,
            flagged=r.flagged,
            hits=frozenset(c for c in codes if any(_covers(c, p) for p in r.decided)),
            score=r.score,
        )
        for r in rows
    ]
    s = settings
    metrics = compute_metrics(
        outcomes,
        codes,
        confidence=s.confidence,
        method=s.interval_method,
        replicates=s.bootstrap_replicates,
        seed=s.seed,
    )
    sweep = threshold_sweep([o.score for o in outcomes], [o.gold != SAFE for o in outcomes])
    return EvaluationReport(
        settings=settings,
        guard=GuardInfo(
            detectors=tuple(d.name for d in guard.detectors),
            lexicon_version=guard.lexicon_version,
            policy_version=guard.policy.fingerprint,
        ),
        evaluated=len(rows),
        skipped=skips.count,
        skipped_samples=tuple(reason for _, reason in skips.kept),
        unmapped_labels=dict(skips.unmapped.most_common()),
        labels=_label_rows(rows, settings),
        overall=metrics.overall,
        per_risk=metrics.per_risk,
        macro=metrics.macro,
        confusion=_confusion(rows),
        sweep=sweep,
        average_precision=average_precision(sweep),
    )


def _order(rows: Iterable[_Row]) -> list[str]:
    """Dataset labels: harmful ones by gold code first, harmless last."""
    gold = {r.label: r.gold for r in rows}
    return sorted(gold, key=lambda x: (gold[x] == SAFE, gold[x] == UNSAFE, gold[x], x))


def _label_rows(rows: list[_Row], settings: EvaluationSettings) -> tuple[LabelRow, ...]:
    n = Counter(r.label for r in rows)
    flagged = Counter(r.label for r in rows if r.flagged)
    gold = {r.label: r.gold for r in rows}
    conf, method = settings.confidence, settings.interval_method
    return tuple(
        LabelRow(
            label=label,
            gold=gold[label],
            n=n[label],
            flagged=proportion_interval(flagged[label], n[label], conf, method),
        )
        for label in _order(rows)
    )


def _column(row: _Row) -> str:
    if not row.flagged:
        return NONE_COLUMN
    return rollup(row.decided[0]) if row.decided else NO_RISK_COLUMN


def _confusion(rows: list[_Row]) -> ConfusionMatrix:
    pairs = [(r.label, _column(r)) for r in rows]
    used = {column for _, column in pairs} - {NONE_COLUMN, NO_RISK_COLUMN}
    extra = [NO_RISK_COLUMN] if any(c == NO_RISK_COLUMN for _, c in pairs) else []
    return confusion_matrix(pairs, _order(rows), [NONE_COLUMN, *sorted(used), *extra])
