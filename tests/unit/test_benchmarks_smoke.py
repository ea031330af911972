"""Smoke tests of the benchmark helpers (statistics, list reading); no shared data needed."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest

COMMON = Path(__file__).resolve().parents[2] / "benchmarks" / "common.py"


@pytest.fixture(scope="module")
def common():
    if not COMMON.exists():
        pytest.skip("benchmarks/common.py is not in this checkout")
    spec = importlib.util.spec_from_file_location("menshen_bench_common", COMMON)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_wilson_known_values(common) -> None:
    # Reference values: scipy.stats.binomtest(k, n).proportion_ci(method="wilson").
    lo, hi = common.wilson(8, 10)
    assert lo == pytest.approx(0.4901625, abs=1e-6)
    assert hi == pytest.approx(0.9433178, abs=1e-6)
    lo, hi = common.wilson(0, 333)
    assert lo == 0.0
    assert hi == pytest.approx(0.0114044, abs=1e-6)
    assert common.wilson(0, 0) == (0.0, 1.0)


def test_wilson_is_inside_unit_interval_and_contains_estimate(common) -> None:
    for n in (1, 2, 7, 100):
        for k in range(n + 1):
            lo, hi = common.wilson(k, n)
            assert 0.0 <= lo <= k / n <= hi <= 1.0


def test_wilson_rejects_bad_counts(common) -> None:
    with pytest.raises(ValueError):
        common.wilson(5, 3)


def test_percentile_matches_linear_interpolation(common) -> None:
    values = [5.0, 1.0, 3.0, 2.0, 4.0]
    assert common.percentile(values, 0) == 1.0
    assert common.percentile(values, 50) == 3.0
    assert common.percentile(values, 100) == 5.0
    assert common.percentile(values, 90) == pytest.approx(4.6)
    assert common.percentile(list(range(1, 101)), 99) == pytest.approx(99.01)
    with pytest.raises(ValueError):
        common.percentile([], 50)


def test_binary_metrics(common) -> None:
    predicted = [True, True, False, False, True, False]
    gold = [True, False, True, False, True, False]
    m = common.binary_metrics(predicted, gold)
    assert (m["tp"], m["fp"], m["fn"], m["tn"]) == (2, 1, 1, 2)
    assert m["precision"]["value"] == pytest.approx(2 / 3)
    assert m["recall"]["value"] == pytest.approx(2 / 3)
    assert m["f1"] == pytest.approx(2 / 3)
    assert m["fpr"]["value"] == pytest.approx(1 / 3)
    empty = common.binary_metrics([False, False], [False, False])
    assert empty["f1"] == 0.0
    assert math.isnan(empty["precision"]["value"])


def test_rate_format(common) -> None:
    assert common.Rate(1, 4).fmt().startswith("25.0 % [")
    assert common.Rate(0, 0).fmt() == "n/a"


def test_messages_of_length(common) -> None:
    msgs = common.messages_of_length(["一二三四五", "六七\n八九十"], length=4)
    assert msgs == ["一二三四", "五 六七", " 八九十"]  # newlines become spaces
    assert common.messages_of_length(["一二三四五"], length=4) == ["一二三四"]  # tail dropped
    assert common.messages_of_length(["一二"], length=4) == []


def test_read_list_encodings_and_typed_tsv(common, tmp_path: Path) -> None:
    (tmp_path / "utf8.txt").write_text("\ufeff词一\n# 注释\n词二,备注\n\n", encoding="utf-8")
    (tmp_path / "gbk.txt").write_bytes("词三\r\n词四\r\n".encode("gb18030"))
    (tmp_path / "utf16.txt").write_text("词五\n词六\n", encoding="utf-16")
    (tmp_path / "typed.txt").write_text(
        "T_ID\tTYPE\tTOPIC\tSENSITIVEWORDS\n1\t类\t题\t词七\n2\t类\t题\t词八\n", encoding="utf-8"
    )
    assert common.read_list(tmp_path / "utf8.txt") == ["词一", "词二"]
    assert common.read_list(tmp_path / "gbk.txt") == ["词三", "词四"]
    assert common.read_list(tmp_path / "utf16.txt") == ["词五", "词六"]
    assert common.read_list(tmp_path / "typed.txt") == ["词七", "词八"]


def test_table(common) -> None:
    text = common.table(["a", "b"], [(1, 2)])
    assert text.splitlines() == ["| a | b |", "|---|---|", "| 1 | 2 |"]
