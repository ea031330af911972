"""A trained classifier: its card (metadata) and weights, saved as one compressed ``.npz``.

The file holds four arrays and nothing executable (it loads with ``allow_pickle=False``):

- ``weights``: int8, ``[buckets, columns]``, one logistic-regression column per risk code, then
  the pooled "any risk" head when the card has a ``pooled_floor``;
- ``scales``: float32, ``[columns]``: a weight is ``weights[i, j] * scales[j]`` (each column's
  largest weight maps to ±127; nine in ten weights round to −1, 0 or 1, which is what keeps a
  2¹⁸-bucket model near 1.6 MB compressed, and the scores are unchanged at the reported
  precision);
- ``bias``: float64, ``[columns]``;
- ``card``: the :class:`ModelCard` as a JSON string.

Inference needs numpy and scipy (core dependencies). The zip entries carry a fixed timestamp, so
training the same recipe on the same data writes the same bytes.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from menshen.classifier.features import Featurizer
from menshen.errors import ConfigError

_FROZEN = ConfigDict(frozen=True, extra="forbid")
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
"""A floor: a probability in [0, 1]."""
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_CLIP = 40.0  # logits beyond ±40 are probabilities of 0 or 1 in float64 anyway


class SourceManifest(BaseModel):
    """One training source as it was read."""

    model_config = _FROZEN

    name: str
    """The source's name in the recipe."""
    files: tuple[str, ...]
    """The files read, as given (paths or glob matches)."""
    sha256: str
    """SHA-256 over the bytes of the files, in order."""
    licence: str
    """The data set's licence, as stated in the recipe."""
    upstream: str
    """Upstream repository and commit, as stated in the recipe."""
    examples: int
    """Examples taken from the source."""
    label_counts: dict[str, int]
    """Examples per target (risk code or ``safe``)."""


class ModelCard(BaseModel):
    """What a model is, how it was trained and from what data."""

    model_config = _FROZEN

    schema_version: int = 1
    """Version of this record's shape."""
    model_id: str
    """``name@hash``: the hash covers the weights and the rest of the card."""
    name: str
    """The recipe's name."""
    codes: tuple[str, ...]
    """The risk codes, in column order."""
    ngram_min: int = Field(ge=1)
    """Shortest character n-gram."""
    ngram_max: int = Field(ge=1)
    """Longest character n-gram."""
    buckets: int = Field(ge=2)
    """Hash buckets (rows of the weights)."""
    normalize: bool
    """Texts are normalised with the default normaliser before hashing."""
    sublinear_tf: bool
    """Feature values are ``log(1 + count)`` before L2 normalisation."""
    word_ngram_max: int = 0
    """Longest hashed word n-gram over Latin-script words (0: none)."""
    min_norm: float = Field(default=0.0, ge=0.0)
    """Feature rows are divided by ``max(L2 norm, min_norm)``."""
    floor: float = Field(default=0.5, ge=0.0, le=1.0)
    """Lowest probability the detector reports unless told otherwise (chosen with the recipe)."""
    code_floors: dict[str, Probability] = Field(default_factory=dict)
    """Floors for some codes (a code covers its sub-codes), over ``floor``."""
    pooled_floor: float | None = Field(default=None, ge=0.0, le=1.0)
    """When set, the weights' last column is a pooled "any risk" head, and a text whose pooled
    probability reaches this floor is reported under its most probable code."""
    recipe_hash: str
    """SHA-256 of the recipe's canonical JSON."""
    seed: int
    """Seed of training."""
    trainer: str
    """Library, version and estimator that trained the weights."""
    examples: int
    """Training examples in all."""
    positives: dict[str, int]
    """Training examples per risk code."""
    sources: tuple[SourceManifest, ...]
    """The training data."""

    def featurizer(self) -> Featurizer:
        """The featuriser the weights were trained with."""
        return Featurizer.of(self)


def write_arrays(path: Path | str, arrays: dict[str, npt.NDArray[Any]]) -> Path:
    """Write ``arrays`` as an ``.npz`` that :func:`numpy.load` reads; same arrays, same bytes
    (fixed timestamps, fixed order and compression level)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, array, allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue(), compresslevel=6)
    return path


C = TypeVar("C", bound=BaseModel)


def save_linear(
    path: Path | str,
    card: BaseModel,
    values: npt.NDArray[np.int8],
    scales: npt.NDArray[np.float32],
    bias: npt.NDArray[np.float64],
) -> Path:
    """Write a quantised linear model and its card (JSON) to an ``.npz``; same model, same bytes."""
    arrays: dict[str, npt.NDArray[Any]] = {
        "weights": values,
        "scales": scales,
        "bias": bias,
        "card": np.array(card.model_dump_json()),
    }
    return write_arrays(path, arrays)


def load_linear(
    path: Path | str, card_type: type[C], what: str
) -> tuple[C, npt.NDArray[np.int8], npt.NDArray[np.float32], npt.NDArray[np.float64]]:
    """``(card, values, scales, bias)`` of a file written by :func:`save_linear`."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            card = card_type.model_validate(json.loads(str(data["card"])))
            return card, data["weights"], data["scales"], data["bias"]
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such {what} file") from None
    except (OSError, KeyError, ValueError, ValidationError, zipfile.BadZipFile) as exc:
        raise ConfigError(f"{path}: not a Menshen {what} ({exc})") from exc


