"""Validate the normalisation data tables in src/menshen/text/data.

The tables are produced by scripts/gen_text_tables.py; these tests check their shape and the
rules the engine relies on (one code point per side, no chains, no self-maps, common targets).
"""

from __future__ import annotations

import importlib.util
import re
import sys
import unicodedata
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "src" / "menshen" / "text" / "data"
SCRIPT = ROOT / "scripts" / "gen_text_tables.py"

CJK_RANGES = [(0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FA1F)]
# OpenCC maps a few rare traditional characters to simplified forms in Extensions G/H.
CJK_EXT_GH = (0x30000, 0x323AF)
ASCII_ALNUM = set("abcdefghijklmnopqrstuvwxyz0123456789")


def gb2312_level(ch: str) -> int:
    """The generator's own classification (0: not GB2312; 1/2: hanzi level; 9: other rows)."""
    level: int = load_generator().gb2312_level(ch)
    return level


def is_hanzi(ch: str) -> bool:
    return any(lo <= ord(ch) <= hi for lo, hi in CJK_RANGES)


@cache
def read_lines(name: str) -> tuple[list[str], list[str]]:
    """(header comment lines, data lines); comments are only allowed before the data."""
    text = (DATA / name).read_text(encoding="utf-8")
    assert text.endswith("\n") and "\r" not in text and not text.startswith("\ufeff")
    header: list[str] = []
    rows: list[str] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if line.startswith("#"):
            assert not rows, f"{name}:{lineno}: comment after the data started"
            header.append(line)
            continue
        assert line and line == line.strip(), f"{name}:{lineno}: blank line or stray spaces"
        rows.append(line)
    return header, rows


@cache
def read_pairs(name: str) -> dict[str, str]:
    _, rows = read_lines(name)
    out: dict[str, str] = {}
    for row in rows:
        cols = row.split("\t")
        assert len(cols) == 2, f"{name}: expected 2 tab-separated columns: {row!r}"
        src, dst = cols
        assert src not in out, f"{name}: duplicate source {src!r}"
        out[src] = dst
    return out


def assert_sorted_by_code_point(keys: list[str]) -> None:
    assert keys == sorted(keys, key=lambda k: [ord(c) for c in k])


def assert_char_map(name: str) -> dict[str, str]:
    table = read_pairs(name)
    for src, dst in table.items():
        assert len(src) == 1 and len(dst) == 1, f"{name}: {src!r}->{dst!r} not 1:1"
        assert src != dst, f"{name}: {src!r} maps to itself"
        assert dst not in table, f"{name}: chain {src}->{dst}->{table[dst]}"
    assert_sorted_by_code_point(list(table))
    return table


# --------------------------------------------------------------------------- t2s


def test_t2s_shape_and_rules() -> None:
    t2s = assert_char_map("t2s.tsv")
    assert 4000 < len(t2s) < 8000
    assert all(is_hanzi(src) for src in t2s)
    assert all(is_hanzi(dst) or CJK_EXT_GH[0] <= ord(dst) <= CJK_EXT_GH[1] for dst in t2s.values())


def test_t2s_known_entries() -> None:
    t2s = read_pairs("t2s.tsv")
    assert t2s["後"] == "后"
    assert t2s["國"] == "国"
    assert t2s["愛"] == "爱"
    assert t2s["髮"] == "发"
    assert t2s["薴"] == "苎"  # chain 薴→苧→苎 collapsed
    for simplified in "情爱国后色么著":
        assert simplified not in t2s


def test_t2s_includes_compatibility_ideographs() -> None:
    t2s = read_pairs("t2s.tsv")
    compat = [c for c in t2s if 0xF900 <= ord(c) <= 0xFAFF or 0x2F800 <= ord(c) <= 0x2FA1F]
    assert len(compat) > 900
    # U+F900 is canonically 豈 (U+8C48), simplified 岂; U+FA0C is canonically 兀 (U+5140)
    assert unicodedata.normalize("NFC", "\uf900") == "豈"
    assert t2s["\uf900"] == "岂"
    assert t2s["\ufa0c"] == "兀"


