"""Naive evaluation of the starter keyword library (src/menshen/lexicon/data/starter/*.yaml).

Throwaway-quality but honest. By default it does NOT use the Menshen engine: it loads the YAML
files with PyYAML and applies a simple approximation of the matcher (``--engine`` runs the real
one, ``menshen.lexicon.load_library`` + ``compile_library`` + ``find_hits``, instead):

* text normalisation: NFKC, lower-case, zero-width / bidi / control characters removed,
  traditional -> simplified (OpenCC ``t2s``, when installed) for entries with ``traditional``;
* ``term``: plain substring match; terms that start/end with a Latin letter must sit on a
  Latin-word boundary (the real engine is stricter still); spaces inside a Latin term match any run
  of spaces / hyphens / underscores / dots;
* ``symbols`` variant: the term is also searched in a "skeleton" of the text that keeps only
  letters, digits and CJK characters;
* ``pinyin`` variant: the full toneless pinyin of a CJK term (pypinyin, when installed) joined with
  nothing or with spaces, plus the entry's explicit ``pinyin`` spellings, matched on Latin-word
  boundaries;
* combination rules (``all``): every part present; with ``within``, some choice of occurrences
  whose span (start of the first part to end of the last part, ``--within-mode span``, the
  engine's reading) or gap (``--within-mode gap``) is at most ``within`` characters;
* ``whitelist`` (file level and entry level): a hit that lies inside an occurrence of a whitelisted
  word is dropped; ``unless``: any occurrence anywhere cancels the entry.

Homophone / split / confusable / repeat variants are not simulated (the engine adds them).
A text counts as flagged when any entry fires, whatever its weight (``--min-weight`` changes that).

Usage::

    python benchmarks/starter_lexicon_naive_eval.py            # ChineseHarm-bench dev + extras
    python benchmarks/starter_lexicon_naive_eval.py --engine   # same, with the real matcher
    python benchmarks/starter_lexicon_naive_eval.py --top 40 --show-fp
    python benchmarks/starter_lexicon_naive_eval.py --misses 低俗色情 --limit 80

Data is read from ../shared/data (never copied into the repository).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
LEXICON_DIR = ROOT / "src" / "menshen" / "lexicon" / "data" / "starter"
DATA_DIR = (ROOT / ".." / "shared" / "data").resolve()
BENCH = DATA_DIR / "ChineseHarm-bench" / "bench.jsonl"
BENIGN_LABEL = "不违规"
ALL_VARIANTS = {
    "symbols",
    "traditional",
    "confusables",
    "repeats",
    "homophones",
    "pinyin",
    "split",
}

try:  # optional helpers: the approximation degrades gracefully without them
    import opencc

    _T2S = opencc.OpenCC("t2s")
except Exception:  # pragma: no cover - optional dependency
    _T2S = None

try:
    from pypinyin import lazy_pinyin
except Exception:  # pragma: no cover - optional dependency
    lazy_pinyin = None

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\u00ad\u034f\u180e]")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[a-z]")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = _INVISIBLE.sub("", text)
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")


def to_simplified(text: str) -> str:
    if _T2S is None:
        return text
    out = _T2S.convert(text)
    return out if len(out) == len(text) else text  # keep positions aligned


HARD_BOUNDARIES = frozenset("\n\r。！？；，、!?;")  # as in menshen.text.normalize


def skeleton(text: str) -> tuple[str, list[int]]:
    """Keep letters, digits and CJK (and clause punctuation, which symbol skipping never crosses);
    return the skeleton and its map to original offsets."""
    chars: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if ch.isalnum() or ch in HARD_BOUNDARIES:
            chars.append(ch)
            index.append(i)
    return "".join(chars), index


class TextView:
    """One text prepared once for all matchers."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.simp = to_simplified(text)
        self.skel = skeleton(self.simp)
        self.text_chars = frozenset(text)
        self.simp_chars = frozenset(self.simp)
        self.flat = text.replace(" ", "")
        self.has_latin = _LATIN.search(text) is not None


@dataclass
class Entry:
    file: str
    idx: int
    risk: str
    weight: float
    variants: set[str]
    term: str | None = None
    parts: list[str] = field(default_factory=list)
    within: int | None = None
    unless: list[str] = field(default_factory=list)
    whitelist: list[str] = field(default_factory=list)
    pinyin: list[str] = field(default_factory=list)
    file_whitelist: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.term is not None:
            return self.term
        return "+".join(self.parts) + (f"~{self.within}" if self.within is not None else "")


