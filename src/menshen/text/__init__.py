"""Normalisation with an offset map back to the original text."""

from menshen.text.normalize import NormalizedText, TextNormalizer, default_normalizer, normalize

__all__ = ["NormalizedText", "TextNormalizer", "default_normalizer", "normalize"]
