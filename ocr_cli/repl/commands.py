"""Slash commands of the REPL: their table (for `/help` and completion), parsing, and dispatch.

A line that starts with "/" is a command; anything else is a problem statement. Bad commands and
bad values raise `CommandError` or `ConfigError`, which the app answers with one line.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.syntax import Syntax

from ocr_cli.config import STRATEGIES
from ocr_cli.errors import ConfigError, OcrError, ProblemError
from ocr_cli.language import Language
from ocr_cli.repl import render
from ocr_cli.repl.clipboard import copy_to_clipboard
from ocr_cli.repl.session import ReplSession

if TYPE_CHECKING:
    from ocr_cli.listen import Listener, ListenEvent


class CommandError(OcrError):
    """An unknown command or a command used wrongly."""


@dataclass(frozen=True)
class CommandSpec:
    """One slash command as `/help` shows it and completion offers it."""

    name: str
    usage: str
    help: str
    choices: tuple[str, ...] = ()  # completions of the first argument
    path_argument: bool = False  # the first argument is a file or folder


COMMANDS: dict[str, CommandSpec] = {spec.name: spec for spec in [
    CommandSpec("solve", "/solve", "solve the current problem again with the current settings"),
    CommandSpec("samples", "/samples", "show the samples and limits of the current problem"),
    CommandSpec("test", "/test [FILE]", "run the best code (or FILE) against the tests", path_argument=True),
    CommandSpec("stress", "/stress [BRUTE GEN] [N]", "stress-test the best code against a brute force "
                "(files, or the model's), N runs", path_argument=True),
    CommandSpec("add-test", "/add-test", "add an input/output pair (you are asked for both)"),
    CommandSpec("tests", "/tests DIR", "load a folder of tests (NAME.in + NAME.out) for the current problem",
                path_argument=True),
    CommandSpec("statement", "/statement [FILE]", "give the current problem its statement (pasted, or from "
                "FILE), e.g. one from Competitive Companion", path_argument=True),
    CommandSpec("lang", "/lang python|cpp", "the language of solutions", ("python", "cpp")),
    CommandSpec("n", "/n N", "candidates drafted per round"),
    CommandSpec("rounds", "/rounds R", "revision rounds after the first drafts"),
    CommandSpec("budget", "/budget tokens|time VALUE|off", "cap generated tokens or seconds",
                ("tokens", "time")),
    CommandSpec("model", "/model PATH|PRESET", "switch the generator model", path_argument=True),
    CommandSpec("critic", "/critic PATH|PRESET|self|off", "switch or turn off the critic",
                ("off", "self"), path_argument=True),
    CommandSpec("strategy", "/strategy single|select|loop", "how candidates are searched", STRATEGIES),
    CommandSpec("show", "/show [code|reasoning [on|off]|critique]", "show the last run's best candidate",
                ("code", "reasoning", "critique")),
    CommandSpec("save", "/save FILE", "write the best code to FILE", path_argument=True),
    CommandSpec("copy", "/copy", "copy the best code to the clipboard"),
    CommandSpec("history", "/history", "the runs of this session"),
    CommandSpec("settings", "/settings [save]", "show the settings; `save` writes session changes to "
                "the config file", ("save",)),
    CommandSpec("listen", "/listen [PORT|off]", "receive problems from Competitive Companion; each "
                "becomes the current problem", ("off",)),
    CommandSpec("clear", "/clear", "forget the current problem and its tests"),
    CommandSpec("help", "/help", "this list"),
    CommandSpec("quit", "/quit", "leave (Ctrl+D too)"),
]}
ALIASES = {"exit": "quit", "q": "quit", "?": "help"}


class Outcome(Enum):
    CONTINUE = "continue"
    QUIT = "quit"


def is_command(line: str) -> bool:
    """Whether a submitted text is a slash command rather than a statement."""
    stripped = line.strip()
    return stripped.startswith("/") and "\n" not in stripped


def parse_command(line: str) -> tuple[str, list[str]]:
    """Split `/name args...` into the command's canonical name and its arguments."""
    try:
        words = shlex.split(line.strip()[1:])
    except ValueError as exc:
        raise CommandError(f"cannot parse the command: {exc}") from None
    if not words:
        raise CommandError("an empty command: /help lists them")
    name = ALIASES.get(words[0].lower(), words[0].lower())
    if name not in COMMANDS:
        raise CommandError(f"unknown command /{words[0]}: /help lists them")
    return name, words[1:]