def load_entries(directory: Path) -> list[Entry]:
    entries: list[Entry] = []
    for path in sorted(directory.glob("*.yaml")):
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
        defaults = doc.get("defaults") or {}
        file_wl = [normalise(w) for w in doc.get("whitelist") or []]
        for i, raw in enumerate(doc.get("entries") or []):
            variants = raw.get("variants", defaults.get("variants"))
            entries.append(
                Entry(
                    file=path.stem,
                    idx=i,
                    risk=raw.get("risk", defaults.get("risk", "?")),
                    weight=float(raw.get("weight", defaults.get("weight", 0.8))),
                    variants=set(ALL_VARIANTS if variants is None else variants),
                    term=normalise(raw["term"]) if "term" in raw else None,
                    parts=[normalise(p) for p in raw.get("all") or []],
                    within=raw.get("within"),
                    unless=[normalise(u) for u in raw.get("unless") or []],
                    whitelist=[normalise(w) for w in raw.get("whitelist") or []],
                    pinyin=[normalise(p) for p in raw.get("pinyin") or []],
                    file_whitelist=file_wl,
                )
            )
    return entries


def _latin_pattern(term: str) -> re.Pattern[str]:
    body = r"[\s\-_.]+".join(re.escape(w) for w in term.split())
    start = r"(?<![a-z])" if _LATIN.match(term[0]) else ""
    end = r"(?![a-z])" if _LATIN.match(term[-1]) else ""
    return re.compile(start + body + end)


class Matcher:
    """Compiled view of one entry."""

    def __init__(self, entry: Entry) -> None:
        self.entry = entry
        needles = [entry.term] if entry.term is not None else entry.parts
        self.first_chars = frozenset(n[0] for n in needles if n)
        self.patterns = [self._compile(n) for n in needles]
        self.alt_latin: list[re.Pattern[str]] = []
        self.alt_heads: list[str] = []
        if entry.term is not None:
            spellings = list(entry.pinyin)
            han = bool(entry.term) and all(_CJK.match(ch) for ch in entry.term)
            if "pinyin" in entry.variants and lazy_pinyin is not None and han:
                syllables = lazy_pinyin(entry.term)
                spellings += ["".join(syllables), " ".join(syllables)]
            unique = [sp for sp in dict.fromkeys(spellings) if sp]
            self.alt_latin = [_latin_pattern(sp) for sp in unique]
            self.alt_heads = [sp.replace(" ", "")[:3] for sp in unique]

    def _compile(self, needle: str) -> re.Pattern[str]:
        if _LATIN.search(needle):
            return _latin_pattern(needle)
        return re.compile(re.escape(needle))

    def _spans(self, k: int, text: str, skel: tuple[str, list[int]]) -> list[tuple[int, int]]:
        pat = self.patterns[k]
        spans = [(m.start(), m.end()) for m in pat.finditer(text)]
        if "symbols" in self.entry.variants:
            s_text, s_index = skel
            needle = self.entry.term if self.entry.term is not None else self.entry.parts[k]
            compact = "".join(ch for ch in needle if ch.isalnum())
            if compact and not _LATIN.search(compact):  # Latin terms: no symbol skipping here
                for m in re.finditer(re.escape(compact), s_text):
                    spans.append((s_index[m.start()], s_index[m.end() - 1] + 1))
        if k == 0 and self.entry.term is not None:
            for alt in self.alt_latin:
                spans += [(m.start(), m.end()) for m in alt.finditer(text)]
        return sorted(set(spans))

    def _allowed(self, span: tuple[int, int], text: str) -> bool:
        for word in self.entry.whitelist + self.entry.file_whitelist:
            start = text.find(word)
            while start != -1:
                if start <= span[0] and span[1] <= start + len(word):
                    return False
                start = text.find(word, start + 1)
        return True

    def match(self, ctx: TextView, mode: str) -> bool:
        e = self.entry
        text, simp, skel = ctx.text, ctx.simp, ctx.skel
        use = simp if "traditional" in e.variants else text
        chars = ctx.simp_chars if use is simp else ctx.text_chars
        # cheap pre-filter: a needle's first character is absent and no Latin spelling can match
        latin = ctx.has_latin and any(head in ctx.flat for head in self.alt_heads)
        if not latin and not self.first_chars <= chars:
            return False
        if any(u in text or u in simp for u in e.unless):
            return False
        if e.term is not None:
            return any(self._allowed(s, use) for s in self._spans(0, use, skel))
        occ = []
        for k in range(len(self.patterns)):
            spans = [s for s in self._spans(k, use, skel) if self._allowed(s, use)]
            if not spans:
                return False
            occ.append(spans)
        if e.within is None:
            return True
        return _within(occ, e.within, mode)


