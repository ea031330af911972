"""The normalise-and-match scanner: a C accelerator with a pure-Python reference.

Both implement the same contract:

- ``Normalizer(delete_ranges, mapping, collapse)``: per code point, map it to zero or more code
  points (a mapping overrides a deletion range), delete it, or keep it; with ``collapse``, runs
  of three or more identical normalised code points count as two. ``normalize(text)`` returns
  the normalised text and, for every normalised
  code point, the index of the original code point it came from.
- ``Matcher(normalizer, patterns)``: ``scan(text)`` returns ``(pattern index, start, end)`` for
  every occurrence of a (normalised) pattern in the normalised text, with ``[start, end)`` in
  original code point offsets.

The C version (``menshen.text._scan``) is used when it was compiled at install time; property
tests check that both agree.
"""

from __future__ import annotations

import logging
from bisect import bisect_right
from collections import deque
from typing import Protocol

logger = logging.getLogger(__name__)

_DELETE = ""


class NormalizerProto(Protocol):
    """What the guard needs from a normaliser."""

    def normalize(self, text: str, /) -> tuple[str, list[int]]:
        """Return the normalised text and the original index of each normalised code point."""
        ...


class MatcherProto(Protocol):
    """What the guard needs from a matcher."""

    def scan(self, text: str, /) -> list[tuple[int, int, int]]:
        """Return ``(pattern, start, end)`` for every hit, offsets in the original text."""
        ...


class RangeSet:
    """Membership over sorted, non-overlapping inclusive code point ranges."""

    def __init__(self, ranges: list[tuple[int, int]]) -> None:
        self._starts = [lo for lo, _ in ranges]
        self._ranges = ranges

    def __contains__(self, cp: int) -> bool:
        i = bisect_right(self._starts, cp) - 1
        return i >= 0 and self._ranges[i][0] <= cp <= self._ranges[i][1]


class PyNormalizer:
    """Pure-Python reference implementation of the C ``Normalizer``."""

    def __init__(
        self, delete_ranges: list[tuple[int, int]], mapping: dict[int, str], collapse: bool = True
    ) -> None:
        self._deleted = RangeSet(delete_ranges)
        self._mapping = mapping
        self.collapse = collapse

    def image(self, ch: str) -> str:
        """The normalised form of one code point (empty when it is deleted)."""
        cp = ord(ch)
        mapped = self._mapping.get(cp)
        if mapped is not None:  # a mapping overrides a deletion range, as in the C scanner
            return mapped
        if cp in self._deleted:
            return _DELETE
        return ch

    def stream(self, text: str) -> list[tuple[str, int]]:
        """Normalised code points paired with their original index, after run collapsing."""
        out: list[tuple[str, int]] = []
        last, run = "", 0
        for i, ch in enumerate(text):
            for c in self.image(ch):
                if self.collapse:
                    if c == last:
                        if run >= 2:
                            continue
                        run += 1
                    else:
                        last, run = c, 1
                out.append((c, i))
        return out

    def normalize(self, text: str) -> tuple[str, list[int]]:
        pairs = self.stream(text)
        return "".join(c for c, _ in pairs), [i for _, i in pairs]


class PyMatcher:
    """Pure-Python reference implementation of the C ``Matcher`` (Aho-Corasick)."""

    def __init__(self, normalizer: PyNormalizer, patterns: list[str]) -> None:
        if any(not p for p in patterns):
            raise ValueError("patterns must be non-empty strings")
        self._nz = normalizer
        self._goto: list[dict[str, int]] = [{}]
        self._out: list[list[int]] = [[]]
        self._len = [len(p) for p in patterns]
        for idx, pattern in enumerate(patterns):
            node = 0
            for ch in pattern:
                nxt = self._goto[node].get(ch)
                if nxt is None:
                    nxt = len(self._goto)
                    self._goto.append({})
                    self._out.append([])
                    self._goto[node][ch] = nxt
                node = nxt
            self._out[node].append(idx)
        self._fail = [0] * len(self._goto)
        queue = deque(self._goto[0].values())
        while queue:
            u = queue.popleft()
            for ch, v in self._goto[u].items():
                f = self._fail[u]
                while f and ch not in self._goto[f]:
                    f = self._fail[f]
                target = self._goto[f].get(ch, 0)
                self._fail[v] = target if target != v else 0
                self._out[v] = self._out[v] + self._out[self._fail[v]]
                queue.append(v)

    def scan(self, text: str) -> list[tuple[int, int, int]]:
        hits: list[tuple[int, int, int]] = []
        positions: list[int] = []
        state = 0
        for ch, orig in self._nz.stream(text):
            positions.append(orig)
            while state and ch not in self._goto[state]:
                state = self._fail[state]
            state = self._goto[state].get(ch, 0)
            for idx in self._out[state]:
                hits.append((idx, positions[len(positions) - self._len[idx]], orig + 1))
        return hits


def make_normalizer(
    delete_ranges: list[tuple[int, int]], mapping: dict[int, str], collapse: bool = True
) -> NormalizerProto:
    """Build the fastest available normaliser."""
    try:
        from menshen.text import _scan  # type: ignore[attr-defined]
    except ImportError:
        logger.warning("menshen.text._scan is not compiled; using the slow pure-Python scanner")
        return PyNormalizer(delete_ranges, mapping, collapse)
    normalizer: NormalizerProto = _scan.Normalizer(delete_ranges, mapping, collapse)
    return normalizer


def make_matcher(normalizer: NormalizerProto, patterns: list[str]) -> MatcherProto:
    """Build a matcher of the same implementation as ``normalizer``."""
    if isinstance(normalizer, PyNormalizer):
        return PyMatcher(normalizer, patterns)
    from menshen.text import _scan  # type: ignore[attr-defined]

    matcher: MatcherProto = _scan.Matcher(normalizer, patterns)
    return matcher
