"""Detection metrics from per-record outcomes: pure functions, no I/O.

- precision ``tp / (tp + fp)``, recall ``tp / (tp + fn)`` and false-positive rate
  ``fp / (fp + tn)`` are proportions: their intervals come from :mod:`menshen.stats` (Wilson or
  Clopper-Pearson);
- F1 ``2 tp / (2 tp + fp + fn)`` and the macro averages are not proportions: their intervals are
  percentile bootstrap intervals (the records resampled with replacement, a fixed seed);
- a value whose denominator is zero is ``None`` (undefined), never 0 or NaN.

The overall task is binary: a record is positive when its gold target is not ``safe``, predicted
positive when the guard flagged it. The per-risk task for a risk code is one-vs-rest over records
whose gold target is known (``unsafe`` records, harmful with no risk named, are left out of it).
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from menshen.evaluate.mapping import SAFE, UNSAFE
from menshen.stats import Interval, IntervalMethod, proportion_interval

_FROZEN = ConfigDict(frozen=True, extra="forbid")


@dataclass(frozen=True, slots=True)
class Outcome:
    """One evaluated record, reduced to what the metrics need."""

    gold: str
    """Gold target: a risk code, ``safe`` or ``unsafe``."""
    flagged: bool
    """Whether the guard flagged the record (its action was not ``allow``)."""
    hits: frozenset[str] = frozenset()
    """Gold risk codes that the guard's decided risks cover (see the runner)."""
    score: float = 0.0
    """The verdict's highest risk score (0 without risks)."""


class Counts(BaseModel):
    """A binary confusion matrix."""

    model_config = _FROZEN

    tp: int = Field(default=0, ge=0)
    """Gold positive, predicted positive."""
    fp: int = Field(default=0, ge=0)
    """Gold negative, predicted positive."""
    fn: int = Field(default=0, ge=0)
    """Gold positive, predicted negative."""
    tn: int = Field(default=0, ge=0)
    """Gold negative, predicted negative."""


class BinaryMetrics(BaseModel):
    """Counts and rates of one binary task; a rate is ``None`` when its denominator is 0."""

    model_config = _FROZEN

    counts: Counts
    """The confusion counts."""
    precision: Interval | None
    """``tp / (tp + fp)``: the share of flagged records that are truly positive."""
    recall: Interval | None
    """``tp / (tp + fn)``: the share of positive records that are flagged."""
    f1: Interval | None
    """Harmonic mean of precision and recall, ``2 tp / (2 tp + fp + fn)``; bootstrap interval."""
    fpr: Interval | None
    """``fp / (fp + tn)``: the share of negative records that are flagged."""


class RiskMetrics(BinaryMetrics):
    """One-vs-rest metrics of one gold risk code."""

    code: str
    """The gold risk code."""


class MacroMetrics(BaseModel):
    """Unweighted means over the risk codes with at least one gold record; bootstrap intervals.

    Per code, an undefined precision (nothing predicted) counts as 0, as in scikit-learn.
    """

    model_config = _FROZEN

    classes: tuple[str, ...]
    """The risk codes averaged over."""
    precision: Interval
    """Mean precision."""
    recall: Interval
    """Mean recall."""
    f1: Interval
    """Mean F1."""


class ConfusionMatrix(BaseModel):
    """Counts of records by gold label (rows) and prediction (columns)."""

    model_config = _FROZEN

    rows: tuple[str, ...]
    """Gold labels (the dataset's own)."""
    columns: tuple[str, ...]
    """Predictions (in reports: ``none``, then the reported GB/T 45654 risk)."""
    cells: tuple[tuple[int, ...], ...]
    """``cells[i][j]``: records of label ``rows[i]`` in column ``columns[j]``."""


@dataclass(frozen=True, slots=True)
class Metrics:
    """Everything :func:`compute_metrics` returns."""

    overall: BinaryMetrics
    per_risk: tuple[RiskMetrics, ...]
    macro: MacroMetrics | None


def count(pairs: Iterable[tuple[bool, bool]]) -> Counts:
    """Confusion counts of ``(predicted, gold)`` pairs."""
    c: Counter[tuple[bool, bool]] = Counter((bool(p), bool(g)) for p, g in pairs)
    return Counts(tp=c[True, True], fp=c[True, False], fn=c[False, True], tn=c[False, False])


def confusion_matrix(
    pairs: Iterable[tuple[str, str]], rows: Sequence[str], columns: Sequence[str]
) -> ConfusionMatrix:
    """Count ``(gold, predicted)`` pairs into the given rows and columns (others are dropped)."""
    cells = Counter(pairs)
    table = tuple(tuple(cells[r, c] for c in columns) for r in rows)
    return ConfusionMatrix(rows=tuple(rows), columns=tuple(columns), cells=table)


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def f1_score(counts: Counts) -> float | None:
    """``2 tp / (2 tp + fp + fn)``, or None when there is neither a positive nor a prediction."""
    return _ratio(2 * counts.tp, 2 * counts.tp + counts.fp + counts.fn)


