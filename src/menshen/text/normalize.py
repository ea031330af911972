"""Text normalisation with an offset map back to the original string.

``normalize("色*情")`` gives ``"色情"`` and, for each normalised character, the index of the
original character it came from, so a match can be highlighted or masked in the user's own text.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

from menshen.text.scanner import NormalizerProto, PyNormalizer, make_normalizer
from menshen.text.tables import Tables, is_invisible, load_tables

HARD_BOUNDARIES = frozenset("\n\r。！？；，、!?;,")
"""Sentence and clause punctuation: a keyword never matches across these (色。情况 is not 色情)."""


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """A normalised string and where each of its characters came from."""

    original: str
    text: str
    offsets: tuple[int, ...]
    """``offsets[i]`` is the index in ``original`` of the character that produced ``text[i]``."""

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of ``text`` to the half-open span of ``original`` it came from."""
        if not 0 <= start < end <= len(self.text):
            raise IndexError(f"span [{start}, {end}) outside normalised text of {len(self.text)}")
        return self.offsets[start], self.offsets[end - 1] + 1


class TextNormalizer:
    """The always-on normalisation plus the checks that tell which disguises a span used."""

    def __init__(self, tables: Tables, *, use_c: bool = True) -> None:
        ranges = list(tables.delete_ranges)
        self.tables = tables
        self.scanner: NormalizerProto = (
            make_normalizer(ranges, tables.mapping, True)
            if use_c
            else PyNormalizer(ranges, tables.mapping, True)
        )
        self._plain = PyNormalizer(ranges, tables.mapping, collapse=False)
        # Per-character images, filled on demand; the hit checks ask for the same few often.
        self._images: dict[str, str] = {}

    @property
    def version(self) -> str:
        """Identifies the tables, so results can name the normalisation they used."""
        return self.tables.version

    def normalize(self, text: str) -> NormalizedText:
        """Normalise ``text`` keeping the offset map."""
        norm, offsets = self.scanner.normalize(text)
        return NormalizedText(text, norm, tuple(offsets))

    def normalize_term(self, term: str) -> str:
        """Normalise a library term the same way as text."""
        return self.scanner.normalize(term)[0]

    def image(self, ch: str) -> str:
        """Normalised form of one character without run collapsing ('' if deleted)."""
        img = self._images.get(ch)
        if img is None:
            img = self._images[ch] = self._plain.image(ch)
        return img

    @lru_cache(maxsize=8192)  # noqa: B019 - one normaliser per process; spans repeat
    def disguises(self, span: str) -> frozenset[str]:
        """Which disguises an original span uses: symbols, traditional, confusables, repeats."""
        used: set[str] = set()
        base, t2s, confusables = self.tables.base, self.tables.t2s, self.tables.confusables
        for ch in span:
            if not self.image(ch):
                if not is_invisible(ch):
                    used.add("symbols")
                continue
            # Width and case are always on: only what the later tables change counts.
            for c in base.get(ord(ch), ch):
                simplified = t2s.get(ord(c), c)
                if simplified != c:
                    used.add("traditional")
                if ord(simplified) in confusables:
                    used.add("confusables")
        plain = "".join(self.image(ch) for ch in span)
        if any(plain[i] == plain[i + 1] == plain[i + 2] for i in range(len(plain) - 2)):
            used.add("repeats")
        return frozenset(used)


@cache
def default_normalizer() -> TextNormalizer:
    """The shared normaliser built from the packaged tables."""
    return TextNormalizer(load_tables())


def normalize(text: str) -> NormalizedText:
    """Normalise ``text`` with the packaged tables (see :class:`TextNormalizer`)."""
    return default_normalizer().normalize(text)
