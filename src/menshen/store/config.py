"""The store's defaults, importable without SQLAlchemy (the CLI builds its options from them)."""

from __future__ import annotations

from datetime import timedelta

DEFAULT_URL = "sqlite:///menshen.db"
"""Where the store lives unless ``--db`` or ``MENSHEN_DB_URL`` says otherwise."""

URL_ENV = "MENSHEN_DB_URL"
"""The environment variable holding the database URL."""

DEFAULT_MIN_RETENTION = timedelta(days=183)
"""Records younger than this are kept unless a purge is forced (about six months)."""
