"""The keyword layer against every disguise the issue lists, plus the precision guards."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from menshen.detect import DetectContext, KeywordDetector
from menshen.errors import LexiconError
from menshen.lexicon import CompiledLexicon, compile_library, find_hits, load_library
from menshen.text import TextNormalizer
from menshen.text.scanner import PyMatcher
from menshen.text.tables import load_tables

ZWSP = "\u200b"

CAUGHT = [
    # (text, term, variant)
    ("色情", "色情", "exact"),
    ("色*情", "色情", "normalized"),
    ("色 情", "色情", "normalized"),
    ("色.情", "色情", "normalized"),
    (f"色{ZWSP}情", "色情", "normalized"),
    ("色\u202e情", "色情", "normalized"),  # bidi override
    ("涩情", "色情", "homophone"),
    ("seqing", "色情", "pinyin"),
    ("se qing", "色情", "pinyin"),
    ("SeQing", "色情", "pinyin"),
    ("ｓｅｑｉｎｇ", "色情", "pinyin"),
    ("sèqíng", "色情", "pinyin"),
    ("色qing", "色情", "pinyin"),
    ("看seqingxiaoshuo", "色情", "pinyin"),
    ("色色色情情情", "色情", "normalized"),
    ("祼聊", "裸聊", "normalized"),  # confusable 祼 (guàn) for 裸
    ("賭博", "赌博", "normalized"),  # traditional script
    ("强女干", "强奸", "split"),
    ("ＳＥＸ", "sex", "normalized"),
    ("I like s e x", "sex", "normalized"),
    ("约🙂炮", "约炮", "normalized"),
]


@pytest.mark.parametrize(("text", "term", "variant"), CAUGHT)
def test_disguise_is_caught(
    fixture_lexicon: CompiledLexicon, text: str, term: str, variant: str
) -> None:
    hits = find_hits(fixture_lexicon, text)
    assert [(h.rule.term, h.variant) for h in hits] == [(term, variant)]


NOT_CAUGHT = [
    "景色情调很好",  # file whitelist
    "这个色情况怎么样",  # entry whitelist
    "风景的颜色。情况很好",  # sentence punctuation is a hard boundary
    "Sussex is lovely",  # Latin word boundary
    "sexy",  # English word boundary on the right
    "vaseqing",  # not pinyin as a whole word
    "was se qingdao",  # spaced pinyin must stand as whole words
    "base qing",
    "他越跑越快",  # no Han → pinyin conversion of the text (matcher-py flags 约炮 here)
    "苦涩的心情",  # homophones expand keywords, never rewrite text
    "成人教育很重要",  # unless
    "乳交流会",  # whitelist context
    "冰 毒",  # this entry tolerates no disguise
    "平台很好，客服说明天再聊聊吧，我们下次一起去看电影，然后返水",  # outside `within`
]


@pytest.mark.parametrize("text", NOT_CAUGHT)
def test_benign_text_is_not_flagged(fixture_lexicon: CompiledLexicon, text: str) -> None:
    assert find_hits(fixture_lexicon, text) == []


def test_spans_point_into_the_original_text(fixture_lexicon: CompiledLexicon) -> None:
    text = f"你好，想看 色{ZWSP}*情 小说"
    (hit,) = find_hits(fixture_lexicon, text)
    assert text[hit.start : hit.end] == f"色{ZWSP}*情"


def test_combination_rule_reports_the_covering_span(fixture_lexicon: CompiledLexicon) -> None:
    text = "新平台返水高"
    (hit,) = find_hits(fixture_lexicon, text)
    assert (hit.variant, text[hit.start : hit.end]) == ("combo", "平台返水")


def test_overlapping_terms_both_fire(fixture_lexicon: CompiledLexicon) -> None:
    terms = sorted(h.rule.term or "" for h in find_hits(fixture_lexicon, "成人视频"))
    assert terms == ["成人", "成人视频"]


def test_disguise_permissions_are_per_entry(fixture_lexicon: CompiledLexicon) -> None:
    assert [h.rule.term for h in find_hits(fixture_lexicon, "冰毒")] == ["冰毒"]
    assert find_hits(fixture_lexicon, "冰*毒") == []


def test_library_reloads_without_restart(tmp_path: Path) -> None:
    path = tmp_path / "lib.yaml"
    header = 'name: t\nversion: "2026-01-01T00:00:00Z"\ndefaults: {risk: A.1.h/gambling}\n'
    path.write_text(header + "entries:\n  - term: 网赌\n", encoding="utf-8")
    detector = KeywordDetector(load_library([path]))
    context = DetectContext()
    assert detector.detect("来网赌", context) and not detector.detect("来赌场", context)
    assert detector.reload_if_changed() is False
    path.write_text(header + "entries:\n  - term: 赌场\n", encoding="utf-8")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert detector.reload_if_changed() is True
    assert detector.detect("来赌场", context) and not detector.detect("来网赌", context)
    path.write_text("entries: [", encoding="utf-8")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 2 * 10**9))
    with pytest.raises(LexiconError, match="not valid YAML"):
        detector.reload_if_changed()
    assert detector.detect("来赌场", context)  # the running library stays in place


def test_pure_python_backend_gives_the_same_hits(fixture_lexicon: CompiledLexicon) -> None:
    slow = compile_library(fixture_lexicon.library, TextNormalizer(load_tables(), use_c=False))
    assert isinstance(slow.matcher, PyMatcher)
    for text in [t for t, _, _ in CAUGHT] + NOT_CAUGHT:
        assert find_hits(slow, text) == find_hits(fixture_lexicon, text), text
