"""Accuracy and speed of each guard configuration: keywords, classifier, both, and a cascade.

    taskset -c 1 python benchmarks/guard_eval.py --out benchmarks/out/guard_eval.json

Configurations (starter library, shipped model, default policy):

- ``keywords``: the keyword tier alone (``Guard.default(model=None)``);
- ``classifier``: the shipped classifier alone;
- ``default``: both on every text, the out-of-the-box guard (``Guard.default()``);
- ``cascade``: keywords first; a keyword score that blocks (≥ 0.8) decides without the
  classifier, any other text goes on to the classifier (``Policy.cascade``). It flags the same
  texts, faster, but its verdicts lack the codes only the classifier would have added.

Quality: ChineseHarm-bench dev (binary: any flag vs 不违规; recall per label), COLD dev (binary),
XSTest safe prompts (share flagged). A text is *flagged* when its verdict's action is not
``allow``. Speed on one core: ``Guard.check`` latency per ChineseHarm-bench text (p50, p99) and
``Guard.check_batch`` throughput over the same texts in batches of 1,000, the best of five
passes (all five are in the JSON). Pin to one core with
``taskset`` for the one-core figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import common

from menshen import Guard
from menshen.classifier import SHIPPED_MODEL, ClassifierDetector
from menshen.policy import Policy, Tier

BATCH = 1000
PASSES = 5
CASCADE = (Tier(detectors=("keyword",), stop_above=0.8), Tier(detectors=("classifier",)))


def configurations() -> dict[str, Callable[[], Guard]]:
    return {
        "keywords": lambda: Guard.default(model=None),
        "classifier": lambda: Guard([ClassifierDetector(SHIPPED_MODEL)]),
        "default": lambda: Guard.default(),
        "cascade": lambda: Guard.default(Policy(cascade=CASCADE)),
    }


def flags(guard: Guard, texts: list[str]) -> list[bool]:
    out: list[bool] = []
    for start in range(0, len(texts), BATCH):
        out.extend(v.flagged for v in guard.check_batch(texts[start : start + BATCH]))
    return out


def measure(guard: Guard, data_dir: Path) -> dict[str, Any]:
    bench = common.harm_bench(data_dir)
    texts = [t for t, _ in bench]
    flagged = flags(guard, texts)
    result: dict[str, Any] = {
        "chineseharm_bench": common.binary_metrics(flagged, [g != common.BENIGN for _, g in bench])
    }
    result["chineseharm_recall_per_label"] = {
        label: common.Rate(
            sum(f for f, (_, g) in zip(flagged, bench, strict=True) if g == label),
            sum(g == label for _, g in bench),
        ).as_dict()
        for label in common.HARM_LABELS
    }
    cold = common.cold_dev(data_dir)
    result["cold_dev"] = common.binary_metrics(
        flags(guard, [t for t, _ in cold]), [g for _, g in cold]
    )
    xs = common.xstest_safe(data_dir)
    result["xstest_safe_flagged"] = common.Rate(sum(flags(guard, xs)), len(xs)).as_dict()

    for text in texts[:200]:  # warm-up
        guard.check(text)
    latencies = []
    for text in texts:
        started = time.perf_counter()
        guard.check(text)
        latencies.append((time.perf_counter() - started) * 1e6)
    # Best of PASSES: on a shared VM the slowest passes measure the neighbours, not the guard.
    passes = []
    for _ in range(PASSES):
        started = time.perf_counter()
        flags(guard, texts)
        passes.append(len(texts) / (time.perf_counter() - started))
    result["speed"] = {
        "check_p50_us": common.percentile(latencies, 50),
        "check_p99_us": common.percentile(latencies, 99),
        "check_batch_texts_per_s": max(passes),
        "check_batch_passes_texts_per_s": [round(x) for x in passes],
        "texts": len(texts),
        "mean_chars": sum(map(len, texts)) / len(texts),
    }
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=common.DEFAULT_DATA_DIR)
    ap.add_argument("--out", type=Path, help="write the results as JSON here")
    ap.add_argument("--only", choices=sorted(configurations()), action="append")
    args = ap.parse_args(argv)

    results: dict[str, object] = {"machine": common.machine_info()}
    rows = []
    for name, build in configurations().items():
        if args.only and name not in args.only:
            continue
        res = measure(build(), args.data_dir)
        results[name] = res
        chb, cold, xs, sp = (
            res["chineseharm_bench"],
            res["cold_dev"],
            res["xstest_safe_flagged"],
            res["speed"],
        )
        sexual = res["chineseharm_recall_per_label"]["低俗色情"]
        rows.append(
            (
                name,
                f"{chb['f1']:.3f}",
                f"{100 * chb['fpr']['value']:.1f} %",
                f"{100 * sexual['value']:.1f} %",
                f"{cold['f1']:.3f}",
                f"{100 * xs['value']:.1f} %",
                f"{sp['check_p50_us']:.0f} / {sp['check_p99_us']:.0f}",
                f"{sp['check_batch_texts_per_s']:,.0f}",
            )
        )
    headers = (
        "configuration",
        "CHB F1",
        "CHB FPR",
        "低俗色情 recall",
        "COLD F1",
        "XSTest safe flagged",
        "check p50/p99 µs",
        "batch texts/s",
    )
    print(common.table(headers, rows))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
