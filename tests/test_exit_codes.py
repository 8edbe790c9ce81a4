"""The exit codes have one home (ocr_cli/errors.py): no command spells 130 or redefines a constant."""

from __future__ import annotations

import re
from pathlib import Path

import ocr_cli
from ocr_cli.errors import EXIT_INTERRUPTED, EXIT_USAGE, OcrError

PACKAGE = Path(ocr_cli.__file__).parent


def test_exit_codes_are_defined_once() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "errors.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"^EXIT_(OK|FAILED|USAGE|INTERRUPTED)\s*=", text, re.MULTILINE):
            offenders.append(f"{path}: defines an EXIT_ constant")
        if re.search(r"(Exit|exit)\(\s*130\s*\)", text):
            offenders.append(f"{path}: exits with a literal 130")
    assert offenders == []


def test_the_codes_are_the_documented_ones() -> None:
    assert EXIT_INTERRUPTED == 130
    assert OcrError("x").exit_code == EXIT_USAGE == 2
