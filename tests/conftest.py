"""Shared fixtures: a small mild keyword library written for the tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from menshen import Guard
from menshen.lexicon import CompiledLexicon, compile_library, load_library

FIXTURE_LEXICON = Path(__file__).parent / "data" / "lexicon" / "fixture.yaml"


@pytest.fixture(scope="session")
def fixture_lexicon() -> CompiledLexicon:
    return compile_library(load_library([FIXTURE_LEXICON]))


@pytest.fixture(scope="session")
def guard() -> Guard:
    return Guard.from_lexicon([FIXTURE_LEXICON])
