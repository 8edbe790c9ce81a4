"""`ocr samples` (scaffold: replaced by its issue's work)."""

from __future__ import annotations

from ocr_cli.errors import OcrError


def samples() -> None:
    """Not built yet."""
    raise OcrError("ocr samples is not built yet")
