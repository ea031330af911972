"""Training from a recipe: determinism, round trip, separation of the classes, recipe errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("sklearn")

from menshen.classifier.model import ClassifierModel
from menshen.classifier.train import load_recipe, train
from menshen.errors import ConfigError

GAMBLING = "A.1.h/gambling"
ADS = ["在线娱乐平台", "真人棋牌", "体育投注", "百家乐官网", "彩票代理"]
HOOKS = ["首充送彩金", "日赚千元", "注册即送88元", "返水无上限", "稳赚不赔"]
CHAT = ["今天天气真好", "晚饭吃什么呢", "周末一起去爬山吧", "这本书挺有意思", "明天记得带伞"]
TAILS = ["哈哈", "你觉得呢", "好累啊", "有空聊", "晚安"]


def _corpus(folder: Path) -> Path:
    rows = [{"text": f"{a}{h}，快来", "label": "ad"} for a in ADS for h in HOOKS]
    rows += [{"text": f"{c}，{t}", "label": "chat"} for c in CHAT for t in TAILS]
    path = folder / "corpus.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def _recipe(folder: Path, **extra: object) -> Path:
    data = _corpus(folder)
    text = f"""
name: tiny
buckets: 65536
ngram_max: 3
seed: 7
output: {folder / "model.npz"}
sources:
  - name: synthetic
    path: {data}
    labels: {{ad: {GAMBLING}, chat: safe}}
    licence: CC0-1.0
    upstream: written by the test
"""
    text += "".join(f"{k}: {v}\n" for k, v in extra.items())
    path = folder / "recipe.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_training_twice_writes_the_same_bytes(tmp_path: Path) -> None:
    recipe = load_recipe(_recipe(tmp_path))
    first = train(recipe, output=tmp_path / "a.npz")
    second = train(recipe, output=tmp_path / "b.npz")
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    assert first.model.model_id == second.model.model_id
    assert first.model.model_id.startswith("tiny@")


def test_a_relative_recipe_writes_the_same_bytes_in_any_checkout(tmp_path: Path) -> None:
    outputs = []
    for checkout in ("one", "elsewhere/two"):
        base = tmp_path / checkout
        base.mkdir(parents=True)
        _corpus(base)
        recipe_text = (
            _recipe(base).read_text("utf-8").replace(str(base / "corpus.jsonl"), "corpus.jsonl")
        )
        (base / "recipe.yaml").write_text(recipe_text, "utf-8")
        result = train(load_recipe(base / "recipe.yaml"), base=base, output=base / "m.npz")
        assert result.model.card.sources[0].files == ("corpus.jsonl",)
        outputs.append((base / "m.npz").read_bytes())
    assert outputs[0] == outputs[1]


def test_save_load_round_trip(tmp_path: Path) -> None:
    result = train(load_recipe(_recipe(tmp_path)), output=tmp_path / "m.npz")
    loaded = ClassifierModel.load(tmp_path / "m.npz")
    assert loaded.card == result.model.card
    texts = ["百家乐首充送彩金", "今天天气真好"]
    assert loaded.predict_proba(texts) == result.model.predict_proba(texts)


def test_card_records_the_data(tmp_path: Path) -> None:
    card = train(load_recipe(_recipe(tmp_path))).model.card
    assert card.codes == (GAMBLING,)
    assert card.examples == 50 and card.positives == {GAMBLING: 25}
    (source,) = card.sources
    assert source.licence == "CC0-1.0" and source.examples == 50
    assert source.label_counts == {GAMBLING: 25, "safe": 25}
    assert len(source.sha256) == 64 and len(card.recipe_hash) == 64


def test_predictions_separate_the_classes(tmp_path: Path) -> None:
    model = train(load_recipe(_recipe(tmp_path))).model
    ads = ["体育投注，注册即送88元", "真人棋牌稳赚不赔", "彩票代理日赚千元"]
    chat = ["周末一起去爬山吧", "晚饭吃什么呢，好累啊", "明天记得带伞哈哈"]
    p_ads = [p[GAMBLING] for p in model.predict_proba(ads)]
    p_chat = [p[GAMBLING] for p in model.predict_proba(chat)]
    assert min(p_ads) > 0.5 > max(p_chat)


def test_max_examples_samples_reproducibly(tmp_path: Path) -> None:
    recipe = load_recipe(_recipe(tmp_path, max_examples_per_source=20))
    one, two = train(recipe).model.card, train(recipe).model.card
    assert one.examples == 20 and one == two


def test_bad_label_target_is_a_config_error(tmp_path: Path) -> None:
    path = _recipe(tmp_path)
    path.write_text(path.read_text("utf-8").replace(GAMBLING, "A.9.z/nope"), "utf-8")
    with pytest.raises(ConfigError, match="recipe"):
        load_recipe(path)


def test_missing_required_source_is_a_config_error(tmp_path: Path) -> None:
    path = _recipe(tmp_path)
    path.write_text(path.read_text("utf-8").replace("corpus.jsonl", "nope-*.jsonl"), "utf-8")
    with pytest.raises(ConfigError, match="no file matches"):
        train(load_recipe(path))


def test_train_command_writes_the_model(tmp_path: Path) -> None:
    import typer
    from typer.testing import CliRunner

    from menshen.classifier.cli import train_command

    app = typer.Typer()
    app.command()(train_command)
    result = CliRunner().invoke(app, ["--recipe", str(_recipe(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "tiny@" in result.output and (tmp_path / "model.npz").exists()
    bad = CliRunner().invoke(app, ["--recipe", str(tmp_path / "missing.yaml")])
    assert bad.exit_code == 2


def _coded_recipe(folder: Path, rows: list[dict[str, str]], source_extra: str = "") -> Path:
    data = folder / "coded.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    path = folder / "coded.yaml"
    path.write_text(
        f"""
