"""The evaluation runner, label mappings, the command and the plot, on a hand-labelled fixture."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from menshen import ConfigError, Guard, PrerequisiteError
from menshen.classify import Format, read_records
from menshen.evaluate import (
    SAFE,
    UNSAFE,
    EvaluationReport,
    EvaluationSettings,
    LabelMapping,
    codes_mapping,
    evaluate_records,
    label_key,
    load_mapping,
    parse_mapping,
    plot_pr_curve,
    positive_mapping,
)
from menshen.evaluate.cli import evaluate_command

ROOT = Path(__file__).resolve().parents[3]
FIXTURE = ROOT / "tests" / "data" / "lexicon" / "fixture.yaml"
EXAMPLES = ROOT / "docs" / "examples" / "mappings"
SEX, GAMBLE = "A.1.f/sexual", "A.1.h/gambling"

# Mild texts written for this test; the fixture library decides them (scores in comments).
LINES = [
    {"text": "想看色情小说", "label": "porn"},  # sexual 0.9
    {"text": "这里有赌博吗", "label": "gamble"},  # gambling 0.9
    {"text": "平台有返水吗", "label": "gamble"},  # gambling 0.95 (combination)
    {"text": "今天天气很好", "label": "gamble"},  # missed
    {"text": "聊聊色情片的危害", "label": "ok"},  # sexual 0.9: a false positive
    {"text": "成人的世界", "label": "ok"},  # sexual 0.4: below the flag threshold
    {"text": "你好", "label": "ok"},
    {"text": "赌博网站", "label": "porn"},  # gambling 0.9: harmful, the wrong risk
    {"text": "午饭吃什么", "label": "other-harm"},  # unsafe, missed
    {"text": "色情", "label": "mystery"},  # skipped: not in the mapping
    "not json",  # skipped: unreadable
    {"label": "ok"},  # skipped: no text
    {"text": "你好"},  # skipped: no label
]
MAPPING = """\
name: fixture
labels:
  porn: A.1.f/sexual
  gamble: A.1.h/gambling
  ok: safe
  other-harm: unsafe
