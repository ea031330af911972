"""`menshen lexicon check`: size, per-risk coverage against GB/T 45654's floors, staleness.

Floors (TC260-003 §8.1, carried into GB/T 45654): at least 10,000 keywords in all, at least 200 for
each A.1 risk and 100 for each A.2 risk; update at least weekly. All are configurable defaults.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict

from menshen.lexicon.loader import Library
from menshen.taxonomy import load_taxonomy

TOTAL_FLOOR = 10_000
"""TC260-003 §8.1 a): total size "不宜少于10000" (should not be fewer than 10,000)."""
STALE_AFTER = timedelta(days=7)
"""TC260-003 §8.1 c): update at least weekly [R]."""

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class RiskCoverage(BaseModel):
    """Keyword count for one of the 17 keyword risks."""

    model_config = _FROZEN

    code: str
    name_zh: str
    name_en: str
    count: int
    floor: int
    meets_floor: bool


class CoverageReport(BaseModel):
    """The result of checking a library against the standard's floors."""

    model_config = _FROZEN

    schema_version: int = 1
    version: str
    files: int
    total: int
    total_floor: int
    meets_total: bool
    risks: tuple[RiskCoverage, ...]
    other_codes: dict[str, int]
    """Counts under codes outside the 17 keyword risks (rolled up)."""
    newest_update: datetime | None
    age_days: float | None
    stale: bool
    below_floor: tuple[str, ...]
    """Codes of the 17 risks below their floor: what the operator still has to supply."""

    @property
    def compliant(self) -> bool:
        """Every floor met and not stale."""
        return self.meets_total and not self.below_floor and not self.stale


def check_library(
    library: Library,
    *,
    now: datetime | None = None,
    total_floor: int = TOTAL_FLOOR,
    stale_after: timedelta = STALE_AFTER,
) -> CoverageReport:
    """Count keywords per risk (fine codes rolled up to the standard's) and compare with floors."""
    taxonomy = load_taxonomy()
    counts: Counter[str] = Counter(taxonomy.rollup(rule.risk) for rule in library.rules)
    rows = []
    keyword_codes = set()
    for risk in taxonomy.keyword_risks():
        keyword_codes.add(risk.code)
        floor = risk.keyword_floor or 0
        rows.append(
            RiskCoverage(
                code=risk.code,
                name_zh=risk.name_zh,
                name_en=risk.name_en,
                count=counts[risk.code],
                floor=floor,
                meets_floor=counts[risk.code] >= floor,
            )
        )
    now = now or datetime.now(UTC)
    newest = library.newest
    age = (now - newest).total_seconds() / 86400 if newest else None
    return CoverageReport(
        version=library.version,
        files=len(library.files),
        total=len(library.rules),
        total_floor=total_floor,
        meets_total=len(library.rules) >= total_floor,
        risks=tuple(rows),
        other_codes={c: n for c, n in sorted(counts.items()) if c not in keyword_codes},
        newest_update=newest,
        age_days=round(age, 2) if age is not None else None,
        stale=newest is None or now - newest > stale_after,
        below_floor=tuple(r.code for r in rows if not r.meets_floor),
    )
