"""Shared helpers for the benchmarks: statistics, dataset loaders, public keyword lists.

Nothing here imports :mod:`menshen` at module level, so the statistics helpers can be unit-tested
without the engine's data tables, and the baseline subprocesses stay free of the engine's memory.
Data is always read from the shared data folder (``--data-dir``); nothing is copied into the repo.
"""

from __future__ import annotations

import csv
import json
import math
import os
import platform
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = ROOT.parent / "shared" / "data"
Z95 = 1.959963984540054
"""Two-sided 95 % normal quantile."""

HARM_BENCH = "ChineseHarm-bench/bench.jsonl"
COLD_DEV = "COLD/COLDataset/dev.csv"
SWSR_COMMENTS = "SWSR/SWSR/SexComment.csv"
BENIGN = "不违规"
HARM_LABELS = ("低俗色情", "博彩", "欺诈", "谩骂引战", "黑产广告")

PUBLIC_LISTS: dict[str, tuple[str, ...]] = {
    # name -> glob patterns relative to the data dir; every matching file is read.
    "konsheng-Sensitive-lexicon": (
        "konsheng-Sensitive-lexicon/Vocabulary/*.txt",
        "konsheng-Sensitive-lexicon/Organized/*.txt",
    ),
    "houbb-sensitive-word": ("houbb-sensitive-word/src/test/resources/dict_v*.txt",),
    "funNLP-sensitive-words": ("funNLP-sensitive-words/*.txt",),
    "fwwdn-sensitive-stop-words": ("fwwdn-sensitive-stop-words/*.txt",),
    "importcjj-sensitive": ("importcjj-sensitive/dict/*.txt",),
}
MERGED = "all-public-lists"
PUBLIC_RISK = "A.1.h"
"""Single risk code given to every entry of an imported public list."""


# --------------------------------------------------------------------------- statistics


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for ``k`` successes out of ``n`` (``(0, 1)`` when ``n == 0``)."""
    if n < 0 or not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return 0.0, 1.0
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    lo = 0.0 if k == 0 else max(0.0, centre - half)
    hi = 1.0 if k == n else min(1.0, centre + half)
    return lo, hi


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) with linear interpolation (numpy's default method)."""
    if not values:
        raise ValueError("percentile of an empty sequence")
    if not 0 <= q <= 100:
        raise ValueError(f"q must be in [0, 100], got {q}")
    data = sorted(values)
    pos = (len(data) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


@dataclass(frozen=True, slots=True)
class Rate:
    """A proportion with its 95 % Wilson interval."""

    k: int
    n: int

    @property
    def value(self) -> float:
        return self.k / self.n if self.n else float("nan")

    @property
    def ci(self) -> tuple[float, float]:
        return wilson(self.k, self.n)

    def as_dict(self) -> dict[str, float | int]:
        lo, hi = self.ci
        return {"k": self.k, "n": self.n, "value": self.value, "ci95_lo": lo, "ci95_hi": hi}

    def fmt(self) -> str:
        """``12.3 % [10.1–14.8]`` (percent, interval in brackets)."""
        if not self.n:
            return "n/a"
        lo, hi = self.ci
        return f"{100 * self.value:.1f} % [{100 * lo:.1f}–{100 * hi:.1f}]"


def binary_metrics(predicted: Iterable[bool], gold: Iterable[bool]) -> dict[str, object]:
    """Precision, recall, F1 and false-positive rate (with Wilson intervals) of a binary task."""
    tp = fp = fn = tn = 0
    for p, g in zip(predicted, gold, strict=True):
        if p and g:
            tp += 1
        elif p:
            fp += 1
        elif g:
            fn += 1
        else:
            tn += 1
    precision, recall, fpr = Rate(tp, tp + fp), Rate(tp, tp + fn), Rate(fp, fp + tn)
    p, r = precision.value, recall.value
    f1 = 2 * p * r / (p + r) if tp else 0.0
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "precision": precision.as_dict(),
        "recall": recall.as_dict(),
        "f1": f1,
        "fpr": fpr.as_dict(),
    }


# --------------------------------------------------------------------------- datasets


def harm_bench(data_dir: Path) -> list[tuple[str, str]]:
    """ChineseHarm-bench dev as ``(text, label)``; ``label`` is one of HARM_LABELS or BENIGN."""
    rows = []
    with (data_dir / HARM_BENCH).open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                item = json.loads(line)
                rows.append((str(item["text"]), str(item["label"])))
    return rows


def cold_dev(data_dir: Path) -> list[tuple[str, bool]]:
    """COLD dev split: ``(text, offensive)``."""
    with (data_dir / COLD_DEV).open(encoding="utf-8-sig", newline="") as fh:
        return [
            (row["TEXT"], row["label"].strip() == "1")
            for row in csv.DictReader(fh)
            if row.get("split", "dev") == "dev"
        ]


def xstest_safe(data_dir: Path) -> list[str]:
    """XSTest's prompts labelled safe (the over-refusal traps)."""
    with (data_dir / "XSTest/xstest_prompts.csv").open(encoding="utf-8", newline="") as fh:
        return [r["prompt"] for r in csv.DictReader(fh) if r["label"].strip() == "safe"]


