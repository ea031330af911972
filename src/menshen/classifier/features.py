"""Hashed character n-grams: the one featuriser that training and inference share.

Every text is normalised (:func:`menshen.text.default_normalizer`), so disguises such as
full-width letters, traditional characters or inserted symbols fold to one spelling. Each
character n-gram is hashed from the Unicode code points (FNV-1a over 64-bit words, then a
splitmix64 finaliser) into ``buckets`` columns, so there is no vocabulary to store. The hash is
plain numpy integer arithmetic, identical on every platform, and vectorised over a whole batch.

Optionally, word n-grams of the Latin-script words (runs of letters and digits) are hashed into
the same buckets: character n-grams carry Chinese well, but English meaning lives in words
("kill a process" vs "kill a person"). A word is hashed with CRC-32 of its UTF-8 bytes, a word
n-gram by chaining the words' CRCs, then the same finaliser.

A row holds the n-gram counts, optionally ``log(1 + count)``, divided by its L2 norm or by
``min_norm`` when that is larger: a two-character text would otherwise put all its weight on two
or three n-grams and get a confident score from almost no evidence ("你" scored as a threat).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from menshen.text import default_normalizer

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_WORD_SALT = 0x9E3779B97F4A7C15  # keeps word n-grams apart from character n-grams
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


class FeatureSettings(BaseModel):
    """The featuriser's settings as a recipe or model card declares them (see
    :class:`Featurizer`); recipes of every learned model start from these fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ngram_min: int = Field(default=1, ge=1, le=8)
    """Shortest character n-gram."""
    ngram_max: int = Field(default=3, ge=1, le=8)
    """Longest character n-gram."""
    buckets: int = 2**18
    """Hash buckets; a power of two."""
    normalize: bool = True
    """Normalise texts (fold disguises) before hashing."""
    sublinear_tf: bool = True
    """Use ``log(1 + count)`` feature values."""
    word_ngram_max: int = Field(default=0, ge=0, le=4)
    """Longest hashed word n-gram over Latin-script words (0: none)."""
    min_norm: float = Field(default=0.0, ge=0.0)
    """Feature rows are divided by ``max(L2 norm, min_norm)``; damps very short texts."""


@dataclass(frozen=True, slots=True)
class FeatureBatch:
    """A sparse batch in coordinate form, rows sorted, each (row, column) once."""

    n_rows: int
    """Texts in the batch."""
    rows: IntArray
    """Row of each non-zero value (ascending)."""
    cols: IntArray
    """Hash bucket of each non-zero value."""
    values: FloatArray
    """The feature values (rows have unit L2 norm; empty texts have no values)."""


