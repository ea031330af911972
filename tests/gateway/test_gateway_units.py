"""The gateway's pure parts: settings loading, request reading helpers, the hold-back window."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.datastructures import Headers

from menshen.errors import ConfigError
from menshen.gateway.errors import RequestError
from menshen.gateway.holdback import HoldBack
from menshen.gateway.inbound import language_of, message_text, parse_chat, speaker_of
from menshen.gateway.settings import BlockMode, FailMode, load_settings
from menshen.verdict import Audience

# -- settings -------------------------------------------------------------------------------


def test_settings_defaults_are_safe() -> None:
    settings = load_settings(environ={"MENSHEN_UPSTREAM_URL": "http://up.example/v1/"})
    assert settings.upstream_url == "http://up.example/v1"
    assert settings.block_mode is BlockMode.SOFT
    assert settings.output_guard_errors is FailMode.CLOSED
    assert settings.audit_required is True
    assert settings.hold_back_chars == 48


def test_settings_precedence_file_then_env_then_overrides(tmp_path: Path) -> None:
    path = tmp_path / "gateway.yaml"
    path.write_text(
        "upstream_url: http://from-file/v1\nblock_mode: loud\nhold_back_chars: 10\n"
        "lexicon: [starter, extra.yaml]\n",
        encoding="utf-8",
    )
    env = {"MENSHEN_HOLD_BACK_CHARS": "20", "MENSHEN_LEXICON": '["starter"]', "MENSHEN_DB": "x"}
    settings = load_settings(path, environ=env, overrides={"upstream_url": "http://flag/v1"})
    assert settings.upstream_url == "http://flag/v1"
    assert settings.block_mode is BlockMode.LOUD
    assert settings.hold_back_chars == 20
    assert settings.lexicon == ("starter",)


@pytest.mark.parametrize(
    ("content", "env", "expected"),
    [
        ("upstream_url: ftp://x\n", {}, "field 'upstream_url'"),
        ("upstream_url: http://x\nblock_mode: quiet\n", {}, "field 'block_mode'"),
        ("upstream_url: http://x\nholdback: 3\n", {}, "field 'holdback'"),
        ("- a list\n", {}, "must be a mapping"),
        ("block_mode: soft\n", {}, "no upstream_url"),
        ("upstream_url: http://x\n", {"MENSHEN_LEXICON": "starter"}, "MENSHEN_LEXICON"),
        ("upstream_url: http://x\n", {"MENSHEN_MAX_BODY_BYTES": "ten"}, "MENSHEN_MAX_BODY_BYTES"),
    ],
)
def test_bad_settings_name_where_they_came_from(
    tmp_path: Path, content: str, env: dict[str, str], expected: str
) -> None:
    path = tmp_path / "gateway.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=expected):
        load_settings(path, environ=env)


# -- reading requests -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("你好，今天天气怎么样？", "zh"),
        ("Hello, how are you?", "en"),
        ("我想学 Python 编程", "zh"),
        ("please translate 你好 for me", "en"),
        ("", "en"),
        ("12345 !!!", "en"),
    ],
)
def test_language_of(text: str, language: str) -> None:
    assert language_of(text) == language


def test_message_text_reads_strings_and_text_parts() -> None:
    parts = [
        {"type": "text", "text": "第一段"},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
        {"type": "text", "text": "第二段"},
    ]
    assert message_text("纯文本") == "纯文本"
    assert message_text(parts) == "第一段\n第二段"
    assert message_text(None) == ""


def test_headers_win_over_the_body() -> None:
    body: dict[str, Any] = {
        "user": "body-user",
        "metadata": {"menshen_session": "body-session", "menshen_audience": "adult"},
    }
    headers = Headers({"x-menshen-user": "header-user", "x-menshen-audience": "minor"})
    speaker = speaker_of(body, headers, Audience.ADULT)
    assert speaker.user == "header-user"
    assert speaker.session == "body-session"
    assert speaker.audience is Audience.MINOR
    fallback = speaker_of({"safety_identifier": "sid"}, Headers({}), Audience.MINOR)
    assert (fallback.user, fallback.session, fallback.audience) == ("sid", None, Audience.MINOR)


@pytest.mark.parametrize(
    ("body", "headers", "code"),
    [
        ({"messages": []}, {}, "invalid_messages"),
        ({"messages": "hi"}, {}, "invalid_messages"),
        ({"messages": [{"content": "no role"}]}, {}, "invalid_messages"),
        ({"messages": [{"role": "user", "content": "hi"}], "stream": "yes"}, {}, "invalid_body"),
        ({"messages": [{"role": "user", "content": "hi"}]}, {"x-menshen-audience": "kid"}, None),
        ({"messages": [{"role": "user", "content": "hi"}]}, {"x-menshen-user": "u" * 300}, None),
    ],
)
def test_unusable_chat_bodies_are_request_errors(
    body: dict[str, Any], headers: dict[str, str], code: str | None
) -> None:
    with pytest.raises(RequestError) as caught:
        parse_chat(body, Headers(headers), Audience.ADULT)
    assert caught.value.status == 400
    assert caught.value.code == (code or "invalid_metadata")


def test_parse_chat_finds_the_newest_user_turn_and_every_system_prompt() -> None:
    body = {
        "model": "m",
        "messages": [
            {"role": "system", "content": "你是一只友好的猫。"},
            {"role": "user", "content": "第一句"},
            {"role": "assistant", "content": "喵"},
            {"role": "developer", "content": [{"type": "text", "text": "简短回答"}]},
            {"role": "user", "content": "第二句"},
            {"role": "tool", "content": "ignored", "tool_call_id": "c1"},
        ],
    }
    turn = parse_chat(body, Headers({}), Audience.ADULT)
    assert turn.user_text == "第二句"
    assert turn.system_texts == ("你是一只友好的猫。", "简短回答")
    assert (turn.model, turn.stream, turn.language) == ("m", False, "zh")


# -- the hold-back window -------------------------------------------------------------------


def _chunk(content: str | None, finish: str | None = None, index: int = 0) -> dict[str, Any]:
    delta = {} if content is None else {"content": content}
    return {"choices": [{"index": index, "delta": delta, "finish_reason": finish}]}


def test_nothing_is_released_before_it_is_hold_back_behind_a_passed_check() -> None:
    hold = HoldBack(hold_back=4, step=3, context=10)
    assert hold.add({"choices": [{"index": 0, "delta": {"role": "assistant"}}]}) == []
    assert len(hold.release()) == 1  # the role chunk carries no text

    def feed(piece: str) -> list[str]:
        if hold.add(_chunk(piece)):
            start, text = hold.window(0)
            hold.passed(0, start + len(text))
        return [c["choices"][0]["delta"]["content"] for c in hold.release()]

    assert feed("ab") == []
    assert feed("cd") == []  # no check yet: nothing could be released
    assert feed("ef") == ["ab"]  # checked up to 6 (the first release): the boundary is 2
    assert feed("gh") == []  # 2 new characters: no check due
    assert feed("ij") == ["cd", "ef"]  # checked up to 10: the boundary is 6
    assert hold.delivered() == {0: 6}
    assert hold.held == 2


def test_a_finish_chunk_waits_for_the_final_check() -> None:
    hold = HoldBack(hold_back=0, step=100, context=0)
    hold.add(_chunk("短句"))
    hold.add(_chunk(None, "stop"))
    assert hold.release() == []
    assert hold.finished_unchecked() == [0]
    hold.passed_final(0)
    assert len(hold.release()) == 1  # the text is checked; the finish waits for the audit
    hold.open_final()
    assert len(hold.release()) == 1
    assert hold.all_finished()
    assert hold.unfinished() == []


def test_a_sentence_end_makes_a_check_due_early() -> None:
    hold = HoldBack(hold_back=2, step=100, context=0)
    assert hold.add(_chunk("好的。")) == []  # nothing could be released yet: no check
    assert hold.add(_chunk("嗯嗯")) == [0]  # 5 >= 3 + 2: the first chunk could go
    hold.passed(0, 5)
    assert hold.add(_chunk("好的")) == []
    assert hold.add(_chunk("。")) == [0]


def test_windows_start_context_characters_before_the_released_text() -> None:
    hold = HoldBack(hold_back=2, step=4, context=3)
    for piece in ("abcd", "efgh", "ijkl"):
        if hold.add(_chunk(piece)):
            start, text = hold.window(0)
            hold.passed(0, start + len(text))
        hold.release()
    assert hold.delivered()[0] == 8
    assert hold.window(0) == (5, "fghijkl")


def test_choices_are_held_each_by_their_own_window() -> None:
    hold = HoldBack(hold_back=0, step=2, context=0)
    assert hold.add(_chunk("ab", index=0)) == [0]
    assert hold.add(_chunk("cd", index=1)) == [1]
    hold.passed(0, 2)
    assert len(hold.release()) == 1  # choice 1 is not checked yet, so its chunk waits
    hold.passed(1, 2)
    assert len(hold.release()) == 1


def test_the_first_release_is_checked_as_soon_as_it_is_possible() -> None:
    hold = HoldBack(hold_back=4, step=100, context=0)
    assert hold.add(_chunk("ab")) == []  # the first chunk may leave at 2 + 4 characters
    assert hold.add(_chunk("cd")) == []
    assert hold.add(_chunk("ef")) == [0]
    hold.passed(0, 6)
    assert [c["choices"][0]["delta"]["content"] for c in hold.release()] == ["ab"]
    assert hold.add(_chunk("gh")) == []  # afterwards, checks follow the step again
