"""Confidence intervals for a binomial proportion: ``successes`` out of ``n`` trials.

Two methods, both as in ``scipy.stats.binomtest(k, n).proportion_ci(method=...)``:

- :func:`wilson_interval` — the Wilson score interval (no continuity correction). Good coverage
  near the nominal level even for small ``n`` and rates near 0 or 1; needs only the standard
  library.
- :func:`clopper_pearson_interval` — the "exact" interval from beta quantiles. Never below the
  nominal coverage, so it is wider (conservative); needs scipy.

Both are exact at the edges: ``successes == 0`` gives ``low == 0.0`` and ``successes == n`` gives
``high == 1.0``. Pure functions, no I/O.
"""

from __future__ import annotations

import importlib
import math
from enum import StrEnum
from statistics import NormalDist

from pydantic import BaseModel, ConfigDict, model_validator


class IntervalMethod(StrEnum):
    """How a proportion's confidence interval is computed (scipy's method names)."""

    WILSON = "wilson"
    """Wilson score interval."""
    EXACT = "exact"
    """Clopper-Pearson interval."""


class Interval(BaseModel):
    """A point estimate with a two-sided confidence interval, all in ``[0, 1]``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    estimate: float
    """The point estimate, e.g. ``successes / n``."""
    low: float
    """Lower bound of the interval."""
    high: float
    """Upper bound of the interval."""

    @model_validator(mode="after")
    def _ordered(self) -> Interval:
        if not 0.0 <= self.low <= self.high <= 1.0:
            raise ValueError(f"need 0 <= low <= high <= 1, got [{self.low}, {self.high}]")
        if not 0.0 <= self.estimate <= 1.0:
            raise ValueError(f"estimate {self.estimate} is outside [0, 1]")
        return self


def _check(successes: int, n: int, confidence: float) -> None:
    for name, value in (("successes", successes), ("n", n)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name} must be an int, got {value!r}")
    if n == 0:
        raise ValueError("a proportion of n = 0 trials has no confidence interval (n must be > 0)")
    if n < 0:
        raise ValueError(f"n must be > 0, got {n}")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be between 0 and n = {n}, got {successes}")
    if not (isinstance(confidence, float | int) and 0.0 < confidence < 1.0):
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence!r}")


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, value))


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> Interval:
    """The Wilson score interval for ``successes`` out of ``n`` (no continuity correction).

    Raises ``ValueError`` when ``n`` is not positive, ``successes`` is not in ``[0, n]`` or
    ``confidence`` is not in ``(0, 1)``.
    """
    _check(successes, n, confidence)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    z2 = z * z
    p = successes / n
    centre = (successes + z2 / 2) / (n + z2)
    half = z / (n + z2) * math.sqrt(successes * (n - successes) / n + z2 / 4)
    low = 0.0 if successes == 0 else _clamp(centre - half)
    high = 1.0 if successes == n else _clamp(centre + half)
    return Interval(estimate=p, low=min(low, p), high=max(high, p))


def clopper_pearson_interval(successes: int, n: int, confidence: float = 0.95) -> Interval:
    """The Clopper-Pearson ("exact") interval for ``successes`` out of ``n``.

    The bounds are quantiles of beta distributions (``scipy.stats.beta``). Raises ``ValueError``
    like :func:`wilson_interval`.
    """
    _check(successes, n, confidence)
    beta = importlib.import_module("scipy.stats").beta  # untyped: no stubs needed for mypy
    alpha = 1.0 - confidence
    p = successes / n
    low = 0.0 if successes == 0 else float(beta.ppf(alpha / 2, successes, n - successes + 1))
    high = 1.0 if successes == n else float(beta.ppf(1 - alpha / 2, successes + 1, n - successes))
    return Interval(estimate=p, low=min(_clamp(low), p), high=max(_clamp(high), p))


def proportion_interval(
    successes: int,
    n: int,
    confidence: float = 0.95,
    method: IntervalMethod | str = IntervalMethod.WILSON,
) -> Interval:
    """The interval for ``successes`` out of ``n`` by ``method`` (``wilson`` or ``exact``)."""
    try:
        chosen = IntervalMethod(method)
    except ValueError:
        raise ValueError(f"unknown interval method {method!r}; use wilson or exact") from None
    if chosen is IntervalMethod.EXACT:
        return clopper_pearson_interval(successes, n, confidence)
    return wilson_interval(successes, n, confidence)
