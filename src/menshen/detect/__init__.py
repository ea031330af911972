"""Detectors: each reports risks with scores and evidence; none decides an action."""

from menshen.detect.base import DetectContext, Detector, registry
from menshen.detect.keyword import KeywordDetector

__all__ = ["DetectContext", "Detector", "KeywordDetector", "registry"]
