"""Training the learned refusal model from a recipe: ``menshen train-refusal --recipe FILE``.

A recipe names labelled answer files (JSONL, CSV or Parquet with a response, an optional prompt
and a label of ``full_refusal`` / ``partial_refusal`` / ``compliance``), the featuriser, the
regularisation and the seed. Training is deterministic: the same recipe on the same files writes
the same bytes. Needs the ``train`` extra (scikit-learn).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from menshen.classifier.features import FeatureSettings
from menshen.classifier.model import quantize
from menshen.classifier.train import digest_files, matching_files, recorded_path
from menshen.classify.records import detect_format, read_records
from menshen.config_files import read_yaml, validate
from menshen.errors import ConfigError, PrerequisiteError
from menshen.refusal.learned import (
    FEATURE_FIELDS,
    LABELS,
    RefusalModel,
    RefusalModelCard,
    RefusalSourceManifest,
    design_matrix,
    rule_features,
)
from menshen.refusal.model import RefusalLabel
from menshen.refusal.rules import RefusalDetector

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class AnswerSource(BaseModel):
    """One file (or glob) of labelled answers."""

    model_config = _FROZEN

    name: str
    """A short name, recorded in the model card."""
    path: str
    """File or glob, relative to the folder training runs in."""
    licence: str
    """The data's licence (recorded in the card)."""
    response_field: str = "response"
    """Field holding the answer."""
    prompt_field: str | None = "prompt"
    """Field holding the question (optional in each record)."""
    label_field: str = "label"
    """Field holding the label."""


class RefusalRecipe(FeatureSettings):
    """How to train a refusal model (the featuriser's settings, then the data and the fit)."""

    model_config = _FROZEN

    schema_version: int = 1
    """Version of this record's shape."""
    name: str
    """Model name; the model id is ``name@hash``."""
    sources: tuple[AnswerSource, ...] = Field(min_length=1)
    """Training files."""
    buckets: int = 2**16
    """Hash buckets per n-gram block (a power of two)."""
    word_ngram_max: int = Field(default=2, ge=0, le=4)
    """Longest word n-gram over Latin-script words."""
    opening_chars: int = Field(default=160, ge=1)
    """Characters of the opening block."""
    max_chars: int = Field(default=4000, ge=1)
    """Characters of the whole-answer block."""
    c: float = Field(default=4.0, gt=0.0)
    """Inverse regularisation strength of the logistic regression."""
    seed: int = 0
    """Seed of the solver."""
    output: str = "benchmarks/out/refusal_model.npz"
    """Where ``menshen train-refusal`` writes the model unless told otherwise."""

    def digest(self) -> str:
        """SHA-256 of the recipe's canonical JSON (the output path left out)."""
        data = self.model_dump(mode="json", exclude={"output"})
        canonical = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_refusal_recipe(path: Path | str) -> RefusalRecipe:
    """Read a refusal recipe YAML file."""
    path = Path(path)
    return validate(RefusalRecipe, read_yaml(path, "refusal recipe"), str(path))


@dataclass(frozen=True, slots=True)
class LabelledAnswer:
    """One training answer."""

    response: str
    prompt: str | None
    label: RefusalLabel


def read_answers(
    recipe: RefusalRecipe, base: Path
) -> tuple[list[LabelledAnswer], list[RefusalSourceManifest]]:
    """Every labelled answer of the recipe's sources, and their manifests."""
    answers: list[LabelledAnswer] = []
    manifests = []
    labels = {label.value: label for label in RefusalLabel}
    for source in recipe.sources:
        files = matching_files(source.path, base)
        if not files:
            raise ConfigError(f"refusal source {source.name!r}: no file matches {source.path!r}")
        count = 0
        for file in files:
            for record in read_records(file, detect_format(file, None)):
                if record.error is not None:
                    raise ConfigError(f"{file}: record {record.number}: {record.error}")
                response = record.fields.get(source.response_field)
                label = labels.get(str(record.fields.get(source.label_field)))
                if not isinstance(response, str) or label is None:
                    raise ConfigError(
                        f"{file}: record {record.number} needs a text {source.response_field!r} "
                        f"and a {source.label_field!r} in {sorted(labels)}"
                    )
                prompt = record.fields.get(source.prompt_field) if source.prompt_field else None
                answers.append(
                    LabelledAnswer(response, prompt if isinstance(prompt, str) else None, label)
                )
                count += 1
        manifests.append(
            RefusalSourceManifest(
                name=source.name,
                files=tuple(recorded_path(f, source.path, base) for f in files),
                sha256=digest_files(files),
                licence=source.licence,
                examples=count,
            )
        )
    return answers, manifests


def _sklearn() -> tuple[str, Any]:
    try:
        import sklearn  # type: ignore[import-untyped,unused-ignore]
        from sklearn.linear_model import (  # type: ignore[import-untyped,unused-ignore]
            LogisticRegression,
        )
    except ImportError:
        raise PrerequisiteError("training a refusal model", "train") from None
    return str(sklearn.__version__), LogisticRegression


def _card(recipe: RefusalRecipe, **fields: Any) -> RefusalModelCard:
    settings = recipe.model_dump(include=set(FEATURE_FIELDS) | {"seed"})
    return RefusalModelCard(
        model_id="", name=recipe.name, recipe_hash=recipe.digest(), **settings, **fields
    )


