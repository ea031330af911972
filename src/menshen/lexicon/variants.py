"""Keyword-side expansion of disguises: homophones, split characters and pinyin spellings.

Text-side normalisation (width, case, traditional script, confusables, inserted symbols, repeats)
runs on every message; these expansions instead add spellings of a *keyword* to the automaton, so
that a homophone table never rewrites ordinary text (涩 stays 涩 in 苦涩).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from pypinyin import Style, lazy_pinyin

from menshen.lexicon.model import Variant
from menshen.text.tables import homophones, split_forms

MAX_SUBSTITUTIONS = 24
"""Cap on generated spellings per term and kind; keeps big libraries small."""


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\U00020000" <= ch <= "\U0002ffff"


def _substitutions(term: str, table: dict[str, str], multi: bool) -> Iterator[str]:
    """Spellings with one (and, when ``multi``, every combination of) substituted characters."""
    slots = [(i, table[ch]) for i, ch in enumerate(term) if ch in table]
    seen = 0
    for i, alts in slots:
        for alt in alts if multi else (alts,):
            yield term[:i] + alt + term[i + 1 :]
            seen += 1
    if len(slots) < 2 or seen >= MAX_SUBSTITUTIONS:
        return
    options = [[term[i], *(alts if multi else (alts,))] for i, alts in slots]
    for combo in itertools.islice(itertools.product(*options), 1, MAX_SUBSTITUTIONS):
        chars = list(term)
        for (i, _), ch in zip(slots, combo, strict=True):
            chars[i] = ch
        yield "".join(chars)


def pinyin_of(term: str) -> str | None:
    """Full toneless pinyin of an all-Han term, or None."""
    if not term or not all(_is_han(c) for c in term):
        return None
    return "".join(lazy_pinyin(term, style=Style.NORMAL, errors="ignore"))


def _mixed_pinyin(term: str) -> Iterator[str]:
    """色qing, se情: some characters written in pinyin (terms of two to four characters)."""
    if not 2 <= len(term) <= 4 or not all(_is_han(c) for c in term):
        return
    syllables = lazy_pinyin(term, style=Style.NORMAL, errors="ignore")
    if len(syllables) != len(term):
        return
    for mask in range(1, 2 ** len(term) - 1):
        yield "".join(syllables[i] if mask >> i & 1 else term[i] for i in range(len(term)))


def expand(
    term: str, variants: frozenset[Variant], extra_pinyin: tuple[str, ...]
) -> Iterator[tuple[str, str]]:
    """Yield ``(spelling, kind)`` for every disguise of ``term`` the entry tolerates."""
    yield term, "term"
    if Variant.HOMOPHONES in variants:
        for spelling in _substitutions(term, homophones(), multi=True):
            yield spelling, "homophone"
    if Variant.SPLIT in variants:
        for spelling in _substitutions(term, split_forms(), multi=False):
            yield spelling, "split"
    if Variant.PINYIN in variants:
        full = pinyin_of(term)
        if full and len(full) >= 4:
            yield full, "pinyin"
            for spelling in _mixed_pinyin(term):
                yield spelling, "pinyin"
    for spelling in extra_pinyin:
        yield spelling, "pinyin"