def test_t2s_header_states_source_and_licence() -> None:
    header = "\n".join(read_lines("t2s.tsv")[0])
    assert "OpenCC" in header and "Apache-2.0" in header


# --------------------------------------------------------------------------- confusables


def split_confusables() -> tuple[dict[str, str], dict[str, str]]:
    table = read_pairs("confusables.tsv")
    latin = {k: v for k, v in table.items() if v.isascii()}
    cjk = {k: v for k, v in table.items() if not v.isascii()}
    return latin, cjk


def test_confusables_shape_and_rules() -> None:
    table = assert_char_map("confusables.tsv")
    assert not any(src.isascii() for src in table), "ASCII is never a source"
    assert 500 < len(table) < 4000


def test_confusables_latin_part() -> None:
    latin, _ = split_confusables()
    assert len(latin) > 300
    for src, dst in latin.items():
        assert dst in ASCII_ALNUM, f"{src!r}->{dst!r}: target must be a-z0-9"
        if dst.isdigit():
            cat = unicodedata.category(src)
            assert cat[0] in "NS", f"letter {src!r} mapped to digit {dst}"
    for cyr, ascii_ in zip("аеорсухіј", "aeopcyxij", strict=True):
        assert latin[cyr] == ascii_
    assert latin["ο"] == "o"  # Greek omicron
    assert latin["ⓐ"] == "a"  # circled: the base map would delete it
    assert latin["ᴀ"] == "a"  # small capital
    assert "ａ" not in latin  # fullwidth is the base map's job


def test_confusables_cjk_part_maps_rare_to_common() -> None:
    _, cjk = split_confusables()
    assert 50 <= len(cjk) < 1000
    for src, dst in cjk.items():
        assert gb2312_level(src) != 1, f"{src}->{dst}: source is a common (GB2312 level-1) char"
        assert gb2312_level(dst) == 1, f"{src}->{dst}: target is not a common simplified char"
        assert is_hanzi(dst)
    assert cjk["祼"] == "裸"
    assert cjk["毐"] == "毒"
    assert cjk["囗"] == "口"
    assert cjk["売"] == "卖"
    assert cjk["⻩"] == "黄"
    for common in "戍戌戊己已巳未末土士日曰":
        assert common not in cjk


def test_confusables_header_states_licences() -> None:
    header = "\n".join(read_lines("confusables.tsv")[0])
    assert "Unicode" in header and "confusables.txt" in header
    assert "Apache-2.0" in header


def test_t2s_and_confusables_compose_in_either_order() -> None:
    t2s = read_pairs("t2s.tsv")
    conf = read_pairs("confusables.tsv")
    assert not set(t2s) & set(conf), "a character is in both tables"
    assert not set(conf.values()) & set(t2s), "a confusables target is a t2s source"
    assert not set(t2s.values()) & set(conf), "a t2s target is a confusables source"


# --------------------------------------------------------------------------- homophones


def test_homophones_shape() -> None:
    table = read_pairs("homophones.tsv")
    assert 100 <= len(table) <= 300
    assert_sorted_by_code_point(list(table))
    for ch, alts in table.items():
        assert len(ch) == 1 and is_hanzi(ch)
        assert 1 <= len(alts) <= 4, f"{ch}: 1-4 alternatives, got {alts!r}"
        assert len(set(alts)) == len(alts), f"{ch}: duplicate alternative"
        assert ch not in alts
        assert all(is_hanzi(a) and gb2312_level(a) in (1, 2) for a in alts), f"{ch}: {alts}"
    assert set("涩瑟") <= set(table["色"])
    assert "堵" in table["赌"]


def _fuzzy(syllable: str) -> str:
    syllable = re.sub(r"^([zcs])h", r"\1", syllable)
    syllable = re.sub(r"^n", "l", syllable)
    return re.sub(r"ng$", "n", syllable)


