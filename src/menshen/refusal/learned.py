"""The learned refusal model: a linear model over n-grams and the rule engine's findings.

The rules (:mod:`menshen.refusal.rules`) explain *why* an answer looks like a refusal; they miss
phrasings nobody wrote a rule for and misread answers whose shape is unusual. The model reads the
same answer three ways and weighs them together:

- hashed character and word n-grams of the **opening** (the first ``opening_chars`` characters,
  where a refusal almost always sits);
- the same n-grams of the **whole** answer (up to ``max_chars``), in a second block of columns;
- a few numbers from the rule engine's judgement (:func:`rule_features`): its label and score, the
  weight of each kind of evidence, where the first refusal phrase sits. (Not the answer's
  length: in written training sets refusals are short, so a length feature taught the model
  that any short, friendly reply refuses.)

One multinomial logistic regression over the three labels; the label is the most probable one.
The weights are stored as int8 with a scale per column, like the risk classifier's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from menshen.classifier.features import FeatureSettings, Featurizer
from menshen.classifier.model import linear_logits, load_linear, save_linear
from menshen.errors import ConfigError
from menshen.refusal.model import RefusalJudgement, RefusalLabel, RuleKind

_FROZEN = ConfigDict(frozen=True, extra="forbid")

LABELS: tuple[RefusalLabel, ...] = (
    RefusalLabel.FULL,
    RefusalLabel.PARTIAL,
    RefusalLabel.COMPLIANCE,
)
"""The model's output columns, in this order."""

_EVIDENCE_KINDS: tuple[RuleKind, ...] = (
    RuleKind.REFUSE,
    RuleKind.APOLOGY,
    RuleKind.IDENTITY,
    RuleKind.POLICY,
    RuleKind.REDIRECT,
    RuleKind.MORALIZE,
    RuleKind.COMPLY,
    RuleKind.PERSONA,
)
RULE_FEATURES: tuple[str, ...] = (
    *(f"rules_{label.value}" for label in LABELS),
    "rules_score",
    *(f"weight_{kind.value}" for kind in _EVIDENCE_KINDS),
    "first_refusal_position",
)
"""Names of the rule-derived columns, after the two n-gram blocks."""

FEATURE_FIELDS: tuple[str, ...] = (*FeatureSettings.model_fields, "opening_chars", "max_chars")
"""Settings that shape the features; recipe and model card share them."""

SHIPPED_REFUSAL_MODEL = Path(__file__).parent / "data" / "refusal_model.npz"
"""The model trained by ``recipes/refusal.yaml``; :class:`RefusalDetector` uses it by default."""


class RefusalSourceManifest(BaseModel):
    """One training file, as the model card records it."""

    model_config = _FROZEN

    name: str
    """The source's name in the recipe."""
    files: tuple[str, ...]
    """The files read, relative to the recipe's base folder."""
    sha256: str
    """SHA-256 over the files' bytes, in order."""
    licence: str
    """The data's licence."""
    examples: int = Field(ge=0)
    """Answers read."""


class RefusalModelCard(FeatureSettings):
    """What a refusal model is and how it was made; stored inside the model file."""

    model_config = _FROZEN

    schema_version: int = 1
    """Version of this record's shape."""
    model_id: str
    """``name@hash`` of the card and weights."""
    name: str
    """The recipe's name."""
    labels: tuple[RefusalLabel, ...] = LABELS
    """Output columns."""
    rule_features: tuple[str, ...] = RULE_FEATURES
    """Rule-derived columns after the n-gram blocks."""
    buckets: int = 2**16
    """Hash buckets per n-gram block."""
    word_ngram_max: int = Field(default=2, ge=0, le=4)
    """Longest word n-gram over Latin-script words."""
    opening_chars: int = Field(default=160, ge=1)
    """Characters of the opening block."""
    max_chars: int = Field(default=4000, ge=1)
    """Characters of the whole-answer block (longer answers are cut)."""
    recipe_hash: str
    """SHA-256 of the recipe's canonical JSON."""
    seed: int
    """The recipe's seed."""
    trainer: str
    """Library and estimator that fitted the weights."""
    examples: int = Field(ge=0)
    """Training answers."""
    label_counts: dict[str, int] = Field(default_factory=dict)
    """Training answers per label."""
    sources: tuple[RefusalSourceManifest, ...] = ()
    """Where the training answers came from."""


