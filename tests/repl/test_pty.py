"""The REPL through a real pseudo-terminal: `ocr repl --model scripted:...` as a user runs it."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from pty_driver import PtyProcess  # type: ignore[import-not-found]
from repl_helpers import CRITIQUE_RIGHT, SUM_DRAFT, SUM_STATEMENT, paste  # type: ignore[import-not-found]

from ocr_cli import paths

HERE = Path(__file__).parent


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(TERM="xterm-256color", PROMPT_TOOLKIT_NO_CPR="1", COLUMNS="120", LINES="40")
    env.pop("NO_COLOR", None)
    return env


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "sum.json"
    path.write_text(json.dumps({"replies": [
        {"when": "reviewing a solution", "text": CRITIQUE_RIGHT, "repeat": True},
        {"text": SUM_DRAFT, "repeat": True},
    ]}), encoding="utf-8")
    return path


def test_paste_solve_commands_and_quit_in_a_real_terminal(script: Path, tmp_path: Path) -> None:
    child = PtyProcess([sys.executable, "-m", "ocr_cli", "repl", "--model", f"scripted:{script}",
                        "-n", "1", "--rounds", "0"], _env(), cwd=str(tmp_path))
    try:
        child.expect(r"ocr · scripted · sum\.json")
        child.expect(r"ocr> ")
        child.send(paste(SUM_STATEMENT) + "\r")
        child.expect(r"2 samples found · time limit 1 s · memory limit 256 MB")
        child.expect(r"accepted · best c1, 2/2 tests, critic right")
        child.expect(r"ocr> ")
        child.send("/hist\t")  # Tab completes the only command starting so
        child.expect(r"ory")  # the completed rest of /history, drawn after the cursor moves
        child.send("\r")
        child.expect(r"│ 1 │ A \+ B +│ accepted │ c1")
        child.expect(r"ocr> ")
        child.send("/save solution.py\r")
        child.expect(r"saved solution\.py")
        child.expect(r"ocr> ")
        child.send("/lang rust\r")
        child.expect(r"error: unknown language 'rust'")
        child.expect(r"ocr> ")
        child.send("\x04")
        assert child.wait() == 0
    finally:
        child.close()
    assert (tmp_path / "solution.py").read_text(encoding="utf-8").endswith("print(a + b)\n")
    assert "+/save solution.py" in paths.history_file().read_text(encoding="utf-8")


def test_ctrl_c_cancels_a_solve_and_the_session_goes_on(tmp_path: Path) -> None:
    child = PtyProcess([sys.executable, str(HERE / "slow_repl.py")], _env(), cwd=str(tmp_path))
    try:
        child.expect(r"ocr> ")
        child.send(paste(SUM_STATEMENT) + "\r")
        child.expect(r"critiquing")
        child.send("\x03")
        child.expect(r"cancelled: kept the best code so far")  # the critique never ends by itself
        child.expect(r"ocr> ")
        child.send("/history\r")
        child.expect(r"cancelled")
        child.expect(r"ocr> ")
        child.send("\x03")  # at an empty prompt: asks first
        child.expect(r"quit ocr\? \[y/N\]")
        child.send("y\r")
        assert child.wait() == 0
    finally:
        child.close()


def test_ocr_without_arguments_on_a_terminal_starts_the_repl(script: Path, tmp_path: Path) -> None:
    env = dict(_env(), OCR_MODEL=f"scripted:{script}")
    child = PtyProcess([sys.executable, "-m", "ocr_cli"], env, cwd=str(tmp_path))
    try:
        child.expect(r"ocr · scripted · sum\.json")
        child.expect(r"ocr> ")
        child.send("\x04")
        assert child.wait() == 0
    finally:
        child.close()
