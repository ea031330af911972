"""Does a card offer the user an intimate partner or a virtual relative?

China's measures for anthropomorphic AI interaction services (Art. 14) do not allow services to
give minors a virtual intimate partner or virtual relative. This module finds such personas in a
card's texts: a role word (女朋友, 恋人, girlfriend …) tied to the user (你的女朋友, "your
girlfriend"), a character declaring a relationship (我是你的姐姐, "I'm your mom"), a role-play
instruction (扮演一位温柔的恋人), a compound (虚拟恋人, "AI girlfriend"), a greeting that calls the
user 老公, or a tag that names the role.

The word lists below are the data; each whitelist context cancels a role word inside it (前男友,
老婆婆, 情人节). Chinese is matched on normalised text (full width, traditional characters and
inserted symbols are folded), English on the original text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from menshen.cards.model import Card, PersonaEvidence, PersonaKind
from menshen.text import normalize
from menshen.text.normalize import HARD_BOUNDARIES
from menshen.verdict import Role, Span

# ------------------------------------------------------------------------------------ the data
PARTNER_ZH = (
    "女朋友", "男朋友", "女友", "男友", "恋人", "爱人", "老婆", "老公", "妻子", "丈夫", "情人",
    "暧昧对象", "恋爱对象", "相亲对象", "未婚妻", "未婚夫", "娇妻", "媳妇", "伴侣", "情侣",
    "夫人", "夫君", "娘子", "相公", "另一半", "心上人",
)  # fmt: skip
"""Intimate-partner role words (simplified; traditional forms are folded before matching)."""
PARTNER_ZH_STRICT = ("对象",)
"""Partner words too common to allow a modifier: only ``你的对象`` / ``你对象``."""
RELATIVE_ZH = (
    "妈妈", "母亲", "妈咪", "老妈", "爸爸", "父亲", "爹地", "老爸", "姐姐", "哥哥", "妹妹",
    "弟弟", "女儿", "儿子", "奶奶", "爷爷", "外婆", "外公", "姥姥", "姥爷", "继母", "后妈",
    "继父", "家人", "亲人",
)  # fmt: skip
"""Relative role words; they count only when the character takes the role for the user."""
COMPOUND_ZH = {
    "虚拟恋人": "partner", "虚拟女友": "partner", "虚拟男友": "partner",
    "虚拟女朋友": "partner", "虚拟男朋友": "partner", "虚拟伴侣": "partner",
    "虚拟老婆": "partner", "虚拟老公": "partner", "虚拟情人": "partner",
    "ai女友": "partner", "ai男友": "partner", "ai恋人": "partner", "ai女朋友": "partner",
    "ai男朋友": "partner", "ai伴侣": "partner", "电子女友": "partner", "电子男友": "partner",
    "恋爱陪伴": "partner", "网恋对象": "partner",
    "虚拟亲人": "relative", "虚拟家人": "relative", "虚拟妈妈": "relative",
    "虚拟母亲": "relative", "虚拟爸爸": "relative", "虚拟父亲": "relative",
}  # fmt: skip
"""Words that name the persona by themselves, anywhere in a text."""
WHITELIST_ZH = (
    "前女友", "前男友", "前妻", "前夫", "老婆婆", "老公公", "情人节", "大丈夫", "丈夫气",
    "可爱人", "热爱人", "爱人如己", "妈妈桑", "研究对象", "服务对象", "攻击对象", "合作对象",
    "面向对象",
)  # fmt: skip
"""Contexts in which a role word is something else (前男友 is not the user's boyfriend)."""
VOCATIVE_ZH = ("老公", "老婆", "媳妇", "媳妇儿", "夫君", "娘子", "相公")
"""How a partner addresses the user; they count at the start of a clause in a greeting."""
PARTNER_EN = (
    "girlfriend", "boyfriend", "wife", "husband", "lover", "fiancée", "fiancee", "fiancé",
    "fiance", "spouse", "sweetheart", "waifu", "husbando", "soulmate", "significant other",
)  # fmt: skip
RELATIVE_EN = (
    "mom", "mommy", "mum", "mummy", "mother", "mama", "dad", "daddy", "father", "papa",
    "sister", "sis", "brother", "bro", "daughter", "son", "grandma", "grandmother", "grandpa",
    "grandfather", "aunt", "auntie", "uncle", "stepmom", "stepmother", "stepdad", "stepfather",
    "stepsister", "stepbrother", "family",
)  # fmt: skip
NOT_YOURS_EN = ("ex", "former", "late", "previous", "dead", "deceased", "friend", "friends")
"""Words between "your" and the role word that make it someone else's (your ex-wife)."""
TAGS = frozenset(
    {*PARTNER_ZH, *PARTNER_EN, *COMPOUND_ZH, "恋爱", "romance", "dating", "virtual girlfriend",
     "virtual boyfriend", "ai girlfriend", "ai boyfriend"}
)  # fmt: skip
"""A tag equal to one of these (after normalisation) marks the card as an intimate persona."""


# ------------------------------------------------------------------------------ the patterns
def _alt(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_YOU = r"(?<!迷)(?:你|您|user|用户)"
_SUBJECT = r"(?:我|人家|她|他|它|char|bot)"
_VERB = r"(?:就|也|将|会|想|要|来|便|正|可以){0,2}(?:是|做|当|成为|作为|扮演|变成)"
_GAP = r"[^的你我]{0,4}?"
_ROLE = rf"(?P<role>{_alt(PARTNER_ZH)}|{_alt(RELATIVE_ZH)})"
_ZH_RULES = (
    ("persona:possessive", rf"{_YOU}(?:的{_GAP})?(?P<role>{_alt(PARTNER_ZH)})"),
    ("persona:possessive", rf"{_YOU}的?(?P<role>{_alt(PARTNER_ZH_STRICT)})"),
    ("persona:declaration", rf"{_SUBJECT}{_VERB}{_YOU}的?{_GAP}{_ROLE}"),
    ("persona:declaration", rf"(?:扮演|作为|身为|成为|化身为?){_YOU}的?{_GAP}{_ROLE}"),
    ("persona:declaration", rf"{_YOU}(?:就|也)?是(?:我|char|bot)的?{_GAP}{_ROLE}"),
    ("persona:roleplay", rf"(?:扮演|化身为?|作为|身为)[^你我]{{0,8}}?(?P<role>{_alt(PARTNER_ZH)})"),
    ("persona:compound", rf"(?P<role>{_alt(COMPOUND_ZH)})"),
)
ZH_PATTERNS = tuple((rule, re.compile(pattern)) for rule, pattern in _ZH_RULES)

_YOUR = r"(?:your|\{\{user\}\}'s|<user>'s|user's)"
_GAP_EN = rf"(?:(?!(?:{_alt(NOT_YOURS_EN)})\b)[a-z]+[ -]){{0,2}}"
_ROLE_EN = rf"(?P<role>{_alt(PARTNER_EN)}|{_alt(RELATIVE_EN)})"
_DECLARE_EN = (
    r"(?:i\s+am|i'm|i\s+will\s+be|i'll\s+be|she\s+is|she's|he\s+is|he's|"
    r"(?:\{\{char\}\}|<bot>|<char>)\s+is|as|be|become|becomes|play|plays|playing|"
    r"roleplay(?:s|ing)?\s+as|act(?:s|ing)?\s+as|pretend(?:s|ing)?\s+to\s+be)"
)
_EN_RULES = (
    ("persona:possessive", rf"\b{_YOUR}\s+{_GAP_EN}(?P<role>{_alt(PARTNER_EN)})s?\b"),
    ("persona:declaration", rf"\b{_DECLARE_EN}\s+{_YOUR}\s+{_GAP_EN}{_ROLE_EN}\b"),
    ("persona:declaration", rf"\byou(?:\s+are|'re)\s+my\s+{_GAP_EN}{_ROLE_EN}\b"),
    (
        "persona:roleplay",
        r"\b(?:roleplay(?:s|ing)?\s+as|play(?:s|ing)?\s+the\s+role\s+of|act(?:s|ing)?\s+as|"
        rf"pretend(?:s|ing)?\s+to\s+be)\s+(?:a|an|the)\s+{_GAP_EN}(?P<role>{_alt(PARTNER_EN)})\b",
    ),
    (
        "persona:compound",
        r"\b(?:virtual|ai|digital|cyber|online)\s+"
        r"(?P<role>girlfriend|boyfriend|wife|husband|lover|partner|waifu|husbando|spouse)\b",
    ),
)
EN_PATTERNS = tuple((rule, re.compile(p, re.IGNORECASE)) for rule, p in _EN_RULES)
VOCATIVE = re.compile(
    rf"(?:^|[\n。！？!?…「“\"『])\s*(?P<role>{_alt(VOCATIVE_ZH)})\s*[，,！!～~。…]", re.MULTILINE
)
_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_TAG_PATH = re.compile(r"(?:^|[.:])tags\[\d+\]$")
_RELATIVE = frozenset({*RELATIVE_ZH, *RELATIVE_EN})
_NORMAL_TAGS = {normalize(t).text: t for t in sorted(TAGS)}


# ------------------------------------------------------------------------------ the matching
def _kind(term: str) -> PersonaKind:
    if COMPOUND_ZH.get(term) == "relative" or term in _RELATIVE:
        return PersonaKind.RELATIVE
    return PersonaKind.PARTNER


def _evidence(path: str, text: str, term: str, rule: str, start: int, end: int) -> PersonaEvidence:
    span = Span(start=start, end=end, text=text[start:end])
    return PersonaEvidence(path=path, kind=_kind(term), term=term, rule=rule, span=span)


def _chinese(text: str, path: str) -> list[tuple[int, PersonaEvidence]]:
    norm = normalize(text)
    if not norm.text:
        return []
    blocked: list[tuple[int, int]] = []
    for word in WHITELIST_ZH:
        blocked.extend((m.start(), m.end()) for m in re.finditer(re.escape(word), norm.text))
    found: list[tuple[int, PersonaEvidence]] = []
    for rule, pattern in ZH_PATTERNS:
        for m in pattern.finditer(norm.text):
            rs, re_ = m.span("role")
            if any(rs < hi and lo < re_ for lo, hi in blocked):
                continue
            start, end = norm.original_span(m.start(), m.end())
            while start > 0 and text[start - 1] in "{<":  # keep {{char}} and <user> whole
                start -= 1
            if any(ch in HARD_BOUNDARIES for ch in text[start:end]):
                continue
            role_at = norm.original_span(rs, re_)[0]
            found.append((role_at, _evidence(path, text, m.group("role"), rule, start, end)))
    return found


def _english(text: str, path: str, role: Role) -> list[tuple[int, PersonaEvidence]]:
    folded = text.translate(_WIDTH)
    found: list[tuple[int, PersonaEvidence]] = []
    for rule, pattern in EN_PATTERNS:
        for m in pattern.finditer(folded):
            term = " ".join(m.group("role").lower().split())
            ev = _evidence(path, text, term, rule, m.start(), m.end())
            found.append((m.start("role"), ev))
    if role is Role.OUTPUT:
        for m in VOCATIVE.finditer(text):
            ev = _evidence(path, text, m.group("role"), "persona:vocative", *m.span("role"))
            found.append((m.start("role"), ev))
    return found


def find_persona(
    text: str, *, path: str = "", role: Role | str = Role.INPUT, tag: bool = False
) -> list[PersonaEvidence]:
    """The persona matches in one text, at most one per role word, in text order.

    ``role`` is the field's role: greetings (``output``) also count a clause-initial 老公/老婆.
    ``tag`` says the text is a tag: then the whole tag is compared with :data:`TAGS`.
    """
    if tag:
        term = _NORMAL_TAGS.get(normalize(text).text)
        return [_evidence(path, text, term, "persona:tag", 0, len(text))] if term else []
    found = _chinese(text, path) + _english(text, path, Role(role))
    best: dict[int, PersonaEvidence] = {}
    for at, ev in found:
        kept = best.get(at)
        if kept is None or ev.span.end - ev.span.start > kept.span.end - kept.span.start:
            best[at] = ev
    return [best[at] for at in sorted(best)]


def card_persona(card: Card) -> list[PersonaEvidence]:
    """The persona matches in every field of a card, in card order."""
    found: list[PersonaEvidence] = []
    for field in card.fields:
        is_tag = bool(_TAG_PATH.search(field.path))
        found.extend(find_persona(field.text, path=field.path, role=field.role, tag=is_tag))
    return found
