"""Turning the bytes of a statement or test file into text, refusing what is not text."""

from __future__ import annotations

import codecs
from pathlib import Path

from ocr_cli.errors import ProblemError

# Control characters that never occur in text (tab, newline, carriage return and form feed do).
_BINARY_CONTROLS = frozenset(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D}


def _looks_binary(text: str) -> bool:
    bad = sum(1 for ch in text[:8192] if ord(ch) in _BINARY_CONTROLS)
    return bad > 0


def decode_text(data: bytes, *, path: str | Path | None = None, allow_empty: bool = False) -> str:
    """Decode `data` as text: UTF-8 (with or without BOM), UTF-16 with a BOM, else Windows-1252.

    Line endings become `\\n`. Raises ProblemError for binary data (NUL bytes, control characters,
    bytes valid in no encoding tried) and, unless `allow_empty`, for empty or whitespace-only text.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ProblemError("not text: invalid UTF-16", path=path) from exc
    elif b"\x00" in data:
        raise ProblemError("not text: the file is binary (contains NUL bytes)", path=path)
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError as exc:
                raise ProblemError("not text: neither UTF-8 nor Windows-1252", path=path,
                                   hint="save the file as UTF-8") from exc
    if _looks_binary(text):
        raise ProblemError("not text: the file contains control characters", path=path)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not allow_empty and not text.strip():
        raise ProblemError("the statement is empty", path=path)
    return text
