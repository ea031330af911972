"""Risk taxonomy: GB/T 45654-2025 Appendix A (31 risks) plus fine-grained and project codes.

The data lives in ``data/taxonomy.yaml``; :func:`load_taxonomy` reads and validates it once.
The module-level helpers use that packaged taxonomy::

    >>> from menshen.taxonomy import rollup, to_scheme
    >>> rollup("A.1.f/sexual")
    'A.1.f'
    >>> to_scheme("X.sexual_minors", "llama_guard")
    ('S4',)

See ``docs/taxonomy.md``.
"""

from __future__ import annotations

from menshen.taxonomy.catalog import Taxonomy
from menshen.taxonomy.loader import load_taxonomy, parse_taxonomy, read_taxonomy
from menshen.taxonomy.model import (
    LLAMA_GUARD_CATEGORIES,
    OPENAI_CATEGORIES,
    QWEN3GUARD_CATEGORIES,
    SCHEME_CATEGORIES,
    Category,
    CategoryCode,
    ProjectCode,
    Risk,
    RiskKind,
    Scheme,
    SchemeMap,
    StandardCode,
)


def validate_code(code: str, *, where: str = "") -> str:
    """Return *code* if the packaged taxonomy knows it, else raise ``ConfigError``.

    The error lists close matches; *where* (e.g. ``"lexicon.yaml: entries[3].risk"``) prefixes
    the message.
    """
    return load_taxonomy().validate_code(code, where=where)


def rollup(code: str) -> str:
    """Return the Appendix A code (one of the 31) that *code* is reported under.

    Fine codes give their parent; X codes give their declared rollup or themselves.
    """
    return load_taxonomy().rollup(code)


def to_scheme(code: str, scheme: Scheme | str) -> tuple[str, ...]:
    """Return the *scheme* categories (``llama_guard``, ``qwen3guard``, ``openai``) for *code*."""
    return load_taxonomy().to_scheme(code, scheme)


def from_scheme(
    scheme: Scheme | str, category: str, *, standard_only: bool = False
) -> tuple[str, ...]:
    """Return our codes that map to *category* of *scheme* (e.g. ``("llama_guard", "S12")``)."""
    return load_taxonomy().from_scheme(scheme, category, standard_only=standard_only)


__all__ = [
    "LLAMA_GUARD_CATEGORIES",
    "OPENAI_CATEGORIES",
    "QWEN3GUARD_CATEGORIES",
    "SCHEME_CATEGORIES",
    "Category",
    "CategoryCode",
    "ProjectCode",
    "Risk",
    "RiskKind",
    "Scheme",
    "SchemeMap",
    "StandardCode",
    "Taxonomy",
    "from_scheme",
    "load_taxonomy",
    "parse_taxonomy",
    "read_taxonomy",
    "rollup",
    "to_scheme",
    "validate_code",
]
