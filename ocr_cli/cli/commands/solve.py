"""`ocr solve` (scaffold: replaced by its issue's work)."""

from __future__ import annotations

from ocr_cli.errors import OcrError


def solve() -> None:
    """Not built yet."""
    raise OcrError("ocr solve is not built yet")
