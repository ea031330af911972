"""A CPU-only text classifier over the risk codes: hashed character n-grams and logistic regression.

Inference needs numpy and scipy (core dependencies); training (:mod:`menshen.classifier.train`)
needs the ``train`` extra.
``import menshen`` does not import this package (nor numpy); import it to register the
``classifier`` detector.
"""

from pathlib import Path

from menshen.classifier.detector import ClassifierDetector
from menshen.classifier.features import FeatureBatch, Featurizer
from menshen.classifier.model import ClassifierModel, ModelCard, SourceManifest

SHIPPED_MODEL = Path(__file__).parent / "data" / "default.npz"
"""The default model, trained by ``recipes/default.yaml`` (see docs/model-card.md)."""

__all__ = [
    "SHIPPED_MODEL",
    "ClassifierDetector",
    "ClassifierModel",
    "FeatureBatch",
    "Featurizer",
    "ModelCard",
    "SourceManifest",
]
