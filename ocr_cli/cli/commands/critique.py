"""`ocr critique` (scaffold: replaced by its issue's work)."""

from __future__ import annotations

from ocr_cli.errors import OcrError


def critique() -> None:
    """Not built yet."""
    raise OcrError("ocr critique is not built yet")
