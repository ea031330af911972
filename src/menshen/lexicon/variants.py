"""Keyword-side expansion of disguises: homophones, split characters and pinyin spellings.

Text-side normalisation (width, case, traditional script, confusables, inserted symbols, repeats)
runs on every message; these expansions instead add spellings of a *keyword* to the automaton, so
that a homophone table never rewrites ordinary text (涩 stays 涩 in 苦涩).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from menshen.lexicon.model import Variant
from menshen.text.tables import homophones, pinyin_readings, split_forms

MAX_SUBSTITUTIONS = 24
"""Cap on generated spellings per term and kind; keeps big libraries small."""


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


MAX_READINGS = 8
"""Cap on full-pinyin spellings per term when its characters have several readings."""


def _readings(term: str) -> list[tuple[str, ...]] | None:
    table = pinyin_readings()
    if not term or not all(c in table for c in term):
        return None
    return [table[c] for c in term]


def pinyin_of(term: str) -> list[str]:
    """Full toneless pinyin spellings of an all-Han term (every reading combination, capped)."""
    readings = _readings(term)
    if readings is None:
        return []
    combos = itertools.islice(itertools.product(*readings), MAX_READINGS)
    return ["".join(combo) for combo in combos]


def _mixed_pinyin(term: str) -> Iterator[str]:
    """色qing, se情: some characters written in pinyin (terms of two to four characters)."""
    readings = _readings(term)
    if readings is None or not 2 <= len(term) <= 4:
        return
    syllables = [r[0] for r in readings]
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
        spellings = [s for s in pinyin_of(term) if len(s) >= 4]
        for spelling in spellings:
            yield spelling, "pinyin"
        if spellings:
            for spelling in _mixed_pinyin(term):
                yield spelling, "pinyin"
    for spelling in extra_pinyin:
        yield spelling, "pinyin"
