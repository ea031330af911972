"""Errors the gateway answers itself, all in OpenAI's error shape and never a 500."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import openai
import pytest
from gateway_support import Running, free_port, run_gateway

from menshen import Guard
from server_process import requests_log

pytestmark = pytest.mark.integration

SAFE = {"model": "m", "messages": [{"role": "user", "content": "你好"}]}


def assert_openai_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"message", "type", "param", "code"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]


@pytest.mark.parametrize(
    ("content", "content_type", "code"),
    [
        (b'{"model": "m", "messages": [', "application/json", "invalid_json"),
        (b'{"model": "m", "messages": []}', "text/plain", "unsupported_content_type"),
        (b'{"model": "m", "messages": []}', None, "unsupported_content_type"),
        ('{"model": "\xff"}'.encode("latin-1"), "application/json", "invalid_encoding"),
        (b'["a list"]', "application/json", "invalid_body"),
        (b'{"model": "m"}', "application/json; charset=utf-8", "invalid_messages"),
        (b"", "application/json", "invalid_json"),
    ],
)
def test_unusable_bodies_are_400(
    soft: Running, content: bytes, content_type: str | None, code: str
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    for path in ("/chat/completions", "/moderations"):
        if path == "/moderations" and code == "invalid_messages":
            continue
        response = httpx.post(soft.url + path, content=content, headers=headers)
        assert_openai_error(response, 400, code)


def test_unknown_routes_and_methods_use_the_error_shape(soft: Running) -> None:
    assert_openai_error(httpx.get(soft.url + "/completions"), 404, "not_found")
    assert_openai_error(httpx.get(soft.url + "/chat/completions"), 405, "method_not_allowed")


@pytest.fixture(scope="module")
def small(shipped_guard: Guard, upstream: str) -> Iterator[Running]:
    with run_gateway(shipped_guard, upstream, max_body_bytes=2048) as running:
        yield running


def test_an_oversized_body_is_413_by_its_declared_length(small: Running) -> None:
    big = {"model": "m", "messages": [{"role": "user", "content": "好" * 2000}]}
    assert_openai_error(
        httpx.post(small.url + "/chat/completions", json=big), 413, "request_too_large"
    )


def test_an_oversized_chunked_body_is_413(small: Running) -> None:
    def body() -> Iterator[bytes]:
        yield b'{"model": "m", "messages": [{"role": "user", "content": "'
        for _ in range(10):
            yield b"x" * 500
        yield b'"}]}'

    response = httpx.post(
        small.url + "/chat/completions",
        content=body(),
        headers={"content-type": "application/json"},
    )
    assert "content-length" not in response.request.headers
    assert_openai_error(response, 413, "request_too_large")


def test_a_dead_upstream_is_502(shipped_guard: Guard) -> None:
    dead = f"http://127.0.0.1:{free_port()}/v1"
    with run_gateway(shipped_guard, dead) as gw:
        response = httpx.post(gw.url + "/chat/completions", json=SAFE)
        assert_openai_error(response, 502, "upstream_unreachable")
        models = httpx.get(gw.url + "/models")
        assert_openai_error(models, 502, "upstream_unreachable")
        ready = httpx.get(gw.root + "/readyz")
        assert ready.status_code == 503 and ready.json()["upstream"] is False
        client = openai.OpenAI(base_url=gw.url, api_key="k", max_retries=0)
        with pytest.raises(openai.APIStatusError) as caught:
            client.chat.completions.create(model="m", messages=SAFE["messages"], stream=True)
        assert caught.value.status_code == 502


def test_overload_is_429_with_retry_after(shipped_guard: Guard, upstream: str) -> None:
    with run_gateway(shipped_guard, upstream, max_concurrent_requests=2) as gw:
        slow = {"model": "m", "messages": [{"role": "user", "content": "你好 [slow:1.5]"}]}
        results: list[int] = []

        def call() -> None:
            results.append(
                httpx.post(gw.url + "/chat/completions", json=slow, timeout=10).status_code
            )

        threads = [threading.Thread(target=call) for _ in range(2)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 10
        while "menshen_gateway_in_flight_requests 2.0" not in httpx.get(gw.root + "/metrics").text:
            assert time.monotonic() < deadline, "the slow requests never got in flight"
            time.sleep(0.01)
        response = httpx.post(gw.url + "/chat/completions", json=SAFE)
        assert_openai_error(response, 429, "rate_limit_exceeded")
        assert response.headers["retry-after"] == "1"
        assert httpx.get(gw.root + "/healthz").status_code == 200  # not limited
        for thread in threads:
            thread.join()
        assert results == [200, 200]
        client = openai.OpenAI(base_url=gw.url, api_key="k", max_retries=0)
        reply = client.chat.completions.create(model="m", messages=SAFE["messages"])
        assert reply.choices[0].finish_reason == "stop"  # slots are given back


def test_client_keys_are_checked_and_the_upstream_gets_its_own(
    shipped_guard: Guard, upstream: str
) -> None:
    keys = {"client_api_keys": ["gw-key-1", "gw-key-2"], "upstream_api_key": "upstream-key"}
    with run_gateway(shipped_guard, upstream, **keys) as gw:
        url = gw.url + "/chat/completions"
        body = {"model": "m", "messages": [{"role": "user", "content": "你好 [keyed]"}]}
        assert_openai_error(httpx.post(url, json=body), 401, "invalid_api_key")
        wrong = {"authorization": "Bearer gw-key-3"}
        assert_openai_error(httpx.post(url, json=body, headers=wrong), 401, "invalid_api_key")
        client = openai.OpenAI(base_url=gw.url, api_key="gw-key-2", max_retries=0)
        reply = client.chat.completions.create(model="m", messages=body["messages"])
        assert reply.choices[0].finish_reason == "stop"
        assert httpx.get(gw.root + "/healthz").status_code == 200
    (entry,) = [e for e in requests_log(upstream) if "[keyed]" in str(e["body"]["messages"])]
    assert entry["headers"]["authorization"] == "Bearer upstream-key"


def test_client_keys_without_an_upstream_key_are_a_config_error() -> None:
    from menshen.errors import ConfigError
    from menshen.gateway.settings import load_settings

    with pytest.raises(ConfigError, match="client_api_keys needs upstream_api_key"):
        load_settings(
            environ={"MENSHEN_UPSTREAM_URL": "http://x/v1", "MENSHEN_CLIENT_API_KEYS": '["k"]'}
        )
