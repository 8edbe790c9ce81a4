"""Helpers of the REPL tests: a session over a scripted engine, a console writing to a string, a
REPL reading keys from prompt-toolkit's pipe input, and an A + B problem with scripted replies."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.input.base import PipeInput
from prompt_toolkit.output import DummyOutput
from rich.console import Console

from ocr_cli.config import load_settings
from ocr_cli.engines.factory import engine_key
from ocr_cli.engines.scripted import ReplyFn, ScriptedEngine, ScriptedReply
from ocr_cli.repl.app import Repl, make_prompt_session
from ocr_cli.repl.session import ReplSession


def string_console() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, width=120, force_terminal=False, no_color=True, highlight=False), buffer


def scripted_session(replies: Sequence[str | ReplyFn | ScriptedReply] = (), **flags: object) -> ReplSession:
    """A session whose generator is a ScriptedEngine (no file needed); `flags` are settings."""
    settings = load_settings({"model": "scripted:test.json", "n": 1, "rounds": 0, **flags})
    engine = ScriptedEngine(replies, name="test.json")
    return ReplSession(settings, engines={engine_key("scripted:test.json"): engine})


@dataclass
class Driven:
    repl: Repl
    session: ReplSession
    pipe: PipeInput
    out: io.StringIO

    def run(self, keys: str) -> str:
        """Type `keys`, run the loop until it ends, return what was printed."""
        self.pipe.send_text(keys)
        self.repl.run()
        return self.out.getvalue()


@contextmanager
def drive(session: ReplSession) -> Iterator[Driven]:
    """A REPL over `session` whose keys come from a pipe."""
    with create_pipe_input() as pipe:
        console, out = string_console()
        prompt = make_prompt_session(None, input=pipe, output=DummyOutput())
        try:
            yield Driven(Repl(session, console, prompt), session, pipe, out)
        finally:
            session.close()


SUM_STATEMENT = """A + B

Time limit: 1 second
Memory limit: 256 megabytes

Print the sum of two integers A and B.

Sample Input 1
1 2

Sample Output 1
3

Sample Input 2
-5 12

Sample Output 2
7
"""

CRITIQUE_RIGHT = "It prints A + B.\n<judgement>right</judgement>"
SUM_DRAFT = "Add them.\n\n```python\na, b = map(int, input().split())\nprint(a + b)\n```"
WRONG_DRAFT = "Multiply?\n\n```python\na, b = map(int, input().split())\nprint(a * b)\n```"


def sum_replies(draft: str = SUM_DRAFT) -> list[ScriptedReply]:
    """Replies of a scripted engine for A + B: every critique says right, every draft is `draft`."""
    return [ScriptedReply(CRITIQUE_RIGHT, when="reviewing a solution", repeat=True),
            ScriptedReply(draft, repeat=True)]


def paste(text: str) -> str:
    """Keys of a bracketed paste of `text`."""
    return "\x1b[200~" + text + "\x1b[201~"
