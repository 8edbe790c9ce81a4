"""Shared fixtures: every test gets its own ocr home (config, transcripts, history, models)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def ocr_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Path:
    """Point ocr's config, data and model folders at a fresh temporary folder; model tests run
    llama.cpp on one thread (its spinning threads crawl on a busy machine: docs/performance.md)."""
    home = tmp_path / "ocr-home"
    home.mkdir()
    monkeypatch.setenv("OCR_HOME", str(home))
    for name in list(__import__("os").environ):
        if name.startswith("OCR_") and name != "OCR_HOME":
            monkeypatch.delenv(name, raising=False)
    if request.node.get_closest_marker("model") is not None:
        monkeypatch.setenv("OCR_THREADS", "1")  # also for the ocr processes these tests start
    return home
