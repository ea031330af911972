"""The keyword detector: registry entry, finding shape, span merging, scores."""

from __future__ import annotations

import pytest

from menshen.detect import DetectContext, KeywordDetector, registry
from menshen.detect.keyword import MAX_EVIDENCE
from menshen.errors import ConfigError
from menshen.lexicon import CompiledLexicon


def test_registered_as_keyword() -> None:
    assert registry.get("keyword") is KeywordDetector
    assert "keyword" in registry.names()
    with pytest.raises(ConfigError, match=r"unknown detector 'nope'; known: .*keyword"):
        registry.get("nope")


def test_one_finding_per_code_with_merged_spans(fixture_lexicon: CompiledLexicon) -> None:
    detector = KeywordDetector(fixture_lexicon)
    text = "成人视频和裸聊"
    (finding,) = detector.detect(text, DetectContext())
    assert finding.code == "A.1.f/sexual" and finding.detector == "keyword"
    assert [(s.start, s.end, s.text) for s in finding.spans] == [(0, 4, "成人视频"), (5, 7, "裸聊")]
    assert sorted(e.term for e in finding.evidence) == ["成人", "成人视频", "裸聊"]
    # noisy-or over the three rules: 1 - 0.6 * 0.1 * 0.1
    assert finding.score == pytest.approx(0.994)


def test_benign_text_has_no_findings(fixture_lexicon: CompiledLexicon) -> None:
    assert KeywordDetector(fixture_lexicon).detect("我们去看电影吧", DetectContext()) == []


def test_evidence_is_capped_but_spans_cover_every_hit(fixture_lexicon: CompiledLexicon) -> None:
    text = "裸聊，" * 100
    (finding,) = KeywordDetector(fixture_lexicon).detect(text, DetectContext())
    assert len(finding.evidence) == MAX_EVIDENCE
    assert len(finding.spans) == 100
