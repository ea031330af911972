"""The :class:`Taxonomy`: an immutable, indexed set of risk codes.

Build one with :func:`menshen.taxonomy.load_taxonomy`; the loader has validated the data, so the
lookups here only have to index it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from typing import Any, Final, final

from menshen.errors import ConfigError
from menshen.taxonomy.model import (
    LLAMA_GUARD_CATEGORIES,
    OPENAI_CATEGORIES,
    QWEN3GUARD_CATEGORIES,
    SCHEME_CATEGORIES,
    Category,
    Risk,
    RiskKind,
    Scheme,
)

JSON_SCHEMA_VERSION: Final = 1
"""Version of the :meth:`Taxonomy.to_json` layout."""


def _suggest(value: str, known: Iterable[str]) -> str:
    """Return ``"; did you mean: a, b?"`` for close matches of *value*, or ``""``."""
    pool = list(known)
    matches = difflib.get_close_matches(value, pool, n=3, cutoff=0.6)
    if not matches:
        folded = {k.casefold(): k for k in pool}
        matches = [folded[m] for m in difflib.get_close_matches(value.casefold(), folded, n=3)]
    return f"; did you mean: {', '.join(matches)}?" if matches else ""


@final
class Taxonomy:
    """All risk codes with their names, hierarchy, rollups and scheme mappings.

    Iterating yields every risk (standard, fine and project codes) sorted by code, which puts each
    fine code right after its standard code and the ``X.`` codes last.
    """

    __slots__ = ("_by_code", "_categories", "_children", "_reverse", "_risks", "source", "version")

    def __init__(
        self,
        categories: Iterable[Category],
        risks: Iterable[Risk],
        *,
        source: str = "",
        version: str = "",
    ) -> None:
        """Index already-validated records (use :func:`load_taxonomy` to read a file)."""
        self.source = source
        """Where the data came from (a file path), for messages."""
        self.version = version
        """The data file's ``version`` string."""
        self._categories = {c.code: c for c in sorted(categories, key=lambda c: c.code)}
        self._risks = tuple(sorted(risks, key=lambda r: r.code))
        self._by_code = {r.code: r for r in self._risks}
        children: dict[str, list[Risk]] = {code: [] for code in self._categories}
        for risk in self._risks:
            children.setdefault(risk.code, [])
            if risk.parent is not None:
                children.setdefault(risk.parent, []).append(risk)
        self._children = {code: tuple(kids) for code, kids in children.items()}
        reverse: dict[tuple[Scheme, str], list[str]] = {
            (scheme, target): []
            for scheme, targets in SCHEME_CATEGORIES.items()
            for target in targets
        }
        for risk in self._risks:
            for scheme in Scheme:
                for target in risk.mappings.get(scheme):
                    reverse.setdefault((scheme, target), []).append(risk.code)
        self._reverse = {key: tuple(codes) for key, codes in reverse.items()}

    # -- lookup ------------------------------------------------------------------------------

    def __iter__(self) -> Iterator[Risk]:
        """Iterate over every risk in code order."""
        return iter(self._risks)

    def __len__(self) -> int:
        """Return the number of risk codes (categories not counted)."""
        return len(self._risks)

    def __contains__(self, code: object) -> bool:
        """Return whether *code* is a known risk code."""
        return code in self._by_code

    def __repr__(self) -> str:
        """Show the size and source."""
        return f"Taxonomy({len(self._risks)} risks from {self.source or '<memory>'})"

    def codes(self) -> tuple[str, ...]:
        """Return every risk code in iteration order."""
        return tuple(r.code for r in self._risks)

    def validate_code(self, code: str, *, where: str = "") -> str:
        """Return *code* if it is a known risk code, else raise :class:`ConfigError`.

        The message lists close matches. *where* (e.g. ``"lexicon.yaml: entries[3].risk"``) is put
        in front of the message so callers can name their file and field.
        """
        if code in self._by_code:
            return code
        prefix = f"{where}: " if where else ""
        if code in self._categories:
            kids = ", ".join(r.code for r in self._children[code])
            raise ConfigError(f"{prefix}{code!r} is a category, not a risk code; use one of {kids}")
        raise ConfigError(f"{prefix}unknown risk code {code!r}{_suggest(str(code), self._by_code)}")

    def get(self, code: str) -> Risk:
        """Return the risk for *code*; raise :class:`ConfigError` (with suggestions) if unknown."""
        return self._by_code[self.validate_code(code)]

    def categories(self) -> tuple[Category, ...]:
        """Return the five Appendix A categories, ``A.1`` … ``A.5``."""
        return tuple(self._categories.values())

    def category(self, code: str) -> Category:
        """Return the category ``A.1`` … ``A.5`` named by *code*."""
        try:
            return self._categories[code]
        except KeyError:
            hint = _suggest(code, self._categories)
            raise ConfigError(f"unknown risk category {code!r}{hint}") from None

    def category_of(self, code: str) -> Category | None:
        """Return the category *code* is reported under; ``None`` for an X code without rollup."""
        standard = self._by_code[self.rollup(code)]
        if standard.kind is not RiskKind.STANDARD or standard.parent is None:
            return None
        return self._categories[standard.parent]

    def standard_risks(self) -> tuple[Risk, ...]:
        """Return the 31 Appendix A risks in code order."""
        return tuple(r for r in self._risks if r.kind is RiskKind.STANDARD)

    def keyword_risks(self) -> tuple[Risk, ...]:
        """Return the 17 risks (A.1 + A.2) the keyword library and should-refuse bank must cover."""
        return tuple(r for r in self._risks if r.keyword_required)

    def fine_risks(self) -> tuple[Risk, ...]:
        """Return the fine-grained codes (``A.x.y/slug``)."""
        return tuple(r for r in self._risks if r.kind is RiskKind.FINE)

    def project_risks(self) -> tuple[Risk, ...]:
        """Return Menshen's own ``X.`` codes."""
        return tuple(r for r in self._risks if r.kind is RiskKind.PROJECT)

    def children(self, code: str) -> tuple[Risk, ...]:
        """Return the direct children of a category (its standard risks) or of a standard risk
        (its fine codes); fine and X codes have none."""
        if code in self._categories:
            return self._children[code]
        return self._children[self.validate_code(code)]

    def rollup(self, code: str) -> str:
        """Return the Appendix A code *code* is reported under.

        Standard codes return themselves, fine codes their parent, X codes their declared rollup or,
        without one, themselves.
        """
        risk = self.get(code)
        return risk.rollup if risk.rollup is not None else risk.code

    # -- schemes -----------------------------------------------------------------------------

    def to_scheme(self, code: str, scheme: Scheme | str) -> tuple[str, ...]:
        """Return the categories of *scheme* that risk *code* maps to (may be empty)."""
        return self.get(code).mappings.get(_scheme(scheme))

    def from_scheme(
        self, scheme: Scheme | str, category: str, *, standard_only: bool = False
    ) -> tuple[str, ...]:
        """Return our codes that map to *category* of *scheme*, in code order.

        Matching is case-insensitive (``s1`` finds ``S1``). With *standard_only*, only the 31
        Appendix A codes are returned.
        """
        chosen = _scheme(scheme)
        known = SCHEME_CATEGORIES[chosen]
        by_fold = {k.casefold(): k for k in known}
        name = by_fold.get(category.strip().casefold())
        if name is None:
            hint = _suggest(category, known)
            raise ConfigError(f"unknown {chosen.value} category {category!r}{hint}")
        codes = self._reverse[(chosen, name)]
        if standard_only:
            return tuple(c for c in codes if self._by_code[c].kind is RiskKind.STANDARD)
        return codes

    # -- export ------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict of the whole taxonomy (``menshen taxonomy --json``)."""
        return {
            "schema_version": JSON_SCHEMA_VERSION,
            "version": self.version,
            "source": self.source,
            "standard": "GB/T 45654-2025 Appendix A",
            "categories": [c.model_dump(mode="json") for c in self._categories.values()],
            "risks": [r.model_dump(mode="json") for r in self._risks],
            "schemes": {
                Scheme.LLAMA_GUARD.value: dict(LLAMA_GUARD_CATEGORIES),
                Scheme.QWEN3GUARD.value: list(QWEN3GUARD_CATEGORIES),
                Scheme.OPENAI.value: list(OPENAI_CATEGORIES),
            },
        }


def _scheme(value: Scheme | str) -> Scheme:
    """Coerce a scheme name to :class:`Scheme`, raising :class:`ConfigError` if unknown."""
    try:
        return Scheme(value)
    except ValueError:
        names = [s.value for s in Scheme]
        raise ConfigError(f"unknown scheme {value!r}; known: {', '.join(names)}") from None
