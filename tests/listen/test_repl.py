"""`/listen` in the REPL: a problem posted while the prompt waits becomes the current problem."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from tests.listen.test_cli import SUM
from tests.listen.test_server import post

sys.path.insert(0, str(Path(__file__).parents[1] / "repl"))
from pty_driver import PtyProcess  # type: ignore[import-not-found]

DRAFT = "Add them.\n\n```python\na, b = map(int, input().split())\nprint(a + b)\n```"


def test_a_posted_problem_becomes_current_and_is_solved(tmp_path: Path) -> None:
    script = tmp_path / "sum.json"
    script.write_text(json.dumps({"replies": [
        {"when": "reviewing a solution", "text": "Right.\n<judgement>right</judgement>", "repeat": True},
        {"text": DRAFT, "repeat": True}]}), encoding="utf-8")
    env = dict(os.environ, TERM="xterm-256color", PROMPT_TOOLKIT_NO_CPR="1", COLUMNS="160", LINES="40",
               OCR_HOME=str(tmp_path / "home"))
    child = PtyProcess([sys.executable, "-m", "ocr_cli", "repl", "--model", f"scripted:{script}", "-n", "1",
                        "--rounds", "0", "--no-log"], env, cwd=str(tmp_path))
    try:
        child.expect(r"ocr> ")
        child.send("/listen 0\r")
        port = int(child.expect(r"listening on 127\.0\.0\.1:\d+").rsplit(":", 1)[1])
        child.expect(r"ocr> ")
        assert post(port, SUM)[0] == 200  # while the prompt waits
        child.expect(r"received A\. A \+ B .*now the current problem")
        child.expect(r"ocr> ")  # the prompt is drawn again below the line: keys typed before may be dropped
        child.send("/solve\r")
        child.expect(r"accepted · best c1, 2/2 tests", timeout=90)
        child.expect(r"ocr> ")
        child.send("/listen off\r")
        child.expect(r"stopped listening")
        child.expect(r"ocr> ")
        child.send("\x04")
        assert child.wait() == 0
    finally:
        child.close()
    assert (tmp_path / "example-round-1" / "a-a-b" / "test" / "sample-2.in").read_text() == "-5 12\n"