name: coded
buckets: 65536
seed: 3
sources:
  - name: coded
    path: {data}
    licence: CC0-1.0
    upstream: written by the test
{source_extra}""",
        encoding="utf-8",
    )
    return path


def test_a_source_without_labels_reads_codes_from_the_label_field(tmp_path: Path) -> None:
    rows = [{"text": f"{a}{h}", "label": GAMBLING} for a in ADS for h in HOOKS]
    rows += [{"text": f"{c}{t}", "label": "safe"} for c in CHAT for t in TAILS]
    card = train(load_recipe(_coded_recipe(tmp_path, rows))).model.card
    assert card.positives == {GAMBLING: 25} and card.examples == 50


def test_an_unknown_code_in_the_label_field_names_the_record(tmp_path: Path) -> None:
    rows = [{"text": "a", "label": "safe"}, {"text": "b", "label": "A.9.z/nope"}]
    with pytest.raises(ConfigError, match="record 2"):
        train(load_recipe(_coded_recipe(tmp_path, rows)))


def test_a_single_label_source_labels_every_record(tmp_path: Path) -> None:
    rows = [{"text": f"{a}{h}"} for a in ADS for h in HOOKS]
    recipe = _coded_recipe(tmp_path, rows, f"    label: {GAMBLING}\n")
    text = recipe.read_text("utf-8")
    safe = tmp_path / "safe.jsonl"
    safe.write_text("".join(json.dumps({"text": c + t}) + "\n" for c in CHAT for t in TAILS))
    text += f"  - {{name: chat, path: {safe}, label: safe, licence: CC0-1.0, upstream: test}}\n"
    recipe.write_text(text, "utf-8")
    card = train(load_recipe(recipe)).model.card
    assert card.positives == {GAMBLING: 25} and card.examples == 50


def test_label_and_labels_together_are_refused(tmp_path: Path) -> None:
    recipe = _coded_recipe(tmp_path, [], f"    label: {GAMBLING}\n    labels: {{x: safe}}\n")
    with pytest.raises(ConfigError, match="either label or labels"):
        load_recipe(recipe)


def test_word_ngrams_are_part_of_the_model(tmp_path: Path) -> None:
    recipe = load_recipe(_recipe(tmp_path, word_ngram_max=2))
    model = train(recipe, output=tmp_path / "w.npz").model
    assert model.card.word_ngram_max == 2
    assert ClassifierModel.load(tmp_path / "w.npz").featurizer.word_ngram_max == 2


def test_code_floors_go_into_the_card_and_are_validated(tmp_path: Path) -> None:
    recipe = load_recipe(_recipe(tmp_path, floor=0.8, code_floors="{A.1.h: 0.6}"))
    card = train(recipe).model.card
    assert card.floor == 0.8 and card.code_floors == {"A.1.h": 0.6}
    with pytest.raises(ConfigError, match="code_floors"):
        load_recipe(_recipe(tmp_path, code_floors="{A.9.z: 0.6}"))
    with pytest.raises(ConfigError, match="code_floors"):
        load_recipe(_recipe(tmp_path, code_floors="{A.1.h: 1.5}"))


def test_a_pooled_head_is_trained_as_the_last_column(tmp_path: Path) -> None:
    model = train(load_recipe(_recipe(tmp_path, pooled_floor=0.7))).model
    assert model.card.pooled_floor == 0.7
    texts = ["百家乐首充送彩金", "今天天气真好"]
    everything = model.all_probabilities(texts)
    assert everything.shape == (2, 2)  # one code, then the pooled head
    assert everything[0, 1] > 0.5 > everything[1, 1]
    assert model.probabilities(texts).shape == (2, 1)
