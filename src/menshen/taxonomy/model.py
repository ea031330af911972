"""The records and vocabularies of the risk taxonomy.

Three kinds of risk code exist (see ``docs/taxonomy.md``):

* **standard** -- the 31 items of GB/T 45654-2025 Appendix A, copied verbatim: ``A.1.f``;
* **fine** -- a standard code plus ``/`` plus a slug, for finer reporting: ``A.1.f/sexual``;
* **project** -- Menshen's own companion-chat risks outside the standard: ``X.crisis``.

The five Appendix A categories (``A.1`` … ``A.5``) group the standard codes; they are not risk
codes themselves.
"""

from __future__ import annotations

import re
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

CATEGORY_RE: Final = re.compile(r"A\.[1-9]")
"""Syntax of an Appendix A category code, e.g. ``A.1``."""
STANDARD_RE: Final = re.compile(r"A\.[1-9]\.[a-z]")
"""Syntax of an Appendix A risk code, e.g. ``A.1.f``."""
FINE_RE: Final = re.compile(r"A\.[1-9]\.[a-z]/[a-z][a-z0-9_]*")
"""Syntax of a fine-grained code, e.g. ``A.1.f/sexual``."""
PROJECT_RE: Final = re.compile(r"X\.[a-z][a-z0-9_]*")
"""Syntax of a project code, e.g. ``X.jailbreak``."""


class CategoryCode(StrEnum):
    """The five categories of GB/T 45654-2025 Appendix A."""

    A_1 = "A.1"
    A_2 = "A.2"
    A_3 = "A.3"
    A_4 = "A.4"
    A_5 = "A.5"


class StandardCode(StrEnum):
    """The 31 risks of GB/T 45654-2025 Appendix A (TC260-003 Appendix A), codes verbatim."""

    A_1_A = "A.1.a"
    A_1_B = "A.1.b"
    A_1_C = "A.1.c"
    A_1_D = "A.1.d"
    A_1_E = "A.1.e"
    A_1_F = "A.1.f"
    A_1_G = "A.1.g"
    A_1_H = "A.1.h"
    A_2_A = "A.2.a"
    A_2_B = "A.2.b"
    A_2_C = "A.2.c"
    A_2_D = "A.2.d"
    A_2_E = "A.2.e"
    A_2_F = "A.2.f"
    A_2_G = "A.2.g"
    A_2_H = "A.2.h"
    A_2_I = "A.2.i"
    A_3_A = "A.3.a"
    A_3_B = "A.3.b"
    A_3_C = "A.3.c"
    A_3_D = "A.3.d"
    A_3_E = "A.3.e"
    A_4_A = "A.4.a"
    A_4_B = "A.4.b"
    A_4_C = "A.4.c"
    A_4_D = "A.4.d"
    A_4_E = "A.4.e"
    A_4_F = "A.4.f"
    A_4_G = "A.4.g"
    A_5_A = "A.5.a"
    A_5_B = "A.5.b"


class ProjectCode(StrEnum):
    """Menshen's own risk codes; every taxonomy file must define these."""

    JAILBREAK = "X.jailbreak"
    EMOTIONAL_MANIPULATION = "X.emotional_manipulation"
    SEXUAL_MINORS = "X.sexual_minors"
    CRISIS = "X.crisis"
    MINOR_PROTECTION = "X.minor_protection"
    DEPENDENCE = "X.dependence"


class RiskKind(StrEnum):
    """Which of the three code families a risk belongs to."""

    STANDARD = "standard"
    FINE = "fine"
    PROJECT = "project"


class Scheme(StrEnum):
    """External category schemes that risk codes map to."""

    LLAMA_GUARD = "llama_guard"
    QWEN3GUARD = "qwen3guard"
    OPENAI = "openai"


LLAMA_GUARD_CATEGORIES: Final = MappingProxyType(
    {
        "S1": "Violent Crimes",
        "S2": "Non-Violent Crimes",
        "S3": "Sex-Related Crimes",
        "S4": "Child Sexual Exploitation",
        "S5": "Defamation",
        "S6": "Specialized Advice",
        "S7": "Privacy",
        "S8": "Intellectual Property",
        "S9": "Indiscriminate Weapons",
        "S10": "Hate",
        "S11": "Suicide & Self-Harm",
        "S12": "Sexual Content",
        "S13": "Elections",
        "S14": "Code Interpreter Abuse",
    }
)
"""Llama Guard 3 / 4 hazard categories (MLCommons taxonomy): code → name."""