def binary_metrics(
    counts: Counts,
    *,
    confidence: float = 0.95,
    method: IntervalMethod | str = IntervalMethod.WILSON,
    f1_bounds: tuple[float, float] | None = None,
) -> BinaryMetrics:
    """Rates with intervals from counts; ``f1_bounds`` is F1's interval (the point without it)."""

    def rate(k: int, n: int) -> Interval | None:
        return proportion_interval(k, n, confidence, method) if n else None

    f1 = f1_score(counts)
    low, high = f1_bounds if f1_bounds is not None else (f1, f1)
    return BinaryMetrics(
        counts=counts,
        precision=rate(counts.tp, counts.tp + counts.fp),
        recall=rate(counts.tp, counts.tp + counts.fn),
        f1=None if f1 is None else Interval(estimate=f1, low=low or 0.0, high=high or 0.0),
        fpr=rate(counts.fp, counts.fp + counts.tn),
    )


def overall_counts(outcomes: Iterable[Outcome]) -> Counts:
    """Binary counts: gold positive = not ``safe``; predicted positive = flagged."""
    return count((o.flagged, o.gold != SAFE) for o in outcomes)


def risk_counts(outcomes: Iterable[Outcome], code: str) -> Counts:
    """One-vs-rest counts of ``code`` over the records whose gold target is not ``unsafe``."""
    return count((code in o.hits, o.gold == code) for o in outcomes if o.gold != UNSAFE)


Bounds = tuple[float, float] | None


def _bootstrap(
    outcomes: Sequence[Outcome],
    codes: tuple[str, ...],
    present: tuple[str, ...],
    confidence: float,
    replicates: int,
    seed: int,
) -> tuple[list[Bounds], list[tuple[float, float]]]:
    """Percentile intervals of F1 (overall, then each code) and of the macro P, R and F1.

    Records with equal outcomes are pooled, so a replicate is one multinomial draw over the
    distinct outcomes: the same as resampling the records, at a cost independent of their number.
    """
    import numpy as np

    if replicates < 1:
        raise ValueError(f"replicates must be >= 1, got {replicates}")
    if not outcomes:
        return [None] * (1 + len(codes)), [(0.0, 0.0)] * 3 if present else []
    pooled = Counter(outcomes)
    kinds = list(pooled)
    weights = np.array([pooled[k] for k in kinds], dtype=np.float64)
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(len(outcomes), weights / weights.sum(), size=replicates)
    tasks: list[list[tuple[bool, bool] | None]] = [
        [(k.flagged, k.gold != SAFE) for k in kinds],
        *([None if k.gold == UNSAFE else (c in k.hits, k.gold == c) for k in kinds] for c in codes),
    ]
    # indicator[task, kind, (tp, fp, fn)] → counts[replicate, task, (tp, fp, fn)]
    indicator = np.array(
        [
            [
                (0, 0, 0) if x is None else (x[0] and x[1], x[0] and not x[1], x[1] and not x[0])
                for x in task
            ]
            for task in tasks
        ],
        dtype=np.float64,
    )
    counts = np.einsum("rk,tkc->rtc", draws, indicator)
    tp, fp, fn = counts[..., 0], counts[..., 1], counts[..., 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        f1 = np.where(2 * tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), np.nan)
        precision = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
        recall = np.where(tp + fn > 0, tp / (tp + fn), np.nan)
    tail = 50 * (1 - confidence)

    def bounds(values: np.typing.NDArray[np.float64]) -> Bounds:
        finite = values[~np.isnan(values)]
        if finite.size == 0:
            return None
        low, high = np.percentile(finite, [tail, 100 - tail])
        return float(np.clip(low, 0, 1)), float(np.clip(high, 0, 1))

    f1_bounds = [bounds(f1[:, t]) for t in range(len(tasks))]
    macro: list[tuple[float, float]] = []
    if present:
        columns = [1 + codes.index(c) for c in present]
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a replicate lacking every class
            for values in (precision, recall, f1):
                macro.append(bounds(np.nanmean(values[:, columns], axis=1)) or (0.0, 0.0))
    return f1_bounds, macro


def compute_metrics(
    outcomes: Sequence[Outcome],
    codes: Iterable[str],
    *,
    confidence: float = 0.95,
    method: IntervalMethod | str = IntervalMethod.WILSON,
    replicates: int = 2000,
    seed: int = 0,
) -> Metrics:
    """Overall, per-risk (for each of ``codes``) and macro metrics with intervals."""
    codes = tuple(codes)
    present = tuple(c for c in codes if any(o.gold == c for o in outcomes))
    f1_bounds, macro_bounds = _bootstrap(outcomes, codes, present, confidence, replicates, seed)
    overall = binary_metrics(
        overall_counts(outcomes), confidence=confidence, method=method, f1_bounds=f1_bounds[0]
    )
    per_risk = tuple(
        RiskMetrics(
            code=code,
            **dict(
                binary_metrics(
                    risk_counts(outcomes, code),
                    confidence=confidence,
                    method=method,
                    f1_bounds=f1_bounds[i + 1],
                )
            ),
        )
        for i, code in enumerate(codes)
    )
    macro = None
    if present:
        rows = [m for m in per_risk if m.code in present]
        means = [
            sum((m.precision.estimate if m.precision else 0.0) for m in rows) / len(rows),
            sum((m.recall.estimate if m.recall else 0.0) for m in rows) / len(rows),
            sum((m.f1.estimate if m.f1 else 0.0) for m in rows) / len(rows),
        ]
        p, r, f = (
            Interval(estimate=est, low=lo, high=hi)
            for est, (lo, hi) in zip(means, macro_bounds, strict=True)
        )
        macro = MacroMetrics(classes=present, precision=p, recall=r, f1=f)
    return Metrics(overall=overall, per_risk=per_risk, macro=macro)
