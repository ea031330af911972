"""Hypothesis properties of normalisation and matching over arbitrary Unicode."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from menshen import Guard
from menshen.lexicon import CompiledLexicon, find_hits
from menshen.text import default_normalizer
from menshen.text.scanner import PyMatcher, PyNormalizer
from menshen.text.tables import load_tables

# Arbitrary code points, biased towards the characters that matter here.
TRICKY = "色情裸聊约炮賭博涩祼ＳｅＱｉｎｇseqingSEX\u200b\u200d\u202e\ufe0f*. 。，🙂ⓐ①㎏ﬁİ"
texts = st.text(
    alphabet=st.one_of(st.characters(codec="utf-8"), st.sampled_from(TRICKY)), max_size=80
)


@given(texts)
def test_never_crashes_and_is_idempotent(text: str) -> None:
    nz = default_normalizer()
    once = nz.normalize(text)
    assert nz.normalize(once.text).text == once.text
    assert len(once.offsets) == len(once.text)


@given(texts)
def test_offsets_point_into_the_original(text: str) -> None:
    norm = default_normalizer().normalize(text)
    assert list(norm.offsets) == sorted(norm.offsets)
    assert all(0 <= i < len(text) for i in norm.offsets)
    for i, ch in enumerate(norm.text):
        # every normalised character comes from the original character it points at
        assert ch in default_normalizer().image(text[norm.offsets[i]])


@settings(max_examples=300)
@given(texts)
def test_c_scanner_agrees_with_python_reference(text: str) -> None:
    tables = load_tables()
    ranges = list(tables.delete_ranges)
    py = PyNormalizer(ranges, tables.mapping, True)
    c = default_normalizer().scanner
    assert c.normalize(text) == py.normalize(text)
    patterns = ["色情", "seqing", "裸聊", "情情", "sex", "a"]
    norm_patterns = [py.normalize(p)[0] for p in patterns]
    from menshen.text.scanner import make_matcher

    assert sorted(make_matcher(c, norm_patterns).scan(text)) == sorted(
        PyMatcher(py, norm_patterns).scan(text)
    )


@given(texts)
def test_hit_spans_lie_inside_the_text(fixture_lexicon: CompiledLexicon, text: str) -> None:
    for hit in find_hits(fixture_lexicon, text):
        assert 0 <= hit.start < hit.end <= len(text)


@given(texts, st.sampled_from(["约炮", "裸聊", "不想活了", "赌博"]), st.booleans())
def test_adding_a_banned_term_never_lowers_severity(
    guard: Guard, text: str, term: str, at_end: bool
) -> None:
    before = guard.check(text)
    after = guard.check(text + "。" + term if at_end else term + "。" + text)
    order = {"allow": 0, "flag": 1, "block": 2}
    assert order[after.action] >= order[before.action]
    best_before = {r.code: r.score for r in before.risks}
    best_after = {r.code: r.score for r in after.risks}
    assert all(best_after.get(code, 0.0) >= score for code, score in best_before.items())