def _within(occ: list[list[tuple[int, int]]], within: int, mode: str) -> bool:
    # anchor on each occurrence of each part; pick the nearest occurrence of every other part
    for anchor_list in occ:
        for a in anchor_list:
            chosen = [a]
            for other in occ:
                if other is anchor_list:
                    continue
                best = min(other, key=lambda s: abs(s[0] - a[0]))
                chosen.append(best)
            first_end = min(s[1] for s in chosen)
            last_start = max(s[0] for s in chosen)
            if mode == "span":
                dist = max(s[1] for s in chosen) - min(s[0] for s in chosen)
            else:
                dist = max(0, last_start - first_end)
            if dist <= within:
                return True
    return False


class Library:
    def __init__(self, entries: list[Entry], mode: str = "span", min_weight: float = 0.0) -> None:
        self.matchers = [Matcher(e) for e in entries if e.weight >= min_weight]
        self.mode = mode
        # index: a required first character -> matchers; Latin-capable matchers are always tried
        self.by_char: dict[str, list[int]] = defaultdict(list)
        self.latin: list[int] = []
        for i, m in enumerate(self.matchers):
            if m.alt_heads:
                self.latin.append(i)
            elif m.first_chars:
                self.by_char[min(m.first_chars)].append(i)
            else:
                self.latin.append(i)

    def hits(self, raw: str) -> list[Entry]:
        ctx = TextView(normalise(raw))
        candidates = set(self.latin) if ctx.has_latin else set()
        for ch in ctx.text_chars | ctx.simp_chars:
            candidates.update(self.by_char.get(ch, ()))
        if not ctx.has_latin:
            candidates.update(i for i in self.latin if not self.matchers[i].alt_heads)
            candidates.update(
                i for i in self.latin if self.matchers[i].first_chars <= ctx.simp_chars
            )
        out = []
        for i in sorted(candidates):
            if self.matchers[i].match(ctx, self.mode):
                out.append(self.matchers[i].entry)
        return out


@dataclass(frozen=True)
class EngineHit:
    file: str
    label: str
    weight: float


class EngineLibrary:
    """The real Menshen matcher (``--engine``): load_library + compile_library + find_hits."""

    def __init__(self, directory: Path, min_weight: float = 0.0) -> None:
        sys.path.insert(0, str(ROOT / "src"))
        from menshen.lexicon import compile_library, find_hits, load_library

        self._find = find_hits
        self.compiled = compile_library(load_library([directory]))
        self.min_weight = min_weight
        self.matchers = self.compiled.library.rules
        self.mode = "engine"

    def hits(self, raw: str) -> list[EngineHit]:
        out = []
        for h in self._find(self.compiled, raw):
            rule = h.rule
            if rule.weight < self.min_weight:
                continue
            name = rule.id.split(":", 1)[0].removeprefix("starter-")
            label = rule.term if rule.term is not None else "+".join(rule.parts)
            if rule.term is None and rule.within is not None:
                label += f"~{rule.within}"
            out.append(EngineHit(name, label, rule.weight))
        return out


def load_bench() -> list[tuple[str, str]]:
    with BENCH.open(encoding="utf-8") as fh:
        return [(d["text"], d["label"]) for d in map(json.loads, fh)]


def extra_benign() -> dict[str, list[str]]:
    """Other benign texts (informational false-positive checks)."""
    out: dict[str, list[str]] = {}
    cold = DATA_DIR / "COLD" / "COLDataset" / "dev.csv"
    if cold.exists():
        with cold.open(encoding="utf-8-sig") as fh:
            out["COLD dev safe (zh)"] = [r["TEXT"] for r in csv.DictReader(fh) if r["label"] == "0"]
    toxicn = DATA_DIR / "ToxiCN" / "ToxiCN_ex" / "ToxiCN" / "data" / "train.json"
    if toxicn.exists():
        rows = json.loads(toxicn.read_text(encoding="utf-8"))
        out["ToxiCN non-toxic (zh)"] = [r["content"] for r in rows if r["toxic"] == 0]
    xstest = DATA_DIR / "XSTest" / "xstest_prompts.csv"
    if xstest.exists():
        with xstest.open(encoding="utf-8") as fh:
            out["XSTest safe (en)"] = [
                r["prompt"] for r in csv.DictReader(fh) if r["label"] == "safe"
            ]
    harmless = DATA_DIR / "HarmBench-AdvBench-etc" / "data" / "refusal_direction"
    if (harmless / "harmless_test.json").exists():
        rows = json.loads((harmless / "harmless_test.json").read_text(encoding="utf-8"))
        out["Alpaca harmless_test (en)"] = [r["instruction"] for r in rows]
    return out


def _rate(n: int, d: int) -> str:
    return f"{n:5d}/{d:<5d} {100.0 * n / max(d, 1):6.2f}%"


