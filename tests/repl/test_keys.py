"""The prompt's keys, driven through prompt-toolkit's pipe input."""

from __future__ import annotations

from pathlib import Path

from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from ocr_cli.repl.app import make_prompt_session

PASTE_START, PASTE_END = "\x1b[200~", "\x1b[201~"


def _prompt(keys: str, history: Path | None = None) -> str:
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        return make_prompt_session(history, input=pipe, output=DummyOutput()).prompt("ocr> ")


def test_bracketed_paste_keeps_newlines_and_enter_submits() -> None:
    statement = "Sum\n\nInput\n1 2\r\nOutput\n3\n"
    assert _prompt(PASTE_START + statement + PASTE_END + "\r") == "Sum\n\nInput\n1 2\nOutput\n3\n"


def test_paste_does_not_submit_by_itself() -> None:
    # the pasted newlines stay in the buffer; the line typed after the paste is part of the same text
    assert _prompt(PASTE_START + "a\rb\r" + PASTE_END + "c\r") == "a\nb\nc"


def test_alt_enter_and_ctrl_j_insert_newlines() -> None:
    assert _prompt("one\x1b\rtwo\nthree\r") == "one\ntwo\nthree"


def test_history_is_written_to_the_file(tmp_path: Path) -> None:
    history = tmp_path / "data" / "history"
    _prompt(PASTE_START + "first\nproblem" + PASTE_END + "\r", history)
    _prompt("/n 2\r", history)
    text = history.read_text(encoding="utf-8")
    assert "+first\n+problem\n" in text and "+/n 2\n" in text


def test_ctrl_r_searches_the_history(tmp_path: Path) -> None:
    history = tmp_path / "history"
    for line in ("/lang cpp", "/rounds 5", "/n 3"):
        _prompt(line + "\r", history)
    # Ctrl+R, type "rou", Enter accepts the found entry into the buffer, Enter submits it
    assert _prompt("\x12rou\r\r", history) == "/rounds 5"


def test_ctrl_c_clears_a_typed_line() -> None:
    assert _prompt("garbage\x03/help\r") == "/help"
