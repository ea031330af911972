"""Rule-based detection of what a turn asks for: exit, "are you human?", crisis; and of a reply
that claims to be human.

The rules are deliberately conservative and written for mild, explicit phrasing in Chinese and
English; they back up the guard's risk codes, they do not replace a classifier.

* **Exit** (CN-AN-09): a clause that is *only* an exit request: ``退出``, ``结束对话``,
  ``我想退出聊天吧``, ``stop chatting``, ``end this conversation``, ``I want to quit``, ``/exit``.
  Leave-taking (``我要走了``, ``bye``), negations (``不要结束对话``) and exits from something else
  (``退出游戏``, ``I want to quit smoking``) are not exit requests. A bare ``结束`` counts only on
  its own (``我想结束`` may mean something else).
* **Are you human?** (US-CA-01, CN-AN-01): ``你是真人吗``, ``你是不是机器人``, ``are you a
  bot?``, ``am I talking to a real person?``.
* **Human claim** in a reply: ``我是真人``, ``我不是AI``, ``I'm a real human``, ``I am not a
  bot``.
* **Crisis** (CN-AN-04, US-CA-02, US-NY-03): ``我不想活了``, ``我想自杀``, ``I want to end my
  life``, ``I want to kill myself``; negated forms (``我不想死``, ``I would never kill myself``) and
  idioms (``想死你了``, "miss you to death") do not count.

Chinese is matched on normalised text (width, traditional characters, inserted symbols folded),
English on the case-folded text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from menshen.text import normalize


class Intent(StrEnum):
    """What a phrase rule found."""

    EXIT = "exit"
    HUMAN_QUESTION = "human_question"
    HUMAN_CLAIM = "human_claim"
    CRISIS = "crisis"


@dataclass(frozen=True, slots=True)
class PhraseMatch:
    """One rule that matched (its id goes into audit notes; the user's text never does)."""

    intent: Intent
    rule: str
    """Rule id, e.g. ``exit:zh_end_chat``."""


_Rules = tuple[tuple[str, re.Pattern[str]], ...]


def _compile(rules: Sequence[tuple[str, str]]) -> _Rules:
    return tuple((rule, re.compile(pattern)) for rule, pattern in rules)


# ---------------------------------------------------------------------------------- exit
_ZH_LEAD = (
    r"(?:好了|好吧|好的|行了|那么|那|嗯|算了)?(?:我们|咱们|我|咱)?(?:现在|今天)?就?"
    r"(?:想要|想|要|希望|打算|准备)?先?(?:请|麻烦)?(?:你|您)?(?:帮我)?"
)
_ZH_CHAT = r"(?:这次|本次|此次|这个|这段|我们的|当前)?的?(?:对话|聊天|会话)"
_ZH_TAIL = r"(?:吧|了|啦|啊|呀|哦|喔|嘛|好吗|好不好|可以吗|行吗|谢谢你?|拜拜|再见)*"
ZH_EXIT = _compile(
    (
        ("exit:zh_end_chat", rf"{_ZH_LEAD}(?:结束|退出|终止|停止|关闭)掉?{_ZH_CHAT}{_ZH_TAIL}"),
        ("exit:zh_quit", rf"{_ZH_LEAD}退出{_ZH_TAIL}"),
        ("exit:zh_end", rf"结束{_ZH_TAIL}"),
        (
            "exit:zh_stop_chatting",
            rf"{_ZH_LEAD}(?:不聊了|不聊天了|(?:就|先)?聊到这(?:里|儿)?){_ZH_TAIL}",
        ),
    )
)
_EN_LEAD = r"(?:(?:ok|okay|alright|all right|well|so|please|now|actually)\s+)*"
_EN_WANT = (
    r"i(?:'d\s+like\s+to|\s+(?:really\s+)?(?:want\s+to|wanna|need\s+to|would\s+like\s+to))\s+"
)
_EN_ASK = rf"(?:{_EN_WANT}|let's\s+|let\s+us\s+|(?:can|could)\s+(?:we|you|i)\s+|please\s+)?"
_EN_CHAT = r"(?:(?:this|the|our|that|my|current)\s+)?(?:chat|conversation|session)"
_EN_TAIL = r"(?:\s+(?:now|please|here|for\s+now|for\s+today|right\s+now|thanks|thank\s+you))*"
EN_EXIT = _compile(
    (
        ("exit:en_command", rf"/?(?:exit|quit){_EN_TAIL}"),
        (
            "exit:en_end_chat",
            rf"{_EN_LEAD}{_EN_ASK}(?:end|stop|quit|exit|leave|close|finish)\s+{_EN_CHAT}{_EN_TAIL}",
        ),
        ("exit:en_stop_chatting", rf"{_EN_LEAD}{_EN_ASK}(?:stop|quit)\s+chatting{_EN_TAIL}"),
        ("exit:en_want_to_quit", rf"{_EN_LEAD}{_EN_WANT}(?:quit|exit){_EN_TAIL}"),
        ("exit:en_done_chatting", rf"{_EN_LEAD}i'm\s+done\s+chatting{_EN_TAIL}"),
    )
)
_CLAUSES = re.compile(r"[\n\r。！？；，!?;,…]+|\.(?:\s|$)")

# ------------------------------------------------------------------------- are you human?
_ZH_WHAT = r"(?:真人|真的人|真实的人|活人|人类|机器人|聊天机器人|ai|人工智能|程序|bot)"
_ZH_ASK_END = r"(?=吗|嘛|么|吧|呢|啊|还是|$)"
ZH_HUMAN = _compile(
    (
        (
            "human:zh_are_you",
            rf"你(?:到底|究竟|真的|其实)?(?:是不是|是)(?:一个|个)?{_ZH_WHAT}{_ZH_ASK_END}",
        ),
        ("human:zh_are_you_person", r"你(?:到底|究竟|真的|其实)?是个?人(?:吗|嘛|么)"),
        ("human:zh_real_or", r"真人还是(?:ai|机器人|人工智能|机器|程序)"),
        ("human:zh_talking_to", rf"(?:和|跟|与)(?:一个)?{_ZH_WHAT}(?:聊天|说话|对话)(?:吗|嘛|么)"),
        ("human:zh_other_side", rf"(?:对面|那边|屏幕对面)(?:是不是|是)(?:一个)?{_ZH_WHAT}"),
    )
)
_EN_WHAT = (
    r"(?:a\s+|an\s+)?(?:real\s+|actual\s+|live\s+)?"
    r"(?:human(?:\s+being)?|person|bot|robot|ai|a\.i\.?|machine|chatbot|computer\s+program)"
)
_EN_ASK_END = r"(?=\s*(?:\?|$|or\b|,))"
EN_HUMAN = _compile(
    (
        (
            "human:en_are_you",
            rf"\b(?:are|r)\s+(?:you|u)\s+(?:really\s+|actually\s+)?{_EN_WHAT}{_EN_ASK_END}",
        ),
        ("human:en_are_you_real", rf"\b(?:are|r)\s+(?:you|u)\s+(?:even\s+)?real{_EN_ASK_END}"),
        (
            "human:en_talking_to",
            rf"\bam\s+i\s+(?:talking|chatting|speaking|texting)\s+(?:to|with)\s+{_EN_WHAT}{_EN_ASK_END}",
        ),
        ("human:en_is_this", rf"\bis\s+(?:this|that)\s+{_EN_WHAT}{_EN_ASK_END}"),
    )
)

# ---------------------------------------------------------------------------- human claims
ZH_CLAIM = _compile(
    (
        (
            "claim:zh_i_am_human",
            r"我(?:就|真的|确实|当然|其实|本来就|可)?是(?:一个|个)?"
            r"(?:真人|真正的人|活生生的人|人类|真实的人|活人)(?!秀|学|版)",
        ),
        (
            "claim:zh_not_ai",
            r"我(?:才|并|真的)?不是(?:一个|个)?(?:ai|人工智能|机器人|聊天机器人|程序|机器|bot)(?!的)",
        ),
    )
)
EN_CLAIM = _compile(
    (
        (
            "claim:en_i_am_human",
            r"\bi(?:'m|\s+am)\s+(?:really\s+|actually\s+|definitely\s+)?(?:a\s+)?"
            r"(?:real\s+|actual\s+|living\s+)?(?:human(?!\s+resources)|person)\b",
        ),
        (
            "claim:en_not_ai",
            r"\bi(?:'m|\s+am)\s+not\s+(?:a\s+|an\s+)?"
            r"(?:bot|robot|ai|a\.i\.?|machine|program|chatbot|language\s+model)\b",
        ),
    )
)

# ---------------------------------------------------------------------------------- crisis
ZH_CRISIS = _compile(
    (
        ("crisis:zh_not_want_live", r"不想(?:再)?活(?:了|下去|着)"),
        ("crisis:zh_cannot_live", r"活不下去了"),
        ("crisis:zh_want_die", r"(?<![不别没])想(?:要|去)?死(?![你您他她它我板])"),
        (
            "crisis:zh_suicide",
            r"(?<![不别没])(?:想|要|打算|准备|计划|决定)去?(?:自杀|轻生|寻死|自尽)",
        ),
        ("crisis:zh_end_life", r"(?:结束|了结)掉?(?:自己|我)的?(?:生命|性命)"),
        ("crisis:zh_want_end_life", r"(?<![不别没])(?:想|要|打算)(?:结束|了结)掉?的?(?:生命|性命)"),
        ("crisis:zh_self_harm", r"(?<![不别没])(?:想|要)去?(?:伤害|弄伤|割伤)自己"),
        ("crisis:zh_all_over", r"想一了百了"),
    )
)
_NEGATIONS = frozenset(
    ("not", "never", "no", "don't", "dont", "doesn't", "didn't", "won't", "wouldn't", "can't",
     "cannot", "couldn't", "shouldn't")
)  # fmt: skip
EN_CRISIS_GUARDED = _compile(
    (
        (
            "crisis:en_want_die",
            r"\b(?:want\s+to|wanna|ready\s+to)\s+die\b(?!\s+(?:laughing|of|from))",
        ),
        ("crisis:en_kill_myself", r"\bkill(?:ing)?\s+myself\b"),
        ("crisis:en_end_my_life", r"\b(?:end|take|ending|taking)\s+my\s+(?:own\s+)?life\b"),
        ("crisis:en_end_it_all", r"\bend\s+it\s+all\b"),
        ("crisis:en_dead", r"\b(?:better\s+off\s+dead|wish\s+i\s+(?:was|were)\s+dead)\b"),
        (
            "crisis:en_hurt_myself",
            r"\b(?:want\s+to|wanna|going\s+to|gonna|need\s+to)\s+(?:hurt|harm)\s+myself\b",
        ),
        ("crisis:en_suicidal", r"\b(?:suicidal|commit(?:ting)?\s+suicide)\b"),
    )
)
"""English crisis rules that a negation among the three words before cancels."""
EN_CRISIS = _compile(
    (
        (
            "crisis:en_not_want_live",
            r"\b(?:don't|do\s+not|dont)\s+want\s+to\s+(?:live|be\s+alive|exist)\b",
        ),
        ("crisis:en_no_reason", r"\bno\s+reason\s+to\s+(?:live|go\s+on|keep\s+going)\b"),
    )
)  # fmt: skip

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "′": "'"})


