"""Slash commands against a session, without a terminal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from repl_helpers import SUM_STATEMENT, scripted_session, string_console  # type: ignore[import-not-found]

from ocr_cli import paths
from ocr_cli.config import load_settings
from ocr_cli.engines.scripted import ScriptedEngine
from ocr_cli.errors import ConfigError, ProblemError
from ocr_cli.repl.commands import COMMANDS, CommandError, Dispatcher, Outcome, is_command, parse_command
from ocr_cli.repl.session import ReplSession


def _dispatcher(session: ReplSession, answers: list[str] | None = None) -> tuple[Dispatcher, list[str]]:
    console, out = string_console()
    pending = list(answers or [])
    solves: list[str] = []
    dispatcher = Dispatcher(session, console, ask=lambda _prompt: pending.pop(0),
                            solve=lambda: solves.append("solve"))
    dispatcher.out = out  # type: ignore[attr-defined]
    return dispatcher, solves


def test_parse_command_names_aliases_and_quoting() -> None:
    assert parse_command("/N 3") == ("n", ["3"])
    assert parse_command("/exit") == ("quit", [])
    assert parse_command('/save "my file.py"') == ("save", ["my file.py"])
    assert is_command("  /help ") and not is_command("/help\nmore text") and not is_command("A + B")
    with pytest.raises(CommandError, match="unknown command /nope"):
        parse_command("/nope")
    with pytest.raises(CommandError, match="cannot parse"):
        parse_command('/save "unclosed')


def test_every_listed_command_has_a_handler() -> None:
    for name in COMMANDS:
        assert name == "quit" or hasattr(Dispatcher, "_cmd_" + name.replace("-", "_")), name


def test_settings_commands_change_the_session_only_when_valid() -> None:
    session = scripted_session()
    dispatcher, _ = _dispatcher(session)
    for line in ("/lang c++", "/n 6", "/rounds 0", "/budget tokens 5000", "/budget time 30s",
                 "/strategy select"):
        assert dispatcher.run(line) is Outcome.CONTINUE
    s = session.settings
    assert (s.lang, s.n, s.rounds, s.token_budget, s.time_budget, s.strategy) == (
        "cpp", 6, 0, 5000, 30.0, "select")
    dispatcher.run("/budget tokens off")
    assert session.settings.token_budget is None
    for line, error in [("/strategy greedy", ConfigError), ("/n -1", ConfigError), ("/rounds x", ConfigError),
                        ("/budget tokens -5", ConfigError), ("/budget money 3", CommandError),
                        ("/n", CommandError)]:
        with pytest.raises(error):
            dispatcher.run(line)
    assert session.settings.strategy == "select" and session.settings.n == 6


def test_settings_save_writes_only_the_session_changes() -> None:
    session = scripted_session()
    dispatcher, _ = _dispatcher(session)
    dispatcher.run("/n 7")
    dispatcher.run("/strategy single")
    dispatcher.run("/settings save")
    saved = load_settings({})
    assert (saved.n, saved.strategy, saved.model) == (7, "single", None)
    assert paths.config_file().exists()
    assert "saved to" in dispatcher.out.getvalue()  # type: ignore[attr-defined]


def test_model_swap_opens_the_new_one_and_closes_the_old(tmp_path: Path) -> None:
    script = tmp_path / "other.json"
    script.write_text(json.dumps({"replies": ["x"]}), encoding="utf-8")
    session = scripted_session()
    old, _ = session.engines()
    dispatcher, _ = _dispatcher(session)
    dispatcher.run(f"/model scripted:{script}")
    new, critic = session.engines()
    assert isinstance(old, ScriptedEngine) and old.closed
    assert new.info.model == "other.json" and critic is new
    with pytest.raises(Exception, match="does not exist"):
        dispatcher.run(f"/model scripted:{tmp_path / 'missing.json'}")
    assert session.settings.model == f"scripted:{script}"


def test_critic_off_and_back() -> None:
    session = scripted_session()
    dispatcher, _ = _dispatcher(session)
    dispatcher.run("/critic off")
    assert session.engines()[1] is None
    dispatcher.run("/critic self")
    generator, critic = session.engines()
    assert critic is generator


def test_add_test_and_tests_dir(tmp_path: Path) -> None:
    session = scripted_session()
    dispatcher, _ = _dispatcher(session, answers=["5 6", "11\n"])
    with pytest.raises(ProblemError, match="no current problem"):
        dispatcher.run("/add-test")
    session.set_problem_text(SUM_STATEMENT)
    dispatcher.run("/add-test")
    folder = tmp_path / "tests"
    folder.mkdir()
    (folder / "big.in").write_text("1000000000 1000000000\n", encoding="utf-8")
    (folder / "big.out").write_text("2000000000\n", encoding="utf-8")
    dispatcher.run(f"/tests {folder}")
    assert [(t.name, t.input, t.output) for t in session.tests()[2:]] == [
        ("big", "1000000000 1000000000\n", "2000000000\n"), ("added-1", "5 6\n", "11\n")]
    dispatcher.run("/clear")
    assert session.problem is None and session.tests() == []


def test_solve_needs_a_problem_and_show_reasoning_toggles() -> None:
    session = scripted_session()
    dispatcher, solves = _dispatcher(session)
    with pytest.raises(ProblemError):
        dispatcher.run("/solve")
    session.set_problem_text(SUM_STATEMENT)
    dispatcher.run("/solve")
    assert solves == ["solve"]
    dispatcher.run("/show reasoning on")
    assert session.settings.show_reasoning
    with pytest.raises(CommandError):
        dispatcher.run("/show everything")
