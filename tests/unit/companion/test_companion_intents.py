"""Exit requests, "are you human?", human claims and crisis phrases: positives and near misses."""

from __future__ import annotations

import pytest

from menshen.companion import find_crisis, find_exit, find_human_claim, find_human_question

EXITS = [
    "退出",
    "退出。",
    "结束对话",
    "結束對話！",
    "好的，结束对话吧",
    "我想退出聊天",
    "我们结束这次对话吧",
    "请帮我结束本次会话",
    "今天就聊到这里吧",
    "结束",
    "stop chatting",
    "Stop chatting!",
    "I want to quit",
    "I want to quit.",
    "/exit",
    "quit",
    "Can we end this conversation please?",
    "ok, let's end the chat",
    "I'd like to end this session now",
    "ＥＸＩＴ",
    "今天很开心。结束对话。",
]

NOT_EXITS = [
    "我要走了",
    "我先走了，拜拜",
    "再见",
    "bye",
    "goodbye!",
    "不要结束对话",
    "我不想结束对话",
    "别退出",
    "怎么退出？",
    "退出游戏",
    "我想退出学校",
    "每次结束对话的时候我都很难过",
    "我想结束",
    "I want to quit smoking",
    "don't stop chatting",
    "how do I end this conversation",
    "end",
    "stop",
    "I want to leave the castle",
    "she said she wants to end the chat",
    "我不想活了",
]


@pytest.mark.parametrize("text", EXITS)
def test_exit_requests(text: str) -> None:
    assert find_exit(text) is not None


@pytest.mark.parametrize("text", NOT_EXITS)
def test_not_exit_requests(text: str) -> None:
    assert find_exit(text) is None


HUMAN_QUESTIONS = [
    "你是真人吗？",
    "你是不是机器人",
    "你到底是不是真人",
    "你是AI吗",
    "你是人吗",
    "你是真人还是AI",
    "我是在和机器人聊天吗",
    "對面是真人嗎",
    "Are you a bot?",
    "are you human",
    "Are you a real person or an AI?",
    "r u a robot?",
    "Am I talking to a real person?",
    "are you real?",
    "Is this a bot?",
]

NOT_HUMAN_QUESTIONS = [
    "你还是人吗",
    "你是我的好朋友",
    "你是人工智能专家吗",
    "are you a human resources manager?",
    "are you humane?",
    "is this real?",
    "You are a person who likes tea.",
    "我是真人",
]


@pytest.mark.parametrize("text", HUMAN_QUESTIONS)
def test_are_you_human_questions(text: str) -> None:
    assert find_human_question(text) is not None


@pytest.mark.parametrize("text", NOT_HUMAN_QUESTIONS)
def test_not_are_you_human_questions(text: str) -> None:
    assert find_human_question(text) is None


HUMAN_CLAIMS = [
    "我是真人呀",
    "我当然是人类",
    "我不是AI，别乱想",
    "I am a real human.",
    "Of course I'm human!",
    "I'm not a bot.",
    "I am not an AI",
]

NOT_HUMAN_CLAIMS = [
    "我不是真人，我是人工智能。",
    "我是人工智能",
    "我是真人秀的粉丝",
    "我是人类学家",
    "I'm not a real person, I'm an AI.",
    "I am an AI",
    "I am personally fond of tea",
    "I'm a human resources expert",
]


@pytest.mark.parametrize("text", HUMAN_CLAIMS)
def test_human_claims(text: str) -> None:
    assert find_human_claim(text) is not None


@pytest.mark.parametrize("text", NOT_HUMAN_CLAIMS)
def test_not_human_claims(text: str) -> None:
    assert find_human_claim(text) is None


CRISES = [
    "我不想活了",
    "我真的不想再活下去",
    "感觉活不下去了",
    "我好想死",
    "我想自杀",
    "我打算轻生",
    "我想结束自己的生命",
    "我想伤害自己",
    "I want to end my life",
    "I want to kill myself",
    "I don't want to live anymore",
    "i wanna die",
    "I feel like I'd be better off dead",
    "sometimes I'm going to hurt myself",
    "I feel suicidal",
    "There is no reason to live",
]

NOT_CRISES = [
    "我不想死",
    "想死你了！",
    "笑死我了",
    "累死了",
    "他写了一本关于自杀预防的书",
    "I would never kill myself",
    "I'm not suicidal, just tired",
    "I want to die laughing at this",
    "I hurt myself playing football",
    "I want to live a long life",
    "你好呀",
]


@pytest.mark.parametrize("text", CRISES)
def test_crisis_phrases(text: str) -> None:
    assert find_crisis(text) is not None


@pytest.mark.parametrize("text", NOT_CRISES)
def test_not_crisis_phrases(text: str) -> None:
    assert find_crisis(text) is None


def test_matches_name_their_rule() -> None:
    match = find_exit("结束对话")
    assert match is not None and match.rule == "exit:zh_end_chat"
