"""Proportion intervals against scipy's reference implementation, edge cases and properties."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from scipy.stats import binomtest

from menshen.stats import (
    Interval,
    IntervalMethod,
    clopper_pearson_interval,
    proportion_interval,
    wilson_interval,
)

CASES = [
    # (successes, n, confidence)
    (0, 1, 0.95),
    (1, 1, 0.95),
    (0, 10, 0.95),
    (10, 10, 0.95),
    (1, 10, 0.95),
    (8, 10, 0.95),
    (5, 10, 0.90),
    (3, 7, 0.99),
    (0, 333, 0.95),
    (185, 333, 0.95),
    (888, 888, 0.95),
    (1, 1000, 0.95),
    (999, 1000, 0.95),
    (424, 497, 0.95),
    (50, 100, 0.5),
    (12345, 100000, 0.999),
]

METHODS = [
    (wilson_interval, "wilson"),
    (clopper_pearson_interval, "exact"),
]


@pytest.mark.parametrize(("function", "scipy_method"), METHODS)
@pytest.mark.parametrize(("k", "n", "confidence"), CASES)
def test_matches_scipy(function, scipy_method: str, k: int, n: int, confidence: float) -> None:
    ours = function(k, n, confidence)
    ref = binomtest(k, n).proportion_ci(confidence_level=confidence, method=scipy_method)
    assert ours.estimate == k / n
    assert ours.low == pytest.approx(float(ref.low), abs=1e-12, rel=1e-9)
    assert ours.high == pytest.approx(float(ref.high), abs=1e-12, rel=1e-9)


@pytest.mark.parametrize(("function", "_"), METHODS)
@pytest.mark.parametrize("n", [1, 2, 17, 1000])
def test_edges_are_exact(function, _: str, n: int) -> None:
    none = function(0, n)
    assert none.low == 0.0 and none.estimate == 0.0 and none.high < 1.0
    every = function(n, n)
    assert every.high == 1.0 and every.estimate == 1.0 and every.low > 0.0


@pytest.mark.parametrize("function", [wilson_interval, clopper_pearson_interval])
def test_zero_trials_is_an_error(function) -> None:
    with pytest.raises(ValueError, match=r"n = 0 trials"):
        function(0, 0)


@pytest.mark.parametrize(
    ("k", "n", "confidence", "message"),
    [
        (-1, 10, 0.95, "between 0 and n"),
        (11, 10, 0.95, "between 0 and n"),
        (0, -3, 0.95, "n must be > 0"),
        (1, 10, 0.0, "strictly between 0 and 1"),
        (1, 10, 1.0, "strictly between 0 and 1"),
        (1, 10, 95, "strictly between 0 and 1"),
        (1.5, 10, 0.95, "successes must be an int"),
        (True, 10, 0.95, "successes must be an int"),
        (1, 10.0, 0.95, "n must be an int"),
    ],
)
def test_bad_arguments(k: object, n: object, confidence: float, message: str) -> None:
    for function in (wilson_interval, clopper_pearson_interval):
        with pytest.raises(ValueError, match=message):
            function(k, n, confidence)  # type: ignore[arg-type]


def test_proportion_interval_dispatches_by_method() -> None:
    assert proportion_interval(3, 10) == wilson_interval(3, 10)
    assert proportion_interval(3, 10, 0.9, "exact") == clopper_pearson_interval(3, 10, 0.9)
    assert proportion_interval(3, 10, method=IntervalMethod.WILSON) == wilson_interval(3, 10)
    with pytest.raises(ValueError, match="unknown interval method 'wald'"):
        proportion_interval(3, 10, method="wald")


def test_interval_model_checks_its_bounds() -> None:
    with pytest.raises(ValidationError):
        Interval(estimate=0.5, low=0.6, high=0.4)
    with pytest.raises(ValidationError):
        Interval(estimate=1.5, low=0.0, high=1.0)
    with pytest.raises(ValidationError):
        Interval(estimate=0.5, low=-0.1, high=1.0)
    ci = wilson_interval(2, 4)
    assert Interval.model_validate_json(ci.model_dump_json()) == ci


@st.composite
def trials(draw: st.DrawFn, max_n: int = 1_000_000) -> tuple[int, int]:
    n = draw(st.integers(min_value=1, max_value=max_n))
    return draw(st.integers(min_value=0, max_value=n)), n


confidences = st.floats(min_value=0.5, max_value=0.999)


@given(trials(), confidences)
def test_wilson_contains_the_estimate(kn: tuple[int, int], confidence: float) -> None:
    k, n = kn
    ci = wilson_interval(k, n, confidence)
    assert 0.0 <= ci.low <= ci.estimate <= ci.high <= 1.0


@given(trials(max_n=100_000), confidences)
def test_exact_contains_the_estimate(kn: tuple[int, int], confidence: float) -> None:
    k, n = kn
    ci = clopper_pearson_interval(k, n, confidence)
    assert 0.0 <= ci.low <= ci.estimate <= ci.high <= 1.0


@given(trials(max_n=10_000), confidences, confidences)
def test_higher_confidence_gives_a_wider_interval(
    kn: tuple[int, int], c1: float, c2: float
) -> None:
    k, n = kn
    lo_c, hi_c = sorted((c1, c2))
    for function in (wilson_interval, clopper_pearson_interval):
        narrow, wide = function(k, n, lo_c), function(k, n, hi_c)
        assert wide.low <= narrow.low + 1e-12
        assert wide.high >= narrow.high - 1e-12


def test_importing_menshen_and_stats_does_not_import_scipy() -> None:
    code = (
        "import sys, menshen, menshen.stats; menshen.stats.wilson_interval(1, 2);"
        "print(sorted(m for m in ('scipy', 'numpy', 'matplotlib') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
