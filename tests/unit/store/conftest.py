"""Store fixtures: every ``db_url`` test runs on SQLite and on a real PostgreSQL server.

PostgreSQL comes from ``MENSHEN_TEST_POSTGRES_URL`` or a throwaway server (tests/store_pg.py).
Where neither is possible the PostgreSQL cases are skipped with the reason, unless
``MENSHEN_REQUIRE_POSTGRES=1`` (as in CI), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from typing import Any, NoReturn

import pytest

from menshen.store import AuditLog, TextPolicy
from store_pg import (
    ENV_REQUIRE,
    ENV_URL,
    PostgresServer,
    create_database,
    drop_database,
    unavailable_reason,
)


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get(ENV_REQUIRE) == "1":
        pytest.fail(f"{ENV_REQUIRE}=1 but PostgreSQL is unavailable: {reason}")
    pytest.skip(f"PostgreSQL store tests skipped: {reason}")


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    if url := os.environ.get(ENV_URL):
        yield url
        return
    if reason := unavailable_reason():
        _unavailable(reason)
    try:
        server = PostgresServer()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        _unavailable(f"cannot start a throwaway server: {exc}")
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'audit.db'}"
        return
    admin = request.getfixturevalue("postgres_admin_url")
    url = create_database(admin)
    try:
        yield url
    finally:
        drop_database(admin, url)


@pytest.fixture
def log(db_url: str) -> Iterator[AuditLog]:
    with AuditLog.open(db_url, text_policy=TextPolicy.FULL) as opened:
        yield opened