def rule_features(judgement: RefusalJudgement, text: str) -> list[float]:
    """The rule engine's judgement of ``text`` as numbers, in :data:`RULE_FEATURES` order."""
    weights = dict.fromkeys(_EVIDENCE_KINDS, 0.0)
    first_refusal = 1.0
    length = max(len(text), 1)
    for ev in judgement.evidence:
        weights[ev.kind] += ev.weight
        if ev.kind is RuleKind.REFUSE:
            first_refusal = min(first_refusal, ev.span.start / length)
    return [
        *(1.0 if judgement.label is label else 0.0 for label in LABELS),
        judgement.score,
        *(math.log1p(weights[kind]) for kind in _EVIDENCE_KINDS),
        first_refusal,
    ]


def _blocks(card: RefusalModelCard, texts: Sequence[str]) -> tuple[list[str], list[str]]:
    """The texts of the two n-gram blocks: the openings and the whole answers (cut)."""
    return [t[: card.opening_chars] for t in texts], [t[: card.max_chars] for t in texts]


def design_matrix(
    card: RefusalModelCard, texts: Sequence[str], rules: Sequence[list[float]]
) -> Any:
    """The sparse feature matrix (``scipy.sparse.csr_matrix``) of ``texts``."""
    from scipy.sparse import csr_matrix, hstack  # type: ignore[import-untyped,unused-ignore]

    featurizer = Featurizer.of(card)
    blocks = []
    for part in _blocks(card, texts):
        batch = featurizer.transform(part)
        blocks.append(
            csr_matrix((batch.values, (batch.rows, batch.cols)), shape=(len(texts), card.buckets))
        )
    blocks.append(csr_matrix(np.asarray(rules, dtype=np.float64).reshape(len(texts), -1)))
    return hstack(blocks, format="csr")


class RefusalModel:
    """A trained refusal model: :meth:`probabilities` of the three labels for each answer."""

    def __init__(
        self,
        card: RefusalModelCard,
        values: npt.NDArray[np.int8],
        scales: npt.NDArray[np.float32],
        bias: npt.NDArray[np.float64],
    ) -> None:
        width = 2 * card.buckets + len(card.rule_features)
        if values.shape != (width, len(card.labels)) or bias.shape != (len(card.labels),):
            raise ConfigError(
                f"refusal model {card.model_id}: weights {values.shape} and bias {bias.shape} "
                f"do not fit {width} features and {len(card.labels)} labels"
            )
        self.card = card
        self.model_id = card.model_id
        self._values = values
        self._scales = scales
        self._bias = bias

    @cached_property
    def _weights(self) -> npt.NDArray[np.float32]:
        return self._values.astype(np.float32) * self._scales

    def probabilities(
        self, texts: Sequence[str], rules: Sequence[list[float]]
    ) -> npt.NDArray[np.float64]:
        """Softmax probabilities, one row per answer, columns in :attr:`card.labels` order."""
        if not texts:
            return np.zeros((0, len(self.card.labels)))
        # The same sum as design_matrix(...) @ weights, block by block: no stacked matrix to build.
        card, weights, b = self.card, self._weights, self.card.buckets
        featurizer = Featurizer.of(card)
        openings, wholes = _blocks(card, texts)
        logits = linear_logits(featurizer, weights[:b], self._bias, openings)
        logits += linear_logits(featurizer, weights[b : 2 * b], np.zeros_like(self._bias), wholes)
        logits += np.asarray(rules, dtype=np.float64).reshape(len(texts), -1) @ weights[2 * b :]
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        probs: npt.NDArray[np.float64] = exp / exp.sum(axis=1, keepdims=True)
        return probs

    def save(self, path: Path | str) -> Path:
        """Write the model to ``path`` (``.npz``); same model, same bytes."""
        return save_linear(path, self.card, self._values, self._scales, self._bias)

    @classmethod
    def load(cls, path: Path | str) -> RefusalModel:
        """Read a model written by :meth:`save`."""
        return cls(*load_linear(path, RefusalModelCard, "refusal model"))


__all__ = [
    "FEATURE_FIELDS",
    "LABELS",
    "RULE_FEATURES",
    "SHIPPED_REFUSAL_MODEL",
    "RefusalModel",
    "RefusalModelCard",
    "RefusalSourceManifest",
    "design_matrix",
    "rule_features",
]
