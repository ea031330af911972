"""A throwaway PostgreSQL server for tests: ``initdb`` into a temporary folder, ``pg_ctl start``.

The server listens on 127.0.0.1 on a free port, with its unix socket inside the folder, trust
authentication and fsync off (the data is thrown away). PostgreSQL refuses to run as root, so
under root the binaries run as ``nobody`` through ``runuser`` and the folder is given to it.

``MENSHEN_TEST_POSTGRES_URL`` (an admin URL whose role may create databases) skips all this and
uses a server you already run.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

from sqlalchemy.engine import make_url

ENV_URL = "MENSHEN_TEST_POSTGRES_URL"
ENV_REQUIRE = "MENSHEN_REQUIRE_POSTGRES"
_UNPRIVILEGED = "nobody"


def find_bin_dir() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: on PATH, else the newest Debian install."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return Path(candidates[-1]).parent if candidates else None


def unavailable_reason() -> str | None:
    """Why a throwaway server cannot be started here, or ``None`` when it can."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install 'menshen[postgres]')"
    if find_bin_dir() is None:
        return "PostgreSQL server binaries (initdb, pg_ctl) not found; apt-get install postgresql"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root and runuser is missing, so initdb cannot run unprivileged"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class PostgresServer:
    """One running throwaway server; :meth:`stop` deletes it."""

    def __init__(self) -> None:
        bin_dir = find_bin_dir()
        assert bin_dir is not None, unavailable_reason()
        self._bin = bin_dir
        as_root = os.geteuid() == 0
        # under root the folder must be reachable by nobody: /tmp, not a private TMPDIR
        parent = "/tmp" if as_root and os.path.isdir("/tmp") else None
        self.root = Path(tempfile.mkdtemp(prefix="menshen-pg-", dir=parent))
        self._as_user: list[str] = []
        if as_root:
            self._as_user = ["runuser", "-u", _UNPRIVILEGED, "--"]
            shutil.chown(self.root, user=_UNPRIVILEGED)
        self.port = _free_port()
        self.data = self.root / "data"
        try:
            self._run(
                "initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust",
                "-E", "UTF8", "--no-locale", "--no-sync",
            )  # fmt: skip
            options = f"-F -p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
            self._run(
                "pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-o", options,
                "-w", "-t", "60", "start",
            )  # fmt: skip
        except BaseException:
            shutil.rmtree(self.root, ignore_errors=True)
            raise
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        """The admin URL (trust authentication, so no password)."""

    def _run(self, tool: str, *args: str) -> None:
        command = [*self._as_user, str(self._bin / tool), *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=self.root)
        if result.returncode != 0:
            log = self.root / "log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{tool} failed: {result.stderr or result.stdout}\n{tail}")

    def stop(self) -> None:
        """Stop the server immediately and delete its folder."""
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def create_database(admin_url: str) -> str:
    """Create an empty database on the server of ``admin_url``; return its URL."""
    import psycopg

    name = f"menshen_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_libpq(admin_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return (
        make_url(admin_url)
        .set(drivername="postgresql+psycopg", database=name)
        .render_as_string(hide_password=False)
    )


def drop_database(admin_url: str, url: str) -> None:
    """Drop the database of ``url``, disconnecting anyone still in it."""
    import psycopg

    name = make_url(url).database
    with psycopg.connect(_libpq(admin_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
