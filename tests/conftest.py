"""Shared fixtures: a small mild keyword library written for the tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

from menshen import Guard
from menshen.lexicon import CompiledLexicon, compile_library, load_library

FIXTURE_LEXICON = Path(__file__).parent / "data" / "lexicon" / "fixture.yaml"

# The first example pays for loading the tables; CI machines are slow and shared.
settings.register_profile("menshen", deadline=None)
settings.load_profile("menshen")


@pytest.fixture(scope="session")
def fixture_lexicon() -> CompiledLexicon:
    return compile_library(load_library([FIXTURE_LEXICON]))


@pytest.fixture(scope="session")
def guard() -> Guard:
    return Guard.from_lexicon([FIXTURE_LEXICON])