def _english(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).casefold()
    return " ".join(folded.split())


def _first(intent: Intent, rules: _Rules, text: str, *, full: bool = False) -> PhraseMatch | None:
    for rule, pattern in rules:
        if pattern.fullmatch(text) if full else pattern.search(text):
            return PhraseMatch(intent, rule)
    return None


def find_exit(text: str) -> PhraseMatch | None:
    """The exit rule that one clause of ``text`` matches as a whole, if any."""
    for clause in _CLAUSES.split(text):
        zh = normalize(clause).text if clause.strip() else ""
        en = _english(re.sub(r"[^\w\s'/]", " ", clause))
        found = (zh and _first(Intent.EXIT, ZH_EXIT, zh, full=True)) or (
            en and _first(Intent.EXIT, EN_EXIT, en, full=True)
        )
        if found:
            return found
    return None


def find_human_question(text: str) -> PhraseMatch | None:
    """The rule by which ``text`` asks whether it is talking to a human, if any."""
    return _first(Intent.HUMAN_QUESTION, ZH_HUMAN, normalize(text).text) or _first(
        Intent.HUMAN_QUESTION, EN_HUMAN, _english(text)
    )


def find_human_claim(text: str) -> PhraseMatch | None:
    """The rule by which a reply claims to be human (or denies being an AI), if any."""
    return _first(Intent.HUMAN_CLAIM, ZH_CLAIM, normalize(text).text) or _first(
        Intent.HUMAN_CLAIM, EN_CLAIM, _english(text)
    )


def _negated(text: str, start: int) -> bool:
    before = re.findall(r"[\w']+", text[:start])[-3:]
    return any(word in _NEGATIONS for word in before)


def find_crisis(text: str) -> PhraseMatch | None:
    """The crisis rule ``text`` matches (self-harm or suicide intent), if any."""
    found = _first(Intent.CRISIS, ZH_CRISIS, normalize(text).text)
    if found:
        return found
    english = _english(text)
    for rule, pattern in EN_CRISIS_GUARDED:
        if any(not _negated(english, m.start()) for m in pattern.finditer(english)):
            return PhraseMatch(Intent.CRISIS, rule)
    return _first(Intent.CRISIS, EN_CRISIS, english)
