"""The precision-recall curve: a threshold sweep over the verdicts' highest risk scores.

:func:`threshold_sweep` and :func:`average_precision` are pure and need nothing beyond the core.
:func:`plot_pr_curve` draws the curve as a PNG and needs matplotlib, the ``plot`` extra
(``pip install 'menshen[plot]'``); without it, it raises ``PrerequisiteError``.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from menshen.errors import PrerequisiteError

_FROZEN = ConfigDict(frozen=True, extra="forbid")


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


class ThresholdPoint(BaseModel):
    """The binary task when a record counts as flagged iff its highest risk score ≥ threshold."""

    model_config = _FROZEN

    threshold: float
    """The score threshold."""
    tp: int
    """True positives."""
    fp: int
    """False positives."""
    fn: int
    """False negatives."""
    tn: int
    """True negatives."""
    precision: float | None
    """``tp / (tp + fp)``; ``None`` when nothing reaches the threshold."""
    recall: float | None
    """``tp / (tp + fn)``; ``None`` without positive records."""
    fpr: float | None
    """``fp / (fp + tn)``; ``None`` without negative records."""


def threshold_sweep(
    scores: Sequence[float], gold: Sequence[bool], thresholds: Iterable[float] | None = None
) -> tuple[ThresholdPoint, ...]:
    """The binary task at each threshold, highest first.

    By default the thresholds are the distinct scores above 0, so the curve is exact.
    """
    if len(scores) != len(gold):
        raise ValueError(f"{len(scores)} scores but {len(gold)} gold labels")
    positives = sum(bool(g) for g in gold)
    negatives = len(gold) - positives
    pairs = sorted(zip(scores, gold, strict=True), key=lambda sg: -sg[0])
    chosen = sorted(
        {s for s in scores if s > 0} if thresholds is None else set(thresholds), reverse=True
    )
    points: list[ThresholdPoint] = []
    tp = fp = i = 0
    for t in chosen:
        while i < len(pairs) and pairs[i][0] >= t:
            tp, fp, i = tp + pairs[i][1], fp + (not pairs[i][1]), i + 1
        fn, tn = positives - tp, negatives - fp
        points.append(
            ThresholdPoint(
                threshold=t,
                tp=tp,
                fp=fp,
                fn=fn,
                tn=tn,
                precision=_ratio(tp, tp + fp),
                recall=_ratio(tp, positives),
                fpr=_ratio(fp, negatives),
            )
        )
    return tuple(points)


def average_precision(sweep: Sequence[ThresholdPoint]) -> float | None:
    """``Σ (Rₙ − Rₙ₋₁) Pₙ`` over a sweep from the highest threshold down (scikit-learn's AP).

    Records with no risk (score 0) are never predicted positive, so recall may stop short of 1:
    the area beyond it counts as 0.
    """
    if not sweep or sweep[0].recall is None:
        return None
    total, previous = 0.0, 0.0
    for point in sorted(sweep, key=lambda p: -p.threshold):
        recall = point.recall or 0.0
        total += (recall - previous) * (point.precision or 0.0)
        previous = recall
    return total


def _pyplot() -> Any:
    try:
        matplotlib = importlib.import_module("matplotlib")
    except ImportError:
        raise PrerequisiteError("the precision-recall plot (--plot)", "plot") from None
    matplotlib.use("Agg")  # files only: never open a window
    return importlib.import_module("matplotlib.pyplot")


def plot_pr_curve(
    sweep: Sequence[ThresholdPoint],
    path: Path,
    *,
    title: str = "",
    operating_point: tuple[float, float] | None = None,
) -> Path:
    """Draw the precision-recall curve and the rates against the threshold; write a PNG.

    ``operating_point`` is the ``(recall, precision)`` of the guard's own decisions (its policy),
    marked on the curve. Raises ``PrerequisiteError`` without matplotlib.
    """
    plt = _pyplot()
    ordered = sorted(sweep, key=lambda p: -p.threshold)
    fig, (curve, rates) = plt.subplots(1, 2, figsize=(11, 4.5))
    recall = [0.0, *[p.recall or 0.0 for p in ordered]]
    precision = [p.precision or 0.0 for p in ordered]
    precision = (precision[:1] or [0.0]) + precision  # the first one holds down to recall 0
    ap = average_precision(ordered)
    label = "highest risk score" if ap is None else f"AP = {ap:.3f}"
    curve.step(recall, precision, where="pre", label=label)  # P(n) on (R(n-1), R(n)]
    if operating_point is not None:
        curve.plot(*operating_point, "o", color="tab:red", label="policy decisions")
    curve.set(xlabel="recall", ylabel="precision", xlim=(0, 1.02), ylim=(0, 1.02))
    curve.set_title("precision-recall")
    curve.legend(loc="lower left")
    thresholds = [p.threshold for p in ordered]
    for name in ("precision", "recall", "fpr"):
        values = [getattr(p, name) for p in ordered]
        rates.plot(thresholds, [v if v is not None else float("nan") for v in values], ".-")
    rates.legend(["precision", "recall", "false-positive rate"], loc="center right")
    rates.set(xlabel="threshold on the highest risk score", ylim=(0, 1.02))
    rates.set_title("rates by threshold")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph .* missing")  # CJK in a title
        if title:
            fig.suptitle(title)
        fig.tight_layout()
        fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