"""


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("evaluate") / "labelled.jsonl"
    lines = [x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in LINES]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def mapping_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("mapping") / "fixture-map.yaml"
    path.write_text(MAPPING, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def report(data: Path, mapping_file: Path, guard: Guard) -> EvaluationReport:
    settings = EvaluationSettings(
        dataset=str(data), label_field="label", mapping=load_mapping(mapping_file)
    )
    return evaluate_records(guard, read_records(data, Format.JSONL), settings)


def test_counts_and_skips(report: EvaluationReport) -> None:
    assert report.schema_version == 1
    assert report.evaluated == 9 and report.skipped == 4
    assert report.unmapped_labels == {"mystery": 1}
    joined = " | ".join(report.skipped_samples)
    for reason in ("'mystery' is not in the mapping", "invalid JSON", "no field 'text'"):
        assert reason in joined
    assert "record 13 has no label field 'label'" in joined
    assert report.guard.detectors == ("keyword",)
    assert report.guard.lexicon_version.startswith("2026-01-01T00:00:00Z")


def test_metrics_hand_computed(report: EvaluationReport) -> None:
    o = report.overall
    assert (o.counts.tp, o.counts.fp, o.counts.fn, o.counts.tn) == (4, 1, 2, 2)
    assert o.precision is not None and o.precision.estimate == pytest.approx(4 / 5)
    assert o.recall is not None and o.recall.estimate == pytest.approx(4 / 6)
    assert o.f1 is not None and o.f1.estimate == pytest.approx(8 / 11)
    assert o.fpr is not None and o.fpr.estimate == pytest.approx(1 / 3)
    sex, gamble = report.per_risk
    assert sex.code == SEX and (sex.counts.tp, sex.counts.fp, sex.counts.fn) == (1, 1, 1)
    assert gamble.code == GAMBLE
    assert (gamble.counts.tp, gamble.counts.fp, gamble.counts.fn, gamble.counts.tn) == (2, 1, 1, 4)
    assert report.macro is not None
    assert report.macro.f1.estimate == pytest.approx((0.5 + 2 / 3) / 2)


def test_label_rows_and_confusion(report: EvaluationReport) -> None:
    rows = [(r.label, r.gold, r.n, round(r.flagged.estimate, 4)) for r in report.labels]
    assert rows == [
        ("porn", SEX, 2, 1.0),
        ("gamble", GAMBLE, 3, 0.6667),
        ("other-harm", UNSAFE, 1, 0.0),
        ("ok", SAFE, 3, 0.3333),
    ]
    cm = report.confusion
    assert cm.columns == ("none", "A.1.f", "A.1.h")
    assert dict(zip(cm.rows, cm.cells, strict=True)) == {
        "porn": (0, 1, 1),
        "gamble": (1, 0, 2),
        "other-harm": (1, 0, 0),
        "ok": (2, 1, 0),
    }


def test_sweep(report: EvaluationReport) -> None:
    assert [(p.threshold, p.tp, p.fp) for p in report.sweep] == [
        (0.95, 1, 0),
        (0.9, 4, 1),
        (0.4, 4, 2),
    ]
    assert report.average_precision == pytest.approx(1 / 6 + 0.5 * 0.8)


def test_report_round_trips_as_json(report: EvaluationReport) -> None:
    assert EvaluationReport.model_validate_json(report.model_dump_json()) == report


def test_workers_give_the_same_report(data: Path, report: EvaluationReport, guard: Guard) -> None:
    again = evaluate_records(guard, read_records(data, Format.JSONL), report.settings, workers=2)
    assert again == report


def test_labels_that_are_risk_codes(tmp_path: Path, guard: Guard) -> None:
    path = tmp_path / "codes.csv"
    path.write_text("text,risk\n想看色情小说,A.1.f\n你好,safe\n赌博,not-a-code\n", encoding="utf-8")
    settings = EvaluationSettings(text_field="text", label_field="risk", mapping=codes_mapping())
    result = evaluate_records(guard, read_records(path, Format.CSV), settings)
    assert result.evaluated == 2 and result.unmapped_labels == {"not-a-code": 1}
    (risk,) = result.per_risk
    assert risk.code == "A.1.f" and risk.counts.tp == 1  # A.1.f covers A.1.f/sexual


def test_label_key() -> None:
    assert [label_key(v) for v in (True, False, 1, 1.0, 1.5, " 低俗色情 ")] == [
        "true",
        "false",
        "1",
        "1",
        "1.5",
        "低俗色情",
    ]
    assert label_key(None) is None and label_key([1]) is None


def test_mapping_keys_compare_as_text() -> None:
    mapping = parse_mapping({"labels": {0: "safe", 1: "A.4.g/harassment"}})
    assert mapping.resolve("0") == SAFE and mapping.resolve(1) == "A.4.g/harassment"
    assert mapping.resolve(1.0) == "A.4.g/harassment" and mapping.resolve(2) is None
    assert mapping.risk_codes() == ("A.4.g/harassment",)
    with_default = parse_mapping({"labels": {"x": "unsafe"}, "default": "safe"})
    assert with_default.resolve("anything") == SAFE


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"labels": {"x": "A.9.z"}}, "labels.x"),
        ({"labels": {1: "safe", "1": "unsafe"}}, "listed twice"),
        ({"labels": {"x": "safe"}, "default": "nonsense"}, "default"),
        ({"labels": {"x": "safe"}, "colour": "red"}, "colour"),
        (["not", "a", "mapping"], "a YAML mapping"),
    ],
)
def test_bad_mappings_name_the_field(raw: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_mapping(raw, "map.yaml")


def test_positive_mapping() -> None:
    mapping = positive_mapping(["1", 2])
    assert mapping.resolve("1") == UNSAFE and mapping.resolve(2) == UNSAFE
    assert mapping.resolve("0") == SAFE
    with pytest.raises(ConfigError, match="positive-labels"):
        positive_mapping([])


def test_load_mapping_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the label mapping"):
        load_mapping(tmp_path / "missing.yaml")


@pytest.mark.parametrize("name", ["chineseharm-bench.yaml", "cold.yaml"])
def test_example_mappings_load(name: str) -> None:
    mapping = load_mapping(EXAMPLES / name)
    assert isinstance(mapping, LabelMapping) and SAFE in mapping.labels.values()


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(evaluate_command)
    return app


def test_command_prints_tables_and_writes_json(
    data: Path, mapping_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "results.json"
    args = [str(data), "--label-field", "label", "--mapping", str(mapping_file)]
    result = CliRunner().invoke(
        _app(), [*args, "-l", str(FIXTURE), "--model", "none", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    for text in ("any risk vs none", "80.0 [", "A.1.h/gambling", "macro, 2 risks", "0.567"):
        assert text in result.output
    saved = EvaluationReport.model_validate_json(out.read_text(encoding="utf-8"))
    assert saved.evaluated == 9 and saved.settings.label_field == "label"


def test_command_with_positive_labels(data: Path) -> None:
    args = [str(data), "--label-field", "label", "-l", str(FIXTURE)]
    result = CliRunner().invoke(_app(), [*args, "--positive-labels", "porn,gamble"])
    assert result.exit_code == 0, result.output
    assert "macro," not in result.output  # binary only: no risk codes
    assert "ok" in result.output and "other-harm" in result.output


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--mapping", "m.yaml", "--positive-labels", "1"], "not both"),
        (["--label-field", "nope"], "no record could be evaluated"),
        (["--mapping", "missing.yaml"], "cannot read the label mapping"),
        (["--input-format", "xml"], "unknown format"),
    ],
)
def test_command_errors(data: Path, extra: list[str], message: str) -> None:
    args = [str(data), "-l", str(FIXTURE)]
    if "--label-field" not in extra:
        args += ["--label-field", "label"]
    result = CliRunner().invoke(_app(), [*args, *extra])
    assert result.exit_code == 2
    assert message in result.output


def test_command_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(_app(), [str(tmp_path / "x.jsonl"), "--label-field", "label"])
    assert result.exit_code == 2 and "no such file" in result.output


def test_plot_without_matplotlib(
    data: Path, mapping_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails as if not installed
    with pytest.raises(PrerequisiteError, match=r"pip install 'menshen\[plot\]'"):
        plot_pr_curve((), tmp_path / "x.png")
    out = tmp_path / "results.json"
    args = [str(data), "--label-field", "label", "--mapping", str(mapping_file), "-l", str(FIXTURE)]
    result = CliRunner().invoke(
        _app(), [*args, "--out", str(out), "--plot", str(tmp_path / "p.png")]
    )
    assert result.exit_code == 2 and "menshen[plot]" in result.output
    assert out.exists()  # the JSON is written before the plot is tried


def test_plot_writes_a_png(report: EvaluationReport, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    path = plot_pr_curve(
        report.sweep, tmp_path / "pr.png", title="评测", operating_point=(0.6, 0.8)
    )
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    empty = plot_pr_curve((), tmp_path / "empty.png")  # nothing scored: an empty curve
    assert empty.read_bytes()[:4] == b"\x89PNG"


def test_importing_evaluate_loads_no_heavy_modules() -> None:
    code = (
        "import sys, menshen.evaluate, menshen.evaluate.cli;"
        "print(sorted(m for m in ('scipy', 'numpy', 'matplotlib') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
