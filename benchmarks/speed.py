"""Speed benchmark: Menshen's keyword path against plain Aho-Corasick libraries.

Every configuration runs in its own fresh Python process (``python speed.py --worker SPEC``), so
peak memory (VmHWM) and timings of one configuration never mix with another's. The
parent (:func:`run_speed`) prepares the word lists, starts the workers one after another and
collects their JSON.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

# --------------------------------------------------------------------------- worker side


def _rss_mb() -> dict[str, float]:
    """Peak RSS (VmHWM) and current RSS (VmRSS) of this process in MB, plus ``ru_maxrss``.

    ``ru_maxrss`` survives ``exec`` on Linux, so a worker started from a big parent reports the
    parent's size until it grows past it; VmHWM belongs to the worker's own address space and is
    the number reported as peak RSS.
    """
    out = {"ru_maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(("VmHWM:", "VmRSS:")):
                key = "peak_rss_mb" if line.startswith("VmHWM") else "rss_mb"
                out[key] = round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    out.setdefault("peak_rss_mb", out["ru_maxrss_mb"])
    out.setdefault("rss_mb", float("nan"))
    return out


def _build_menshen(spec: dict[str, Any]) -> tuple[dict[str, Callable[[str], object]], dict]:
    from menshen import Guard
    from menshen.detect.base import DetectContext
    from menshen.detect.keyword import KeywordDetector
    from menshen.lexicon import compile_library, load_library
    from menshen.lexicon.importers import import_lists
    from menshen.lexicon.loader import build_library
    from menshen.lexicon.model import ALL_VARIANTS, EntryDefaults

    info: dict[str, Any] = {}
    started = time.perf_counter()
    if spec["source"] == "starter":
        library = load_library(["starter"])
    else:
        path = Path(spec["source"])
        lexicon, _ = import_lists([path], {"*": spec["risk"]}, name=spec["name"])
        if spec.get("variants") == "all":  # keyword-side expansions too (pinyin, homophones …)
            lexicon = lexicon.model_copy(
                update={"defaults": EntryDefaults(weight=0.8, variants=ALL_VARIANTS)}
            )
        library = build_library([lexicon], [str(path)])
        del lexicon  # as in load_library: the parsed entries are dropped once rules are built
    info["load_s"] = time.perf_counter() - started
    started = time.perf_counter()
    compiled = compile_library(library)
    info["compile_s"] = time.perf_counter() - started
    info["rules"] = len(library.rules)
    info["patterns"] = len(compiled.patterns)
    info["lexicon_version"] = compiled.version
    detector = KeywordDetector(compiled)
    guard = Guard([detector])
    ctx = DetectContext()
    scan = compiled.matcher.scan
    funcs: dict[str, Callable[[str], object]] = {
        "scan": scan,
        "detect": lambda text: detector.detect(text, ctx),
        "check": guard.check,
    }
    return funcs, info


def _build_baseline(spec: dict[str, Any]) -> tuple[dict[str, Callable[[str], object]], dict]:
    terms = Path(spec["source"]).read_text(encoding="utf-8").splitlines()
    terms = [t for t in terms if t]
    info: dict[str, Any] = {"load_s": 0.0, "rules": len(terms), "patterns": len(set(terms))}
    started = time.perf_counter()
    if spec["engine"] == "pyahocorasick":
        import ahocorasick

        automaton = ahocorasick.Automaton()
        for i, term in enumerate(terms):
            automaton.add_word(term, i)
        automaton.make_automaton()
        info["compile_s"] = time.perf_counter() - started
        return {"match": lambda text: list(automaton.iter(text))}, info
    import ahocorasick_rs

    matcher = ahocorasick_rs.AhoCorasick(terms, matchkind=ahocorasick_rs.MatchKind.Standard)
    info["compile_s"] = time.perf_counter() - started
    return {"match": lambda text: matcher.find_matches_as_indexes(text, overlapping=True)}, info


def _throughput(func: Callable[[str], object], texts: list[str], min_s: float, min_passes: int):
    nbytes = sum(len(t.encode("utf-8")) for t in texts)
    times: list[float] = []
    total = 0.0
    while len(times) < min_passes or total < min_s:
        started = time.perf_counter()
        for text in texts:
            func(text)
        elapsed = time.perf_counter() - started
        times.append(elapsed)
        total += elapsed
    med = statistics.median(times)
    return {
        "texts": len(texts),
        "bytes": nbytes,
        "passes": len(times),
        "median_pass_s": med,
        "mb_per_s": nbytes / med / 1e6,
        "texts_per_s": len(texts) / med,
        "best_mb_per_s": nbytes / min(times) / 1e6,
    }


def _latency(func: Callable[[str], object], messages: list[str], calls: int, warmup: int):
    clock = time.perf_counter_ns
    for i in range(warmup):
        func(messages[i % len(messages)])
    samples = [0] * calls
    for i in range(calls):
        msg = messages[i % len(messages)]
        started = clock()
        func(msg)
        samples[i] = clock() - started
    overhead = []
    for _ in range(2000):
        started = clock()
        overhead.append(clock() - started)
    us = [s / 1000 for s in samples]
    return {
        "calls": calls,
        "mean_us": statistics.fmean(us),
        "p50_us": common.percentile(us, 50),
        "p90_us": common.percentile(us, 90),
        "p99_us": common.percentile(us, 99),
        "p999_us": common.percentile(us, 99.9),
        "max_us": max(us),
        "timer_overhead_us": common.percentile([o / 1000 for o in overhead], 50),
    }


def worker(spec: dict[str, Any]) -> dict[str, Any]:
    """Load one configuration, measure memory, throughput and latency; return a JSON-able dict."""
    corpora = common.speed_corpora(Path(spec["data_dir"]), quick=spec["quick"])
    gc.collect()
    result: dict[str, Any] = {"spec": spec, "before_load": _rss_mb()}
    if spec["engine"] == "menshen":
        funcs, info = _build_menshen(spec)
    else:
        funcs, info = _build_baseline(spec)
    result.update(info)
    result["after_load"] = _rss_mb()
    first = next(iter(funcs.values()))
    hits = {}
    for name, texts in corpora.items():  # one pass of the primary level: memory "load + scan"
        hits[name] = sum(1 for t in texts if first(t))
    result["texts_with_raw_hits"] = hits
    result["after_scan"] = _rss_mb()
    levels = spec.get("levels") or list(funcs)
    result["throughput"] = {
        level: {
            name: _throughput(funcs[level], texts, spec["min_s"], spec["min_passes"])
            for name, texts in corpora.items()
        }
        for level in levels
    }
    result["latency"] = {
        level: _latency(funcs[level], corpora["msg100"], spec["calls"], spec["warmup"])
        for level in levels
    }
    return result


# --------------------------------------------------------------------------- parent side


def _configs(data_dir: Path, work_dir: Path, quick: bool) -> tuple[list[dict], dict]:
    """Worker specs plus a description of the imported lists (raw words, entries)."""
    if quick:
        names = [common.smallest_list(data_dir)]
    else:
        lists = common.available_lists(data_dir)
        names = [*lists, common.MERGED] if lists else []
    sizes: dict[str, dict[str, int]] = {}
    prepared: dict[str, Path] = {}
    for name in names:
        if name is None:
            continue
        _, terms, raw = common.import_public_list(data_dir, name, work_dir)
        sizes[name] = {"raw_words": raw, "entries": len(terms)}
        (work_dir / f"{name}.terms.txt").write_text("\n".join(terms) + "\n", encoding="utf-8")
        prepared[name] = work_dir / name
    singles = {n: s for n, s in sizes.items() if n != common.MERGED}
    largest = max(singles, key=lambda n: singles[n]["entries"]) if singles else None
    chosen = list(singles) if quick else [largest, common.MERGED]
    specs: list[dict[str, Any]] = [{"engine": "menshen", "name": "starter", "source": "starter"}]
    for name in chosen:
        if name is None:
            continue
        words = str(prepared[name]) + ".txt"
        terms = str(prepared[name]) + ".terms.txt"
        specs.append({"engine": "menshen", "name": name, "source": words})
        if not quick and name == largest:
            specs.append({"engine": "menshen", "name": name, "source": words, "variants": "all"})
        specs.append({"engine": "pyahocorasick", "name": name, "source": terms})
        specs.append({"engine": "ahocorasick_rs", "name": name, "source": terms})
    return specs, {"lists": sizes, "largest": largest}


def run_speed(data_dir: Path, work_dir: Path, quick: bool, calls: int | None = None) -> dict:
    """Run every configuration in a fresh subprocess; return all results."""
    specs, lists = _configs(data_dir, work_dir, quick)
    common_spec = {
        "data_dir": str(data_dir),
        "quick": quick,
        "risk": common.PUBLIC_RISK,
        "min_s": 0.1 if quick else 1.0,
        "min_passes": 1 if quick else 5,
        "calls": calls or (3000 if quick else 30000),
        "warmup": 300 if quick else 3000,
    }
    results = []
    for spec in specs:
        spec = {**common_spec, **spec}
        label = _label(spec)
        print(f"  speed: {label} ...", file=sys.stderr, flush=True)
        proc = subprocess.run(
            [sys.executable, __file__, "--worker", json.dumps(spec, ensure_ascii=False)],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            tail = proc.stderr.strip().splitlines()[-3:]
            print(f"    failed: {' | '.join(tail)}", file=sys.stderr)
            results.append({"spec": spec, "label": label, "error": "\n".join(tail)})
            continue
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        result["label"] = label
        results.append(result)
    return {**lists, "configs": results, "loadavg": os.getloadavg()}


def _label(spec: dict[str, Any]) -> str:
    if spec["engine"] == "menshen":
        suffix = " (all variants)" if spec.get("variants") == "all" else ""
        return f"menshen · {spec['name']}{suffix}"
    return f"{spec['engine']} · {spec['name']} (no normalisation)"


def report(speed: dict) -> str:
    """Readable Markdown tables of a :func:`run_speed` result."""
    out = []
    if speed.get("lists"):
        rows = [(n, s["raw_words"], s["entries"]) for n, s in speed["lists"].items()]
        out.append("Public lists (imported with menshen.lexicon.importers.import_lists):\n")
        out.append(common.table(["list", "raw lines", "entries after import"], rows))
    rows = []
    for res in speed["configs"]:
        if "error" in res:
            rows.append((res["label"], "error", "", "", "", "", "", ""))
            continue
        rows.append(
            (
                res["label"],
                res["rules"],
                res["patterns"],
                f"{res['load_s']:.2f}",
                f"{res['compile_s']:.2f}",
                res["before_load"]["peak_rss_mb"],
                res["after_scan"]["peak_rss_mb"],
                res["after_scan"]["rss_mb"],
            )
        )
    starter = [r.get("lexicon_version") for r in speed["configs"] if r["label"].endswith("starter")]
    out.append(f"\nstarter library version: {', '.join(v for v in starter if v) or 'n/a'}")
    out.append("\nLibrary size, build time and memory (fresh process per row):\n")
    head = ["configuration", "entries", "patterns", "load s", "compile s", "RSS before load MB"]
    out.append(common.table([*head, "peak RSS MB", "RSS after scan MB"], rows))
    rows = []
    for res in speed["configs"]:
        if "texts_with_raw_hits" in res:
            sizes = {n: c["texts"] for n, c in next(iter(res["throughput"].values())).items()}
            hits = res["texts_with_raw_hits"]
            rows.append((res["label"], *[f"{100 * hits[n] / sizes[n]:.0f} %" for n in sizes]))
            names = list(sizes)
    if rows:
        out.append("\nTexts with at least one raw automaton hit (these take the slow path):\n")
        out.append(common.table(["configuration", *names], rows))
    rows = []
    for res in speed["configs"]:
        for level, per_corpus in res.get("throughput", {}).items():
            cells = [f"{c['mb_per_s']:.1f} / {c['texts_per_s']:,.0f}" for c in per_corpus.values()]
            rows.append((res["label"], level, *cells))
            names = list(per_corpus)
    if rows:
        out.append("\nThroughput, one core: MB/s of UTF-8 input / texts per second:\n")
        out.append(common.table(["configuration", "level", *names], rows))
    rows = []
    for res in speed["configs"]:
        for level, lat in res.get("latency", {}).items():
            rows.append(
                (
                    res["label"],
                    level,
                    f"{lat['p50_us']:.1f}",
                    f"{lat['p90_us']:.1f}",
                    f"{lat['p99_us']:.1f}",
                    f"{lat['p999_us']:.1f}",
                    f"{lat['max_us']:.0f}",
                    lat["calls"],
                )
            )
    if rows:
        out.append("\nLatency per 100-character message (µs, perf_counter_ns around each call):\n")
        head = ["configuration", "level", "p50", "p90", "p99", "p99.9", "max", "calls"]
        out.append(common.table(head, rows))
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--worker", help="(internal) run one configuration given as JSON")
    args = parser.parse_args()
    if not args.worker:
        parser.error("run benchmarks/run.py; this module is its speed worker")
    print(json.dumps(worker(json.loads(args.worker)), ensure_ascii=False))


if __name__ == "__main__":
    main()
