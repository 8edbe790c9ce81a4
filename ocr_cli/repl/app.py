"""The REPL's terminal loop: a prompt-toolkit prompt (bracketed paste, history, Ctrl+R, completion)
on a terminal, a plain line reader otherwise.

Keys: Enter submits; Alt+Enter or Ctrl+J inserts a newline; a bracketed paste is inserted whole and
never submits by itself; Ctrl+C clears a typed line, and at an empty prompt asks before quitting;
Ctrl+D at an empty prompt quits.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from prompt_toolkit import PromptSession
from prompt_toolkit.application import run_in_terminal
from prompt_toolkit.application.current import set_app
from prompt_toolkit.filters import is_searching
from prompt_toolkit.history import FileHistory, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from rich.console import Console

from ocr_cli.errors import OcrError
from ocr_cli.frontend.render_solve import SolveView, render_result
from ocr_cli.repl import render
from ocr_cli.repl.commands import ALIASES, COMMANDS, CommandError, Dispatcher, Outcome, is_command
from ocr_cli.repl.completion import ReplCompleter
from ocr_cli.repl.session import ReplSession


def key_bindings() -> KeyBindings:
    """Enter submits, Alt+Enter / Ctrl+J insert a newline, Ctrl+C clears or asks to quit."""
    bindings = KeyBindings()
    editing = ~is_searching  # while Ctrl+R searches, Enter accepts the search (prompt-toolkit's own)

    @bindings.add("enter", filter=editing)
    def _submit(event: KeyPressEvent) -> None:
        event.current_buffer.validate_and_handle()

    @bindings.add("escape", "enter", filter=editing)
    @bindings.add("c-j", filter=editing)
    def _newline(event: KeyPressEvent) -> None:
        event.current_buffer.insert_text("\n")

    @bindings.add("c-c", filter=editing)
    def _interrupt(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        if buffer.text:
            buffer.reset()
        else:
            event.app.exit(exception=KeyboardInterrupt())

    return bindings


def make_prompt_session(history_path: Path | None = None, **io: Any) -> PromptSession[str]:
    """The prompt: multi-line buffer, file history (Ctrl+R searches it), slash-command completion.

    `io` may carry prompt-toolkit's `input` and `output` (tests pass a pipe input and DummyOutput).
    """
    history: FileHistory | InMemoryHistory
    if history_path is not None:
        history_path.parent.mkdir(parents=True, exist_ok=True)
        history = FileHistory(str(history_path))
    else:
        history = InMemoryHistory()
    return PromptSession(
        multiline=True,
        key_bindings=key_bindings(),
        history=history,
        completer=ReplCompleter(),
        complete_while_typing=False,
        prompt_continuation=lambda width, line_number, wrap_count: "." * (width - 1) + " ",
        enable_open_in_editor=False,
        **io,
    )


class Repl:
    """Reads submissions and answers them: statements are solved, slash commands dispatched."""

    def __init__(self, session: ReplSession, console: Console, prompt: PromptSession[str] | None) -> None:
        self.session = session
        self.console = console
        self.prompt = prompt
        self._plain_lines: Iterator[str] | None = None
        self.dispatcher = Dispatcher(session, console, ask=self._ask, solve=self._solve)
        if prompt is not None:
            self.dispatcher.notify = self._notify

    def _notify(self, text: str) -> None:
        """Print a line from another thread without breaking the prompt being edited."""
        app = self.prompt.app if self.prompt is not None else None
        if app is None or not app.is_running or app.loop is None:
            self._say(text)
            return

        def show() -> None:  # on the prompt's loop, as its application (run_in_terminal needs that)
            with set_app(app):
                run_in_terminal(lambda: self._say(text))

        app.loop.call_soon_threadsafe(show)

    # ----- answering -----------------------------------------------------------------------------

    def _say(self, text: str) -> None:
        self.console.print(text, markup=False, highlight=False)

    def _solve(self) -> None:
        """Solve the current problem with live progress; Ctrl+C cancels it, keeping the best so far
        (shown, in `/history`, and in the transcript)."""
        from ocr_cli.solve.setup import judging_note

        for line in self.session.solve_warnings():
            self._say(f"warning: {line}")
        note = judging_note(self.session.problem) if self.session.problem is not None else None
        if note:
            self._say(note)
        run = self.session.solve(SolveView(self.console, show_reasoning=self.session.settings.show_reasoning))
        if self.session.transcript_problem:
            self._say(f"warning: no transcript: {self.session.transcript_problem}")
        if run.interrupted:
            render_result(self.console, run.result)
            kept = "kept the best code so far" if run.result.code else "no code yet"
            where = f" (transcript #{run.run_id})" if run.run_id is not None else ""
            self._say(f"cancelled: {kept}{where}")

    def submit(self, text: str) -> Outcome:
        """Answer one submission; errors become one line and the session goes on."""
        if not text.strip():
            return Outcome.CONTINUE
        try:
            if is_command(text):
                return self.dispatcher.run(text)
            word = text.strip().lower()
            if word in COMMANDS or word in ALIASES:
                self._say(f"did you mean /{word}? (commands start with /; other text is a statement)")
                return Outcome.CONTINUE
            problem, dropped = self.session.set_problem_text(text)
            if dropped:
                self._say(f"new problem: dropped the previous problem's {', '.join(dropped)}")
            self._say(render.problem_summary(problem))
            self._solve()
        except OcrError as exc:
            self._say(f"error: {exc}")
        except KeyboardInterrupt:  # during a command (a solve handles its own): back to the prompt
            self._say("interrupted")
        except Exception as exc:  # the session must survive a bug in one command
            if self.session.settings.verbose:
                traceback.print_exc()
            self._say(f"internal error: {type(exc).__name__}: {exc}")
        return Outcome.CONTINUE

    def banner(self) -> None:
        """Load the models (once) and print the one-line banner."""
        loading = self.console.status("loading the model…") if self.console.is_terminal else None
        if loading is not None:
            with loading:
                generator, critic = self.session.engines()
        else:
            generator, critic = self.session.engines()
        self._say(render.banner_line(generator.info, critic.info if critic else None,
                                     self.session.settings.no_critic))
        notice = _default_model_notice(self.session)
        if notice:
            self._say(notice)
        self._say("Paste a problem statement and press Enter. /help lists the commands.")

    # ----- reading -------------------------------------------------------------------------------

    def _ask(self, message: str) -> str:
        if self.prompt is not None:
            try:
                return self.prompt.prompt(message)
            except EOFError:
                raise CommandError("no answer given") from None
        return "\n".join(_until_blank(self._lines()))

    def _lines(self) -> Iterator[str]:
        assert self._plain_lines is not None
        return self._plain_lines

    def _confirm_quit(self) -> bool:
        assert self.prompt is not None
        try:
            answer = self.prompt.prompt("quit ocr? [y/N] ")
        except (KeyboardInterrupt, EOFError):
            return True
        return answer.strip().lower() in ("y", "yes")

    def run(self) -> None:
        """The prompt loop, until /quit, Ctrl+D, or a confirmed Ctrl+C."""
        assert self.prompt is not None
        while True:
            try:
                text = self.prompt.prompt("ocr> ", rprompt=self._status)
            except KeyboardInterrupt:
                if self._confirm_quit():
                    return
                continue
            except EOFError:
                return
            if self.submit(text) is Outcome.QUIT:
                return

    def run_plain(self, lines: Iterable[str]) -> None:
        """Off a terminal: lines starting with "/" are commands; other lines gather into a statement,
        solved when a command line or the end of input follows. `/add-test` reads lines up to a blank."""
        self._plain_lines = iter(lines)
        statement: list[str] = []
        for raw in self._plain_lines:
            line = raw.rstrip("\r\n")
            if is_command(line):
                if statement and self.submit("\n".join(statement)) is Outcome.QUIT:
                    return
                statement = []
                if self.submit(line) is Outcome.QUIT:
                    return
            else:
                statement.append(line)
        if any(s.strip() for s in statement):
            self.submit("\n".join(statement))

    def _status(self) -> str:
        s = self.session.settings
        critic = "critic off" if s.no_critic else "critic"
        return f"{s.lang} · n {s.n} · rounds {s.rounds} · {s.strategy} · {critic}"


def _until_blank(lines: Iterator[str]) -> Iterator[str]:
    for raw in lines:
        line = raw.rstrip("\r\n")
        if not line.strip():
            return
        yield line


def _default_model_notice(session: ReplSession) -> str | None:
    if session.settings.model is not None:
        return None
    try:
        from ocr_cli.models.registry import DEFAULT_MODEL_NOTICE
    except ImportError:
        return None
    return DEFAULT_MODEL_NOTICE
