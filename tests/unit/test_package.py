"""Package hygiene: the public surface and the import weight of the core."""

from __future__ import annotations

import subprocess
import sys

import menshen


def test_all_is_sorted_and_complete() -> None:
    assert menshen.__all__ == sorted(menshen.__all__)
    for name in menshen.__all__:
        assert hasattr(menshen, name), name


def test_import_does_not_load_web_or_ml_stacks() -> None:
    heavy = "('fastapi','torch','transformers','httpx','sklearn','uvicorn','pypinyin')"
    code = (
        "import sys, menshen; g = menshen.Guard(); g.check('你好');"
        f"print(sorted(m for m in {heavy} if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_c_scanner_is_compiled() -> None:
    from menshen.text import _scan  # type: ignore[attr-defined]

    assert hasattr(_scan, "Matcher")
