"""Compile a :class:`Library` into one automaton over the normalised text."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from enum import IntEnum

from menshen.lexicon.loader import Library
from menshen.lexicon.variants import expand
from menshen.text.normalize import TextNormalizer, default_normalizer
from menshen.text.scanner import MatcherProto, make_matcher

logger = logging.getLogger(__name__)


class Role(IntEnum):
    """What a pattern means for the rule that owns it."""

    TERM = 0
    PART = 1
    UNLESS = 2
    ENTRY_WHITELIST = 3
    FILE_WHITELIST = 4


@dataclass(frozen=True, slots=True)
class PatternUse:
    """One use of a compiled pattern: by which rule (or file), in which role, as which spelling."""

    role: Role
    owner: int
    """Rule index, or file index for file whitelists."""
    kind: str
    """Spelling kind: ``term``, ``homophone``, ``split``, ``pinyin``, ``unless``, ``whitelist``."""
    part: int
    """Index of the part in the owner's ``all`` list; -1 for other roles."""
    latin_left: bool
    """The spelling starts with a Latin letter: needs a word boundary on the left."""
    latin_right: bool
    """The spelling ends with a Latin letter: needs a word boundary on the right."""


@dataclass(frozen=True, slots=True)
class CompiledLexicon:
    """A library ready to scan: patterns, what each means, and the automaton."""

    library: Library
    normalizer: TextNormalizer
    patterns: tuple[str, ...]
    uses: tuple[tuple[PatternUse, ...], ...]
    matcher: MatcherProto
    compile_seconds: float
    has_term: tuple[bool, ...]
    """Per pattern: some rule uses it as a term (a hit may fire on its own)."""
    part_bits: tuple[tuple[tuple[int, int], ...], ...]
    """Per pattern: ``(rule, 1 << part index)`` for each combination rule that uses it."""
    all_parts: tuple[int, ...]
    """Per rule: the bit mask of all its parts (0 for terms)."""

    version: str
    """Library version and normalisation tables, e.g. ``2026-11-25T00:00:00Z+1a2b/tables-3c4d``:
    both decide what matches, so a verdict names both (computed once, read on every check)."""


def _latin(ch: str) -> bool:
    return "a" <= ch <= "z"


def compile_library(library: Library, normalizer: TextNormalizer | None = None) -> CompiledLexicon:
    """Expand every rule's spellings, normalise them and build the automaton."""
    started = time.perf_counter()
    nz = normalizer or default_normalizer()
    index: dict[str, int] = {}
    uses: list[tuple[PatternUse, ...]] = []  # tuples from the start: no copy at the end
    dropped: list[str] = []

    def add(spelling: str, use_role: Role, owner: int, kind: str, part: int = -1) -> None:
        norm = nz.normalize_term(spelling)
        if not norm:
            return
        if use_role is Role.TERM and len(norm) < 2:
            # One character (or a term that normalises to one, like "b\x7f") fires on
            # almost every text; such words belong in a combination rule.
            dropped.append(spelling)
            return
        pid = index.get(norm)
        if pid is None:
            pid = index[norm] = len(uses)
            uses.append(())
        use = PatternUse(
            role=use_role,
            owner=owner,
            kind=kind,
            part=part,
            latin_left=_latin(norm[0]),
            latin_right=_latin(norm[-1]),
        )
        if use not in uses[pid]:
            uses[pid] = (*uses[pid], use)

    for r, rule in enumerate(library.rules):
        if rule.term is not None:
            for spelling, kind in expand(rule.term, rule.variants, rule.pinyin):
                add(spelling, Role.TERM, r, kind)
        for p, part in enumerate(rule.parts):
            for spelling, kind in expand(part, rule.variants, ()):
                add(spelling, Role.PART, r, kind, p)
        for word in rule.unless:
            add(word, Role.UNLESS, r, "unless")
        for word in rule.whitelist:
            add(word, Role.ENTRY_WHITELIST, r, "whitelist")
    for f, file in enumerate(library.files):
        for word in file.whitelist:
            add(word, Role.FILE_WHITELIST, f, "whitelist")
    patterns = list(index)  # insertion order is pattern-index order
    matcher = make_matcher(nz.scanner, patterns)
    elapsed = time.perf_counter() - started
    if dropped:
        logger.warning(
            "terms shorter than two characters after normalisation were skipped",
            extra={"count": len(dropped), "examples": dropped[:5]},
        )
    logger.info(
        "lexicon compiled",
        extra={"patterns": len(patterns), "rules": len(library.rules), "seconds": elapsed},
    )
    return CompiledLexicon(
        library=library,
        normalizer=nz,
        version=f"{library.version}/{nz.version}",
        patterns=tuple(patterns),
        uses=tuple(uses),
        matcher=matcher,
        compile_seconds=elapsed,
        has_term=tuple(any(u.role is Role.TERM for u in us) for us in uses),
        part_bits=tuple(
            tuple(dict.fromkeys((u.owner, 1 << u.part) for u in us if u.role is Role.PART))
            for us in uses
        ),
        all_parts=tuple((1 << len(rule.parts)) - 1 for rule in library.rules),
    )
