"""The bundled synthetic chat log: schema, reproducibility, and the designed share of risk."""

from __future__ import annotations

import importlib.util
import itertools
import json
import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "make_sample_chatlog.py"
SAMPLE = ROOT / "src" / "menshen" / "data" / "sample_chatlog.jsonl"

FIELDS = [
    "segment_id",
    "conversation_id",
    "turn",
    "time",
    "user_id",
    "paid_user",
    "character_id",
    "character_name",
    "public_character",
    "role",
    "text",
    "planted",
]
LABELS = ["sexual", "gambling", "fraud", "drugs", "self_harm", "harassment", "jailbreak"]
FOCUS = {"ch07", "ch08", "ch12"}
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_sample_chatlog", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    with SAMPLE.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def test_sample_has_400_segments_with_documented_fields(records: list[dict[str, Any]]) -> None:
    assert len(records) == 400
    for n, rec in enumerate(records, start=1):
        assert list(rec) == FIELDS
        assert rec["segment_id"] == f"s{n:06d}"
        assert re.fullmatch(r"cv\d{5}", rec["conversation_id"])
        assert re.fullmatch(r"u\d{3}", rec["user_id"])
        assert re.fullmatch(r"ch\d{2}", rec["character_id"])
        assert isinstance(rec["turn"], int) and rec["turn"] >= 1
        assert isinstance(rec["paid_user"], bool)
        assert isinstance(rec["public_character"], bool)
        assert rec["role"] in ("user", "assistant")
        assert CJK.search(rec["character_name"])
        text = rec["text"]
        assert 10 <= len(text) <= 150, text
        assert CJK.search(text), text
        moment = datetime.fromisoformat(rec["time"])
        assert moment.utcoffset() == timedelta(hours=8)
        assert rec["time"].endswith("+08:00")
        planted = rec["planted"]
        assert isinstance(planted, list)
        assert planted == [label for label in LABELS if label in planted], planted


def test_conversations_are_contiguous_ordered_and_consistent(
    records: list[dict[str, Any]],
) -> None:
    by_conv: dict[str, list[dict[str, Any]]] = defaultdict(list)
    order: list[str] = []
    for rec in records:
        if rec["conversation_id"] not in by_conv:
            order.append(rec["conversation_id"])
        by_conv[rec["conversation_id"]].append(rec)
    # contiguous blocks, numbered in order of appearance
    assert [rec["conversation_id"] for rec in records] == [
        conv for conv in order for _ in by_conv[conv]
    ]
    assert order == [f"cv{n:05d}" for n in range(1, len(order) + 1)]

    starts = [datetime.fromisoformat(by_conv[conv][0]["time"]) for conv in order]
    assert starts == sorted(starts)
    for conv in order:
        segs = by_conv[conv]
        assert [s["turn"] for s in segs] == list(range(1, len(segs) + 1))
        assert [s["role"] for s in segs] == ["user", "assistant"] * (len(segs) // 2) + ["user"] * (
            len(segs) % 2
        )
        times = [datetime.fromisoformat(s["time"]) for s in segs]
        assert all(a < b for a, b in itertools.pairwise(times))
        assert len({(s["user_id"], s["character_id"]) for s in segs}) == 1

    users = {(r["user_id"], r["paid_user"]) for r in records}
    chars = {(r["character_id"], r["character_name"], r["public_character"]) for r in records}
    assert len(users) == len({u for u, _ in users}) == 40
    assert len(chars) == len({c for c, _, _ in chars}) == 12
    assert len({name for _, name, _ in chars}) == 12
    assert any(public for _, _, public in chars)
    assert not all(public for _, _, public in chars)
    assert any(paid for _, paid in users)
    assert not all(paid for _, paid in users)


def test_sample_is_reproduced_byte_for_byte(tmp_path: Path) -> None:
    out = tmp_path / "sample.jsonl"
    subprocess.run(
        [sys.executable, str(SCRIPT), "--segments", "400", "--out", str(out)],
        check=True,
        capture_output=True,
    )
    assert out.read_bytes() == SAMPLE.read_bytes()


