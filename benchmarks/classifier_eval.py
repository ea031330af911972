"""Evaluate a trained classifier on ChineseHarm-bench dev and COLD dev.

Usage (from the repository root): ``python benchmarks/classifier_eval.py MODEL.npz [FLOOR]``.
Reports go to ``benchmarks/out/classifier/<dataset>.json``; FLOOR (default 0.5) is the
probability at which the detector reports a code (0.0 reports every code, for average precision).
"""

from __future__ import annotations

import sys
from pathlib import Path

from menshen import Guard
from menshen.classifier import ClassifierDetector
from menshen.classify.records import Format, read_records
from menshen.evaluate.cli import print_report
from menshen.evaluate.mapping import load_mapping
from menshen.evaluate.runner import EvaluationSettings, evaluate_records

DATA = Path("../shared/data")
RUNS = [
    ("ChineseHarm-bench/bench.jsonl", Format.JSONL, "text", "chineseharm-bench.yaml"),
    ("COLD/COLDataset/dev.csv", Format.CSV, "TEXT", "cold.yaml"),
]


def main() -> None:
    model = Path(sys.argv[1])
    floor = float(sys.argv[2]) if len(sys.argv) > 2 else 0.5
    guard = Guard([ClassifierDetector(model, default_floor=floor)])
    out_dir = Path("benchmarks/out/classifier")
    out_dir.mkdir(parents=True, exist_ok=True)
    for rel, fmt, text_field, mapping in RUNS:
        settings = EvaluationSettings(
            dataset=rel,
            text_field=text_field,
            label_field="label",
            mapping=load_mapping(Path("docs/examples/mappings") / mapping),
        )
        report = evaluate_records(guard, read_records(DATA / rel, fmt), settings)
        print_report(report)
        out = out_dir / (Path(rel).stem + ".json")
        out.write_text(report.model_dump_json(indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
