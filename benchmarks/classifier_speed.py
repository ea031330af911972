"""Speed of a trained classifier on 100-character texts cut from COLD dev (one core).

Usage (from the repository root): ``taskset -c 1 python benchmarks/classifier_speed.py MODEL.npz``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import common

from menshen.classifier import ClassifierDetector, ClassifierModel
from menshen.detect import DetectContext


def main() -> None:
    started = time.perf_counter()
    ClassifierModel.load(sys.argv[1])
    print(f"load: {time.perf_counter() - started:.2f} s")
    det = ClassifierDetector(Path(sys.argv[1]))
    cold = [t for t, _ in common.cold_dev(Path("../shared/data"))]
    texts = common.messages_of_length(cold, 100, 5000)
    det.detect_batch(texts[:100])  # warm-up
    for size in sorted({min(1000, len(texts)), len(texts)}):
        started = time.perf_counter()
        det.model.probabilities(texts[:size])
        print(f"batch of {size}: {size / (time.perf_counter() - started):,.0f} texts/s")
    ctx = DetectContext()
    lat = []
    for text in texts[:3000]:
        t0 = time.perf_counter_ns()
        det.detect(text, ctx)
        lat.append(time.perf_counter_ns() - t0)
    us = np.array(lat) / 1000
    print(
        f"detect() per call, n={len(us)}: p50 {np.percentile(us, 50):.0f} µs, "
        f"p99 {np.percentile(us, 99):.0f} µs, max {us.max():.0f} µs"
    )


if __name__ == "__main__":
    main()