def _int_arg(args: list[str], usage: str, minimum: int) -> int:
    if len(args) != 1:
        raise CommandError(f"usage: {usage}")
    try:
        value = int(args[0])
    except ValueError:
        raise ConfigError(f"{usage.split()[0]} wants a whole number, got {args[0]!r}") from None
    if value < minimum:
        raise ConfigError(f"{usage.split()[0]} wants a number of at least {minimum}, got {value}")
    return value


AskFn = Callable[[str], str]
SolveFn = Callable[[], None]


class Dispatcher:
    """Runs slash commands against a session, writing answers to a console.

    `ask(prompt)` reads one more (possibly pasted, multi-line) answer from the user; `solve()` runs a
    solve of the current problem with progress (the app's, which handles Ctrl+C).
    """

    def __init__(self, session: ReplSession, console: Console, ask: AskFn, solve: SolveFn) -> None:
        self.session = session
        self.console = console
        self.ask = ask
        self.solve = solve
        #: Prints a line from another thread (the listener's); the app makes it safe beside the prompt.
        self.notify: Callable[[str], None] = self._say
        self.listener: Listener | None = None

    def close(self) -> None:
        """Stop what runs in the background (the listener)."""
        if self.listener is not None:
            self.listener.close()
            self.listener = None

    def run(self, line: str) -> Outcome:
        """Run one command line."""
        name, args = parse_command(line)
        if name == "quit":
            return Outcome.QUIT
        handler: Callable[[list[str]], None] = getattr(self, "_cmd_" + name.replace("-", "_"))
        handler(args)
        return Outcome.CONTINUE

    def _say(self, text: str) -> None:
        self.console.print(text, markup=False, highlight=False)

    # ----- problem and tests ---------------------------------------------------------------------

    def _cmd_solve(self, args: list[str]) -> None:
        if self.session.problem is None:
            raise ProblemError("no current problem: paste a statement first")
        self.solve()

    def _cmd_samples(self, args: list[str]) -> None:
        if self.session.problem is None:
            raise ProblemError("no current problem: paste a statement first")
        render.print_samples(self.console, self.session)

    def _cmd_test(self, args: list[str]) -> None:
        if len(args) > 1:
            raise CommandError("usage: /test [FILE]")
        if args:
            path = Path(args[0]).expanduser()
            try:
                source = path.read_text(encoding="utf-8")
            except OSError as exc:
                raise ProblemError(f"cannot read: {exc.strerror}", path=path) from None
            language = Language.from_path(path)
        else:
            best = self.session.best_code()
            if best is None:
                raise ProblemError("no code yet: solve a problem first, or /test FILE")
            source, language = best
        report = self.session.run_tests(source, language)
        render.print_report(self.console, report)

    def _cmd_stress(self, args: list[str]) -> None:
        from ocr_cli.repl.stress_cmd import run_stress_command

        run_stress_command(self.session, self.console, args)

    def _cmd_add_test(self, args: list[str]) -> None:
        if self.session.problem is None:
            raise ProblemError("no current problem: paste a statement first")
        input_text = self.ask("input> ")
        output_text = self.ask("output> ")
        case = self.session.add_test(input_text, output_text)
        self._say(f"added test {case.name} ({len(self.session.tests())} tests now)")

    def _cmd_tests(self, args: list[str]) -> None:
        if len(args) != 1:
            raise CommandError("usage: /tests DIR")
        tests = self.session.load_tests_dir(Path(args[0]).expanduser())
        if self.session.problem is None:
            self._say(f"loaded {len(tests)} tests from {args[0]}: they belong to the next problem you paste")
            return
        self._say(f"loaded {len(tests)} tests from {args[0]} ({len(self.session.tests())} tests in all)")

    def _cmd_listen(self, args: list[str]) -> None:
        from ocr_cli.listen import DEFAULT_PORT, Listener

        if len(args) > 1:
            raise CommandError("usage: /listen [PORT|off]")
        if args and args[0].lower() == "off":
            if self.listener is None:
                self._say("not listening")
                return
            self.close()
            self._say("stopped listening")
            return
        port = DEFAULT_PORT
        if args:
            port = _int_arg(args, "/listen PORT", 0)  # 0: any free port
        if self.listener is not None:
            if self.listener.ports == [port] or not args:
                self._say(f"already listening on 127.0.0.1:{self.listener.ports[0]} (/listen off stops)")
                return
            self.close()
        root = Path.cwd()
        self.listener = Listener(root, [port], on_event=self._problem_arrived).start()
        self._say(f"listening on 127.0.0.1:{self.listener.ports[0]}; problems go to {root} and each "
                  "becomes the current problem (/listen off stops)")

    def _problem_arrived(self, event: ListenEvent) -> None:
        """A listener event: a received problem becomes the current one (called on the listener's thread)."""
        from ocr_cli.frontend.render_listen import event_line
        from ocr_cli.listen import ProblemReceived
        from ocr_cli.problem.folder import load_problem_folder

        line = event_line(event, Path.cwd())
        if isinstance(event, ProblemReceived):
            try:
                problem = load_problem_folder(event.folder)
            except OcrError as exc:
                self.notify(f"{line}; cannot read it: {exc}")
                return
            dropped = self.session.set_problem(problem)
            line += " · now the current problem (/solve solves it)"
            if dropped:
                line += f"; dropped {', '.join(dropped)}"
        self.notify(line)

    def _cmd_statement(self, args: list[str]) -> None:
        if len(args) > 1:
            raise CommandError("usage: /statement [FILE]")
        if self.session.problem is None:
            raise ProblemError("no current problem: paste a statement first")
        if args:
            path = Path(args[0]).expanduser()
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise ProblemError(f"cannot read: {exc}", path=path) from None
        else:
            text = self.ask("statement> ")
        problem = self.session.set_statement(text)
        self._say(f"statement set ({len(problem.statement.splitlines())} lines); "
                  f"{render.problem_summary(problem)}")

    def _cmd_clear(self, args: list[str]) -> None:
        self.session.clear()
        self._say("cleared: paste the next problem")

    # ----- settings ------------------------------------------------------------------------------

    def _cmd_lang(self, args: list[str]) -> None:
        if len(args) != 1:
            raise CommandError("usage: /lang python|cpp")
        try:
            language = Language.parse(args[0])
        except (ValueError, OcrError):
            raise ConfigError(f"unknown language {args[0]!r}: python or cpp") from None
        self.session.update(lang=language.value)
        self._say(f"language: {language.display_name}")

    def _cmd_n(self, args: list[str]) -> None:
        self.session.update(n=_int_arg(args, "/n N", 1))
        self._say(f"n = {self.session.settings.n} candidates per round")

    def _cmd_rounds(self, args: list[str]) -> None:
        self.session.update(rounds=_int_arg(args, "/rounds R", 0))
        self._say(f"rounds = {self.session.settings.rounds}")

    def _cmd_budget(self, args: list[str]) -> None:
        if len(args) != 2 or args[0] not in ("tokens", "time"):
            raise CommandError("usage: /budget tokens|time VALUE (or off)")
        kind, raw = args
        field_name = "token_budget" if kind == "tokens" else "time_budget"
        value: int | float | None
        if raw.lower() in ("off", "none"):
            value = None
        else:
            try:
                value = int(raw) if kind == "tokens" else float(raw.removesuffix("s"))
            except ValueError:
                raise ConfigError(f"/budget {kind} wants a number, got {raw!r}") from None
        self.session.update(**{field_name: value})
        shown = "off" if value is None else (f"{value} tokens" if kind == "tokens" else f"{value:g} s")
        self._say(f"{kind} budget: {shown}")

    def _cmd_strategy(self, args: list[str]) -> None:
        if len(args) != 1:
            raise CommandError(f"usage: /strategy {'|'.join(STRATEGIES)}")
        self.session.update(strategy=args[0].lower())
        self._say(f"strategy: {self.session.settings.strategy}")

    def _cmd_model(self, args: list[str]) -> None:
        if len(args) != 1:
            raise CommandError("usage: /model PATH|PRESET")
        with self.console.status("loading the model…") if self.console.is_terminal else nullcontext():
            info = self.session.set_model(args[0])
        self._say(f"generator: {info.describe()}")

    def _cmd_critic(self, args: list[str]) -> None:
        if len(args) != 1:
            raise CommandError("usage: /critic PATH|PRESET|self|off")
        with self.console.status("loading the critic…") if self.console.is_terminal else nullcontext():
            info = self.session.set_critic(args[0])
        self._say("critic: off" if info is None else f"critic: {info.describe()}")

    def _cmd_settings(self, args: list[str]) -> None:
        if args == ["save"]:
            path, written = self.session.save_settings()
            names = ", ".join(sorted(written)) or "nothing changed"
            self._say(f"saved to {path} ({names})")
            return
        if args:
            raise CommandError("usage: /settings [save]")
        render.print_settings(self.console, self.session.settings)

    # ----- results -------------------------------------------------------------------------------

    def _cmd_show(self, args: list[str]) -> None:
        what = args[0].lower() if args else "code"
        if what == "reasoning" and len(args) == 2:
            if args[1].lower() not in ("on", "off"):
                raise CommandError("usage: /show reasoning [on|off]")
            self.session.update(show_reasoning=args[1].lower() == "on")
            self._say(f"reasoning is {'shown' if self.session.settings.show_reasoning else 'hidden'} "
                      "while solving")
            return
        if what not in ("code", "reasoning", "critique") or len(args) > 1:
            raise CommandError("usage: /show [code|reasoning [on|off]|critique]")
        entry = self.session.last_run
        best = entry.best if entry is not None else None
        if what == "code":
            found = self.session.best_code()
            if found is None:
                raise ProblemError("no code yet: solve a problem first")
            code, language = found
            self.console.print(Syntax(code, "cpp" if language is Language.CPP else "python",
                                      theme="ansi_dark", background_color="default"))
        elif best is None:
            raise ProblemError(f"no {what} yet: solve a problem first")
        else:
            text = best.reasoning if what == "reasoning" else best.critique
            self._say(text if text else f"(the best candidate has no {what})")

    def _cmd_save(self, args: list[str]) -> None:
        if len(args) != 1:
            raise CommandError("usage: /save FILE")
        found = self.session.best_code()
        if found is None:
            raise ProblemError("no code yet: solve a problem first")
        path = Path(args[0]).expanduser()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(found[0], encoding="utf-8")
        except OSError as exc:
            raise ProblemError(f"cannot write: {exc.strerror}", path=path) from None
        self._say(f"saved {path}")

    def _cmd_copy(self, args: list[str]) -> None:
        found = self.session.best_code()
        if found is None:
            raise ProblemError("no code yet: solve a problem first")
        how = copy_to_clipboard(found[0])
        self._say(f"copied ({how})" if how else "no clipboard reachable here: use /save FILE")

    def _cmd_history(self, args: list[str]) -> None:
        render.print_history(self.console, self.session.runs)

    def _cmd_help(self, args: list[str]) -> None:
        render.print_help(self.console, COMMANDS.values())