@dataclass(frozen=True, slots=True)
class Featurizer:
    """Character n-grams hashed into a fixed number of buckets."""

    ngram_min: int = 1
    """Shortest n-gram, in characters."""
    ngram_max: int = 3
    """Longest n-gram, in characters."""
    buckets: int = 2**18
    """Number of hash buckets (columns); a power of two."""
    normalize: bool = True
    """Fold disguises with the default text normaliser first."""
    sublinear_tf: bool = True
    """Use ``log(1 + count)`` instead of the raw count."""
    word_ngram_max: int = 0
    """Longest word n-gram over Latin-script words (0: no word features)."""
    min_norm: float = 0.0
    """Rows are divided by ``max(L2 norm, min_norm)``: short texts keep small feature values."""

    def __post_init__(self) -> None:
        if not 1 <= self.ngram_min <= self.ngram_max <= 8:
            raise ValueError(f"bad n-gram range {self.ngram_min}–{self.ngram_max}")
        if self.min_norm < 0:
            raise ValueError(f"min_norm must not be negative, got {self.min_norm}")
        if not 0 <= self.word_ngram_max <= 4:
            raise ValueError(f"word n-grams go up to 4, got {self.word_ngram_max}")
        if self.buckets < 2 or self.buckets & (self.buckets - 1):
            raise ValueError(f"buckets must be a power of two, got {self.buckets}")

    @classmethod
    def of(cls, settings: object) -> Featurizer:
        """The featuriser described by ``settings``: any object with this class's field names as
        attributes (a training recipe, a model card)."""
        return cls(**{f.name: getattr(settings, f.name) for f in fields(cls)})

    def prepare(self, text: str) -> str:
        """The text as featurised (normalised when :attr:`normalize` is set)."""
        return default_normalizer().normalize(text).text if self.normalize else text

    def hashes(self, text: str) -> IntArray:
        """The bucket of every n-gram of ``text`` (already prepared), by length then position."""
        batch = self._hash_batch([text])
        return batch[1]

    def transform(self, texts: Sequence[str]) -> FeatureBatch:
        """Feature rows for ``texts``."""
        prepared = [self.prepare(t) for t in texts]
        rows, cols = self._hash_batch(prepared)
        n = len(prepared)
        if cols.size == 0:
            empty = np.zeros(0, dtype=np.int64)
            return FeatureBatch(n, empty, empty.copy(), np.zeros(0, dtype=np.float64))
        keys = rows * np.int64(self.buckets) + cols
        unique, counts = np.unique(keys, return_counts=True)
        u_rows = unique // self.buckets
        u_cols = unique % self.buckets
        values = counts.astype(np.float64)
        if self.sublinear_tf:
            values = np.log1p(values)
        norms = np.sqrt(np.bincount(u_rows, weights=values * values, minlength=n))
        values = values / np.maximum(norms, self.min_norm)[u_rows]
        return FeatureBatch(n, u_rows, u_cols, values)

    def _hash_batch(self, texts: Sequence[str]) -> tuple[IntArray, IntArray]:
        """``(row, bucket)`` of every n-gram of every text, texts kept apart."""
        if not texts:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty.copy()
        # A zero code point between texts marks the seams (normalised text has none itself).
        joined = "\x00".join(t.replace("\x00", " ") for t in texts) + "\x00"
        points = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        owner = np.cumsum(points == 0) - (points == 0)  # row of each position
        size = points.size
        all_rows: list[IntArray] = []
        all_cols: list[IntArray] = []
        for n in range(self.ngram_min, self.ngram_max + 1):
            if size < n:
                break
            m = size - n + 1
            h = np.full(m, _FNV_OFFSET, dtype=np.uint64) ^ np.uint64(n)
            valid = np.ones(m, dtype=bool)
            for j in range(n):
                window = points[j : j + m]
                valid &= window != 0
                h = (h ^ window) * _FNV_PRIME
            h = _finalise(h)
            keep = np.flatnonzero(valid)
            all_rows.append(owner[keep].astype(np.int64))
            all_cols.append((h[keep] & np.uint64(self.buckets - 1)).astype(np.int64))
        if self.word_ngram_max:
            w_rows, w_keys = self._word_keys(texts)
            all_rows.append(w_rows)
            all_cols.append((_finalise(w_keys) & np.uint64(self.buckets - 1)).astype(np.int64))
        if not all_rows:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty.copy()
        return np.concatenate(all_rows), np.concatenate(all_cols)

    def _word_keys(self, texts: Sequence[str]) -> tuple[IntArray, npt.NDArray[np.uint64]]:
        """``(row, key)`` of every word n-gram (1 … ``word_ngram_max``) of every text."""
        rows: list[int] = []
        keys: list[int] = []
        for row, text in enumerate(texts):
            crcs = [zlib.crc32(w.encode("utf-8")) for w in _WORD.findall(text.lower())]
            for n in range(1, self.word_ngram_max + 1):
                for i in range(len(crcs) - n + 1):
                    key = _WORD_SALT ^ n
                    for crc in crcs[i : i + n]:
                        key = ((key ^ crc) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
                    rows.append(row)
                    keys.append(key)
        return np.asarray(rows, dtype=np.int64), np.asarray(keys, dtype=np.uint64)


def _finalise(h: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64's mixer: spreads the FNV state over the low bits used as the bucket."""
    h = (h ^ (h >> np.uint64(30))) * _MIX1
    h = (h ^ (h >> np.uint64(27))) * _MIX2
    return h ^ (h >> np.uint64(31))
