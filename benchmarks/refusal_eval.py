"""Accuracy of the refusal detector on labelled model answers from the shared data folder.

    python benchmarks/refusal_eval.py                       # every set found, text report
    python benchmarks/refusal_eval.py --out benchmarks/out/refusal.json
    python benchmarks/refusal_eval.py --xstest path/to/xstest_v2_completions_gpt4.csv
    python benchmarks/refusal_eval.py --rules-only           # without the learned model
    python benchmarks/refusal_eval.py --model other.npz      # another trained refusal model

Sets:

- ``benchmarks/data/refusal_responses.jsonl`` (dev) and ``refusal_responses_heldout.jsonl``
  (held-out): answers written and labelled by the project (``full_refusal`` /
  ``partial_refusal`` / ``compliance``, zh and en) by two writers who did not see the rules or
  each other's set. The rules were extended while looking at the dev set's misses, and the
  learned model trains on the dev set (with ``corpus/refusal/``, a third writer's), so dev
  figures are in-sample; the held-out set was never looked at and never trained on.

Public sets (read in place from ``--data-dir``, default ``../shared/data``; nothing is copied):

- XSTest completions (``final_label`` 1_full_compliance / 2_full_refusal / 3_partial_refusal):
  the 3-class gold standard. Only the prompts are in the development split; pass completion files
  with ``--xstest`` (repeatable) where you have them, or drop them under ``XSTest/``.
- GPTFuzz ``responses_labeled/train.csv`` (label 1 jailbroken, 0 not): a binary *proxy*. A
  jailbroken answer carries the harmful content, so it is at most a partial refusal; an answer
  that is not jailbroken is counted as a (full) refusal, although some are merely off-topic.
  Rows are split by position: even rows were looked at while writing the rules (``dev``), odd rows
  were not (``held-out``).
- JailbreakEval ``JAILJUDGEmini`` and ``Safe-RLHFmini`` (label 1 unsafe, 0 safe): only the unsafe
  answers carry a refusal label (they complied, at least in part); safe answers may be refusals or
  harmless answers, so only the predicted distribution is shown for them.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

from menshen.refusal import RefusalDetector, RefusalLabel, RuleKind

LABELS = [RefusalLabel.FULL, RefusalLabel.PARTIAL, RefusalLabel.COMPLIANCE]
XSTEST_GOLD = {
    "1_full_compliance": RefusalLabel.COMPLIANCE,
    "2_full_refusal": RefusalLabel.FULL,
    "3_partial_refusal": RefusalLabel.PARTIAL,
}
csv.field_size_limit(sys.maxsize)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _confusion(
    pairs: Iterable[tuple[str, RefusalLabel]], gold_labels: list[str]
) -> dict[str, Counter[str]]:
    matrix: dict[str, Counter[str]] = {g: Counter() for g in gold_labels}
    for gold, predicted in pairs:
        matrix.setdefault(gold, Counter())[predicted.value] += 1
    return matrix


def _print_matrix(title: str, matrix: dict[str, Counter[str]]) -> None:
    rows = [
        (gold, *(counts[p.value] for p in LABELS), sum(counts.values()))
        for gold, counts in matrix.items()
    ]
    print(
        f"\n{title}\n" + common.table(["gold \\ predicted", *[p.value for p in LABELS], "n"], rows)
    )


def _three_class(
    title: str, pairs: list[tuple[str, RefusalLabel]], gold_of: dict[str, RefusalLabel]
) -> dict[str, object]:
    """3-class and refused-vs-not accuracy of ``(gold label, predicted)`` pairs, printed."""
    exact = sum(gold_of[g] is p for g, p in pairs)
    binary = sum(
        (gold_of[g] is not RefusalLabel.COMPLIANCE) == (p is not RefusalLabel.COMPLIANCE)
        for g, p in pairs
    )
    matrix = _confusion(pairs, list(gold_of))
    print(f"\n## {title}, n = {len(pairs)}")
    print(f"3-class accuracy: {common.Rate(exact, len(pairs)).fmt()}")
    print(f"binary refused-vs-not accuracy: {common.Rate(binary, len(pairs)).fmt()}")
    _print_matrix("confusion (rows gold, columns predicted)", matrix)
    return {
        "n": len(pairs),
        "accuracy_3class": common.Rate(exact, len(pairs)).as_dict(),
        "accuracy_binary": common.Rate(binary, len(pairs)).as_dict(),
        "confusion": {g: dict(c) for g, c in matrix.items()},
    }


def xstest(detector: RefusalDetector, files: list[Path]) -> dict[str, object]:
    pairs: list[tuple[str, RefusalLabel]] = []
    for path in files:
        for row in _rows(path):
            gold = row.get("final_label", "").strip()
            if gold not in XSTEST_GOLD:
                continue
            text = row.get("completion") or row.get("response") or ""
            pairs.append((gold, detector.judge(text, row.get("prompt")).label))
    title = f"XSTest completions ({', '.join(p.name for p in files)})"
    return {"files": [str(p) for p in files], **_three_class(title, pairs, XSTEST_GOLD)}


PROJECT_SETS = {
    "project-dev": Path(__file__).resolve().parent / "data" / "refusal_responses.jsonl",
    "project-heldout": Path(__file__).resolve().parent / "data" / "refusal_responses_heldout.jsonl",
}
PROJECT_GOLD = {
    "compliance": RefusalLabel.COMPLIANCE,
    "full_refusal": RefusalLabel.FULL,
    "partial_refusal": RefusalLabel.PARTIAL,
}


def project_set(detector: RefusalDetector, path: Path) -> dict[str, object]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    results: dict[str, object] = {}
    for lang in ("all", "zh", "en"):
        pairs = [
            (r["label"], detector.judge(r["response"], r["prompt"]).label)
            for r in rows
            if lang in ("all", r["lang"])
        ]
        results[lang] = _three_class(f"{path.name}, {lang}", pairs, PROJECT_GOLD)
    return results


def gptfuzz(detector: RefusalDetector, path: Path) -> dict[str, object]:
    rows = _rows(path)
    out: dict[str, object] = {"file": str(path)}
    print(f"\n## GPTFuzz responses_labeled (proxy: not jailbroken = full refusal), n = {len(rows)}")
    judged = [(r, detector.judge(r["Response"])) for r in rows]
    plain = [(r, j) for r, j in judged if not any(e.kind is RuleKind.PERSONA for e in j.evidence)]
    splits = (
        ("dev", judged[0::2]),
        ("held-out", judged[1::2]),
        ("all", judged),
        ("all, single-voice answers only (no 'DAN:'-style speaker lines)", plain),
    )
    for split, part in splits:
        pairs = [
            ("0_not_jailbroken" if r["label"].strip() == "0" else "1_jailbroken", j.label)
            for r, j in part
        ]
        full_ok = sum((g == "0_not_jailbroken") == (p is RefusalLabel.FULL) for g, p in pairs)
        refused_ok = sum(
            (g == "0_not_jailbroken") == (p is not RefusalLabel.COMPLIANCE) for g, p in pairs
        )
        matrix = _confusion(pairs, ["0_not_jailbroken", "1_jailbroken"])
        print(f"\n### {split}, n = {len(pairs)}")
        print(f"binary accuracy, full refusal vs not: {common.Rate(full_ok, len(pairs)).fmt()}")
        refused_rate = common.Rate(refused_ok, len(pairs))
        print(f"binary accuracy, refused (full or partial) vs compliance: {refused_rate.fmt()}")
        _print_matrix("confusion (rows gold, columns predicted)", matrix)
        out[split] = {
            "n": len(pairs),
            "accuracy_full_vs_not": common.Rate(full_ok, len(pairs)).as_dict(),
            "accuracy_refused_vs_compliance": common.Rate(refused_ok, len(pairs)).as_dict(),
            "confusion": {g: dict(c) for g, c in matrix.items()},
        }
    return out


def jailbreak_eval(detector: RefusalDetector, path: Path) -> dict[str, object]:
    rows = _rows(path)
    pairs = [
        (
            "1_unsafe" if r["label"].strip() == "1" else "0_safe",
            detector.judge(r["answer"], r.get("question")).label,
        )
        for r in rows
    ]
    unsafe = [p for g, p in pairs if g == "1_unsafe"]
    ok = sum(p is not RefusalLabel.FULL for p in unsafe)
    matrix = _confusion(pairs, ["1_unsafe", "0_safe"])
    print(f"\n## JailbreakEval {path.stem}, n = {len(pairs)}")
    print(f"unsafe answers not judged a full refusal: {common.Rate(ok, len(unsafe)).fmt()}")
    _print_matrix("predicted distribution (safe answers have no refusal label)", matrix)
    return {
        "file": str(path),
        "n": len(pairs),
        "unsafe_not_full_refusal": common.Rate(ok, len(unsafe)).as_dict(),
        "confusion": {g: dict(c) for g, c in matrix.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, default=common.DEFAULT_DATA_DIR)
    parser.add_argument(
        "--xstest",
        type=Path,
        action="append",
        default=[],
        help="XSTest completions CSV (repeatable).",
    )
    parser.add_argument("--out", type=Path, help="Write the results as JSON here.")
    parser.add_argument(
        "--rules-only", action="store_true", help="The rule engine alone, without the model."
    )
    parser.add_argument(
        "--model", type=Path, help="Another refusal model file than the shipped one."
    )
    args = parser.parse_args(argv)
    data: Path = args.data_dir
    detector = RefusalDetector(model=args.model, use_model=not args.rules_only)
    started = time.perf_counter()
    results: dict[str, object] = {"machine": common.machine_info(), "command": " ".join(sys.argv)}
    results["detector"] = detector.model.model_id if detector.model else "rules only"
    print(f"# Refusal detector accuracy ({results['machine']['commit']})")  # type: ignore[index]
    print(f"detector: {results['detector']}")
    for name, path in PROJECT_SETS.items():
        if path.exists():
            results[name] = project_set(detector, path)
    xs = list(args.xstest) or sorted((data / "XSTest").glob("**/*completions*.csv"))
    if xs:
        results["xstest"] = xstest(detector, xs)
    else:
        where = data / "XSTest"
        print(f"\n## XSTest completions: none under {where} (only prompts); pass --xstest FILE")
    fuzz = data / "GPTFuzz" / "datasets" / "responses_labeled" / "train.csv"
    if fuzz.exists():
        results["gptfuzz"] = gptfuzz(detector, fuzz)
    for name in ("JAILJUDGEmini", "Safe-RLHFmini"):
        path = data / "JailbreakEval-data" / "data" / f"{name}.csv"
        if path.exists():
            results[name] = jailbreak_eval(detector, path)
    results["seconds"] = round(time.perf_counter() - started, 2)
    print(f"\n{results['seconds']} s")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
