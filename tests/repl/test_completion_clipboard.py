"""Tab completion of commands and arguments; copying to the clipboard."""

from __future__ import annotations

import base64
import io
import os
import stat
from pathlib import Path

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from ocr_cli.repl.clipboard import copy_to_clipboard, osc52_sequence
from ocr_cli.repl.completion import ReplCompleter


def _complete(text: str, presets: list[str] | None = None) -> list[str]:
    completer = ReplCompleter(presets=lambda: presets or [])
    event = CompleteEvent(completion_requested=True)
    return [c.text for c in completer.get_completions(Document(text), event)]


def test_command_names_complete() -> None:
    assert _complete("/s") == ["/solve", "/samples", "/statement", "/strategy", "/show", "/save", "/settings"]
    assert _complete("/he") == ["/help"]
    assert _complete("statement text") == []


def test_fixed_arguments_and_presets_complete() -> None:
    assert _complete("/lang ") == ["python", "cpp"]
    assert _complete("/show r") == ["reasoning"]
    assert _complete("/critic ", presets=["qwen-7b"])[:3] == ["off", "self", "qwen-7b"]
    assert _complete("/model q", presets=["qwen-7b", "smollm2"]) == ["qwen-7b"]


def test_paths_complete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "tests-a").mkdir()
    (tmp_path / "solution.py").write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert _complete("/tests te") == ["sts-a"]
    assert _complete("/test sol") == ["ution.py"]


def _fake_program(folder: Path, name: str, sink: Path) -> None:
    script = folder / name
    script.write_text(f"#!/bin/sh\nexec /bin/cat > {sink}\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


def test_copy_uses_an_available_program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sink = tmp_path / "clipboard"
    _fake_program(tmp_path, "xclip", sink)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert copy_to_clipboard("print(42)\n") == "xclip"
    assert sink.read_text(encoding="utf-8") == "print(42)\n"


def test_copy_falls_back_to_osc52_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no programs
    monkeypatch.delenv("TMUX", raising=False)

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Tty()
    assert copy_to_clipboard("héllo", terminal=terminal) is not None
    payload = terminal.getvalue().removeprefix("\x1b]52;c;").removesuffix("\x07")
    assert base64.b64decode(payload).decode("utf-8") == "héllo"
    assert copy_to_clipboard("x", terminal=io.StringIO()) is None  # not a terminal: nowhere to copy


def test_osc52_is_wrapped_for_tmux(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMUX", "/tmp/tmux-0/default,1,0")
    sequence = osc52_sequence("a")
    assert sequence.startswith("\x1bPtmux;\x1b\x1b]52;c;") and sequence.endswith("\x1b\\")
    assert os.environ["TMUX"]
