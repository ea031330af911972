"""The command line: check, classify, taxonomy, lexicon."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from menshen.cli import app

FIXTURE_LEXICON = Path(__file__).parents[1] / "data" / "lexicon" / "fixture.yaml"

runner = CliRunner()
LEX = ["--lexicon", str(FIXTURE_LEXICON), "--model", "none"]


def test_check_json() -> None:
    result = runner.invoke(app, ["check", "想看色*情小说", "--json", *LEX])
    assert result.exit_code == 0, result.output
    verdict = json.loads(result.output)
    assert verdict["flagged"] is True
    assert verdict["risks"][0]["code"] == "A.1.f/sexual"
    assert verdict["risks"][0]["spans"][0]["text"] == "色*情"


def test_check_reads_stdin_and_shows_evidence() -> None:
    result = runner.invoke(app, ["check", "-", *LEX], input="约🙂炮吗")
    assert result.exit_code == 0, result.output
    assert "block" in result.output and "约炮" in result.output


def test_unknown_lexicon_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", "hi", "--lexicon", str(tmp_path / "none.yaml")])
    assert result.exit_code == 2
    assert "no such library file" in result.output


def _jsonl(path: Path, lines: list[str | bytes]) -> None:
    with path.open("wb") as fh:
        for line in lines:
            fh.write((line.encode() if isinstance(line, str) else line) + b"\n")


@pytest.mark.parametrize("workers", [1, 2])
def test_classify_jsonl_keeps_order_fields_and_bad_lines(tmp_path: Path, workers: int) -> None:
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    good = [
        json.dumps({"id": i, "text": t}, ensure_ascii=False)
        for i, t in enumerate(["你好", "约炮吗", "赌博平台", "今天很开心"] * 150)
    ]
    _jsonl(src, [*good[:3], "{not json", b"\xff\xfe bad bytes", '{"id": "x"}', *good[3:]])
    result = runner.invoke(
        app, ["classify", str(src), "-o", str(dst), "--workers", str(workers), *LEX]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in dst.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == len(good) + 3
    assert [r["id"] for r in rows if "verdict" in r] == list(range(len(good)))
    errors = [r for r in rows if "error" in r]
    assert [e.get("_line") for e in errors] == [4, 5, None]
    assert "invalid JSON" in errors[0]["error"] and "not UTF-8" in errors[1]["error"]
    assert "no field 'text'" in errors[2]["error"] and errors[2]["id"] == "x"
    assert rows[1]["verdict"]["flagged"] and rows[1]["verdict"]["risks"][0]["code"]
    assert "603 records" in result.output and "3 errors" in result.output


def test_classify_csv_to_parquet(tmp_path: Path) -> None:
    src, dst = tmp_path / "in.csv", tmp_path / "out.parquet"
    with src.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["user", "content"])
        writer.writerows([["u1", "你好"], ["u2", "要不要裸聊"]])
    result = runner.invoke(
        app, ["classify", str(src), "--text-field", "content", "-o", str(dst), *LEX]
    )
    assert result.exit_code == 0, result.output
    table = pq.read_table(dst).to_pylist()
    assert [r["user"] for r in table] == ["u1", "u2"]
    assert [json.loads(r["verdict"])["flagged"] for r in table] == [False, True]


def test_classify_parquet_to_csv(tmp_path: Path) -> None:
    src, dst = tmp_path / "in.parquet", tmp_path / "out.csv"
    pq.write_table(pa.table({"text": ["赌博", "好"], "n": [1, 2]}), src)
    result = runner.invoke(app, ["classify", str(src), "-o", str(dst), *LEX])
    assert result.exit_code == 0, result.output
    with dst.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["n"] for r in rows] == ["1", "2"]
    assert json.loads(rows[0]["verdict"])["risks"][0]["code"] == "A.1.h/gambling"


def test_classify_missing_input_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["classify", str(tmp_path / "nope.jsonl"), *LEX])
    assert result.exit_code == 2


def test_taxonomy_json_lists_31_standard_risks() -> None:
    result = runner.invoke(app, ["taxonomy", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert "A.5.b" in json.dumps(data)


def test_lexicon_check_reports_floors_and_staleness() -> None:
    result = runner.invoke(app, ["lexicon", "check", str(FIXTURE_LEXICON), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["total"] == 12 and report["meets_total"] is False
    assert report["stale"] is True
    assert len(report["risks"]) == 17 and len(report["below_floor"]) == 17
    sexual = next(r for r in report["risks"] if r["code"] == "A.1.f")
    assert (sexual["count"], sexual["floor"]) == (8, 200)


def test_lexicon_import_plain_lists(tmp_path: Path) -> None:
    (tmp_path / "赌博词库.txt").write_text("网赌\n赌场\n\n", encoding="utf-8")
    (tmp_path / "涉黄.txt").write_bytes("裸聊\n约炮\n".encode("gb18030"))
    mapping = tmp_path / "map.yaml"
    mapping.write_text('"*赌博*": A.1.h/gambling\n"*黄*": A.1.f/sexual\n', encoding="utf-8")
    out = tmp_path / "lib.yaml"
    files = sorted(str(p) for p in tmp_path.glob("*.txt"))
    result = runner.invoke(
        app, ["lexicon", "import", *files, "--map", str(mapping), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    check = runner.invoke(
        app, ["check", "来网赌吗", "--json", "--lexicon", str(out), "--model", "none"]
    )
    assert json.loads(check.output)["risks"][0]["code"] == "A.1.h/gambling"


def test_classify_role_field_maps_speakers(tmp_path: Path) -> None:
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    rows = [{"role": "user", "text": "你好"}, {"role": "assistant", "text": "嗯"}, {"role": "x"}]
    _jsonl(src, [json.dumps(r) for r in rows])
    result = runner.invoke(
        app, ["classify", str(src), "-o", str(dst), "--role-field", "role", *LEX]
    )
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in dst.read_text(encoding="utf-8").splitlines()]
    assert [o.get("verdict", {}).get("role") for o in out] == ["input", "output", None]
    assert "field 'role' is 'x'" in out[2]["error"]


def test_demo_summarises_by_risk_and_character() -> None:
    result = runner.invoke(app, ["demo", *LEX])
    assert result.exit_code == 0, result.output
    assert "400 segments" in result.output
    assert "by character" in result.output and "夜玫瑰" in result.output
    assert "A.1.f/sexual" in result.output


@pytest.mark.parametrize(
    ("text", "fail_on", "code"),
    [("约炮", "block", 1), ("约炮", "flag", 1), ("你好", "flag", 0), ("成人", "block", 0)],
)
def test_check_fail_on_sets_the_exit_status(text: str, fail_on: str, code: int) -> None:
    result = runner.invoke(app, ["check", text, "--fail-on", fail_on, *LEX])
    assert result.exit_code == code, result.output


def test_lexicon_check_strict_fails_below_the_floors() -> None:
    result = runner.invoke(app, ["lexicon", "check", str(FIXTURE_LEXICON), "--strict"])
    assert result.exit_code == 1
    assert "below" in result.output


def test_classify_audience_minor_is_stricter(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    _jsonl(src, [json.dumps({"text": "成人的世界"}, ensure_ascii=False)])
    actions = []
    for audience in ["adult", "minor"]:
        dst = tmp_path / f"{audience}.jsonl"
        result = runner.invoke(
            app, ["classify", str(src), "-o", str(dst), "--audience", audience, *LEX]
        )
        assert result.exit_code == 0, result.output
        actions.append(json.loads(dst.read_text(encoding="utf-8"))["verdict"]["action"])
    assert actions == ["allow", "block"]


def test_lexicon_import_folder(tmp_path: Path) -> None:
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "gambling.txt").write_text("网赌\n", encoding="utf-8")
    mapping = tmp_path / "map.yaml"
    mapping.write_text('"gambling*": A.1.h/gambling\n', encoding="utf-8")
    out = tmp_path / "lib.yaml"
    args = ["lexicon", "import", str(lists), "--map", str(mapping), "-o", str(out)]
    assert runner.invoke(app, args).exit_code == 0
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(app, [*args[:2], str(empty), *args[3:]])
    assert result.exit_code == 2 and "folder has no word list files" in result.output


def test_lexicon_import_skips_row_numbers_and_reads_utf16(tmp_path: Path) -> None:
    (tmp_path / "ads.txt").write_text("10\t代开发票\n11\t办证\n12\n", encoding="utf-16")
    mapping = tmp_path / "map.yaml"
    mapping.write_text('"*": A.1.h/illicit_ads\n', encoding="utf-8")
    out = tmp_path / "lib.yaml"
    args = ["lexicon", "import", str(tmp_path / "ads.txt"), "--map", str(mapping), "-o", str(out)]
    assert runner.invoke(app, args).exit_code == 0
    library = out.read_text(encoding="utf-8")
    assert "代开发票" in library and "办证" in library and "'12'" not in library


def test_the_default_guard_runs_keywords_and_the_shipped_model() -> None:
    result = runner.invoke(app, ["check", "今天天气不错", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["detectors_run"] == ["keyword", "classifier"]
    # a keyword hit that blocks does not skip the classifier: its codes stay in the verdict
    decided = json.loads(runner.invoke(app, ["check", "想约炮吗", "--json"]).output)
    assert decided["action"] == "block" and decided["detectors_run"] == ["keyword", "classifier"]
    keywords_only = runner.invoke(app, ["check", "今天天气不错", "--json", "--model", "none"])
    assert json.loads(keywords_only.output)["detectors_run"] == ["keyword"]


def test_a_missing_model_file_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", "hi", "--model", str(tmp_path / "none.npz")])
    assert result.exit_code == 2 and "no such classifier model file" in result.output