def test_homophones_share_a_reading() -> None:
    pypinyin = pytest.importorskip("pypinyin")
    table = read_pairs("homophones.tsv")

    def readings(ch: str) -> set[str]:
        got = pypinyin.pinyin(ch, style=pypinyin.Style.NORMAL, heteronym=True)[0]
        return {_fuzzy(r) for r in got}

    bad = [
        f"{ch}->{alt}"
        for ch, alts in table.items()
        for alt in alts
        if not readings(ch) & readings(alt)
    ]
    assert not bad, f"alternatives with no shared (fuzzy) reading: {bad}"


# --------------------------------------------------------------------------- split chars


def test_split_chars_shape() -> None:
    table = read_pairs("split_chars.tsv")
    assert 50 <= len(table) <= 150
    assert_sorted_by_code_point(list(table))
    for ch, parts in table.items():
        assert len(ch) == 1 and is_hanzi(ch)
        assert 2 <= len(parts) <= 3, f"{ch}: split form must be 2-3 code points: {parts!r}"
        assert ch not in parts
        for p in parts:
            assert is_hanzi(p)
            assert gb2312_level(p) or p == "㸒", f"{ch}->{parts}: {p} is not typeable"
    assert table["奸"] == "女干"
    assert table["强"] == "弓虽"
    assert table["射"] == "身寸"


# --------------------------------------------------------------------------- pinyin

_SYLLABLE = re.compile(
    r"^(?:[bpmfdtnlgkhjqxrzcsyw]|zh|ch|sh)?"
    r"(?:a|o|e|i|u|v|ai|ei|ao|ou|an|en|ang|eng|ong|er|ia|ie|iao|iu|ian|in|iang|ing|iong"
    r"|ua|uo|uai|ui|uan|un|uang|ue|ve)$"
)


def test_pinyin_syllables() -> None:
    header, rows = read_lines("pinyin_syllables.txt")
    assert header
    assert 400 <= len(rows) <= 420
    assert rows == sorted(set(rows)), "syllables must be sorted and unique"
    for syl in rows:
        assert _SYLLABLE.match(syl), f"not a pinyin syllable: {syl!r}"
    syllables = set(rows)
    assert {"zhuang", "lv", "lue", "nv", "nue", "a", "er", "zuo", "shei"} <= syllables
    assert not {"m", "n", "ng", "hng", "len"} & syllables


# --------------------------------------------------------------------------- generator


@cache
def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("menshen_gen_text_tables", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_curated_tables_match_generator_source() -> None:
    gen = load_generator()
    assert read_pairs("homophones.tsv") == gen.HOMOPHONES
    assert read_pairs("split_chars.tsv") == gen.SPLIT_CHARS
    assert read_lines("pinyin_syllables.txt")[1] == sorted(set(gen.PINYIN_SYLLABLES))
    conf = read_pairs("confusables.tsv")
    t2s = read_pairs("t2s.tsv")
    for src, dst in {**gen.CJK_CONFUSABLES, **gen.CJK_RADICAL_SUPPLEMENT}.items():
        assert conf.get(src, t2s.get(src)) == dst, f"curated {src}->{dst} missing"


@pytest.mark.slow
def test_generated_tables_are_up_to_date(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("opencc")
    pytest.importorskip("confusable_homoglyphs")
    pytest.importorskip("pypinyin")
    gen = load_generator()
    header = "\n".join(read_lines("confusables.tsv")[0] + read_lines("t2s.tsv")[0])
    expected = [
        f"OpenCC {gen.pkg_version('opencc')}",
        f"confusable-homoglyphs {gen.pkg_version('confusable-homoglyphs')}",
        f"unicodedata {unicodedata.unidata_version}",
    ]
    if not all(e in header for e in expected):
        pytest.skip("installed generator dependencies differ from the ones that built the tables")
    assert gen.main(["--check"]) == 0, capsys.readouterr().out
