"""The keyword detector: the compiled library, robust to Chinese obfuscation."""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any

from pydantic import TypeAdapter

from menshen.detect.base import DetectContext, registry
from menshen.lexicon.compiler import CompiledLexicon, compile_library
from menshen.lexicon.loader import Library, load_library
from menshen.lexicon.matching import KeywordHit, find_hits
from menshen.verdict import RiskFinding


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


# One validation call per text builds every nested record in pydantic-core: several times
# faster than constructing each Span and Evidence from Python.
_FINDINGS = TypeAdapter(list[RiskFinding])


MAX_EVIDENCE = 32
"""Evidence records kept per risk; a long text repeating a term would otherwise make the verdict
as large as the text. Spans and scores still cover every hit."""


def _span(text: str, start: int, end: int) -> dict[str, Any]:
    return {"start": start, "end": end, "text": text[start:end]}


def _score(weights: list[float]) -> float:
    """Noisy-or over distinct rules: another hit never lowers the score."""
    miss = 1.0
    for w in weights:
        miss *= 1.0 - w
    return round(1.0 - miss, 6)


@registry.register("keyword")
class KeywordDetector:
    """Matches a keyword library; the library can be swapped at run time with :meth:`reload`."""

    name = "keyword"

    def __init__(self, library: Library | CompiledLexicon | None = None) -> None:
        if library is None:
            library = load_library()
        self._compiled = (
            library if isinstance(library, CompiledLexicon) else compile_library(library)
        )
        self._stamp = self._compiled.library.stamp()
        self._lock = threading.Lock()

    @property
    def compiled(self) -> CompiledLexicon:
        """The library in use."""
        return self._compiled

    def reload(self, library: Library) -> None:
        """Compile ``library`` and swap it in; checks in flight finish with the old one."""
        compiled = compile_library(library, self._compiled.normalizer)
        with self._lock:
            self._compiled = compiled
            self._stamp = compiled.library.stamp()

    def reload_if_changed(self) -> bool:
        """Reload from the same paths when a file was added, removed or edited.

        A library that fails to load leaves the running one in place and raises the error.
        """
        origin = self._compiled.library.origin
        if not origin or self._compiled.library.stamp() == self._stamp:
            return False
        self.reload(load_library(origin))
        return True

    def hits(self, text: str) -> list[KeywordHit]:
        """Rule hits in ``text`` (for callers that want the raw matches)."""
        return find_hits(self._compiled, text)

    def detect(self, text: str, context: DetectContext) -> list[RiskFinding]:
        hits = find_hits(self._compiled, text)
        if not hits:
            return []
        by_code: defaultdict[str, list[KeywordHit]] = defaultdict(list)
        for hit in hits:
            by_code[hit.rule.risk].append(hit)
        findings = []
        for code, group in by_code.items():
            weights = {h.rule.id: h.rule.weight for h in group}
            spans = _merge([(h.start, h.end) for h in group])
            findings.append(
                {
                    "code": code,
                    "score": _score(list(weights.values())),
                    "detector": self.name,
                    "spans": [_span(text, s, e) for s, e in spans],
                    "evidence": [
                        {
                            "rule": h.rule.id,
                            "term": h.rule.term or " + ".join(h.rule.parts),
                            "variant": h.variant,
                            "span": _span(text, h.start, h.end),
                        }
                        for h in group[:MAX_EVIDENCE]
                    ],
                }
            )
        return _FINDINGS.validate_python(findings)