def test_default_arguments_reproduce_the_sample(tmp_path: Path, generator: ModuleType) -> None:
    assert generator.DEFAULT_SEGMENTS == 400
    assert generator.SEED == 20261125
    assert generator.DEFAULT_OUT == SAMPLE
    out = tmp_path / "sample.jsonl"
    assert generator.main(["--out", str(out)]) == 0
    assert out.read_bytes() == SAMPLE.read_bytes()


def test_planted_share_is_as_designed(records: list[dict[str, Any]], generator: ModuleType) -> None:
    assert generator.RISK_RATE == 0.15
    assert list(generator.LABELS) == LABELS
    planted = [r for r in records if r["planted"]]
    share = len(planted) / len(records)
    assert abs(share - 0.15) <= 0.01, share  # ~85 % benign, hard negatives included
    labels = Counter(label for r in planted for label in r["planted"])
    assert set(labels) == set(LABELS)
    assert labels.most_common(1)[0][0] == "sexual"


def test_planted_content_is_concentrated_on_focus_characters(
    records: list[dict[str, Any]],
) -> None:
    planted_by_char = Counter(r["character_id"] for r in records if r["planted"])
    total_by_char = Counter(r["character_id"] for r in records)
    planted = sum(planted_by_char.values())
    assert sum(planted_by_char[c] for c in FOCUS) >= 0.75 * planted
    rates = {char: planted_by_char[char] / total for char, total in total_by_char.items()}
    assert min(rates[c] for c in FOCUS) >= 0.2
    assert min(rates[c] for c in FOCUS) > max(r for c, r in rates.items() if c not in FOCUS)
    background = sum(n for c, n in planted_by_char.items() if c not in FOCUS)
    assert background <= 0.06 * sum(n for c, n in total_by_char.items() if c not in FOCUS)
    # self-harm is only ever said by users, and answered with support
    for n, rec in enumerate(records):
        if "self_harm" in rec["planted"]:
            assert rec["role"] == "user"
            if n + 1 < len(records) and records[n + 1]["conversation_id"] == rec["conversation_id"]:
                assert records[n + 1]["planted"] == []


def test_disguised_variants_and_hard_negatives_are_present(
    records: list[dict[str, Any]],
) -> None:
    planted_text = "\n".join(r["text"] for r in records if r["planted"])
    for disguise in (
        "色*情",  # symbols
        "涩情",  # homophone
        "seqing",  # pinyin
        "ｓｅｑｉｎｇ",  # full width
        "色\u200b情",  # zero-width space
        "色色色情情情",  # repeats
        "女干",  # split character
        "傻 逼",  # spacing
    ):
        assert disguise in planted_text, disguise
    traditional = ("約炮", "網賭", "賭博", "詐騙", "兼職刷單", "滾")
    assert sum(word in planted_text for word in traditional) >= 2
    benign_text = "\n".join(r["text"] for r in records if not r["planted"])
    for word in ("乳腺癌", "青春期"):  # clinical questions the guard must not block
        assert word in benign_text, word
    hard_negatives = ("景色情调", "裸辞", "赌气", "毒舌", "网络赌博", "刷单返利", "自杀")
    assert sum(word in benign_text for word in hard_negatives) >= 5


def test_generation_streams_and_keeps_the_share_at_scale(generator: ModuleType) -> None:
    # a billion-segment log starts at once: nothing is planned ahead beyond one conversation
    head = list(itertools.islice(generator.iter_segments(10**9), 50))
    assert [r["segment_id"] for r in head] == [f"s{n:06d}" for n in range(1, 51)]

    n = 20_000
    planted = 0
    focus = 0
    for rec in generator.iter_segments(n):
        if rec["planted"]:
            planted += 1
            focus += rec["character_id"] in FOCUS
    assert abs(planted / n - 0.15) <= 0.003
    assert focus >= 0.75 * planted


def test_cli_writes_to_stdout(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--segments", "7", "--out", "-"],
        check=True,
        capture_output=True,
    )
    lines = result.stdout.decode("utf-8").splitlines()
    assert len(lines) == 7
    assert [json.loads(line)["segment_id"] for line in lines] == [f"s{n:06d}" for n in range(1, 8)]
