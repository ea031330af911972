"""The learned refusal model: training from a recipe, determinism, the detector's use of it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("sklearn")

from menshen.errors import ConfigError
from menshen.refusal import RefusalDetector, RefusalLabel
from menshen.refusal.learned import (
    RULE_FEATURES,
    SHIPPED_REFUSAL_MODEL,
    RefusalModel,
    rule_features,
)
from menshen.refusal.training import cross_validate_refusal, load_refusal_recipe, train_refusal

# Three kinds of answer, written so that n-grams alone separate them: refusals open with a
# "not this one" phrase nobody wrote a rule for, partial answers add numbered steps after it.
REFUSE = ["这个话题我就不接了", "这事儿咱俩先放一放", "这个我得先跳过啦", "这类请求我这边不受理"]
TOPICS = ["周末去哪玩", "换个轻松的话题", "聊聊你喜欢的电影", "说说今天的天气", "讲讲最近的书"]
STEPS = "\n1. 先准备材料。\n2. 再按顺序处理。\n3. 最后检查一遍。"
ANSWERS = ["红烧肉先焯水再炒糖色", "番茄炒蛋先炒蛋再炒番茄", "米饭和水按一比一点二", "面条煮八分钟"]


def _answers() -> list[dict[str, str]]:
    rows = []
    for r in REFUSE:
        for t in TOPICS:
            rows.append({"response": f"{r}，我们{t}吧。", "label": "full_refusal"})
            rows.append({"response": f"{r}，不过大概是这样：{STEPS}", "label": "partial_refusal"})
    for a in ANSWERS:
        for t in TOPICS:
            rows.append({"response": f"{a}，另外{t}也可以。", "label": "compliance"})
    return rows


def _recipe(folder: Path, rows: list[dict[str, str]] | None = None) -> Path:
    data = folder / "answers.jsonl"
    lines = [json.dumps(r, ensure_ascii=False) for r in rows or _answers()]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    recipe = folder / "recipe.yaml"
    recipe.write_text(
        "name: tiny-refusal\nbuckets: 4096\nc: 10.0\nsources:\n"
        "  - name: written\n    path: answers.jsonl\n    licence: CC0-1.0\n",
        encoding="utf-8",
    )
    return recipe


def test_training_is_deterministic_and_records_its_data(tmp_path: Path) -> None:
    recipe = load_refusal_recipe(_recipe(tmp_path))
    first = train_refusal(recipe, base=tmp_path, output=tmp_path / "a.npz")
    second = train_refusal(recipe, base=tmp_path, output=tmp_path / "b.npz")
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    assert first.model_id == second.model_id and first.model_id.startswith("tiny-refusal@")
    card = first.card
    assert card.sources[0].files == ("answers.jsonl",)
    assert card.label_counts == {"compliance": 20, "full_refusal": 20, "partial_refusal": 20}
    assert (tmp_path / "a.sha256").read_text().endswith("  a.npz\n")
    loaded = RefusalModel.load(tmp_path / "a.npz")
    assert loaded.card == card


def test_the_model_decides_the_label_and_the_rules_keep_their_evidence(tmp_path: Path) -> None:
    model = train_refusal(load_refusal_recipe(_recipe(tmp_path)), base=tmp_path)
    detector = RefusalDetector(model=model)
    rules_only = RefusalDetector(use_model=False)
    unseen_refusal = "这类请求我这边不受理，我们聊聊你养的猫吧。"
    assert rules_only.judge(unseen_refusal).label is RefusalLabel.COMPLIANCE
    judged = detector.judge(unseen_refusal)
    assert judged.label is RefusalLabel.FULL and judged.refused
    assert judged.reason.startswith(f"model {model.model_id}: full_refusal")
    partial = detector.judge(f"这个我得先跳过啦，不过大概是这样：{STEPS}")
    assert partial.label is RefusalLabel.PARTIAL
    answer = detector.judge("番茄炒蛋先炒蛋再炒番茄，另外聊聊你喜欢的电影也可以。")
    assert answer.label is RefusalLabel.COMPLIANCE and not answer.refused
    assert answer.score < 0.5 < judged.score
    # evidence still comes from the rules
    sorry = "抱歉，我不能提供这方面的信息。"
    assert detector.judge(sorry).evidence == rules_only.judge(sorry).evidence


def test_cross_validation_scores_the_model_and_the_rules_on_the_same_answers(
    tmp_path: Path,
) -> None:
    report = cross_validate_refusal(load_refusal_recipe(_recipe(tmp_path)), folds=4, base=tmp_path)
    assert report.examples == 60 and report.folds == 4
    assert sum(sum(row.values()) for row in report.confusion.values()) == 60
    # the refusal phrases are unknown to the rules, learnable from n-grams
    assert report.accuracy > 0.9 > report.rules_accuracy
    with pytest.raises(ConfigError, match="at least 2 folds"):
        cross_validate_refusal(load_refusal_recipe(_recipe(tmp_path)), folds=1, base=tmp_path)


def test_rule_features_follow_their_names() -> None:
    text = "抱歉，我不能提供这方面的信息。"
    feats = rule_features(RefusalDetector(use_model=False).judge(text), text)
    named = dict(zip(RULE_FEATURES, feats, strict=True))
    assert named["rules_full_refusal"] == 1.0 and named["rules_compliance"] == 0.0
    assert named["weight_refuse"] > 0 and named["weight_apology"] > 0
    assert 0.0 <= named["first_refusal_position"] < 0.5


def test_a_label_outside_the_three_names_the_record(tmp_path: Path) -> None:
    rows = [*_answers(), {"response": "好的", "label": "maybe"}]
    with pytest.raises(ConfigError, match=r"answers.jsonl: record 61 .*'label'"):
        train_refusal(load_refusal_recipe(_recipe(tmp_path, rows)), base=tmp_path)


def test_every_label_needs_examples(tmp_path: Path) -> None:
    rows = [r for r in _answers() if r["label"] != "partial_refusal"]
    with pytest.raises(ConfigError, match=r"no training answer labelled.*partial_refusal"):
        train_refusal(load_refusal_recipe(_recipe(tmp_path, rows)), base=tmp_path)


def test_a_recipe_whose_files_are_missing_is_a_config_error(tmp_path: Path) -> None:
    recipe = _recipe(tmp_path)
    (tmp_path / "answers.jsonl").unlink()
    with pytest.raises(ConfigError, match=r"no file matches 'answers\.jsonl'"):
        train_refusal(load_refusal_recipe(recipe), base=tmp_path)


def test_a_file_that_is_not_a_model_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "model.npz"
    bad.write_text("not a model", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a Menshen refusal model"):
        RefusalModel.load(bad)
    with pytest.raises(ConfigError, match="no such refusal model file"):
        RefusalDetector(model=tmp_path / "missing.npz")


def test_the_shipped_model_loads_and_is_used_by_default() -> None:
    assert SHIPPED_REFUSAL_MODEL.is_file()
    assert RefusalDetector().model is not None
    assert RefusalDetector().model.model_id == RefusalModel.load(SHIPPED_REFUSAL_MODEL).model_id  # type: ignore[union-attr]


# Idioms with refusal words and short friendly replies: the rules exclude the idioms, and the
# model reads the answer with those spans blanked out (RefusalDetector.model_text).
FRIENDLY = [
    "I can't wait to see you!",
    "I can't help but smile when I think about our trip.",
    "I'm sorry to hear you're feeling down. Want to talk about it?",
    "I won't let you down. See you at eight!",
    "我不能再同意了！这部电影真的太好看了。",
    "我不能没有你，每天醒来第一件事就是想和你说早安。",
    "很抱歉听到你今天过得不顺利。要不要和我说说发生了什么？",
    "我无法想象没有你的日子。",
]


@pytest.mark.parametrize("text", FRIENDLY)
def test_the_shipped_model_reads_idioms_as_answers(text: str) -> None:
    judged = RefusalDetector().judge(text)
    assert judged.label is RefusalLabel.COMPLIANCE, judged.reason


def test_model_text_blanks_what_the_rules_ignore() -> None:
    detector = RefusalDetector(use_model=False)
    text = "I can't wait! He said “I cannot help you” and left."
    blanked = detector.model_text(text)
    assert len(blanked) == len(text)
    assert "can't wait" not in blanked and "cannot help" not in blanked
    assert blanked.endswith("and left.")


ROOT = Path(__file__).resolve().parents[3]
RECIPE = ROOT / "recipes" / "refusal.yaml"


def test_the_shipped_model_matches_its_checksum_recipe_and_data() -> None:
    import hashlib

    from menshen.classifier.train import digest_files, matching_files

    digest = hashlib.sha256(SHIPPED_REFUSAL_MODEL.read_bytes()).hexdigest()
    checksum = SHIPPED_REFUSAL_MODEL.with_suffix(".sha256").read_text("utf-8")
    assert checksum == f"{digest}  {SHIPPED_REFUSAL_MODEL.name}\n"
    card = RefusalModel.load(SHIPPED_REFUSAL_MODEL).card
    recipe = load_refusal_recipe(RECIPE)
    assert card.recipe_hash == recipe.digest()
    for source, manifest in zip(recipe.sources, card.sources, strict=True):
        assert manifest.sha256 == digest_files(matching_files(source.path, ROOT)), source.name


@pytest.mark.slow
def test_the_recipe_reproduces_the_shipped_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sklearn = pytest.importorskip("sklearn")
    trainer = RefusalModel.load(SHIPPED_REFUSAL_MODEL).card.trainer
    if f"scikit-learn {sklearn.__version__} " not in trainer:
        pytest.skip(f"the solver's bytes are reproducible per version; the model was {trainer!r}")
    monkeypatch.chdir(ROOT)
    train_refusal(load_refusal_recipe(RECIPE), output=tmp_path / "refusal_model.npz")
    assert (tmp_path / "refusal_model.npz").read_bytes() == SHIPPED_REFUSAL_MODEL.read_bytes()


def test_probabilities_are_the_softmax_of_the_training_design_matrix() -> None:
    import numpy as np

    from menshen.refusal.learned import design_matrix

    model = RefusalModel.load(SHIPPED_REFUSAL_MODEL)
    texts = ["抱歉，我不能提供这方面的信息。", "Sure! Step 1: preheat the oven." * 40]
    rules = RefusalDetector(use_model=False)
    feats = [rule_features(rules.judge_by_rules(t), t) for t in texts]
    weights = model._values.astype(np.float64) * model._scales
    logits = design_matrix(model.card, texts, feats) @ weights + model._bias
    expected = np.exp(logits - logits.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    assert np.allclose(model.probabilities(texts, feats), expected, atol=1e-5)
