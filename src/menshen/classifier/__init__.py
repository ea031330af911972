"""A CPU-only text classifier over the risk codes: hashed character n-grams and logistic regression.

Inference needs only numpy; training (:mod:`menshen.classifier.train`) needs the ``train`` extra.
``import menshen`` does not import this package (nor numpy); import it to register the
``classifier`` detector.
"""

from menshen.classifier.detector import ClassifierDetector
from menshen.classifier.features import FeatureBatch, Featurizer
from menshen.classifier.model import ClassifierModel, ModelCard, SourceManifest

__all__ = [
    "ClassifierDetector",
    "ClassifierModel",
    "FeatureBatch",
    "Featurizer",
    "ModelCard",
    "SourceManifest",
]
