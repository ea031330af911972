"""Quality benchmark on the public dev sets: Menshen's keyword tier against naive public lists.

Systems:

- ``menshen · starter``: ``Guard.from_lexicon(["starter"])``; a text counts as flagged when the
  verdict is flagged by the default policy (adult audience), and separately when any keyword rule
  fired at all (``any hit``);
- ``naive · <list>``: plain substring matching of a public list with pyahocorasick after only
  lower-casing text and terms; flagged = any hit;
- ``menshen · <largest list>`` (full run only): the largest public list imported into the engine,
  to separate the effect of the library from the effect of the normalisation.
"""

from __future__ import annotations

import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

Outcome = tuple[bool, bool, frozenset[str], tuple[str, ...]]
"""flagged, any hit, risk codes fired, terms that fired."""


def menshen_system(paths: list[str] | None = None, lexicon: Any = None) -> Callable[[str], Outcome]:
    """A keyword-only guard over library paths or an already imported LexiconFile."""
    from menshen import Guard
    from menshen.detect.keyword import KeywordDetector
    from menshen.lexicon import compile_library
    from menshen.lexicon.loader import build_library

    if lexicon is not None:
        guard = Guard([KeywordDetector(compile_library(build_library([lexicon], ["import"])))])
    else:
        guard = Guard.from_lexicon(paths or ["starter"])

    def run(text: str) -> Outcome:
        verdict = guard.check(text)
        codes = frozenset(r.code for r in verdict.risks)
        terms = tuple(sorted({e.term for r in verdict.risks for e in r.evidence}))
        return verdict.flagged, bool(verdict.risks), codes, terms

    return run


def naive_system(terms: list[str]) -> Callable[[str], Outcome]:
    """pyahocorasick over lower-cased terms; the text is only lower-cased."""
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for term in {t.lower() for t in terms}:
        automaton.add_word(term, term)
    automaton.make_automaton()

    def run(text: str) -> Outcome:
        found = tuple(sorted({term for _, term in automaton.iter(text.lower())}))
        return bool(found), bool(found), frozenset(), found

    return run


def _sample(rows: list, n: int | None, seed: int = 13) -> list:
    if n is None or len(rows) <= n:
        return rows
    return random.Random(seed).sample(rows, n)


def evaluate(
    system: Callable[[str], Outcome], rows: list[tuple[str, Any]], benign: Any
) -> dict[str, Any]:
    """Run one system over ``(text, label)`` rows; per-label rates, codes and offending terms."""
    started = time.perf_counter()
    by_label: defaultdict[Any, Counter[str]] = defaultdict(Counter)
    codes: defaultdict[str, Counter[str]] = defaultdict(Counter)
    fp_terms: Counter[str] = Counter()
    tp_terms: Counter[str] = Counter()
    flagged_list = []
    hit_list = []
    for text, label in rows:
        flagged, hit, fired, terms = system(text)
        key = str(int(label)) if isinstance(label, bool) else str(label)
        by_label[key]["n"] += 1
        by_label[key]["flagged"] += flagged
        by_label[key]["hit"] += hit
        for code in fired:
            codes[code][key] += 1
        (fp_terms if label == benign else tp_terms).update(terms)
        flagged_list.append(flagged)
        hit_list.append(hit)
    gold = [label != benign for _, label in rows]
    return {
        "seconds": time.perf_counter() - started,
        "per_label": {
            k: {
                "n": c["n"],
                "flagged": common.Rate(c["flagged"], c["n"]).as_dict(),
                "any_hit": common.Rate(c["hit"], c["n"]).as_dict(),
            }
            for k, c in by_label.items()
        },
        "binary_flagged": common.binary_metrics(flagged_list, gold),
        "binary_any_hit": common.binary_metrics(hit_list, gold),
        "codes_by_label": {code: dict(c) for code, c in sorted(codes.items())},
        "top_benign_terms": fp_terms.most_common(25),
        "top_harmful_terms": tp_terms.most_common(15),
    }


