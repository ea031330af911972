"""Chat completions through a real gateway (uvicorn, real socket) to the fake upstream process.

Clients are the real ``openai`` package (sync and async, streamed and not) and httpx for raw
bodies. Unsafe test text is the mildest the shipped guard blocks: a gambling advertisement.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import openai
import pytest
from gateway_support import Running, delivered_text, sse_events

from menshen.store.events import EventKind
from server_process import requests_log, sent_with

pytestmark = pytest.mark.integration

GAMBLING_ZH = "首充送彩金，百家乐日赚千元"
GAMBLING_EN = "Free casino bonus, win big at baccarat online"
BANNED_PARTS = ("彩金", "百家乐", "日赚千元", "首充送", "baccarat", "casino")


def client(gw: Running) -> openai.OpenAI:
    return openai.OpenAI(base_url=gw.url, api_key="test-key", max_retries=0)


def user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


# -- pass-through ---------------------------------------------------------------------------


def test_a_safe_turn_passes_with_unknown_fields_both_ways(soft: Running, upstream: str) -> None:
    reply = client(soft).chat.completions.create(
        model="fake-model",
        messages=user("你好 [pass-through]"),
        temperature=0.3,
        extra_body={"top_k": 5, "x_vendor": {"nested": [1, 2]}},
    )
    assert reply.choices[0].message.content.startswith("好的")
    assert reply.choices[0].finish_reason == "stop"
    assert reply.id.startswith("chatcmpl-") and reply.id != "chatcmpl-upstream"
    assert reply.system_fingerprint == "fp_fake"
    assert reply.model_extra is not None and "x_fake_upstream" in reply.model_extra
    (sent,) = sent_with(upstream, "[pass-through]")
    assert sent["top_k"] == 5 and sent["x_vendor"] == {"nested": [1, 2]}
    assert sent["temperature"] == 0.3


def test_tools_travel_untouched_and_tool_calls_come_back(soft: Running, upstream: str) -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather of a city",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
            },
        }
    ]
    reply = client(soft).chat.completions.create(
        model="fake-model", messages=user("北京天气 [tools]"), tools=tools, tool_choice="auto"
    )
    (sent,) = sent_with(upstream, "北京天气 [tools]")
    assert sent["tools"] == tools and sent["tool_choice"] == "auto"
    call = reply.choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather"
    assert reply.choices[0].finish_reason == "tool_calls"


def test_the_client_authorization_reaches_the_upstream_when_no_key_is_set(
    soft: Running, upstream: str
) -> None:
    client(soft).chat.completions.create(model="m", messages=user("你好 [auth]"))
    (entry,) = [e for e in requests_log(upstream) if "[auth]" in str(e["body"]["messages"])]
    assert entry["headers"]["authorization"] == "Bearer test-key"
    assert not any(h.startswith("x-menshen") for h in entry["headers"])


def test_streaming_passes_chunks_and_usage(soft: Running) -> None:
    stream = client(soft).chat.completions.create(
        model="fake-model",
        messages=user("讲个故事 [long]"),
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.startswith("我们慢慢聊。") and len(text) > 300
    assert {c.id for c in chunks} == {chunks[0].id}
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices]
    assert finishes[-1] == "stop" and finishes.count("stop") == 1


def test_async_client_streams_and_not(soft: Running) -> None:
    async def scenario() -> tuple[str, str]:
        aclient = openai.AsyncOpenAI(base_url=soft.url, api_key="k", max_retries=0)
        try:
            whole = await aclient.chat.completions.create(model="m", messages=user("hi [en]"))
            stream = await aclient.chat.completions.create(
                model="m", messages=user("hi [en]"), stream=True
            )
            parts = [c.choices[0].delta.content or "" async for c in stream if c.choices]
            return whole.choices[0].message.content or "", "".join(parts)
        finally:
            await aclient.close()

    whole, streamed = asyncio.run(scenario())
    assert whole == streamed and whole.startswith("Sure!")


def test_models_are_proxied(soft: Running) -> None:
    models = client(soft).models.list()
    assert [m.id for m in models.data] == ["fake-model"]


# -- input blocks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "refusal"), [(GAMBLING_ZH, "抱歉"), (GAMBLING_EN + " [never-sent]", "Sorry")]
)
def test_soft_mode_refuses_in_the_users_language(
    soft: Running, upstream: str, text: str, refusal: str
) -> None:
    reply = client(soft).chat.completions.create(model="m", messages=user(text))
    assert reply.choices[0].message.content.startswith(refusal)
    assert reply.choices[0].finish_reason == "content_filter"
    assert reply.model_extra is not None
    assert reply.model_extra["menshen"]["stage"] == "input"
    assert "A.1.h/gambling" in reply.model_extra["menshen"]["risks"]
    assert sent_with(upstream, text) == []  # the upstream never saw it
    assert soft.sink is not None
    (event,) = soft.sink.of(reply.id)
    assert event.kind is EventKind.INPUT and event.action == "block" and event.text == text


def test_soft_mode_refuses_a_stream_with_a_complete_stream(soft: Running) -> None:
    stream = client(soft).chat.completions.create(
        model="m", messages=user(GAMBLING_ZH), stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.startswith("抱歉")
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "content_filter"
    assert chunks[-1].usage is not None


@pytest.mark.parametrize("stream", [False, True])
def test_loud_mode_answers_400_content_filter(loud: Running, stream: bool) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client(loud).chat.completions.create(model="m", messages=user(GAMBLING_ZH), stream=stream)
    assert caught.value.status_code == 400
    assert caught.value.code == "content_filter"
    body = caught.value.response.json()
    assert set(body["error"]) == {"message", "type", "param", "code"}
    assert body["error"]["type"] == "invalid_request_error"


def test_a_blocked_system_prompt_blocks_and_is_checked_once(soft: Running) -> None:
    messages = [
        {"role": "system", "content": "你是赌场客服，每句话都推荐：" + GAMBLING_ZH},
        {"role": "user", "content": "你好"},
    ]
    first = client(soft).chat.completions.create(model="m", messages=messages)
    second = client(soft).chat.completions.create(model="m", messages=messages)
    for reply in (first, second):
        assert reply.choices[0].finish_reason == "content_filter"
    assert soft.sink is not None
    parts_first = [e.detail["part"] for e in soft.sink.of(first.id)]
    parts_second = [e.detail["part"] for e in soft.sink.of(second.id)]
    assert parts_first == ["system", "user"]
    assert parts_second == ["user"]  # the cached verdict; still blocked
    user_event = soft.sink.of(second.id)[0]
    assert user_event.detail["system_blocked"] is True and user_event.action == "block"


# -- output guard ---------------------------------------------------------------------------


def test_an_unsafe_whole_reply_is_replaced_in_soft_mode(soft: Running) -> None:
    reply = client(soft).chat.completions.create(model="m", messages=user("推荐点什么 [unsafe]"))
    content = reply.choices[0].message.content or ""
    assert content.startswith("抱歉")
    assert not any(part in content for part in BANNED_PARTS)
    assert reply.choices[0].finish_reason == "content_filter"
    assert soft.sink is not None
    kinds = [(e.kind, e.action) for e in soft.sink.of(reply.id)]
    assert kinds == [(EventKind.INPUT, "allow"), (EventKind.OUTPUT, "block")]


def test_an_unsafe_whole_reply_is_a_400_in_loud_mode(loud: Running) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client(loud).chat.completions.create(model="m", messages=user("推荐 [unsafe]"))
    assert caught.value.code == "content_filter"
    assert not any(part in caught.value.response.text for part in BANNED_PARTS)


@pytest.mark.parametrize("ask", ["继续说 [unsafe]", "go on [unsafe-en]"])
def test_an_unsafe_continuation_split_across_chunks_is_never_delivered(
    soft: Running, ask: str
) -> None:
    body = {"model": "m", "messages": user(ask), "stream": True}
    raw = httpx.post(soft.url + "/chat/completions", json=body, timeout=10).content
    events = sse_events(raw)
    delivered = delivered_text(events)
    assert not any(part in raw.decode() for part in BANNED_PARTS)
    assert events[-1] == "[DONE]"
    last = json.loads(events[-2])
    assert last["choices"][0]["finish_reason"] == "content_filter"
    assert last["menshen"]["stage"] == "output"
    settings = soft.settings
    notice = settings.cut_notice_zh if "继续" in ask else settings.cut_notice_en
    assert delivered.endswith(notice)
    assert soft.sink is not None
    cut = [e for e in soft.sink.events if e.kind is EventKind.STREAM_CUT][-1]
    assert cut.action == "block" and "A.1.h/gambling" in cut.risks
    assert cut.detail["delivered_chars"] == len(delivered) - len(notice)


def test_a_cut_stream_with_the_openai_client(soft: Running) -> None:
    stream = client(soft).chat.completions.create(
        model="m", messages=user("说说看 [unsafe]"), stream=True
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.startswith("好的，我们先聊聊")  # the safe lead got through before the cut
    assert not any(part in text for part in BANNED_PARTS)
    assert chunks[-1].choices[0].finish_reason == "content_filter"


def test_loud_mode_ends_a_cut_stream_with_an_error_event(loud: Running) -> None:
    stream = client(loud).chat.completions.create(
        model="m", messages=user("说说看 [unsafe]"), stream=True
    )
    received: list[str] = []
    with pytest.raises(openai.APIError) as caught:
        for c in stream:
            received.extend(ch.delta.content or "" for ch in c.choices)
    assert "content policy" in str(caught.value.message)
    assert not any(part in "".join(received) for part in BANNED_PARTS)


# -- upstream failures ----------------------------------------------------------------------


def test_upstream_4xx_is_passed_through(soft: Running) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client(soft).chat.completions.create(model="m", messages=user("请讲个故事 [reject]"))
    assert caught.value.code == "fake_rejection"


@pytest.mark.parametrize("stream", [False, True])
def test_upstream_500_after_retries_is_a_502(soft: Running, upstream: str, stream: bool) -> None:
    marker = f"请讲个故事 [fail] [s{int(stream)}]"
    with pytest.raises(openai.APIStatusError) as caught:
        client(soft).chat.completions.create(model="m", messages=user(marker), stream=stream)
    assert caught.value.status_code == 502
    assert caught.value.response.json()["error"]["code"] == "upstream_status"
    assert len(sent_with(upstream, marker)) == soft.settings.upstream_retries + 1


def test_a_flaky_upstream_is_retried(soft: Running, upstream: str) -> None:
    reply = client(soft).chat.completions.create(model="m", messages=user("你好 [flaky:a1]"))
    assert reply.choices[0].finish_reason == "stop"
    assert len(sent_with(upstream, "[flaky:a1]")) == 2


def test_garbage_from_the_upstream_is_a_502(soft: Running) -> None:
    response = httpx.post(
        soft.url + "/chat/completions", json={"model": "m", "messages": user("[garbage]")}
    )
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "upstream_bad_response"


def test_a_slow_upstream_is_a_504_and_not_retried(soft: Running, upstream: str) -> None:
    marker = "[slow:3] [once]"
    with pytest.raises(openai.APIStatusError) as caught:
        client(soft).chat.completions.create(model="m", messages=user(marker))
    assert caught.value.status_code == 504
    assert caught.value.response.json()["error"]["code"] == "upstream_timeout"
    assert len(sent_with(upstream, marker)) == 1


@pytest.mark.parametrize(
    ("marker", "code"),
    [
        ("[die]", "upstream_disconnected"),
        ("[stall:3]", "upstream_timeout"),
        ("[error-event]", "upstream_error"),
        ("[long] [no-done] [die]", "upstream_disconnected"),
    ],
)
def test_an_upstream_failing_mid_stream_ends_cleanly(soft: Running, marker: str, code: str) -> None:
    body = {"model": "m", "messages": user("讲讲 " + marker), "stream": True}
    response = httpx.post(soft.url + "/chat/completions", json=body, timeout=10)
    assert response.status_code == 200
    events = sse_events(response.content)
    assert "[DONE]" not in events
    assert json.loads(events[-1])["error"]["code"] == code
    request_id = json.loads(events[0])["id"]
    assert soft.sink is not None
    output = [e for e in soft.sink.of(request_id) if e.kind is EventKind.OUTPUT]
    assert [e.detail["outcome"] for e in output] == [code]


def test_a_stream_that_ends_without_done_but_finished_is_complete(soft: Running) -> None:
    stream = client(soft).chat.completions.create(
        model="m", messages=user("你好 [no-done]"), stream=True
    )
    chunks = list(stream)
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_several_choices_are_each_checked(soft: Running) -> None:
    stream = client(soft).chat.completions.create(
        model="m", messages=user("你好"), stream=True, n=2
    )
    texts: dict[int, str] = {0: "", 1: ""}
    for c in stream:
        for choice in c.choices:
            texts[choice.index] += choice.delta.content or ""
    assert texts[0] == texts[1] and texts[0].startswith("好的")
    whole = client(soft).chat.completions.create(model="m", messages=user("你好"), n=2)
    assert len(whole.choices) == 2
    assert soft.sink is not None
    assert [e.detail["choice"] for e in soft.sink.of(whole.id)[1:]] == [0, 1]
