"""Time and memory limits in the ways statements write them."""

from __future__ import annotations

import pytest

from ocr_cli.problem.limits import parse_limits


@pytest.mark.parametrize(("text", "expected"), [
    ("Time limit: 2 seconds\nMemory limit: 256 megabytes", (2.0, 256)),
    ("time limit per test\n1 second\nmemory limit per test\n512 megabytes", (1.0, 512)),
    ("Time Limit: 2 sec / Memory Limit: 1024 MB", (2.0, 1024)),
    ("実行時間制限: 3 sec / メモリ制限: 1024 MiB", (3.0, 1024)),
    ("Time limit: 1500 ms. Memory Limit 1 GB", (1.5, 1024)),
    ("Time limit: 0,5 s", (0.5, None)),
    ("Memory limit: 65536 KB", (None, 64)),
    ("You are given 3 seconds of fame and 256 megabytes of memes.", (None, None)),
    ("No limits are mentioned here.", (None, None)),
])
def test_parse_limits(text: str, expected: tuple[float | None, int | None]) -> None:
    assert parse_limits(text) == expected