def print_counts(directory: Path) -> None:
    """Entries per file: keyword terms and combination rules."""
    print("library entries per file (terms + combination rules):")
    total = [0, 0]
    for path in sorted(directory.glob("*.yaml")):
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))["entries"]
        terms = sum(1 for e in entries if "term" in e)
        total[0] += terms
        total[1] += len(entries) - terms
        print(f"  {path.stem:16s} {terms:4d} + {len(entries) - terms:4d} = {len(entries):4d}")
    print(f"  {'total':16s} {total[0]:4d} + {total[1]:4d} = {sum(total):4d}\n")


def report(lib: Library | EngineLibrary, args: argparse.Namespace) -> None:
    rows = load_bench()
    by_label: dict[str, list[tuple[str, list[Entry] | list[EngineHit]]]] = defaultdict(list)
    for text, label in rows:
        by_label[label].append((text, lib.hits(text)))
    print(f"entries evaluated: {len(lib.matchers)}  (within-mode={lib.mode})")
    print("\nChineseHarm-bench dev: share of texts flagged by the keyword tier")
    for label in sorted(by_label, key=lambda x: (x == BENIGN_LABEL, x)):
        items = by_label[label]
        flagged = sum(1 for _, h in items if h)
        tag = "FALSE-POSITIVE RATE" if label == BENIGN_LABEL else "recall"
        print(f"  {label:6s} {_rate(flagged, len(items))}  {tag}")
    harmful = [x for lab, v in by_label.items() if lab != BENIGN_LABEL for x in v]
    print(f"  {'all harmful':6s} {_rate(sum(1 for _, h in harmful if h), len(harmful))}")

    fp_terms: Counter[str] = Counter()
    for _, hits in by_label[BENIGN_LABEL]:
        for e in {(h.file, h.label) for h in hits}:
            fp_terms[f"{e[0]}:{e[1]}"] += 1
    print(f"\nTop terms on {BENIGN_LABEL} texts:")
    for term, n in fp_terms.most_common(args.top):
        print(f"  {n:4d}  {term}")
    if args.show_fp:
        for text, hits in by_label[BENIGN_LABEL]:
            if hits:
                print("  FP:", [h.label for h in hits], repr(text[:150]))

    tp_terms: Counter[str] = Counter()
    for lab, items in by_label.items():
        if lab == BENIGN_LABEL:
            continue
        for _, hits in items:
            for e in {(h.file, h.label) for h in hits}:
                tp_terms[f"{e[0]}:{e[1]}"] += 1
    print(f"\nTop terms on harmful texts (top {args.top}):")
    for term, n in tp_terms.most_common(args.top):
        print(f"  {n:4d}  {term}")

    if args.misses:
        print(f"\nMissed texts of {args.misses}:")
        shown = 0
        for text, hits in by_label.get(args.misses, []):
            if not hits and shown < args.limit:
                print("  -", repr(text[:120]))
                shown += 1
    if args.hits_of:
        print(f"\nFlagged texts of {args.hits_of}:")
        for text, hits in by_label.get(args.hits_of, [])[: args.limit * 4]:
            if hits:
                print("  +", [h.label for h in hits], repr(text[:100]))

    if not args.no_extra:
        print("\nOther benign sets (informational false-positive rates):")
        for name, texts in extra_benign().items():
            fp: Counter[str] = Counter()
            n = 0
            examples: list[str] = []
            for t in texts:
                hits = lib.hits(t)
                if hits:
                    n += 1
                    fp.update({f"{h.file}:{h.label}" for h in hits})
                    if len(examples) < args.extra_examples:
                        examples.append(f"{[h.label for h in hits]} {t[:90]!r}")
            top = ", ".join(f"{k}({v})" for k, v in fp.most_common(8))
            print(f"  {name:28s} {_rate(n, len(texts))}  top: {top}")
            for ex in examples:
                print("      ", ex)


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lexicon", type=Path, default=LEXICON_DIR)
    parser.add_argument("--within-mode", choices=["gap", "span"], default="span")
    parser.add_argument("--min-weight", type=float, default=0.0)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--show-fp", action="store_true")
    parser.add_argument("--misses", help="label whose missed texts to list")
    parser.add_argument("--hits-of", help="label whose flagged texts to list")
    parser.add_argument("--limit", type=int, default=60)
    parser.add_argument("--no-extra", action="store_true", help="skip the other benign sets")
    parser.add_argument("--extra-examples", type=int, default=0)
    parser.add_argument(
        "--engine",
        action="store_true",
        help="use the real Menshen matcher instead of the naive one",
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    if not BENCH.exists():
        print(f"benchmark not found: {BENCH}", file=sys.stderr)
        return 2
    print_counts(args.lexicon)
    lib: Library | EngineLibrary
    if args.engine:
        lib = EngineLibrary(args.lexicon, args.min_weight)
    else:
        lib = Library(load_entries(args.lexicon), args.within_mode, args.min_weight)
    report(lib, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
