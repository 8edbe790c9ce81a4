"""`ocr bench` (scaffold: replaced by its issue's work)."""

from __future__ import annotations

from ocr_cli.errors import OcrError


def bench() -> None:
    """Not built yet."""
    raise OcrError("ocr bench is not built yet")
