"""Statistics for measurements: pure functions, no I/O.

Proportions with confidence intervals (:mod:`menshen.stats.proportions`)::

    >>> from menshen.stats import wilson_interval
    >>> ci = wilson_interval(8, 10)
    >>> round(ci.low, 3), ci.estimate, round(ci.high, 3)
    (0.49, 0.8, 0.943)

Importing this package does not import scipy; :func:`clopper_pearson_interval` does, when called.
"""

from __future__ import annotations

from menshen.stats.proportions import (
    Interval,
    IntervalMethod,
    clopper_pearson_interval,
    proportion_interval,
    wilson_interval,
)

__all__ = [
    "Interval",
    "IntervalMethod",
    "clopper_pearson_interval",
    "proportion_interval",
    "wilson_interval",
]