def quantize(
    weights: npt.ArrayLike,
) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.float32]]:
    """Per-column symmetric int8: ``(values, scales)`` with ``weight ≈ values * scales``."""
    w = np.asarray(weights, dtype=np.float64)
    largest = np.abs(w).max(axis=0) if w.size else np.zeros(w.shape[1:])
    scales = np.where(largest > 0, largest / 127.0, 1.0).astype(np.float32)
    values = np.clip(np.rint(w / scales), -127, 127).astype(np.int8)
    return values, scales


def linear_logits(
    featurizer: Featurizer,
    weights: npt.NDArray[np.float32] | npt.NDArray[np.float64],
    bias: npt.NDArray[np.float64],
    texts: Sequence[str],
) -> npt.NDArray[np.float64]:
    """``features(texts) @ weights + bias``, one sparse-matrix product for the whole batch."""
    from scipy.sparse import csr_matrix  # type: ignore[import-untyped,unused-ignore]

    batch = featurizer.transform(texts)
    # Rows come sorted, so the CSR row pointer is a running count (cheaper than from COO).
    indptr = np.zeros(batch.n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(batch.rows, minlength=batch.n_rows), out=indptr[1:])
    features = csr_matrix(
        (batch.values.astype(weights.dtype), batch.cols, indptr),
        shape=(batch.n_rows, featurizer.buckets),
    )
    return np.asarray(features @ weights, dtype=np.float64) + bias


def sigmoid(logits: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The logistic function, clipped where float64 gives 0 or 1 anyway."""
    result: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-np.clip(logits, -_CLIP, _CLIP)))
    return result


class ClassifierModel:
    """One-vs-rest logistic regression over hashed n-grams (numpy and scipy).

    ``weights`` are floats, quantised here to what is saved (:func:`quantize`), or int8 values
    with their ``scales`` as read from a file.
    """

    def __init__(
        self,
        card: ModelCard,
        weights: npt.ArrayLike,
        bias: npt.ArrayLike,
        scales: npt.ArrayLike | None = None,
    ) -> None:
        if scales is None:
            q, s = quantize(weights)
        else:
            q, s = np.asarray(weights), np.asarray(scales, dtype=np.float32)
            if q.dtype != np.int8:
                raise ConfigError(f"model {card.model_id}: weights with scales must be int8")
        w, b = q, np.asarray(bias, dtype=np.float64)
        columns = len(card.codes) + (card.pooled_floor is not None)
        if w.shape != (card.buckets, columns) or b.shape != (columns,) or s.shape != (columns,):
            raise ConfigError(
                f"model {card.model_id}: weights {w.shape} and bias {b.shape} do not fit "
                f"{card.buckets} buckets × {columns} columns ({len(card.codes)} codes"
                f"{' + pooled' if card.pooled_floor is not None else ''})"
            )
        self.card = card
        self.featurizer = card.featurizer()
        self._values = q
        self._scales = s
        self._weights = q.astype(np.float32) * s
        self._bias = b

    @property
    def codes(self) -> tuple[str, ...]:
        """The risk codes, in column order."""
        return self.card.codes

    @property
    def model_id(self) -> str:
        """``name@hash`` of the model."""
        return self.card.model_id

    def decision(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """Logits, ``[len(texts), columns]`` (the codes, then the pooled head if any)."""
        return linear_logits(self.featurizer, self._weights, self._bias, texts)

    def all_probabilities(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """Probabilities of every column: the codes, then the pooled head when there is one."""
        return sigmoid(self.decision(texts))

    def probabilities(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """Probabilities of the codes, ``[len(texts), codes]``."""
        return self.all_probabilities(texts)[:, : len(self.codes)]

    def predict_proba(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """For each text, the probability of each risk code."""
        probs = self.probabilities(texts)
        return [dict(zip(self.codes, (float(p) for p in row), strict=True)) for row in probs]

    def save(self, path: Path | str) -> Path:
        """Write the model to ``path`` (a ``.npz``); same model, same bytes."""
        return save_linear(path, self.card, self._values, self._scales, self._bias)

    @classmethod
    def load(cls, path: Path | str) -> ClassifierModel:
        """Read a model written by :meth:`save`."""
        card, values, scales, bias = load_linear(path, ModelCard, "classifier model")
        return cls(card, values, bias, scales)
