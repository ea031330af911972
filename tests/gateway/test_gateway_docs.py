"""docs/gateway.md keeps up with the code: every setting, metric, header and error code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from menshen.gateway.metrics import GatewayMetrics
from menshen.gateway.settings import GatewaySettings

DOC = Path(__file__).resolve().parents[2] / "docs" / "gateway.md"
SOURCE = Path(__file__).resolve().parents[2] / "src" / "menshen" / "gateway"


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(GatewaySettings.model_fields))
def test_every_setting_is_documented(doc: str, name: str) -> None:
    assert re.search(rf"`{name}`", doc), f"docs/gateway.md does not describe setting {name}"


def test_every_metric_is_documented(doc: str) -> None:
    for metric in GatewayMetrics().registry.collect():
        name = metric.name + ("_total" if metric.type == "counter" else "")
        assert f"`{name}`" in doc, name


def test_every_error_code_is_documented(doc: str) -> None:
    codes = set()
    for path in SOURCE.glob("*.py"):
        codes |= set(re.findall(r'code="([a-z_]+)"', path.read_text(encoding="utf-8")))
    assert codes, "no error codes found in the source"
    missing = sorted(code for code in codes if f"`{code}`" not in doc)
    assert not missing, f"docs/gateway.md does not list error codes {missing}"
