"""Tests for menshen.taxonomy: the packaged data, lookups, mappings and the loader's errors."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

import menshen.taxonomy as taxonomy_pkg
from menshen.errors import ConfigError
from menshen.taxonomy import (
    SCHEME_CATEGORIES,
    ProjectCode,
    Risk,
    RiskKind,
    Scheme,
    StandardCode,
    Taxonomy,
    from_scheme,
    load_taxonomy,
    read_taxonomy,
    rollup,
    to_scheme,
    validate_code,
)

TAX = load_taxonomy()
DATA_TEXT = (
    resources.files("menshen.taxonomy")
    .joinpath("data")
    .joinpath("taxonomy.yaml")
    .read_text("utf-8")
)
DATA: dict[str, Any] = yaml.safe_load(DATA_TEXT)

# GB/T 45654-2025 Appendix A as given in REQUIREMENTS.md §1.3: code → verbatim Chinese name.
APPENDIX_A = {
    "A.1.a": "煽动颠覆国家政权、推翻社会主义制度",
    "A.1.b": "危害国家安全和利益、损害国家形象",
    "A.1.c": "煽动分裂国家、破坏国家统一和社会稳定",
    "A.1.d": "宣扬恐怖主义、极端主义",
    "A.1.e": "宣扬民族仇恨",
    "A.1.f": "宣扬暴力、淫秽色情",
    "A.1.g": "传播虚假有害信息",
    "A.1.h": "其他法律、行政法规禁止的内容",
    "A.2.a": "民族歧视内容",
    "A.2.b": "信仰歧视内容",
    "A.2.c": "国别歧视内容",
    "A.2.d": "地域歧视内容",
    "A.2.e": "性别歧视内容",
    "A.2.f": "年龄歧视内容",
    "A.2.g": "职业歧视内容",
    "A.2.h": "健康歧视内容",
    "A.2.i": "其他方面歧视内容",
    "A.3.a": "侵犯他人知识产权",
    "A.3.b": "违反商业道德",
    "A.3.c": "泄露他人商业秘密",
    "A.3.d": "利用算法、数据、平台等优势，实施垄断和不正当竞争行为",
    "A.3.e": "其他商业违法违规行为",
    "A.4.a": "危害他人身心健康",
    "A.4.b": "侵害他人肖像权",
    "A.4.c": "侵害他人名誉权",
    "A.4.d": "侵害他人荣誉权",
    "A.4.e": "侵害他人隐私权",
    "A.4.f": "侵害他人个人信息权益",
    "A.4.g": "侵犯他人其他合法权益",
    "A.5.a": "内容不准确，严重不符合科学常识或主流认知",
    "A.5.b": "内容不可靠，虽然不包含严重错误的内容，但无法对使用者形成帮助",
}

CATEGORIES = {
    "A.1": "包含违反社会主义核心价值观的内容",
    "A.2": "包含歧视性内容",
    "A.3": "商业违法违规",
    "A.4": "侵犯他人合法权益",
    "A.5": "无法满足特定服务类型的安全需求",
}

# Fine code → expected rollup (the parent standard code).
FINE_CODES = {
    "A.1.d/terrorism": "A.1.d",
    "A.1.d/extremism": "A.1.d",
    "A.1.f/sexual": "A.1.f",
    "A.1.f/violence": "A.1.f",
    "A.1.f/gore": "A.1.f",
    "A.1.h/gambling": "A.1.h",
    "A.1.h/fraud": "A.1.h",
    "A.1.h/drugs": "A.1.h",
    "A.1.h/weapons": "A.1.h",
    "A.1.h/illicit_ads": "A.1.h",
    "A.2.a/ethnic_slur": "A.2.a",
    "A.2.d/regional": "A.2.d",
    "A.2.e/sexism": "A.2.e",
    "A.2.h/health": "A.2.h",
    "A.4.a/self_harm": "A.4.a",
    "A.4.a/suicide": "A.4.a",
    "A.4.e/doxxing": "A.4.e",
    "A.4.f/pii": "A.4.f",
    "A.4.g/harassment": "A.4.g",
}

PROJECT_ROLLUPS = {
    "X.jailbreak": "X.jailbreak",
    "X.emotional_manipulation": "A.4.a",
    "X.sexual_minors": "A.1.f",
    "X.crisis": "A.4.a",
    "X.minor_protection": "A.4.a",
    "X.dependence": "A.4.a",
}


# -- the packaged data ----------------------------------------------------------------------


def test_counts() -> None:
    assert len(TAX.categories()) == 5
    assert len(TAX.standard_risks()) == 31
    assert len(TAX.keyword_risks()) == 17
    a1_a2 = {c for c in APPENDIX_A if c[:3] in {"A.1", "A.2"}}
    assert {r.code for r in TAX.keyword_risks()} == a1_a2
    assert {r.code for r in TAX.standard_risks()} == {str(c) for c in StandardCode}
    assert {r.code for r in TAX.project_risks()} >= {str(c) for c in ProjectCode}


@pytest.mark.parametrize(("code", "name_zh"), sorted(APPENDIX_A.items()))
def test_standard_names_verbatim(code: str, name_zh: str) -> None:
    risk = TAX.get(code)
    assert risk.kind is RiskKind.STANDARD
    assert risk.name_zh == name_zh
    assert risk.parent == code[:3]
    assert risk.rollup == code


@pytest.mark.parametrize(("code", "name_zh"), sorted(CATEGORIES.items()))
def test_category_names(code: str, name_zh: str) -> None:
    category = TAX.category(code)
    assert category.name_zh == name_zh
    assert category.name_en
    assert category.keyword_required is (code in {"A.1", "A.2"})
    assert len(TAX.children(code)) == {"A.1": 8, "A.2": 9, "A.3": 5, "A.4": 7, "A.5": 2}[code]


@pytest.mark.parametrize("risk", list(TAX), ids=lambda r: r.code)
def test_every_risk_is_named(risk: Risk) -> None:
    assert risk.name_zh.strip()
    assert risk.name_en.strip()


@pytest.mark.parametrize(
    ("code", "keywords", "test_bank", "refuse_bank"),
    [
        ("A.1.a", 200, 50, 20),
        ("A.1.h", 200, 50, 20),
        ("A.2.a", 100, 50, 20),
        ("A.2.i", 100, 50, 20),
        ("A.3.a", 0, 20, 0),
        ("A.4.a", 0, 20, 0),
        ("A.5.b", 0, 20, 0),
        ("A.1.f/sexual", 0, 0, 0),
        ("X.crisis", 0, 0, 0),
    ],
)
def test_floors(code: str, keywords: int, test_bank: int, refuse_bank: int) -> None:
    risk = TAX.get(code)
    assert (risk.keyword_floor, risk.test_bank_floor, risk.refuse_bank_floor) == (
        keywords,
        test_bank,
        refuse_bank,
    )


def test_floor_source_is_named_in_yaml() -> None:
    assert "TC260-003 §8.1" in DATA_TEXT


# -- hierarchy and rollup -------------------------------------------------------------------


@pytest.mark.parametrize(("code", "parent"), sorted(FINE_CODES.items()))
def test_required_fine_codes(code: str, parent: str) -> None:
    risk = TAX.get(code)
    assert risk.kind is RiskKind.FINE
    assert risk.parent == parent
    assert rollup(code) == parent
    assert risk in TAX.children(parent)


@pytest.mark.parametrize("risk", TAX.fine_risks(), ids=lambda r: r.code)
def test_every_fine_code_rolls_up_to_its_prefix(risk: Risk) -> None:
    standard = TAX.rollup(risk.code)
    assert standard == risk.code.split("/")[0]
    assert TAX.get(standard).kind is RiskKind.STANDARD
    assert TAX.category_of(risk.code) == TAX.category(standard[:3])


@pytest.mark.parametrize(("code", "expected"), sorted(PROJECT_ROLLUPS.items()))
def test_project_rollups(code: str, expected: str) -> None:
    assert rollup(code) == expected
    assert TAX.get(code).kind is RiskKind.PROJECT
    assert TAX.get(code).parent is None
    assert TAX.children(code) == ()


def test_standard_rolls_up_to_itself() -> None:
    assert all(rollup(r.code) == r.code for r in TAX.standard_risks())


def test_category_of_unrolled_project_code_is_none() -> None:
    assert TAX.category_of("X.jailbreak") is None
    assert TAX.category_of("X.crisis") == TAX.category("A.4")


def test_iteration_order_is_stable_and_sorted() -> None:
    codes = [r.code for r in TAX]
    assert codes == sorted(codes)
    assert codes == list(TAX.codes())
    assert codes == [r.code for r in read_taxonomy(TAX.source)]
    assert codes.index("A.1.f") < codes.index("A.1.f/sexual") < codes.index("A.1.g")
    assert codes[-1].startswith("X.")


def test_load_is_cached() -> None:
    assert load_taxonomy() is load_taxonomy()


# -- codes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["A.1.f", "A.1.f/sexual", "X.jailbreak", "A.5.b"])
def test_validate_known(code: str) -> None:
    assert validate_code(code) == code
    assert code in TAX


@pytest.mark.parametrize(
    ("code", "suggestion"),
    [
        ("A.1.f/sexul", "A.1.f/sexual"),
        ("a.1.f", "A.1.f"),
        ("X.jailbrek", "X.jailbreak"),
        ("X.sexual_minor", "X.sexual_minors"),
        ("A.4.a/selfharm", "A.4.a/self_harm"),
    ],
)
def test_validate_unknown_suggests(code: str, suggestion: str) -> None:
    with pytest.raises(ConfigError, match="did you mean") as info:
        validate_code(code)
    assert repr(code) in str(info.value)
    assert suggestion in str(info.value)


def test_validate_category_and_where() -> None:
    with pytest.raises(ConfigError, match="is a category"):
        validate_code("A.1")
    with pytest.raises(ConfigError, match=r"^lex\.yaml: entries\[3\]\.risk: unknown risk code"):
        validate_code("Z.nothing", where="lex.yaml: entries[3].risk")
    with pytest.raises(ConfigError):
        TAX.get("A.1.z")
    with pytest.raises(ConfigError, match="unknown risk category"):
        TAX.category("A.9")


# -- mappings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "scheme", "expected"),
    [
        ("X.sexual_minors", "llama_guard", ("S4",)),
        ("X.sexual_minors", "openai", ("sexual/minors",)),
        ("A.1.f/sexual", "llama_guard", ("S12",)),
        ("A.1.f/sexual", "qwen3guard", ("Sexual Content or Sexual Acts",)),
        ("A.4.a/suicide", "llama_guard", ("S11",)),
        ("A.4.f/pii", "qwen3guard", ("PII",)),
        ("A.4.e", "llama_guard", ("S7",)),
        ("A.3.a", "llama_guard", ("S8",)),
        ("A.3.a", "qwen3guard", ("Copyright Violation",)),
        ("A.1.h/weapons", "llama_guard", ("S2", "S9")),
        ("A.4.g/harassment", "openai", ("harassment",)),
        ("A.2.e/sexism", "llama_guard", ("S10",)),
        ("X.jailbreak", "qwen3guard", ("Jailbreak",)),
        ("X.jailbreak", "openai", ()),
        ("A.5.b", "qwen3guard", ()),
    ],
)
def test_to_scheme(code: str, scheme: str, expected: tuple[str, ...]) -> None:
    assert to_scheme(code, scheme) == expected
    assert to_scheme(code, Scheme(scheme)) == expected


@pytest.mark.parametrize("scheme", list(Scheme))
@pytest.mark.parametrize("risk", list(TAX), ids=lambda r: r.code)
def test_round_trip_code_to_scheme_and_back(risk: Risk, scheme: Scheme) -> None:
    for target in TAX.to_scheme(risk.code, scheme):
        assert target in SCHEME_CATEGORIES[scheme]
        assert risk.code in TAX.from_scheme(scheme, target)


@pytest.mark.parametrize(
    ("scheme", "category"),
    [(s, c) for s in Scheme for c in SCHEME_CATEGORIES[s]],
)
def test_round_trip_scheme_to_codes_and_back(scheme: Scheme, category: str) -> None:
    codes = TAX.from_scheme(scheme, category)
    assert list(codes) == sorted(codes)
    for code in codes:
        assert category in TAX.to_scheme(code, scheme)
    # Every category but Llama Guard's Elections and Code Interpreter Abuse has a counterpart.
    if (scheme, category) not in {(Scheme.LLAMA_GUARD, "S13"), (Scheme.LLAMA_GUARD, "S14")}:
        assert codes


@pytest.mark.parametrize(
    ("scheme", "category", "expected", "standard_only"),
    [
        ("llama_guard", "S4", ("X.sexual_minors",), False),
        ("llama_guard", "s4", ("X.sexual_minors",), False),
        ("openai", "SEXUAL/MINORS", ("X.sexual_minors",), False),
        ("qwen3guard", "jailbreak", ("X.jailbreak",), False),
        ("llama_guard", "S8", ("A.3.a", "A.3.c"), True),
        ("llama_guard", "S12", ("A.1.f",), True),
    ],
)
def test_from_scheme(
    scheme: str, category: str, expected: tuple[str, ...], standard_only: bool
) -> None:
    assert from_scheme(scheme, category, standard_only=standard_only) == expected


@pytest.mark.parametrize(
    ("scheme", "category", "message"),
    [
        ("llama_guard", "S15", "unknown llama_guard category 'S15'"),
        ("qwen3guard", "Violence", "did you mean: Violent"),
        ("openai", "self_harm", "did you mean: self-harm"),
        ("llamaguard", "S1", "unknown scheme 'llamaguard'"),
    ],
)
def test_from_scheme_unknown(scheme: str, category: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        from_scheme(scheme, category)
    assert message in str(info.value)


# -- export ---------------------------------------------------------------------------------


def test_to_json() -> None:
    data = TAX.to_json()
    text = json.dumps(data, ensure_ascii=False)
    assert json.loads(text) == data
    assert data["schema_version"] == 1
    assert len(data["categories"]) == 5
    assert [r["code"] for r in data["risks"]] == list(TAX.codes())
    assert sum(r["kind"] == "standard" for r in data["risks"]) == 31
    assert set(data["schemes"]) == {"llama_guard", "qwen3guard", "openai"}
    assert data["schemes"]["llama_guard"]["S11"] == "Suicide & Self-Harm"
    assert [Risk.model_validate(r) for r in data["risks"]] == list(TAX)


def test_public_all_is_sorted() -> None:
    # ruff's RUF022 order: CONSTANTS, then Classes, then functions, each alphabetical.
    names = taxonomy_pkg.__all__
    assert names == sorted(names, key=lambda n: (not n.isupper(), not n[0].isupper(), n))
    assert len(set(names)) == len(names)
    assert all(hasattr(taxonomy_pkg, name) for name in taxonomy_pkg.__all__)


# -- the loader's errors --------------------------------------------------------------------


def _index(section: str, code: str) -> int:
    return next(i for i, e in enumerate(DATA[section]) if e["code"] == code)


def _entry(data: dict[str, Any], section: str, code: str) -> dict[str, Any]:
    entry: dict[str, Any] = data[section][_index(section, code)]
    return entry


Mutation = Callable[[dict[str, Any]], None]

BAD_FILES: list[tuple[str, Mutation, str, str]] = [
    (
        "duplicate code",
        lambda d: d["risks"].append(copy.deepcopy(d["risks"][0])),
        f"risks[{len(DATA['risks'])}].code",
        "'A.1.a'",
    ),
    (
        "parent missing",
        lambda d: _entry(d, "fine", "A.1.f/sexual").update(parent="A.1.z"),
        f"fine[{_index('fine', 'A.1.f/sexual')}].parent",
        "'A.1.z'",
    ),
    (
        "parent not the prefix",
        lambda d: _entry(d, "fine", "A.1.f/sexual").update(parent="A.1.e"),
        f"fine[{_index('fine', 'A.1.f/sexual')}].parent",
        "'A.1.e'",
    ),
    (
        "bad fine syntax",
        lambda d: _entry(d, "fine", "A.1.h/drugs").update(code="A.1.h-drugs"),
        f"fine[{_index('fine', 'A.1.h/drugs')}].code",
        "'A.1.h-drugs'",
    ),
    (
        "bad project syntax",
        lambda d: d["project"].append({"code": "X.Bad-Code", "name_zh": "坏", "name_en": "bad"}),
        f"project[{len(DATA['project'])}].code",
        "'X.Bad-Code'",
    ),
    (
        "unknown llama guard category",
        lambda d: _entry(d, "risks", "A.1.a").update(map={"llama_guard": ["S15"]}),
        f"risks[{_index('risks', 'A.1.a')}].map.llama_guard[0]",
        "'S15'",
    ),
    (
        "unknown openai category",
        lambda d: _entry(d, "fine", "A.4.f/pii").update(map={"openai": ["privacy"]}),
        f"fine[{_index('fine', 'A.4.f/pii')}].map.openai[0]",
        "'privacy'",
    ),
    (
        "unknown scheme",
        lambda d: _entry(d, "risks", "A.1.a").update(map={"llamaguard": ["S1"]}),
        f"risks[{_index('risks', 'A.1.a')}].map.llamaguard",
        "['S1']",
    ),
    (
        "missing standard risk",
        lambda d: d["risks"].pop(_index("risks", "A.5.b")),
        "risks",
        "'A.5.b'",
    ),
    (
        "extra standard risk",
        lambda d: d["risks"].append({"code": "A.5.c", "name_zh": "多", "name_en": "extra"}),
        "risks",
        "'A.5.c'",
    ),
    (
        "missing built-in project code",
        lambda d: d["project"].pop(_index("project", "X.crisis")),
        "project",
        "'X.crisis'",
    ),
    (
        "rollup to a category",
        lambda d: _entry(d, "project", "X.dependence").update(rollup="A.4"),
        f"project[{_index('project', 'X.dependence')}].rollup",
        "'A.4'",
    ),
    (
        "empty Chinese name",
        lambda d: _entry(d, "risks", "A.1.d").update(name_zh=""),
        f"risks[{_index('risks', 'A.1.d')}].name_zh",
        "''",
    ),
    (
        "misspelt field",
        lambda d: _entry(d, "risks", "A.2.a").update(nmae_en="x"),
        f"risks[{_index('risks', 'A.2.a')}].nmae_en",
        "'x'",
    ),
    (
        "negative floor",
        lambda d: d["floors"]["keywords"].update({"A.1": -1}),
        "floors.keywords.A.1",
        "-1",
    ),
    (
        "floor for unknown code",
        lambda d: d["floors"]["keywords"].update({"A.9": 5}),
        "floors.keywords",
        "'A.9'",
    ),
    (
        "wrong schema version",
        lambda d: d.update(schema_version=2),
        "schema_version",
        "2",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "field", "value"),
    [case[1:] for case in BAD_FILES],
    ids=[case[0] for case in BAD_FILES],
)
def test_bad_file(tmp_path: Path, mutate: Mutation, field: str, value: str) -> None:
    data = copy.deepcopy(DATA)
    mutate(data)
    path = tmp_path / "bad-taxonomy.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        read_taxonomy(path)
    lines = str(info.value).splitlines()
    assert any(
        line.startswith(f"{path}: {field}:") and f"(got {value})" in line for line in lines
    ), lines


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("risks: [unclosed", "not valid YAML"),
        ("- just\n- a list\n", "expected a mapping"),
        ("", "expected a mapping"),
    ],
)
def test_unparseable_file(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as info:
        load_taxonomy(path)
    assert str(info.value).startswith(str(path))


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    with pytest.raises(ConfigError, match="cannot read taxonomy file") as info:
        read_taxonomy(path)
    assert str(path) in str(info.value)


def test_round_trip_of_packaged_file_through_yaml(tmp_path: Path) -> None:
    path = tmp_path / "copy.yaml"
    path.write_text(yaml.safe_dump(DATA, allow_unicode=True), encoding="utf-8")
    copy_tax = load_taxonomy(path)
    assert isinstance(copy_tax, Taxonomy)
    assert list(copy_tax) == list(TAX)


def test_docs_list_every_code() -> None:
    docs = Path(__file__).resolve().parents[3] / "docs" / "taxonomy.md"
    text = docs.read_text(encoding="utf-8")
    missing = [r.code for r in TAX if f"`{r.code}`" not in text]
    assert not missing, f"docs/taxonomy.md does not mention {missing}"
    assert "menshen taxonomy --json" in text
