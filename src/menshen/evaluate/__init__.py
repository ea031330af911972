"""Measure a guard against labelled data (``menshen evaluate``; see ``docs/evaluate.md``).

::

    from pathlib import Path
    from menshen import Guard
    from menshen.classify import read_records, detect_format
    from menshen.evaluate import EvaluationSettings, evaluate_records, load_mapping

    path = Path("bench.jsonl")
    settings = EvaluationSettings(label_field="label", mapping=load_mapping(Path("map.yaml")))
    report = evaluate_records(Guard(), read_records(path, detect_format(path, None)), settings)
    print(report.overall.recall)

Importing this package imports neither scipy nor matplotlib.
"""

from __future__ import annotations

from menshen.evaluate.mapping import (
    SAFE,
    UNSAFE,
    LabelMapping,
    codes_mapping,
    label_key,
    load_mapping,
    parse_mapping,
    positive_mapping,
)
from menshen.evaluate.metrics import (
    BinaryMetrics,
    ConfusionMatrix,
    Counts,
    MacroMetrics,
    Metrics,
    Outcome,
    RiskMetrics,
    binary_metrics,
    compute_metrics,
    confusion_matrix,
    count,
    f1_score,
    overall_counts,
    risk_counts,
)
from menshen.evaluate.plot import (
    ThresholdPoint,
    average_precision,
    plot_pr_curve,
    threshold_sweep,
)
from menshen.evaluate.runner import (
    EvaluationReport,
    EvaluationSettings,
    GuardInfo,
    LabelRow,
    evaluate_records,
)

__all__ = [
    "SAFE",
    "UNSAFE",
    "BinaryMetrics",
    "ConfusionMatrix",
    "Counts",
    "EvaluationReport",
    "EvaluationSettings",
    "GuardInfo",
    "LabelMapping",
    "LabelRow",
    "MacroMetrics",
    "Metrics",
    "Outcome",
    "RiskMetrics",
    "ThresholdPoint",
    "average_precision",
    "binary_metrics",
    "codes_mapping",
    "compute_metrics",
    "confusion_matrix",
    "count",
    "evaluate_records",
    "f1_score",
    "label_key",
    "load_mapping",
    "overall_counts",
    "parse_mapping",
    "plot_pr_curve",
    "positive_mapping",
    "risk_counts",
    "threshold_sweep",
]
