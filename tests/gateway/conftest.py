"""Fixtures of the gateway tests: the fake upstream process, the shipped guard, gateways."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gateway_support import FAKE_UPSTREAM, Running, run_gateway

from menshen import Guard
from server_process import served


@pytest.fixture(scope="session")
def upstream() -> Iterator[str]:
    """Base URL (with ``/v1``) of the fake upstream, running in its own process."""
    with served(FAKE_UPSTREAM, "the fake upstream", 20.0) as url:
        yield url


@pytest.fixture(scope="session")
def shipped_guard() -> Guard:
    """The out-of-the-box guard: the starter library and the shipped classifier."""
    return Guard.default()


@pytest.fixture(scope="module")
def soft(shipped_guard: Guard, upstream: str) -> Iterator[Running]:
    """A gateway in soft block mode, auditing into memory."""
    with run_gateway(shipped_guard, upstream) as running:
        yield running


@pytest.fixture(scope="module")
def loud(shipped_guard: Guard, upstream: str) -> Iterator[Running]:
    """A gateway in loud block mode, auditing into memory."""
    with run_gateway(shipped_guard, upstream, block_mode="loud") as running:
        yield running
