"""Fixtures of the REPL tests: a session over a scripted engine, a console writing to a string, and
a REPL reading keys from prompt-toolkit's pipe input."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.input.base import PipeInput
from prompt_toolkit.output import DummyOutput
from rich.console import Console

from ocr_cli.config import load_settings
from ocr_cli.engines.scripted import ScriptedEngine
from ocr_cli.engines.factory import engine_key
from ocr_cli.repl.app import Repl, make_prompt_session
from ocr_cli.repl.session import ReplSession, SolverFactory


def string_console() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, width=120, force_terminal=False, no_color=True, highlight=False), buffer


def scripted_session(replies: list[str] | None = None, solver_factory: SolverFactory | None = None,
                     **flags: object) -> ReplSession:
    """A session whose generator is a ScriptedEngine (no file needed)."""
    settings = load_settings({"model": "scripted:test.json", **flags})
    engine = ScriptedEngine(replies or [], name="test.json")
    return ReplSession(settings, solver_factory=solver_factory,
                       engines={engine_key("scripted:test.json"): engine})


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


@pytest.fixture
def driven() -> Iterator[Driven]:
    with create_pipe_input() as pipe:
        session = scripted_session()
        console, out = string_console()
        prompt = make_prompt_session(None, input=pipe, output=DummyOutput())
        yield Driven(Repl(session, console, prompt), session, pipe, out)
        session.close()
