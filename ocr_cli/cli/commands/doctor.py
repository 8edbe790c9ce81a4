"""`ocr doctor` (scaffold: replaced by its issue's work)."""

from __future__ import annotations

from ocr_cli.errors import OcrError


def doctor() -> None:
    """Not built yet."""
    raise OcrError("ocr doctor is not built yet")
