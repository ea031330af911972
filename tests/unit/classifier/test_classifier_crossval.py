"""Cross-validation of a recipe: folds, pooled per-class scores, errors, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("sklearn")

from menshen.classifier.crossval import cross_validate
from menshen.classifier.train import load_recipe
from menshen.errors import ConfigError

GAMBLING = "A.1.h/gambling"
FRAUD = "A.1.h/fraud"
TOPICS = {
    GAMBLING: (["百家乐", "真人棋牌", "体育投注", "彩票代理"], ["首充送彩金", "返水无上限"]),
    FRAUD: (["刷单返利", "客服退款", "中奖通知", "贷款无抵押"], ["先交保证金", "点击链接领取"]),
    "safe": (["今天天气真好", "晚饭吃什么", "周末去爬山", "这本书不错"], ["哈哈", "晚安"]),
}


def _recipe(folder: Path, rows: list[dict[str, str]] | None = None) -> Path:
    if rows is None:
        rows = [
            {"text": f"{head}，{tail}{n}", "label": label}
            for label, (heads, tails) in TOPICS.items()
            for head in heads
            for tail in tails
            for n in range(3)
        ]
    data = folder / "data.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    path = folder / "recipe.yaml"
    path.write_text(
        f"name: cv\nbuckets: 65536\nseed: 1\nsources:\n  - name: d\n    path: {data}\n"
        "    licence: CC0-1.0\n    upstream: written by the test\n",
        encoding="utf-8",
    )
    return path


def test_cross_validation_scores_every_class(tmp_path: Path) -> None:
    report = cross_validate(load_recipe(_recipe(tmp_path)), folds=3)
    assert report.examples == 72 and report.folds == 3
    by_label = {c.label: c for c in report.classes}
    assert set(by_label) == {GAMBLING, FRAUD, "safe"}
    assert all(c.support == 24 for c in by_label.values())
    assert sum(c.predicted for c in by_label.values()) == 72
    assert report.macro_f1 == pytest.approx(sum(c.f1 for c in report.classes) / 3)
    assert report.macro_f1 > 0.9  # the topics share no characters: near-perfect separation


def test_cross_validation_is_deterministic(tmp_path: Path) -> None:
    recipe = load_recipe(_recipe(tmp_path))
    assert cross_validate(recipe, folds=4) == cross_validate(recipe, folds=4)


def test_a_threshold_of_one_predicts_safe_everywhere(tmp_path: Path) -> None:
    report = cross_validate(load_recipe(_recipe(tmp_path)), folds=3, threshold=1.0)
    by_label = {c.label: c for c in report.classes}
    assert by_label["safe"].predicted == 72 and by_label["safe"].recall == 1.0
    assert by_label[GAMBLING].f1 == 0.0 and report.accuracy == pytest.approx(1 / 3)


def test_too_few_texts_per_class_is_a_config_error(tmp_path: Path) -> None:
    rows = [{"text": f"百家乐{n}", "label": GAMBLING} for n in range(2)]
    rows += [{"text": f"天气{n}", "label": "safe"} for n in range(10)]
    with pytest.raises(ConfigError, match="at least 5 texts"):
        cross_validate(load_recipe(_recipe(tmp_path, rows)), folds=5)
    with pytest.raises(ConfigError, match="at least 2 folds"):
        cross_validate(load_recipe(_recipe(tmp_path, rows)), folds=1)


def test_train_command_cross_validates(tmp_path: Path) -> None:
    import typer
    from typer.testing import CliRunner

    from menshen.classifier.cli import train_command

    app = typer.Typer()
    app.command()(train_command)
    out = tmp_path / "cv.json"
    result = CliRunner().invoke(
        app, ["--recipe", str(_recipe(tmp_path)), "--cv", "3", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.output and not (tmp_path / "model.npz").exists()
    assert json.loads(out.read_text("utf-8"))["folds"] == 3