def _fit(
    recipe: RefusalRecipe, card: RefusalModelCard, answers: Sequence[LabelledAnswer], read: _Read
) -> RefusalModel:
    """A model fitted on ``answers`` as the rule engine ``read`` them."""
    _, logistic_regression = _sklearn()
    target = np.asarray([LABELS.index(a.label) for a in answers])
    fit = logistic_regression(
        C=recipe.c, class_weight="balanced", max_iter=5000, random_state=recipe.seed
    ).fit(design_matrix(card, read.texts, read.features), target)
    values, scales = quantize(fit.coef_.T)
    bias = np.asarray(fit.intercept_, dtype=np.float64)
    digest = hashlib.sha256(card.model_dump_json().encode("utf-8"))
    for array in (values, scales, bias):
        digest.update(array.tobytes())
    card = card.model_copy(update={"model_id": f"{recipe.name}@{digest.hexdigest()[:12]}"})
    return RefusalModel(card, values, scales, bias)


@dataclass(frozen=True, slots=True)
class _Read:
    """Answers as the rule engine reads them for the model: texts and rule features."""

    texts: list[str]
    features: list[list[float]]

    def take(self, rows: Sequence[int]) -> _Read:
        return _Read([self.texts[i] for i in rows], [self.features[i] for i in rows])


def _read(answers: Sequence[LabelledAnswer], rules: RefusalDetector | None) -> _Read:
    engine = rules or RefusalDetector(use_model=False)
    read = [engine.read_for_model(a.response, a.prompt) for a in answers]
    return _Read(
        [blanked for _, blanked in read],
        [
            rule_features(by_rules, a.response)
            for (by_rules, _), a in zip(read, answers, strict=True)
        ],
    )


def train_refusal(
    recipe: RefusalRecipe,
    base: Path | None = None,
    output: Path | None = None,
    rules: RefusalDetector | None = None,
) -> RefusalModel:
    """Train the recipe's model over the rule engine ``rules`` (the shipped rules by default)."""
    version, _ = _sklearn()
    answers, manifests = read_answers(recipe, base or Path.cwd())
    missing = [label.value for label in LABELS if all(a.label is not label for a in answers)]
    if missing:
        raise ConfigError(f"refusal recipe {recipe.name!r}: no training answer labelled {missing}")
    card = _card(
        recipe,
        trainer=f"scikit-learn {version} LogisticRegression(lbfgs, multinomial)",
        examples=len(answers),
        label_counts=dict(sorted(Counter(a.label.value for a in answers).items())),
        sources=tuple(manifests),
    )
    model = _fit(recipe, card, answers, _read(answers, rules))
    if output is not None:
        model.save(output)
        checksum = hashlib.sha256(output.read_bytes()).hexdigest()
        output.with_suffix(".sha256").write_text(f"{checksum}  {output.name}\n", encoding="utf-8")
    return model


class RefusalCrossValidation(BaseModel):
    """Cross-validated accuracy of a refusal recipe (rules + model) and of the rules alone."""

    model_config = _FROZEN

    recipe: str
    """The recipe's name."""
    recipe_hash: str
    """SHA-256 of the recipe's canonical JSON."""
    folds: int
    """Number of folds (stratified by label, seeded by the recipe's seed)."""
    examples: int
    """Answers cross-validated."""
    accuracy: float
    """Three-class accuracy of rules + model over all folds' predictions."""
    refused_accuracy: float
    """Accuracy of ``refused`` (full or partial vs compliance)."""
    rules_accuracy: float
    """Three-class accuracy of the rules alone on the same answers."""
    confusion: dict[str, dict[str, int]]
    """True label → predicted label → answers."""


def cross_validate_refusal(
    recipe: RefusalRecipe, folds: int = 5, base: Path | None = None
) -> RefusalCrossValidation:
    """Train on all folds but one, predict that one, for each fold; pool the predictions."""
    from menshen.classifier.crossval import stratified_folds

    if folds < 2:
        raise ConfigError(f"cross-validation needs at least 2 folds, got {folds}")
    answers, _ = read_answers(recipe, base or Path.cwd())
    truth = [a.label for a in answers]
    fold_of = stratified_folds([t.value for t in truth], folds, recipe.seed)
    read = _read(answers, None)
    card = _card(recipe, trainer="cross-validation", examples=len(answers))
    predicted: list[RefusalLabel] = list(truth)
    for k in range(folds):
        train_idx = [int(i) for i in np.flatnonzero(fold_of != k)]
        test_idx = [int(i) for i in np.flatnonzero(fold_of == k)]
        model = _fit(recipe, card, [answers[i] for i in train_idx], read.take(train_idx))
        held = read.take(test_idx)
        probs = model.probabilities(held.texts, held.features)
        for row, i in enumerate(test_idx):
            predicted[i] = LABELS[int(probs[row].argmax())]
    by_rules = [LABELS[int(np.argmax(f[: len(LABELS)]))] for f in read.features]
    confusion = {t.value: dict.fromkeys((p.value for p in LABELS), 0) for t in LABELS}
    for t, p in zip(truth, predicted, strict=True):
        confusion[t.value][p.value] += 1
    n = len(answers)
    compliance = RefusalLabel.COMPLIANCE
    return RefusalCrossValidation(
        recipe=recipe.name,
        recipe_hash=recipe.digest(),
        folds=folds,
        examples=n,
        accuracy=sum(t is p for t, p in zip(truth, predicted, strict=True)) / n,
        refused_accuracy=sum(
            (t is compliance) == (p is compliance) for t, p in zip(truth, predicted, strict=True)
        )
        / n,
        rules_accuracy=sum(t is p for t, p in zip(truth, by_rules, strict=True)) / n,
        confusion=confusion,
    )


__all__ = [
    "AnswerSource",
    "LabelledAnswer",
    "RefusalCrossValidation",
    "RefusalRecipe",
    "cross_validate_refusal",
    "load_refusal_recipe",
    "read_answers",
    "train_refusal",
]
