"""PII masking for the ``redacted`` text policy.

Deliberately simple, pattern-based and greedy: a false mask costs a little context in the audit
log, a missed one keeps personal data. What is masked (docs/store.md has the table):

- e-mail addresses → ``[EMAIL]``;
- 18-digit PRC resident ID numbers (region, birth date, sequence, check digit or X) → ``[ID_CARD]``;
- bank card numbers: 16–19 digits, optionally grouped by spaces or dashes → ``[BANK_CARD]``;
- phone numbers → ``[PHONE]``: Chinese mobiles (1[3-9]…, 11 digits, optional +86/0086 and
  separators), numbers written with a leading ``+`` country code, and landlines written with an
  area code and a separator (``010-12345678``).

Full-width forms (``１３８…``, ``＠``) are matched like their ASCII twins: the patterns run on a
copy folded one character to one character, so spans carry over to the original text.

Digit runs are bounded by "no digit next to it" rather than ``\\b``: Chinese characters are word
characters, so ``电话13812345678`` has no word boundary before the number.
"""

from __future__ import annotations

import re

from menshen.store.records import TextPolicy, text_sha256

_PATTERNS: tuple[tuple[str, str], ...] = (
    ("EMAIL", r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
    (
        "ID_CARD",
        r"(?<![\dA-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
        r"\d{3}[\dXx](?![\dA-Za-z])",
    ),
    ("BANK_CARD", r"(?<!\d)\d(?:[ -]?\d){15,18}(?!\d)"),
    ("PHONE", r"(?<![\d+])(?:(?:\+|00)86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)"),
    ("PHONE", r"(?<![\d+])\+\d{1,3}(?:[ -]?\d){6,14}(?!\d)"),
    ("PHONE", r"(?<!\d)0\d{2,3}[ -]\d{7,8}(?!\d)"),
)

# One alternation, tried left to right at each position, so an ID number is never taken for a
# bank card and a mobile after +86 is masked whole.
_PII = re.compile("|".join(f"(?P<{name}{i}>{rx})" for i, (name, rx) in enumerate(_PATTERNS)))


# U+FF01–U+FF5E are the full-width forms of U+0021–U+007E; U+3000 is the ideographic space.
# Folding costs more than matching, so it runs only when a full-width character that can be part
# of PII is present (not for the full-width punctuation common in Chinese, like ，？！).
_FOLD = str.maketrans({0xFF01 + i: 0x21 + i for i in range(94)} | {0x3000: 0x20})
_FOLDABLE = re.compile(
    "[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff05\uff0b\uff0d\uff0e\uff20\uff3f\u3000]"
)


# Where PII can be at all: runs of digits (with + and separators) and e-mail-like words. The full
# patterns, whose leading lookbehinds make a scan of every position slow, only run inside these
# windows; a text without digits or @ costs one fast character-class scan.
_DIGIT_RUN = re.compile(r"[+\d][\d -]*[Xx]?")
_EMAIL_RUN = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+")


def _windows(folded: str) -> list[tuple[int, int]]:
    spans = [m.span() for m in _DIGIT_RUN.finditer(folded)]
    if "@" in folded:
        spans = sorted(spans + [m.span() for m in _EMAIL_RUN.finditer(folded)])
    merged: list[tuple[int, int]] = []
    for start, end in spans:  # an e-mail window can contain digit runs
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def redact(text: str) -> str:
    """``text`` with e-mails, ID and bank card numbers and phone numbers masked."""
    folded = text.translate(_FOLD) if _FOLDABLE.search(text) else text
    parts: list[str] = []
    done = 0
    for start, end in _windows(folded):
        for match in _PII.finditer(folded, start, end):
            name = str(match.lastgroup).rstrip("0123456789")
            parts += [text[done : match.start()], f"[{name}]"]
            done = match.end()
    parts.append(text[done:])
    return "".join(parts)


def stored_text(text: str | None, policy: TextPolicy) -> tuple[str | None, str | None]:
    """What ``policy`` keeps of ``text``: ``(text column, text_sha256 column)``."""
    if text is None:
        return None, None
    digest = text_sha256(text)
    if policy is TextPolicy.FULL:
        return text, digest
    if policy is TextPolicy.REDACTED:
        return redact(text), digest
    return None, digest