QWEN3GUARD_CATEGORIES: Final = (
    "Violent",
    "Non-violent Illegal Acts",
    "Sexual Content or Sexual Acts",
    "PII",
    "Suicide & Self-Harm",
    "Unethical Acts",
    "Politically Sensitive Topics",
    "Copyright Violation",
    "Jailbreak",
)
"""Qwen3Guard safety categories, spelled as the model outputs them."""

OPENAI_CATEGORIES: Final = (
    "sexual",
    "sexual/minors",
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/intent",
    "self-harm/instructions",
    "violence",
    "violence/graphic",
)
"""OpenAI moderation (``omni-moderation``) categories."""

SCHEME_CATEGORIES: Final = MappingProxyType(
    {
        Scheme.LLAMA_GUARD: tuple(LLAMA_GUARD_CATEGORIES),
        Scheme.QWEN3GUARD: QWEN3GUARD_CATEGORIES,
        Scheme.OPENAI: OPENAI_CATEGORIES,
    }
)
"""The known category names of every scheme, in the scheme's own order."""

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class SchemeMap(BaseModel):
    """Where one risk code lands in each external scheme (empty: no counterpart)."""

    model_config = _FROZEN

    llama_guard: tuple[str, ...] = ()
    """Llama Guard 3/4 categories, ``S1`` … ``S14``."""
    qwen3guard: tuple[str, ...] = ()
    """Qwen3Guard categories, e.g. ``Sexual Content or Sexual Acts``."""
    openai: tuple[str, ...] = ()
    """OpenAI moderation categories, e.g. ``sexual/minors``."""

    def get(self, scheme: Scheme) -> tuple[str, ...]:
        """Return the categories for one scheme."""
        targets: tuple[str, ...] = getattr(self, scheme.value)
        return targets


class Category(BaseModel):
    """One of the five Appendix A categories."""

    model_config = _FROZEN

    code: str
    """Category code, ``A.1`` … ``A.5``."""
    name_zh: str = Field(min_length=1)
    """The standard's Chinese name, verbatim."""
    name_en: str = Field(min_length=1)
    """English name."""
    keyword_required: bool
    """Whether its risks must be covered by the keyword library and should-refuse bank."""


class Risk(BaseModel):
    """One risk code: a standard Appendix A item, a fine-grained code or a project code."""

    model_config = _FROZEN

    code: str
    """The code, e.g. ``A.1.f``, ``A.1.f/sexual`` or ``X.crisis``."""
    kind: RiskKind
    """Standard, fine or project code."""
    name_zh: str = Field(min_length=1)
    """Chinese name; verbatim from the standard for standard codes."""
    name_en: str = Field(min_length=1)
    """English name."""
    parent: str | None
    """Category code for a standard risk, standard code for a fine code, ``None`` for X codes."""
    rollup: str | None
    """The Appendix A code this risk is reported under (itself for standard risks); ``None``
    for a project code with no sensible standard counterpart."""
    keyword_required: bool = False
    """Standard risks only: one of the 17 (A.1 + A.2) risks that the keyword library and the
    should-refuse bank must cover (TC260-003 §8.1 b), §8.3 a))."""
    keyword_floor: int = Field(default=0, ge=0)
    """Standard risks only: minimum keywords for this risk (TC260-003 §8.1 b)); 0 if none."""
    test_bank_floor: int = Field(default=0, ge=0)
    """Standard risks only: minimum generated-content test questions (TC260-003 §8.2 b))."""
    refuse_bank_floor: int = Field(default=0, ge=0)
    """Standard risks only: minimum should-refuse questions (TC260-003 §8.3 a))."""
    mappings: SchemeMap = SchemeMap()
    """Counterparts in Llama Guard, Qwen3Guard and OpenAI moderation."""
    note: str = ""
    """Free text for reviewers: what belongs here and what does not."""
