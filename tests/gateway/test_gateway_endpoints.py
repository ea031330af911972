"""Moderation, health, readiness and metrics endpoints of a real gateway."""

from __future__ import annotations

import re

import httpx
import openai
import pytest
from gateway_support import Running, run_gateway

from menshen import Guard
from menshen.taxonomy import OPENAI_CATEGORIES

pytestmark = pytest.mark.integration

GAMBLING = "首充送彩金，百家乐日赚千元"


def test_moderation_follows_openais_schema(soft: Running) -> None:
    client = openai.OpenAI(base_url=soft.url, api_key="k", max_retries=0)
    result = client.moderations.create(model="menshen", input=[GAMBLING, "今天天气很好"])
    flagged, clean = result.results
    assert flagged.flagged and not clean.flagged
    assert flagged.categories.illicit is True and clean.categories.illicit is False
    assert flagged.category_scores.illicit > 0.8
    assert flagged.category_applied_input_types.illicit == ["text"]
    extra = flagged.model_extra
    assert extra is not None
    assert extra["menshen"]["action"] == "block"
    assert "A.1.h/gambling" in [r["code"] for r in extra["menshen"]["risks"]]
    assert clean.model_extra is not None and clean.model_extra["menshen"]["risks"] == []


def test_moderation_raw_body_has_every_category(soft: Running) -> None:
    response = httpx.post(soft.url + "/moderations", json={"input": GAMBLING})
    body = response.json()
    assert body["id"].startswith("modr-") and body["model"] == "menshen"
    (result,) = body["results"]
    assert set(result["categories"]) == set(OPENAI_CATEGORIES)
    assert set(result["category_scores"]) == set(OPENAI_CATEGORIES)


def test_moderation_reads_parts_audience_and_role(soft: Running) -> None:
    parts = [{"type": "text", "text": "你好"}, {"type": "image_url", "image_url": {"url": "x"}}]
    body = httpx.post(soft.url + "/moderations", json={"input": parts}).json()
    assert len(body["results"]) == 1
    headers = {"x-menshen-role": "output", "x-menshen-audience": "minor"}
    response = httpx.post(soft.url + "/moderations", json={"input": GAMBLING}, headers=headers)
    assert response.json()["results"][0]["flagged"] is True
    bad_role = httpx.post(
        soft.url + "/moderations", json={"input": "hi"}, headers={"x-menshen-role": "bot"}
    )
    assert bad_role.status_code == 400
    assert bad_role.json()["error"]["code"] == "invalid_metadata"


@pytest.mark.parametrize("value", [None, 3, [], [1, 2], ["a", {"type": "text"}]])
def test_moderation_rejects_unusable_input(soft: Running, value: object) -> None:
    response = httpx.post(soft.url + "/moderations", json={"input": value})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"


def test_moderation_checks_long_batches_in_the_pool(shipped_guard: Guard, upstream: str) -> None:
    with run_gateway(shipped_guard, upstream, inline_check_chars=0) as gw:
        body = httpx.post(gw.url + "/moderations", json={"input": [GAMBLING, "你好"]}).json()
        reply = httpx.post(
            gw.url + "/chat/completions",
            json={"model": "m", "messages": [{"role": "user", "content": GAMBLING}]},
        ).json()
    assert [r["flagged"] for r in body["results"]] == [True, False]
    assert reply["choices"][0]["finish_reason"] == "content_filter"


def test_health_and_readiness(soft: Running) -> None:
    assert httpx.get(soft.root + "/healthz").json() == {"status": "ok"}
    ready = httpx.get(soft.root + "/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "upstream": True, "audit": True}


def test_metrics_count_requests_verdicts_stages_and_upstream_errors(soft: Running) -> None:
    client = openai.OpenAI(base_url=soft.url, api_key="k", max_retries=0)
    client.chat.completions.create(model="m", messages=[{"role": "user", "content": GAMBLING}])
    client.chat.completions.create(model="m", messages=[{"role": "user", "content": "你好"}])
    httpx.post(
        soft.url + "/chat/completions",
        json={"model": "m", "messages": [{"role": "user", "content": "[garbage]"}]},
    )
    text = httpx.get(soft.root + "/metrics").text
    assert re.search(
        r'menshen_gateway_requests_total\{endpoint="/v1/chat/completions",status="200"\} \d', text
    )
    assert 'menshen_gateway_requests_total{endpoint="/v1/chat/completions",status="502"}' in text
    assert re.search(
        r'menshen_gateway_verdicts_total\{action="block",risk="A.1.h/gambling",role="input"\}', text
    )
    assert 'menshen_gateway_verdicts_total{action="allow",risk="none",role="output"}' in text
    for stage in ("input_guard", "upstream", "output_guard", "audit"):
        assert f'menshen_gateway_stage_seconds_count{{stage="{stage}"}}' in text
    assert 'menshen_gateway_upstream_errors_total{kind="bad_response"}' in text
    assert "menshen_gateway_in_flight_requests" in text
