"""Metrics from outcomes: hand-computed cases, undefined rates, bootstrap intervals, the sweep."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from menshen.evaluate import (
    SAFE,
    UNSAFE,
    Counts,
    Outcome,
    average_precision,
    binary_metrics,
    compute_metrics,
    count,
    f1_score,
    overall_counts,
    risk_counts,
    threshold_sweep,
)
from menshen.stats import clopper_pearson_interval, wilson_interval

SEX, GAMBLE = "A.1.f/sexual", "A.1.h/gambling"


def test_count_reads_predicted_then_gold() -> None:
    pairs = [(True, True)] * 3 + [(True, False)] * 2 + [(False, True)] + [(False, False)] * 4
    assert count(pairs) == Counts(tp=3, fp=2, fn=1, tn=4)
    assert count([]) == Counts()


def test_binary_metrics_hand_computed() -> None:
    counts = Counts(tp=8, fp=2, fn=4, tn=86)
    m = binary_metrics(counts)
    assert m.counts == counts
    assert m.precision == wilson_interval(8, 10)
    assert m.recall == wilson_interval(8, 12)
    assert m.fpr == wilson_interval(2, 88)
    assert m.f1 is not None
    assert m.f1.estimate == pytest.approx(16 / 22)
    # without bootstrap bounds the interval is the point
    assert m.f1.low == m.f1.high == m.f1.estimate
    exact = binary_metrics(counts, confidence=0.9, method="exact", f1_bounds=(0.6, 0.8))
    assert exact.precision == clopper_pearson_interval(8, 10, 0.9)
    assert exact.f1 is not None and (exact.f1.low, exact.f1.high) == (0.6, 0.8)


def test_undefined_rates_are_none() -> None:
    nothing = binary_metrics(Counts(tn=5))
    assert nothing.precision is None and nothing.recall is None and nothing.f1 is None
    assert nothing.fpr == wilson_interval(0, 5)
    no_negatives = binary_metrics(Counts(tp=2, fn=1))
    assert no_negatives.fpr is None
    assert f1_score(Counts(tn=3)) is None
    assert f1_score(Counts(fp=3)) == 0.0


# The worked example of docs/evaluate.md: nine records.
OUTCOMES = [
    Outcome(SEX, True, frozenset({SEX}), 0.9),  # TP overall and for sexual
    Outcome(GAMBLE, True, frozenset({GAMBLE}), 0.9),
    Outcome(GAMBLE, True, frozenset({GAMBLE}), 0.95),
    Outcome(GAMBLE, False, frozenset(), 0.0),  # missed
    Outcome(SAFE, True, frozenset({SEX}), 0.9),  # a false positive
    Outcome(SAFE, False, frozenset(), 0.4),  # a risk below the flag threshold
    Outcome(SAFE, False, frozenset(), 0.0),
    Outcome(SEX, True, frozenset({GAMBLE}), 0.9),  # harmful, but the wrong risk
    Outcome(UNSAFE, False, frozenset(), 0.0),  # harmful, risk not named: overall only
]


def test_overall_and_per_risk_counts() -> None:
    assert overall_counts(OUTCOMES) == Counts(tp=4, fp=1, fn=2, tn=2)
    assert risk_counts(OUTCOMES, SEX) == Counts(tp=1, fp=1, fn=1, tn=5)
    assert risk_counts(OUTCOMES, GAMBLE) == Counts(tp=2, fp=1, fn=1, tn=4)


def test_compute_metrics_hand_computed() -> None:
    m = compute_metrics(OUTCOMES, [SEX, GAMBLE, "A.4.g/harassment"], replicates=500)
    o = m.overall
    assert o.precision is not None and o.precision.estimate == pytest.approx(4 / 5)
    assert o.recall is not None and o.recall.estimate == pytest.approx(4 / 6)
    assert o.f1 is not None and o.f1.estimate == pytest.approx(8 / 11)
    assert o.fpr is not None and o.fpr.estimate == pytest.approx(1 / 3)
    sex, gamble, harassment = m.per_risk
    assert (sex.code, gamble.code, harassment.code) == (SEX, GAMBLE, "A.4.g/harassment")
    assert sex.f1 is not None and sex.f1.estimate == pytest.approx(0.5)
    assert gamble.f1 is not None and gamble.f1.estimate == pytest.approx(2 / 3)
    assert harassment.counts == Counts(tn=8)
    assert harassment.recall is None and harassment.f1 is None
    assert m.macro is not None
    assert m.macro.classes == (SEX, GAMBLE)  # harassment has no gold record
    expected = float(Fraction(1, 2) * (Fraction(1, 2) + Fraction(2, 3)))
    assert m.macro.precision.estimate == pytest.approx(expected)
    assert m.macro.recall.estimate == pytest.approx(expected)
    assert m.macro.f1.estimate == pytest.approx(expected)
    for interval in (o.f1, sex.f1, gamble.f1, m.macro.precision, m.macro.f1):
        assert 0.0 <= interval.low <= interval.high <= 1.0


def test_macro_counts_undefined_precision_as_zero() -> None:
    outcomes = [Outcome(SEX, False), Outcome(GAMBLE, True, frozenset({GAMBLE}))]
    m = compute_metrics(outcomes, [SEX, GAMBLE], replicates=200)
    assert m.per_risk[0].precision is None
    assert m.macro is not None
    assert m.macro.precision.estimate == pytest.approx(0.5)
    assert m.macro.recall.estimate == pytest.approx(0.5)


def test_no_risk_codes_means_no_macro() -> None:
    m = compute_metrics([Outcome(UNSAFE, True), Outcome(SAFE, False)], [], replicates=100)
    assert m.per_risk == () and m.macro is None
    assert m.overall.counts == Counts(tp=1, tn=1)


def test_bootstrap_is_reproducible_and_seeded() -> None:
    a = compute_metrics(OUTCOMES, [SEX, GAMBLE], replicates=300, seed=7)
    b = compute_metrics(OUTCOMES, [SEX, GAMBLE], replicates=300, seed=7)
    assert a == b
    with pytest.raises(ValueError, match="replicates"):
        compute_metrics(OUTCOMES, [SEX], replicates=0)


def test_perfect_predictions_have_a_degenerate_f1_interval() -> None:
    outcomes = [Outcome(SEX, True, frozenset({SEX}))] * 20 + [Outcome(SAFE, False)] * 30
    m = compute_metrics(outcomes, [SEX], replicates=200)
    assert m.overall.f1 is not None
    assert (m.overall.f1.low, m.overall.f1.estimate, m.overall.f1.high) == (1.0, 1.0, 1.0)


def test_bootstrap_f1_interval_agrees_with_the_delta_method_for_large_n() -> None:
    tp, fp, fn, tn = 300, 60, 140, 500
    outcomes = (
        [Outcome(SEX, True, frozenset({SEX}))] * tp
        + [Outcome(SAFE, True, frozenset({SEX}))] * fp
        + [Outcome(SEX, False)] * fn
        + [Outcome(SAFE, False)] * tn
    )
    n = len(outcomes)
    m = compute_metrics(outcomes, [SEX], replicates=4000, seed=1)
    f1 = m.overall.f1
    assert f1 is not None
    a, b, c = tp / n, fp / n, fn / n
    d = 2 * a + b + c
    # Var(F1) by the delta method under multinomial sampling: 4 a (b + c) (a + b + c) / (d^4 n)
    se = math.sqrt(4 * a * (b + c) * (a + b + c) / (d**4 * n))
    assert f1.estimate == pytest.approx(2 * a / d)
    assert f1.low == pytest.approx(f1.estimate - 1.96 * se, abs=0.01)
    assert f1.high == pytest.approx(f1.estimate + 1.96 * se, abs=0.01)
    assert m.per_risk[0].f1 is not None
    assert m.per_risk[0].f1.estimate == f1.estimate


def test_threshold_sweep_hand_computed() -> None:
    scores = [o.score for o in OUTCOMES]
    gold = [o.gold != SAFE for o in OUTCOMES]
    sweep = threshold_sweep(scores, gold)
    assert [p.threshold for p in sweep] == [0.95, 0.9, 0.4]
    rows = [(p.tp, p.fp, p.fn, p.tn) for p in sweep]
    assert rows == [(1, 0, 5, 3), (4, 1, 2, 2), (4, 2, 2, 1)]
    assert sweep[0].precision == 1.0 and sweep[0].recall == pytest.approx(1 / 6)
    assert sweep[1].precision == pytest.approx(0.8) and sweep[1].fpr == pytest.approx(1 / 3)
    assert sweep[2].recall == pytest.approx(4 / 6) and sweep[2].fpr == pytest.approx(2 / 3)
    # AP = 1/6 · 1 + (4/6 − 1/6) · 0.8 + 0 · 4/6
    assert average_precision(sweep) == pytest.approx(1 / 6 + 0.5 * 0.8)


def test_threshold_sweep_at_given_thresholds() -> None:
    sweep = threshold_sweep([0.2, 0.6, 0.9], [False, True, True], thresholds=[0.5, 1.0, 0.1])
    assert [(p.threshold, p.tp, p.fp) for p in sweep] == [(1.0, 0, 0), (0.5, 2, 0), (0.1, 2, 1)]
    assert sweep[0].precision is None and sweep[0].recall == 0.0
    with pytest.raises(ValueError, match="2 scores but 1 gold"):
        threshold_sweep([0.1, 0.2], [True])


def test_average_precision_needs_positives() -> None:
    assert average_precision(()) is None
    assert average_precision(threshold_sweep([0.5, 0.7], [False, False])) is None
    no_negatives = threshold_sweep([0.5, 0.7], [True, True])
    assert no_negatives[0].fpr is None
    assert average_precision(no_negatives) == pytest.approx(1.0)
