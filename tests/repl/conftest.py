"""Fixtures of the REPL tests (helpers live in repl_helpers.py, importable from the tests)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from repl_helpers import Driven, drive, scripted_session, sum_replies


@pytest.fixture
def driven() -> Iterator[Driven]:
    """A REPL solving A + B with a scripted engine, one candidate, no revision."""
    with drive(scripted_session(sum_replies())) as d:
        yield d