def swsr(data_dir: Path) -> list[tuple[str, bool]]:
    """SWSR comments: ``(text, sexist)``."""
    with (data_dir / SWSR_COMMENTS).open(encoding="utf-8-sig", newline="") as fh:
        return [(row["comment_text"], row["label"].strip() == "1") for row in csv.DictReader(fh)]


def messages_of_length(texts: Iterable[str], length: int = 100, limit: int = 5000) -> list[str]:
    """Consecutive ``length``-character messages cut from the texts joined by a space."""
    joined = " ".join(t.replace("\n", " ") for t in texts)
    out = [joined[i : i + length] for i in range(0, len(joined) - length + 1, length)]
    return out[:limit]


def speed_corpora(data_dir: Path, quick: bool = False) -> dict[str, list[str]]:
    """The speed corpora: ChineseHarm-bench benign / harmful, COLD dev, 100-character messages."""
    bench = harm_bench(data_dir)
    cold = [t for t, _ in cold_dev(data_dir)]
    corpora = {
        "harmbench-benign": [t for t, label in bench if label == BENIGN],
        "harmbench-harmful": [t for t, label in bench if label != BENIGN],
        "cold-dev": cold,
        "msg100": messages_of_length([t for t, _ in bench] + cold),
    }
    if quick:
        corpora = {name: texts[:300] for name, texts in corpora.items()}
    return corpora


# --------------------------------------------------------------------------- public lists


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def read_list(path: Path) -> list[str]:
    """Words of one plain-text list (UTF-8, UTF-16 with BOM or GB18030; one per line).

    A tab-separated file with a ``SENSITIVEWORDS`` header (funNLP's 敏感词及类型) yields its
    last column; other lines are stripped and cut at the first tab or comma, like the importer.
    """
    lines = _decode(path.read_bytes()).splitlines()
    words: list[str] = []
    if lines and "SENSITIVEWORDS" in lines[0]:
        for line in lines[1:]:
            cols = line.rstrip("\r\n").split("\t")
            if len(cols) >= 2 and cols[-1].strip():
                words.append(cols[-1].strip())
        return words
    for line in lines:
        word = line.strip().split("\t")[0].split(",")[0].strip()
        if word and not word.startswith("#"):
            words.append(word)
    return words


def public_list_files(data_dir: Path, name: str) -> list[Path]:
    """Files of one public list (sorted); empty when the list is not in the data folder."""
    files: set[Path] = set()
    for pattern in PUBLIC_LISTS[name]:
        files.update(p for p in data_dir.glob(pattern) if p.is_file())
    return sorted(files)


def public_list_words(data_dir: Path, name: str) -> list[str]:
    """Raw words of one public list, or of all of them merged (``MERGED``), in file order."""
    names = list(PUBLIC_LISTS) if name == MERGED else [name]
    words: list[str] = []
    for list_name in names:
        for path in public_list_files(data_dir, list_name):
            words.extend(read_list(path))
    return words


def import_public_list(data_dir: Path, name: str, work_dir: Path, risk: str = PUBLIC_RISK):
    """Import a public list with Menshen's importer; returns ``(LexiconFile, terms, raw_count)``.

    The cleaned words go to ``work_dir/<name>.txt`` (outside the repository) and are imported
    with :func:`menshen.lexicon.importers.import_lists` (dedup, 2–50 characters), so the engine
    and the naive baselines see exactly the same terms.
    """
    from menshen.lexicon.importers import import_lists

    words = public_list_words(data_dir, name)
    work_dir.mkdir(parents=True, exist_ok=True)
    path = work_dir / f"{name}.txt"
    path.write_text("\n".join(w for w in words if not w.startswith("#")) + "\n", encoding="utf-8")
    lexicon, _ = import_lists([path], {"*": risk}, name=name.replace(" ", "_"))
    terms = [e.term for e in lexicon.entries if e.term is not None]
    return lexicon, terms, len(words)


def available_lists(data_dir: Path) -> list[str]:
    """Public lists present in the data folder."""
    return [name for name in PUBLIC_LISTS if public_list_files(data_dir, name)]


def smallest_list(data_dir: Path) -> str | None:
    """The available public list with the fewest bytes on disk (used by ``--quick``)."""
    sizes = {
        name: sum(p.stat().st_size for p in public_list_files(data_dir, name))
        for name in available_lists(data_dir)
    }
    return min(sizes, key=sizes.__getitem__) if sizes else None


# --------------------------------------------------------------------------- environment


def machine_info() -> dict[str, object]:
    """Where the numbers came from: commit, CPU, cores, Python, date."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(  # tracked changes anywhere, or new files under src/
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty += subprocess.run(
            ["git", "status", "--porcelain", "--", "src"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if dirty:
            commit += "+dirty"
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit,
        "cpu": cpu,
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg_start": os.getloadavg(),
    }


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A GitHub-flavoured Markdown table (readable in a terminal too)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
