"""Turn raw automaton hits into rule hits: boundaries, disguise permissions, whitelists, rules.

Only texts with raw hits reach this code, but most texts have some (whitelist words, single parts
of combination rules), so a cheap gate runs first and per-hit work is shared between the rules
that use one pattern.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field

from menshen.lexicon.compiler import CompiledLexicon, PatternUse, Role
from menshen.lexicon.loader import Rule
from menshen.lexicon.model import ALL_VARIANTS
from menshen.text.normalize import HARD_BOUNDARIES, TextNormalizer
from menshen.text.tables import common_words, is_invisible, is_pinyin

_LOOKALIKE_KINDS = frozenset({"homophone", "split"})


@dataclass(frozen=True, slots=True)
class KeywordHit:
    """A rule that fired, where, and through which spelling."""

    rule: Rule
    start: int
    end: int
    variant: str
    """``exact``, ``normalized``, ``homophone``, ``split``, ``pinyin`` or ``combo``."""


def _latin_at(nz: TextNormalizer, ch: str) -> bool:
    img = nz.image(ch)
    return bool(img) and "a" <= img[0] <= "z"


def _neighbour(text: str, index: int, step: int) -> str | None:
    while 0 <= index < len(text):
        if not is_invisible(text[index]):
            return text[index]
        index += step
    return None


def _latin_run(nz: TextNormalizer, text: str, start: int, end: int) -> str:
    """The whole Latin word around ``[start, end)``, normalised (letters only)."""
    while start > 0 and (_latin_at(nz, text[start - 1]) or is_invisible(text[start - 1])):
        start -= 1
    while end < len(text) and (_latin_at(nz, text[end]) or is_invisible(text[end])):
        end += 1
    return "".join(nz.image(c) for c in text[start:end])


def _boundaries_ok(nz: TextNormalizer, text: str, start: int, end: int, use: PatternUse) -> bool:
    """Latin spellings must stand as words (sex is not in Sussex).

    One exemption: pinyin written without spaces inside a word that is pinyin throughout
    (seqingxiaoshuo). A match that spans a space must stand as words on both sides, or English
    would match across words ("game made" holds meimade, "was Angela" holds asange).
    """
    left = use.latin_left and (c := _neighbour(text, start - 1, -1)) is not None
    left = left and _latin_at(nz, c)  # type: ignore[arg-type]
    right = use.latin_right and (c := _neighbour(text, end, 1)) is not None
    right = right and _latin_at(nz, c)  # type: ignore[arg-type]
    if not (left or right):
        return True
    if use.kind != "pinyin" or any(not _latin_at(nz, ch) for ch in text[start:end]):
        return False
    return is_pinyin(_latin_run(nz, text, start, end))


def _part_of_a_word(nz: TextNormalizer, text: str, start: int, end: int) -> bool:
    """A homophone or split spelling that is the edge of an ordinary word is not a disguise.

    角色请你 holds 色请 (a homophone of 色情) only because 角色 and 请你 are words;
    女干部 holds 女干 (a split 奸) only because 干部 is one.
    """
    words = common_words()
    before, after = _neighbour(text, start - 1, -1), _neighbour(text, end, 1)
    head = nz.image(text[start]) if start < len(text) else ""
    tail = nz.image(text[end - 1]) if end > 0 else ""
    if before is not None and nz.image(before) + head in words:
        return True
    return after is not None and tail + nz.image(after) in words


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s <= start and end <= e for s, e in spans)


def _window_ok(rule: Rule, occurrences: list[list[tuple[int, int]]]) -> tuple[int, int] | None:
    """The tightest span covering one occurrence of every part, if it fits ``within``."""
    best: tuple[int, int] | None = None
    for combo in itertools.islice(itertools.product(*occurrences), 4096):
        start = min(s for s, _ in combo)
        end = max(e for _, e in combo)
        if rule.within is not None and end - start > rule.within:
            continue
        if best is None or end - start < best[1] - best[0]:
            best = (start, end)
    return best


def _gate(compiled: CompiledLexicon, raw: list[tuple[int, int, int]]) -> tuple[bool, set[int]]:
    """Cheap first pass: did any term match, and which combination rules saw every part?

    Most raw hits are context (whitelists, ``unless`` words, single parts of combinations);
    texts with only those skip the full check, and parts of incomplete rules are ignored.
    """
    has_term, part_bits, all_parts = compiled.has_term, compiled.part_bits, compiled.all_parts
    term = False
    seen: dict[int, int] = {}
    get = seen.get
    for pid, _, _ in raw:
        term = term or has_term[pid]
        for rule, bit in part_bits[pid]:
            seen[rule] = get(rule, 0) | bit
    return term, {rule for rule, found in seen.items() if found == all_parts[rule]}


@dataclass(slots=True)
class _Collected:
    """What the raw hits of one text say, after boundary and disguise checks."""

    terms: list[tuple[int, int, int, str]] = field(default_factory=list)
    """``(rule, start, end, spelling kind)`` of term hits."""
    parts: dict[int, defaultdict[int, list[tuple[int, int]]]] = field(default_factory=dict)
    """Rule → part index → occurrences, for combination rules that saw every part."""
    cancelled: set[int] = field(default_factory=set)
    """Rules whose ``unless`` word occurs."""
    entry_wl: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    file_wl: dict[int, list[tuple[int, int]]] = field(default_factory=dict)

    def allowed(self, rule: int, file: int, start: int, end: int) -> bool:
        """Not cancelled, and not inside a whitelisted context of the rule or its file."""
        if rule in self.cancelled:
            return False
        for spans in (self.entry_wl.get(rule), self.file_wl.get(file)):
            if spans and _inside(spans, start, end):
                return False
        return True


def _collect(
    compiled: CompiledLexicon, text: str, raw: list[tuple[int, int, int]], complete: set[int]
) -> _Collected:
    nz, rules, patterns = compiled.normalizer, compiled.library.rules, compiled.patterns
    out = _Collected()
    for pid, start, end in raw:
        span = text[start:end]
        # Most hits are written exactly as the pattern: no disguise or boundary to check.
        exact = span == patterns[pid]
        if not exact and any(ch in HARD_BOUNDARIES for ch in span):
            continue
        # A pattern can serve many rules: check its boundaries and disguises once per hit.
        boundary_ok: dict[tuple[bool, bool, bool], bool] = {}
        used: frozenset[str] | None = frozenset() if exact else None
        for use in compiled.uses[pid]:
            if use.role is Role.PART and use.owner not in complete:
                continue
            key = (use.latin_left, use.latin_right, use.kind == "pinyin")
            ok = boundary_ok.get(key)
            if ok is None:
                ok = boundary_ok[key] = _boundaries_ok(nz, text, start, end, use)
            if not ok:
                continue
            if use.role is Role.FILE_WHITELIST:
                out.file_wl.setdefault(use.owner, []).append((start, end))
            elif use.role is Role.ENTRY_WHITELIST:
                out.entry_wl.setdefault(use.owner, []).append((start, end))
            elif use.role is Role.UNLESS:
                out.cancelled.add(use.owner)
            else:
                allowed_variants = rules[use.owner].variants
                if not allowed_variants >= ALL_VARIANTS:
                    if used is None:
                        used = nz.disguises(span)
                    if not used <= allowed_variants:
                        continue
                if use.role is Role.TERM:
                    out.terms.append((use.owner, start, end, use.kind))
                else:
                    found = out.parts.setdefault(use.owner, defaultdict(list))
                    found[use.part].append((start, end))
    return out


def _resolve(compiled: CompiledLexicon, text: str, got: _Collected) -> list[KeywordHit]:
    nz, rules = compiled.normalizer, compiled.library.rules
    hits: list[KeywordHit] = []
    for r, start, end, kind in got.terms:
        rule = rules[r]
        if kind in _LOOKALIKE_KINDS and _part_of_a_word(nz, text, start, end):
            continue
        if got.allowed(r, rule.file_index, start, end):
            if kind == "term":
                kind = "exact" if text[start:end] == rule.term else "normalized"
            hits.append(KeywordHit(rule, start, end, kind))
    for r, found in got.parts.items():
        rule = rules[r]
        if len(found) < len(rule.parts):
            continue
        occurrences = [
            [(s, e) for s, e in found.get(p, []) if got.allowed(r, rule.file_index, s, e)]
            for p in range(len(rule.parts))
        ]
        if all(occurrences) and (window := _window_ok(rule, occurrences)) is not None:
            hits.append(KeywordHit(rule, window[0], window[1], "combo"))
    hits.sort(key=lambda h: (h.start, h.end, h.rule.id))
    return hits


def find_hits(compiled: CompiledLexicon, text: str) -> list[KeywordHit]:
    """All rule hits in ``text`` after boundary, disguise, whitelist and combination checks."""
    raw = compiled.matcher.scan(text)
    if not raw:
        return []
    any_term, complete = _gate(compiled, raw)
    if not any_term and not complete:
        return []
    return _resolve(compiled, text, _collect(compiled, text, raw, complete))
