"""Helpers for the judge tests: tight limits and a look for processes a run left behind."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ocr_cli.judge.runner import Judge
from ocr_cli.judge.types import JudgeOptions


@pytest.fixture
def tight_judge() -> Judge:
    """A judge with limits small enough that adversarial programs end quickly."""
    return Judge(JudgeOptions(time_limit_s=0.5, memory_limit_mb=128, output_limit_mb=1, jobs=2))


def _processes_with(token: str) -> list[int]:
    """Pids of live processes whose command line contains `token`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = next((line for line in (entry / "status").read_text().splitlines()
                          if line.startswith("State:")), "")
        except OSError:
            continue
        if token in cmdline and "zombie" not in state and entry.name != str(os.getpid()):
            found.append(int(entry.name))
    return found


@pytest.fixture
def processes_with() -> Callable[[str], list[int]]:
    """A function finding live processes whose command line contains a token."""
    return _processes_with


@pytest.fixture
def no_launcher(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Act as if no C compiler could build the launcher (the rlimits-only fallback) during a test."""
    from ocr_cli.judge import native_launcher, sandbox

    monkeypatch.setenv("OCR_SANDBOX_LAUNCHER", "none")
    native_launcher.native_launcher.cache_clear()
    sandbox.detect_isolation.cache_clear()
    yield
    monkeypatch.delenv("OCR_SANDBOX_LAUNCHER")
    native_launcher.native_launcher.cache_clear()
    sandbox.detect_isolation.cache_clear()
