"""Rule hits and the sentences of an answer, with their units of content."""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from menshen.refusal.loader import CompiledRule
from menshen.refusal.model import RuleKind

_SENTENCE_END = re.compile(r"[.!?]+[\"')\]”’]*\s+|[。！？…]+[”’」』）)]*\s*|\s*\n\s*")
_LIST_LINE = re.compile(
    r"^\s*(?:\d{1,2}[.)、．]|[-*•●▪]\s|[（(]?[一二三四五六七八九十]{1,2}[)）、.．]"
    r"|第[一二三四五六七八九十\d]+[步点条]|step\s*\d|#{1,4}\s|\*\*)",
    re.IGNORECASE,
)
_QUOTE = re.compile(r"“[^”\n]{1,400}”|\"[^\"\n]{1,400}\"|「[^」\n]{1,400}」|『[^』\n]{1,400}』")
_CODE = re.compile(r"```.*?(?:```|\Z)", re.DOTALL)


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


@dataclass(frozen=True, slots=True)
class Hit:
    rule: CompiledRule
    start: int
    end: int


@dataclass(slots=True)
class Sentence:
    start: int
    end: int
    units: float
    listy: bool
    hits: list[Hit]

    def strength(self) -> float:
        return noisy_or(self.hits)

    @property
    def comply(self) -> bool:
        return any(h.rule.kind is RuleKind.COMPLY for h in self.hits)

    @property
    def persona(self) -> bool:
        return any(h.rule.kind is RuleKind.PERSONA for h in self.hits)

    @property
    def support(self) -> bool:
        """Part of a refusal (apology, reason, warning, redirection) rather than an answer."""
        return any(h.rule.kind not in NOT_EVIDENCE for h in self.hits)


NOT_EVIDENCE = frozenset({RuleKind.COMPLY, RuleKind.PERSONA})


def noisy_or(hits: Iterable[Hit]) -> float:
    """The strongest rule of each kind, combined across kinds by noisy-or."""
    best: dict[RuleKind, float] = {}
    for hit in hits:
        if hit.rule.kind not in NOT_EVIDENCE:
            best[hit.rule.kind] = max(best.get(hit.rule.kind, 0.0), hit.rule.weight)
    miss = 1.0
    for weight in best.values():
        miss *= 1.0 - weight
    return round(1.0 - miss, 6)


def find_echo(text: str, prompt: str | None) -> tuple[int, int] | None:
    """Where the answer repeats the prompt, if it does."""
    echo = (prompt or "").strip()
    at = text.find(echo) if len(echo) >= 6 else -1
    return (at, at + len(echo)) if at >= 0 else None


def masked_ranges(text: str, echo: tuple[int, int] | None) -> list[tuple[int, int]]:
    """Ranges whose rule matches do not count: inner quotations, code, the echoed prompt."""
    ranges = [m.span() for m in _CODE.finditer(text)]
    body = len(text.strip()) or 1
    lead = len(text) - len(text.lstrip())
    for m in _QUOTE.finditer(text):
        # a quotation wrapping (nearly) the whole answer is the answer, not a quotation
        if m.start() > lead + 2 and (m.end() - m.start()) < 0.6 * body:
            ranges.append(m.span())
    if echo is not None:
        ranges.append(echo)
    return ranges


def split_sentences(
    text: str, hits: list[Hit], echo: tuple[int, int] | None, cjk: float
) -> list[Sentence]:
    """Sentences and list lines, with their units (the echoed prompt counts for none)."""
    cumulative = [
        0.0,
        *itertools.accumulate(0.0 if ch.isspace() else cjk if _is_cjk(ch) else 1.0 for ch in text),
    ]
    if echo is not None:
        a, b = echo
        cumulative[b:] = [u - (cumulative[b] - cumulative[a]) for u in cumulative[b:]]
        cumulative[a:b] = [cumulative[a]] * (b - a)
    code = [m.span() for m in _CODE.finditer(text)]
    bounds = [0, *(m.end() for m in _SENTENCE_END.finditer(text)), len(text)]
    out: list[Sentence] = []
    for start, end in itertools.pairwise(bounds):
        chunk = text[start:end]
        if not chunk.strip():
            continue
        first = start + len(chunk) - len(chunk.lstrip())
        listy = any(a <= first < b for a, b in code) or bool(_LIST_LINE.match(chunk))
        units = cumulative[end] - cumulative[start]
        out.append(Sentence(start, end, units, listy, []))
    starts = [sentence.start for sentence in out]
    for hit in hits:
        at = bisect.bisect_right(starts, hit.start) - 1
        if at >= 0 and hit.start < out[at].end:
            out[at].hits.append(hit)
    return out
