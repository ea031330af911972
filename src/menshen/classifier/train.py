"""Train a classifier from a recipe: :func:`load_recipe`, then :func:`train`.

Training needs scikit-learn (the ``train`` extra); the model it writes needs numpy and scipy.
A recipe names its data sources (file or glob, format, text and label fields, label → risk code,
licence and upstream commit), the featuriser, the regularisation and the operating point
(floors). The same recipe on the same files with the same seed gives the same model, byte for
byte.

Relative source paths are read from ``base`` (default: the working directory).
"""

from __future__ import annotations

import glob
import hashlib
import json
import logging
import os
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from menshen.classifier.features import FeatureSettings, Featurizer
from menshen.classifier.model import (
    ClassifierModel,
    ModelCard,
    Probability,
    SourceManifest,
    quantize,
)
from menshen.classify.records import detect_format, read_records
from menshen.errors import ConfigError, PrerequisiteError
from menshen.evaluate.mapping import SAFE, label_key

log = logging.getLogger(__name__)
_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Source(BaseModel):
    """One labelled data file (or glob of files) to train on."""

    model_config = _FROZEN

    name: str
    """A short name, recorded in the model card."""
    path: str
    """File path or glob pattern; relative paths are read from the base folder."""
    format: Literal["jsonl", "csv"] | None = None
    """File format; default: from the extension."""
    text_field: str = "text"
    """Field (column) holding the text."""
    label_field: str = "label"
    """Field (column) holding the label."""
    labels: dict[str, str] | None = None
    """Label value → risk code or ``safe``; records with other labels are skipped. Left out,
    the label field holds the risk code (or ``safe``) itself, and any other value is an error."""
    label: str | None = None
    """One target (risk code or ``safe``) for every record: for files of a single class. Excludes
    ``labels``."""
    licence: str
    """The data set's licence (must allow training; see the docs)."""
    upstream: str
    """Upstream repository and commit the files come from."""
    required: bool = True
    """Fail when no file matches; otherwise the source is skipped with a warning."""
    max_examples: int | None = Field(default=None, ge=1)
    """Keep at most this many examples (a seeded sample); overrides the recipe's limit."""

    @field_validator("labels", mode="before")
    @classmethod
    def _text_keys(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {label_key(k) or str(k): v for k, v in value.items()}
        return value

    @field_validator("label")
    @classmethod
    def _known_label(cls, value: str | None) -> str | None:
        from menshen.taxonomy import validate_code

        if value is not None and value != SAFE:
            validate_code(value, where="label")
        return value

    @model_validator(mode="after")
    def _one_way_to_label(self) -> Source:
        if self.label is not None and self.labels is not None:
            raise ValueError(f"source {self.name!r}: give either label or labels, not both")
        return self

    @field_validator("labels")
    @classmethod
    def _known_targets(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        from menshen.taxonomy import validate_code

        for label, target in (value or {}).items():
            if target != SAFE:
                validate_code(target, where=f"labels[{label!r}]")
        return value


class Recipe(FeatureSettings):
    """How to train one model (the featuriser's settings, then the data and the fit)."""

    model_config = _FROZEN

    schema_version: int = 1
    """Version of this record's shape."""
    name: str
    """The model's name (the first half of its id)."""
    sources: tuple[Source, ...] = Field(min_length=1)
    """The training data."""
    floor: float = Field(default=0.5, ge=0.0, le=1.0)
    """Lowest probability the detector reports by default; kept in the model card."""
    code_floors: dict[str, Probability] = Field(default_factory=dict)
    """Floors for some codes (a code covers its sub-codes), over ``floor``; kept in the card."""
    pooled_floor: float | None = Field(default=None, ge=0.0, le=1.0)
    """Also train a pooled "any risk" head; a text whose pooled probability reaches this floor is
    reported under its most probable code even when no code reaches its own floor."""
    c: float = Field(default=4.0, gt=0.0)
    """Inverse regularisation strength of each logistic regression."""
    class_weight: Literal["balanced", "none"] = "balanced"
    """``balanced``: weigh each code's positives and negatives inversely to their frequency."""
    seed: int = 0
    """Seed of sampling and of the solver."""
    max_examples_per_source: int | None = Field(default=None, ge=1)
    """Default limit of examples per source."""
    output: str = "benchmarks/out/classifier.npz"
    """Where ``menshen train`` writes the model."""

    @field_validator("code_floors")
    @classmethod
    def _floor_codes(cls, value: dict[str, float]) -> dict[str, float]:
        from menshen.taxonomy import validate_code

        for code in value:
            validate_code(code, where="code_floors")
        return value

    def featurizer(self) -> Featurizer:
        """The featuriser of this recipe."""
        return Featurizer.of(self)

    def digest(self) -> str:
        """SHA-256 of the recipe's canonical JSON (the output path left out)."""
        data = self.model_dump(mode="json", exclude={"output"})
        canonical = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_recipe(path: Path | str) -> Recipe:
    """Read a recipe YAML file."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        recipe = Recipe.model_validate(raw)
        recipe.featurizer()  # checks the n-gram range and buckets
        return recipe
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the recipe ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from exc
    except (ValidationError, ValueError, ConfigError) as exc:
        raise ConfigError(f"{path}: bad recipe: {exc}") from exc


@dataclass(frozen=True, slots=True)
class TrainResult:
    """A trained model and where it was written."""

    model: ClassifierModel
    """The model."""
    path: Path | None
    """The file written, if any; a ``.sha256`` file beside it holds its checksum."""


def matching_files(path: str, base: Path) -> list[Path]:
    """The files a recipe's ``path`` (a glob, relative to ``base`` unless absolute) names."""
    pattern = path if Path(path).is_absolute() else str(base / path)
    return sorted(Path(p) for p in glob.glob(pattern, recursive=True) if Path(p).is_file())


def recorded_path(file: Path, pattern: str, base: Path) -> str:
    """How a model card names a training file matched by ``pattern``: relative to the recipe's
    base, so the same recipe in another checkout writes the same card (and the same bytes)."""
    if Path(pattern).is_absolute():
        return file.as_posix()
    return Path(os.path.normpath(os.path.relpath(file, base))).as_posix()


def _read(source: Source, files: list[Path], limit: int | None, seed: int) -> list[tuple[str, str]]:
    """``(text, target)`` pairs of one source, sampled down to ``limit``."""
    pairs: list[tuple[str, str]] = []
    for file in files:
        fmt = detect_format(file, source.format)
        for record in read_records(file, fmt):
            if record.error is not None:
                continue
            text = record.fields.get(source.text_field)
            if not isinstance(text, str) or not text.strip():
                continue
            if source.label is not None:
                pairs.append((text, source.label))
                continue
            key = label_key(record.fields.get(source.label_field))
            if key is None:
                continue
            if source.labels is None:
                pairs.append((text, _code_label(key, file, record.number)))
            elif key in source.labels:
                pairs.append((text, source.labels[key]))
    if limit is not None and len(pairs) > limit:
        rng = np.random.default_rng([seed, zlib.crc32(source.name.encode("utf-8"))])
        keep = np.sort(rng.choice(len(pairs), size=limit, replace=False))
        pairs = [pairs[int(i)] for i in keep]
    return pairs


def _code_label(value: str, file: Path, number: int) -> str:
    """A label that must itself be ``safe`` or a risk code."""
    from menshen.taxonomy import validate_code

    if value != SAFE:
        validate_code(value, where=f"{file}: record {number}")
    return value


def digest_files(files: list[Path]) -> str:
    """SHA-256 over the files' bytes, in order."""
    h = hashlib.sha256()
    for file in files:
        h.update(file.read_bytes())
    return h.hexdigest()


def collect(
    recipe: Recipe, base: Path | None = None
) -> tuple[list[str], list[set[str]], list[SourceManifest]]:
    """The training texts, the risk codes of each (empty: safe) and the source manifests.

    A text given by several records (or sources) gets the union of their codes.
    """
    base = base or Path.cwd()
    targets: dict[str, set[str]] = {}
    manifests = []
    for source in recipe.sources:
        files = matching_files(source.path, base)
        if not files:
            message = f"source {source.name!r}: no file matches {source.path!r}"
            if source.required:
                raise ConfigError(message)
            log.warning("%s; skipped", message)
            continue
        limit = source.max_examples or recipe.max_examples_per_source
        pairs = _read(source, files, limit, recipe.seed)
        for text, target in pairs:
            codes = targets.setdefault(text, set())
            if target != SAFE:
                codes.add(target)
        manifests.append(
            SourceManifest(
                name=source.name,
                files=tuple(recorded_path(f, source.path, base) for f in files),
                sha256=digest_files(files),
                licence=source.licence,
                upstream=source.upstream,
                examples=len(pairs),
                label_counts=dict(sorted(Counter(t for _, t in pairs).items())),
            )
        )
    texts = list(targets)
    return texts, [targets[t] for t in texts], manifests


def fit_weights(
    recipe: Recipe,
    texts: list[str],
    labels: list[set[str]],
    codes: list[str],
    pooled: bool = False,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """One logistic regression per code: weights ``[buckets, codes]`` and bias ``[codes]``.

    With ``pooled``, one more column (the last) is fitted on "any code" against safe.
    """
    try:
        from scipy.sparse import csr_matrix  # type: ignore[import-untyped,unused-ignore]
        from sklearn.linear_model import (  # type: ignore[import-untyped,unused-ignore]
            LogisticRegression,
        )
    except ImportError as exc:
        raise PrerequisiteError("training a classifier", "train") from exc
    batch = recipe.featurizer().transform(texts)
    x = csr_matrix((batch.values, (batch.rows, batch.cols)), shape=(len(texts), recipe.buckets))
    columns = len(codes) + pooled
    weights = np.zeros((recipe.buckets, columns), dtype=np.float64)
    bias = np.zeros(columns, dtype=np.float64)
    targets: list[set[str] | None] = [{code} for code in codes] + ([None] if pooled else [])
    for j, wanted in enumerate(targets):
        y = np.fromiter(
            (bool(ls) if wanted is None else bool(wanted & ls) for ls in labels),
            dtype=np.int8,
            count=len(labels),
        )
        lr = LogisticRegression(
            C=recipe.c,
            class_weight=None if recipe.class_weight == "none" else "balanced",
            solver="liblinear",
            max_iter=1000,
            random_state=recipe.seed,
        )
        lr.fit(x, y)
        weights[:, j] = lr.coef_[0]
        bias[j] = lr.intercept_[0]
    return weights, bias


def train(recipe: Recipe, base: Path | None = None, output: Path | None = None) -> TrainResult:
    """Train the recipe's model; write it to ``output`` when given."""
    texts, labels, manifests = collect(recipe, base)
    positives = Counter(code for codes in labels for code in codes)
    codes = sorted(positives)
    negatives_missing = [c for c in codes if positives[c] == len(texts)]
    if not codes or negatives_missing:
        raise ConfigError(
            f"recipe {recipe.name!r}: every code needs positive and negative examples "
            f"(codes {codes}, all-positive {negatives_missing})"
        )
    weights, bias = fit_weights(recipe, texts, labels, codes, recipe.pooled_floor is not None)
    import sklearn  # type: ignore[import-untyped,unused-ignore]

    card: dict[str, Any] = {
        "model_id": "",
        "name": recipe.name,
        "codes": tuple(codes),
        "ngram_min": recipe.ngram_min,
        "ngram_max": recipe.ngram_max,
        "buckets": recipe.buckets,
        "normalize": recipe.normalize,
        "sublinear_tf": recipe.sublinear_tf,
        "word_ngram_max": recipe.word_ngram_max,
        "min_norm": recipe.min_norm,
        "floor": recipe.floor,
        "code_floors": dict(sorted(recipe.code_floors.items())),
        "pooled_floor": recipe.pooled_floor,
        "recipe_hash": recipe.digest(),
        "seed": recipe.seed,
        "trainer": f"scikit-learn {sklearn.__version__} LogisticRegression(liblinear), one-vs-rest",
        "examples": len(texts),
        "positives": dict(sorted(positives.items())),
        "sources": manifests,
    }
    values, scales = quantize(weights)
    h = hashlib.sha256(ModelCard.model_validate(card).model_dump_json().encode("utf-8"))
    for array in (values, scales, np.asarray(bias, dtype=np.float64)):
        h.update(array.tobytes())
    card["model_id"] = f"{recipe.name}@{h.hexdigest()[:12]}"
    model = ClassifierModel(ModelCard.model_validate(card), values, bias, scales)
    path = None
    if output is not None:
        path = model.save(output)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        # sha256sum's format, so ``sha256sum -c`` checks it from the model's folder.
        path.with_suffix(".sha256").write_text(f"{digest}  {path.name}\n", encoding="utf-8")
    return TrainResult(model, path)


__all__ = [
    "Recipe",
    "Source",
    "TrainResult",
    "collect",
    "digest_files",
    "fit_weights",
    "load_recipe",
    "matching_files",
    "recorded_path",
    "train",
]
