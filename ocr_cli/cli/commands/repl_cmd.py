"""`ocr repl` (scaffold: replaced by its issue's work)."""

from __future__ import annotations

from ocr_cli.errors import OcrError


def repl() -> None:
    """Not built yet."""
    raise OcrError("ocr repl is not built yet")
