"""`ocr test` (scaffold: replaced by its issue's work)."""

from __future__ import annotations

from ocr_cli.errors import OcrError


def test() -> None:
    """Not built yet."""
    raise OcrError("ocr test is not built yet")
