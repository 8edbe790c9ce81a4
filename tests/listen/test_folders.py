"""Folder names made from received problems."""

from __future__ import annotations

import pytest

from ocr_cli.listen.folders import MAX_NAME_CHARS, safe_name


@pytest.mark.parametrize("text, name", [
    ("D. Glad to see you!", "d-glad-to-see-you"),
    ("Codeforces - Codeforces Round 415 (Div. 2)", "codeforces-codeforces-round-415-div-2"),
    ("Задача А. Сумма", "задача-а-сумма"),  # letters of any script stay
    ("ＡＢＣ　１２３", "abc-123"),  # full-width forms are folded
    ("a_b__c", "a-b-c"),
    ("COM1", "com1-"),
    ("...", None),
    ("", None),
])
def test_safe_name(text: str, name: str | None) -> None:
    made = safe_name(text)
    if name is None:
        assert made.startswith("problem-") and len(made) == len("problem-") + 8
    else:
        assert made == name


def test_long_names_are_cut_and_the_same_text_gives_the_same_name() -> None:
    made = safe_name("word " * 100)
    assert len(made) <= MAX_NAME_CHARS and not made.endswith("-")
    assert safe_name("?!") == safe_name("?!") != safe_name("!?")
