"""Packaged normalisation tables, loaded once and composed into one per-code-point map.

The tables are data files under ``menshen/text/data`` (see docs/normalization-tables.md):

- ``base_map.tsv``: always on — NFKC, lower case, accent stripping, deletion of symbols,
  punctuation, separators, control/format characters and combining marks;
- ``t2s.tsv``: traditional → simplified, per character (derived from OpenCC);
- ``confusables.tsv``: shape-alike characters → their common form.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

from menshen.errors import ConfigError
from menshen.text.scanner import RangeSet

_DATA = "menshen.text.data"
# Characters a user cannot see: deleting them never counts as the "symbols" disguise.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Mn", "Me"})


@dataclass(frozen=True, slots=True)
class Tables:
    """The composed normalisation: deletions as ranges plus a code point → string map."""

    delete_ranges: tuple[tuple[int, int], ...]
    mapping: dict[int, str]
    base: dict[int, str]
    t2s: dict[int, str]
    confusables: dict[int, str]
    version: str


def _read_lines(name: str) -> list[list[str]]:
    try:
        text = resources.files(_DATA).joinpath(name).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"normalisation table {name} is missing from the package") from exc
    rows = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) < 2:
            raise ConfigError(f"{name}:{lineno}: expected tab-separated columns, got {line!r}")
        rows.append(cols)
    return rows


def _char_pairs(name: str) -> dict[int, str]:
    out: dict[int, str] = {}
    for cols in _read_lines(name):
        src, dst = cols[0], cols[1]
        if len(src) != 1 or len(dst) != 1:
            raise ConfigError(f"{name}: {src!r} → {dst!r} must map one character to one")
        out[ord(src)] = dst
    return out


def _base() -> tuple[list[tuple[int, int]], dict[int, str]]:
    ranges: list[tuple[int, int]] = []
    mapping: dict[int, str] = {}
    for cols in _read_lines("base_map.tsv"):
        if cols[0] == "D":
            ranges.append((int(cols[1], 16), int(cols[2], 16)))
        elif cols[0] == "M":
            mapping[int(cols[1], 16)] = "".join(chr(int(h, 16)) for h in cols[2].split())
        else:
            raise ConfigError(f"base_map.tsv: unknown row kind {cols[0]!r}")
    return ranges, mapping


@cache
def load_tables() -> Tables:
    """Load and compose the packaged tables (cached; thread-safe after the first call)."""
    ranges, base = _base()
    t2s = _char_pairs("t2s.tsv")
    confusables = _char_pairs("confusables.tsv")
    deleted = RangeSet(ranges)

    def one(ch: str) -> str:
        cp = ord(ch)
        if cp in confusables and cp in deleted:
            return confusables[cp]  # a look-alike symbol (🈲) stands for its letter
        if cp in deleted and cp not in base:
            return ""
        out = base.get(cp, ch)
        out = "".join(t2s.get(ord(c), c) for c in out)
        return "".join(confusables.get(ord(c), c) for c in out)

    mapping: dict[int, str] = {}
    for cp in sorted(set(base) | set(t2s) | set(confusables)):
        img = one(chr(cp))
        for _ in range(4):  # a fixed point keeps normalisation idempotent
            nxt = "".join(one(c) for c in img)
            if nxt == img:
                break
            img = nxt
        if img != chr(cp):
            mapping[cp] = img
    # The shipped tables, not the running Python's Unicode version, define the normalisation.
    digest = hashlib.sha256(repr((ranges, sorted(mapping.items()))).encode()).hexdigest()
    version = f"tables-{digest[:12]}"
    return Tables(tuple(ranges), mapping, base, t2s, confusables, version)


def is_invisible(ch: str) -> bool:
    """True for characters a reader cannot see (zero-width, bidi, control, combining marks)."""
    return unicodedata.category(ch) in _INVISIBLE_CATEGORIES


@cache
def homophones() -> dict[str, str]:
    """Character → homophone substitutes users write instead (keyword-side expansion)."""
    return {cols[0]: cols[1] for cols in _read_lines("homophones.tsv")}


@cache
def split_forms() -> dict[str, str]:
    """Character → its components written side by side (奸 → 女干)."""
    return {cols[0]: cols[1] for cols in _read_lines("split_chars.tsv")}


@cache
def pinyin_readings() -> dict[str, tuple[str, ...]]:
    """Han character → its toneless pinyin readings, the most common first."""
    return {cols[0]: tuple(cols[1].split(",")) for cols in _read_lines("pinyin.tsv")}


@cache
def common_words() -> frozenset[str]:
    """Frequent two-character words (from jieba's dictionary, MIT): the edges of real words."""
    text = resources.files(_DATA).joinpath("common_words.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


@cache
def pinyin_syllables() -> frozenset[str]:
    """Every toneless Mandarin syllable, for telling pinyin from other Latin words."""
    text = resources.files(_DATA).joinpath("pinyin_syllables.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def is_pinyin(word: str) -> bool:
    """True when a lower-case Latin word splits entirely into pinyin syllables."""
    syllables = pinyin_syllables()
    ok = [True] + [False] * len(word)
    for end in range(1, len(word) + 1):
        for size in range(1, min(6, end) + 1):
            if ok[end - size] and word[end - size : end] in syllables:
                ok[end] = True
                break
    return ok[len(word)]
