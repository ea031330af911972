"""The classifier detector: registry entry, finding shape, floors, model file errors.

The model here is built by hand (no training), so these tests need only numpy.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from menshen import Guard
from menshen.classifier import ClassifierDetector, ClassifierModel, Featurizer, ModelCard
from menshen.classifier.model import quantize
from menshen.detect import DetectContext, registry
from menshen.errors import ConfigError

BUCKETS = 2**12
CODES = ("A.1.h/gambling", "A.4.g/harassment")


def _model(**card_fields: object) -> ClassifierModel:
    """Weights that fire on the n-grams of 赌博 (gambling) and 傻 (harassment)."""
    card = ModelCard(
        model_id="hand@000000000000",
        name="hand",
        codes=CODES,
        ngram_min=1,
        ngram_max=2,
        buckets=BUCKETS,
        normalize=True,
        sublinear_tf=True,
        recipe_hash="0" * 64,
        seed=0,
        trainer="by hand",
        examples=0,
        positives={},
        sources=(),
        **card_fields,  # type: ignore[arg-type]
    )
    f = Featurizer(1, 2, BUCKETS)
    weights = np.zeros((BUCKETS, 2))
    weights[f.hashes("赌博"), 0] = 8.0
    weights[f.hashes("傻"), 1] = 12.0
    return ClassifierModel(card, weights, np.array([-3.0, -3.0]))


def test_registered_as_classifier() -> None:
    assert registry.get("classifier") is ClassifierDetector


def test_finding_shape() -> None:
    detector = ClassifierDetector(_model())
    text = "一起去赌博吧"
    (finding,) = detector.detect(text, DetectContext())
    assert finding.code == "A.1.h/gambling" and finding.detector == "classifier"
    assert 0.5 <= finding.score <= 1.0
    assert [(s.start, s.end, s.text) for s in finding.spans] == [(0, len(text), text)]
    (evidence,) = finding.evidence
    assert (evidence.rule, evidence.term, evidence.variant) == (
        "hand@000000000000",
        "A.1.h/gambling",
        "classifier",
    )
    assert detector.detect("今天天气不错", DetectContext()) == []
    assert detector.detect("", DetectContext()) == []


def test_floors_per_code() -> None:
    low = ClassifierDetector(_model(), default_floor=0.0)
    assert {f.code for f in low.detect("你好", DetectContext())} == set(CODES)
    high = ClassifierDetector(_model(), floors={"A.1.h/gambling": 1.0})
    assert high.detect("一起去赌博吧", DetectContext()) == []
    with pytest.raises(ValueError, match="floor"):
        ClassifierDetector(_model(), default_floor=1.5)


def test_the_card_floors_are_the_default_operating_point() -> None:
    model = _model(floor=0.9, code_floors={"A.4.g": 0.2})
    assert ClassifierDetector(model).floors == {"A.1.h/gambling": 0.9, "A.4.g/harassment": 0.2}
    # an explicit code floor wins over the card's; the longest covering key decides
    mixed = ClassifierDetector(model, floors={"A.4.g/harassment": 0.6, "A.1": 0.3})
    assert mixed.floors == {"A.1.h/gambling": 0.3, "A.4.g/harassment": 0.6}
    # a caller's default replaces the card's operating point altogether
    assert set(ClassifierDetector(model, default_floor=0.0).floors.values()) == {0.0}


def _pooled_model(pooled_bias: float) -> ClassifierModel:
    """The hand model plus a pooled head that fires on 坏 only (no code reaches 0.5 there)."""
    base = _model()
    card = base.card.model_copy(update={"pooled_floor": 0.6})
    f = Featurizer(1, 2, BUCKETS)
    weights = np.zeros((BUCKETS, 3))
    weights[:, :2] = base._weights
    weights[f.hashes("坏"), 2] = 12.0
    weights[f.hashes("坏"), 1] = 2.0  # harassment is the most probable code of 坏
    return ClassifierModel(card, weights, np.array([-3.0, -3.0, pooled_bias]))


def test_the_pooled_head_reports_the_most_probable_code() -> None:
    detector = ClassifierDetector(_pooled_model(-3.0))
    (finding,) = detector.detect("坏", DetectContext())
    assert finding.code == "A.4.g/harassment" and finding.score > 0.6
    assert finding.evidence[0].variant == "classifier-pooled"
    # a code that reaches its own floor is reported as itself, without a pooled duplicate
    (gambling,) = detector.detect("赌博", DetectContext())
    assert gambling.evidence[0].variant == "classifier"
    assert detector.detect("你好", DetectContext()) == []
    # an explicit default floor replaces the card's operating point, pooled floor included
    assert (
        ClassifierDetector(_pooled_model(-3.0), default_floor=0.9).detect("坏", DetectContext())
        == []
    )


def test_a_pooled_model_needs_its_extra_column() -> None:
    card = _model().card.model_copy(update={"pooled_floor": 0.6})
    with pytest.raises(ConfigError, match="pooled"):
        ClassifierModel(card, np.zeros((BUCKETS, 2)), np.zeros(2))


def test_batch_equals_single() -> None:
    detector = ClassifierDetector(_model())
    texts = ["赌博", "你这个傻子", "你好", "傻子去赌博"]
    assert detector.detect_batch(texts) == [detector.detect(t, DetectContext()) for t in texts]


def test_guard_uses_the_detector(tmp_path: Path) -> None:
    path = _model().save(tmp_path / "hand.npz")
    guard = Guard([ClassifierDetector(path)])
    verdict = guard.check("你这个傻子")
    assert verdict.flagged and [r.code for r in verdict.risks] == ["A.4.g/harassment"]
    assert not guard.check("谢谢你").flagged


def test_model_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such classifier model file"):
        ClassifierDetector(tmp_path / "missing.npz")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ConfigError, match="not a Menshen classifier model"):
        ClassifierModel.load(bad)


def test_quantisation_keeps_every_weight_within_half_a_step() -> None:
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(64, 3)) * np.array([0.01, 1.0, 30.0])
    weights[:, 2] = 0.0  # an all-zero column keeps scale 1
    values, scales = quantize(weights)
    assert values.dtype == np.int8 and int(np.abs(values).max()) == 127
    assert scales[2] == 1.0 and not values[:, 2].any()
    assert np.all(np.abs(values * scales - weights) <= scales / 2 + 1e-7)


def test_saved_int8_weights_load_unchanged_and_float_files_are_refused(tmp_path: Path) -> None:
    model = _model()
    path = model.save(tmp_path / "m.npz")
    texts = ["一起去赌博吧", "你这个傻子", "你好"]
    assert np.array_equal(ClassifierModel.load(path).decision(texts), model.decision(texts))
    with pytest.raises(ConfigError, match="must be int8"):
        ClassifierModel(model.card, np.zeros((BUCKETS, 2)), np.zeros(2), scales=np.ones(2))
