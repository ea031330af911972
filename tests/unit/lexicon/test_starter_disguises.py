"""The shipped starter library catches every disguise the guard core promises, out of the box."""

from __future__ import annotations

import pytest

from menshen import Guard

ZWSP = "\u200b"


@pytest.fixture(scope="module")
def starter() -> Guard:
    return Guard()


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("想看色*情小说", "色情"),
        ("涩情", "涩情"),  # common enough to be an entry of its own
        ("seqing", "色情"),
        ("ｓｅｑｉｎｇ", "色情"),
        (f"色{ZWSP}情", "色情"),
        ("色色色情情情", "色情"),
        ("祼聊吗", "裸聊"),
        ("裸 聊", "裸聊"),
        ("约🙂炮", "约炮"),
        ("yuepao", "约炮"),
        ("强女干", "强奸"),
        ("賭博網站", "赌博网站"),
    ],
)
def test_disguise_is_caught(starter: Guard, text: str, term: str) -> None:
    verdict = starter.check(text)
    assert verdict.flagged
    assert term in {e.term for risk in verdict.risks for e in risk.evidence}


@pytest.mark.parametrize(
    "text",
    [
        "他越跑越快",
        "景色情调很好",
        "这个角色请你来演",
        "女干部会议",
        "乳腺癌筛查要定期做",
        "青春期生理卫生课",
        "苦涩的心情",
        "Sussex is lovely",
    ],
)
def test_ordinary_text_is_not_flagged(starter: Guard, text: str) -> None:
    assert starter.check(text).risks == ()
