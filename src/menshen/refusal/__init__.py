"""Refusal detection: does a model answer refuse, fully or in part, or comply?

Rules find the evidence; a learned model (:class:`RefusalModel`, shipped) picks the label.
Refusal is not a risk, so the detector is not in the risk-detector registry; use
:class:`RefusalDetector` directly, or :func:`menshen.judge.judge` for answer + guard verdict.
"""

from menshen.refusal.learned import SHIPPED_REFUSAL_MODEL, RefusalModel
from menshen.refusal.loader import DEFAULT_RULE_FILES, load_rules, read_rule_file
from menshen.refusal.model import (
    RefusalEvidence,
    RefusalJudgement,
    RefusalLabel,
    RefusalSettings,
    RuleFile,
    RuleKind,
)
from menshen.refusal.rules import RefusalDetector

__all__ = [
    "DEFAULT_RULE_FILES",
    "SHIPPED_REFUSAL_MODEL",
    "RefusalDetector",
    "RefusalEvidence",
    "RefusalJudgement",
    "RefusalLabel",
    "RefusalModel",
    "RefusalSettings",
    "RuleFile",
    "RuleKind",
    "load_rules",
    "read_rule_file",
]
