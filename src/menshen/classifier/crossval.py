"""Stratified k-fold cross-validation of a recipe: ``menshen train --recipe FILE --cv K``.

Each fold trains the recipe's model on the other folds and predicts its own texts. A text's
predicted class is the code with the highest probability when that probability reaches
``threshold``, else ``safe``; its true class is its code (the first in code order when a text has
several) or ``safe``. The report gives precision, recall and F1 per class (``safe`` included),
their unweighted mean over every class seen or predicted (macro-F1, as scikit-learn computes
it) and accuracy, over all folds' predictions pooled.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from menshen.classifier.model import linear_logits, sigmoid
from menshen.classifier.train import Recipe, collect, fit_weights
from menshen.errors import ConfigError
from menshen.evaluate.mapping import SAFE

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class ClassScore(BaseModel):
    """Cross-validated scores of one class."""

    model_config = _FROZEN

    label: str
    """A risk code, or ``safe``."""
    support: int
    """Texts of this class."""
    predicted: int
    """Texts predicted as this class."""
    precision: float
    """Correct predictions of this class / predictions of this class (0 when none)."""
    recall: float
    """Correct predictions of this class / texts of this class."""
    f1: float
    """Harmonic mean of precision and recall."""


class CrossValidationReport(BaseModel):
    """The result of :func:`cross_validate`."""

    model_config = _FROZEN

    schema_version: int = 1
    """Version of this record's shape."""
    recipe: str
    """The recipe's name."""
    recipe_hash: str
    """SHA-256 of the recipe's canonical JSON."""
    folds: int
    """Number of folds."""
    seed: int
    """Seed of the fold assignment (the recipe's seed)."""
    threshold: float
    """Lowest top probability predicted as a code rather than ``safe``."""
    examples: int
    """Texts cross-validated."""
    accuracy: float
    """Share of texts whose predicted class is their true class."""
    macro_f1: float
    """Unweighted mean of the classes' F1."""
    classes: tuple[ClassScore, ...] = Field(default=())
    """Per-class scores, in label order."""


def stratified_folds(truth: list[str], k: int, seed: int) -> np.ndarray:
    """Fold number of each text: each class dealt round-robin over the folds, in seeded order."""
    rng = np.random.default_rng(seed)
    fold = np.zeros(len(truth), dtype=np.int64)
    by_class: dict[str, list[int]] = {}
    for i, label in enumerate(truth):
        by_class.setdefault(label, []).append(i)
    offset = 0
    for label in sorted(by_class):
        members = np.asarray(by_class[label])[rng.permutation(len(by_class[label]))]
        fold[members] = (np.arange(len(members)) + offset) % k
        offset += len(members)
    return fold


def cross_validate(
    recipe: Recipe, folds: int = 5, threshold: float = 0.5, base: Path | None = None
) -> CrossValidationReport:
    """Cross-validate ``recipe`` over ``folds`` stratified folds."""
    if folds < 2:
        raise ConfigError(f"cross-validation needs at least 2 folds, got {folds}")
    texts, labels, _ = collect(recipe, base)
    truth = [min(codes) if codes else SAFE for codes in labels]
    counts = Counter(truth)
    if len(texts) < folds or min(counts.values()) < folds:
        raise ConfigError(
            f"recipe {recipe.name!r}: every class needs at least {folds} texts for {folds} folds "
            f"(counts {dict(sorted(counts.items()))})"
        )
    fold_of = stratified_folds(truth, folds, recipe.seed)
    featurizer = recipe.featurizer()
    predicted: list[str] = [SAFE] * len(texts)
    for k in range(folds):
        train_idx = np.flatnonzero(fold_of != k)
        test_idx = np.flatnonzero(fold_of == k)
        train_labels = [labels[i] for i in train_idx]
        codes = sorted({c for codes in train_labels for c in codes})
        weights, bias = fit_weights(recipe, [texts[i] for i in train_idx], train_labels, codes)
        probs = sigmoid(linear_logits(featurizer, weights, bias, [texts[i] for i in test_idx]))
        best = probs.argmax(axis=1)
        for row, i in enumerate(test_idx):
            if probs[row, best[row]] >= threshold:
                predicted[int(i)] = codes[int(best[row])]
    return _report(recipe, folds, threshold, truth, predicted)


def _report(
    recipe: Recipe, folds: int, threshold: float, truth: list[str], predicted: list[str]
) -> CrossValidationReport:
    scores = []
    for label in sorted(set(truth) | set(predicted)):
        support = sum(t == label for t in truth)
        n_pred = sum(p == label for p in predicted)
        hits = sum(t == p == label for t, p in zip(truth, predicted, strict=True))
        precision = hits / n_pred if n_pred else 0.0
        recall = hits / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
        scores.append(
            ClassScore(
                label=label,
                support=support,
                predicted=n_pred,
                precision=precision,
                recall=recall,
                f1=f1,
            )
        )
    correct = sum(t == p for t, p in zip(truth, predicted, strict=True))
    return CrossValidationReport(
        recipe=recipe.name,
        recipe_hash=recipe.digest(),
        folds=folds,
        seed=recipe.seed,
        threshold=threshold,
        examples=len(truth),
        accuracy=correct / len(truth),
        macro_f1=sum(s.f1 for s in scores) / len(scores),
        classes=tuple(scores),
    )


__all__ = ["ClassScore", "CrossValidationReport", "cross_validate", "stratified_folds"]