def run_quality(data_dir: Path, work_dir: Path, quick: bool) -> dict[str, Any]:
    """Evaluate every system on ChineseHarm-bench dev, COLD dev and SWSR."""
    limit = 200 if quick else None
    datasets: dict[str, tuple[list, Any]] = {}
    loaders = {
        "ChineseHarm-bench dev": (common.harm_bench, common.BENIGN),
        "COLD dev": (common.cold_dev, False),
        "SWSR SexComment": (common.swsr, False),
    }
    for name, (loader, benign) in loaders.items():
        try:
            datasets[name] = (_sample(loader(data_dir), limit), benign)
        except OSError as exc:
            print(f"  quality: skipping {name}: {exc}", file=sys.stderr)
    systems: dict[str, Callable[[], Callable[[str], Outcome]]] = {
        "menshen · starter": lambda: menshen_system(["starter"]),
    }
    lists = common.available_lists(data_dir)
    if quick:
        names = [n for n in [common.smallest_list(data_dir)] if n is not None]
    else:
        names = [*lists, common.MERGED] if lists else []
    imported: dict[str, Any] = {}
    for name in names:
        lexicon, terms, _ = common.import_public_list(data_dir, name, work_dir)
        imported[name] = lexicon
        systems[f"naive · {name}"] = lambda terms=terms: naive_system(terms)
    if not quick and imported:
        singles = [n for n in imported if n != common.MERGED]
        largest = max(singles, key=lambda n: len(imported[n].entries))
        systems[f"menshen · {largest}"] = lambda: menshen_system(lexicon=imported[largest])
    results: dict[str, Any] = {"datasets": {n: len(r) for n, (r, _) in datasets.items()}}
    try:
        from menshen.lexicon import load_library

        results["starter_version"] = load_library(["starter"]).version
    except Exception as exc:  # reported per system below
        results["starter_version"] = f"unavailable: {exc}"
    for sys_name, factory in systems.items():
        print(f"  quality: {sys_name} ...", file=sys.stderr, flush=True)
        try:
            system = factory()
        except Exception as exc:  # a missing library must not stop the other systems
            print(f"    failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            results[sys_name] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        results[sys_name] = {
            ds: evaluate(system, rows, benign) for ds, (rows, benign) in datasets.items()
        }
    return results


def _rate(d: dict[str, Any]) -> str:
    return common.Rate(d["k"], d["n"]).fmt()


def _cell(per_label: dict[str, Any], label: str, key: str = "flagged") -> str:
    if label not in per_label:
        return "n/a"
    return _rate(per_label[label][key])


def report(quality: dict[str, Any]) -> str:
    """Readable Markdown tables of a :func:`run_quality` result."""
    out: list[str] = []
    systems = {k: v for k, v in quality.items() if k not in ("datasets", "starter_version")}
    sizes = quality.get("datasets", {})
    hb = "ChineseHarm-bench dev"
    out.append(f"\nstarter library version: {quality.get('starter_version')}")
    if hb in sizes:
        out.append(f"\n{hb} (N={sizes[hb]}): recall per class, FPR on {common.BENIGN}; flagged\n")
        rows = []
        for name, res in systems.items():
            if "error" in res:
                rows.append((name, res["error"], *[""] * 6))
                continue
            pl = res[hb]["per_label"]
            rows.append(
                (
                    name,
                    *[_cell(pl, lab) for lab in common.HARM_LABELS],
                    _cell(pl, common.BENIGN),
                    _cell(pl, common.BENIGN, "any_hit"),
                )
            )
        head = ["system", *common.HARM_LABELS, f"FPR {common.BENIGN}", "FPR any hit"]
        out.append(common.table(head, rows))
    for ds in sizes:
        if ds == hb:
            continue
        out.append(f"\n{ds} (N={sizes[ds]}): flagged vs gold label\n")
        rows = []
        for name, res in systems.items():
            if "error" in res:
                continue
            for mode in ("flagged", "any_hit"):
                if mode == "any_hit" and not name.startswith("menshen"):
                    continue
                b = res[ds][f"binary_{mode}"]
                label = name if mode == "flagged" else f"{name} (any hit)"
                cells = [_rate(b[key]) for key in ("precision", "recall")]
                rows.append((label, *cells, f"{b['f1']:.3f}", _rate(b["fpr"])))
        out.append(common.table(["system", "precision", "recall", "F1", "FPR"], rows))
    for name, res in systems.items():
        if not name.startswith("menshen") or "error" in res:
            continue
        for ds, r in res.items():
            order = [*common.HARM_LABELS, common.BENIGN, "1", "0"]
            labels = sorted(r["per_label"], key=lambda x: order.index(x) if x in order else 99)
            rows = [
                (code, *[counts.get(lab, 0) for lab in labels])
                for code, counts in r["codes_by_label"].items()
            ]
            rows.append(("n", *[r["per_label"][lab]["n"] for lab in labels]))
            out.append(f"\n{name} on {ds}: texts where each risk code fired, by gold label\n")
            out.append(common.table(["code", *labels], rows))
            terms = ", ".join(f"{t} ({c})" for t, c in r["top_benign_terms"][:15])
            out.append(f"\nTop terms firing on benign texts: {terms or '—'}")
    for name, res in systems.items():
        if name.startswith("naive") and "error" not in res and hb in res:
            terms = ", ".join(f"{t} ({c})" for t, c in res[hb]["top_benign_terms"][:10])
            out.append(f"\n{name}: top terms on {hb} {common.BENIGN}: {terms or '—'}")
    return "\n".join(out)
