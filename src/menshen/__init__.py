"""门神 Menshen: a Chinese-first safety and compliance engine for AI companion services.

The core is :class:`Guard`: text plus context in, :class:`Verdict` out.
"""

from menshen.errors import (
    ConfigError,
    DetectorError,
    InputError,
    LexiconError,
    MenshenError,
    PolicyError,
    PrerequisiteError,
)
from menshen.guard import Guard
from menshen.policy import Policy, Thresholds
from menshen.verdict import Action, Audience, Evidence, RiskFinding, Role, Span, Verdict

__version__ = "0.1.0"

__all__ = [
    "Action",
    "Audience",
    "ConfigError",
    "DetectorError",
    "Evidence",
    "Guard",
    "InputError",
    "LexiconError",
    "MenshenError",
    "Policy",
    "PolicyError",
    "PrerequisiteError",
    "RiskFinding",
    "Role",
    "Span",
    "Thresholds",
    "Verdict",
    "__version__",
]
