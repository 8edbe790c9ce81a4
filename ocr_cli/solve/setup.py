"""Build a solve from resolved `Settings`: solve settings, judge options, and the tests to run."""

from __future__ import annotations

import dataclasses
import hashlib
import shlex
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from ocr_cli.config import Settings
from ocr_cli.errors import ConfigError, ProblemError
from ocr_cli.judge.types import Comparison, JudgeOptions
from ocr_cli.language import Language
from ocr_cli.problem.types import Problem, TestCase
from ocr_cli.solve.types import PAPER_CRITIC_TEMPERATURE, Selection, SolveSettings, Strategy

if TYPE_CHECKING:
    from ocr_cli.models.presets import Preset

DEFAULT_TIME_LIMIT_S = 2.0
DEFAULT_MEMORY_LIMIT_MB = 1024
_DEFAULTS = SolveSettings()


@dataclass(frozen=True)
class Checking:
    """How the user asked outputs to be compared (`--exact`, `--float-tol`, `--checker`,
    `--checker-style` of `ocr solve` and `ocr test`); the default asks nothing."""

    exact: bool = False
    float_tol: float | None = None
    checker: str | None = None
    checker_style: str = "testlib"

    def __post_init__(self) -> None:
        chosen = [name for name, on in (("--exact", self.exact), ("--float-tol", self.float_tol is not None),
                                        ("--checker", self.checker is not None)) if on]
        if len(chosen) > 1:
            raise ConfigError(f"choose one of {', '.join(chosen)}")
        if self.float_tol is not None and not self.float_tol >= 0:
            raise ConfigError("--float-tol must be a non-negative number")
        from ocr_cli.judge.checkers import STYLES

        if self.checker_style not in STYLES:
            raise ConfigError(f"unknown --checker-style {self.checker_style!r} (choose {', '.join(STYLES)})")


def _pick(flag: object, preset_value: object, default: object) -> object:
    if flag is not None:
        return flag
    return preset_value if preset_value is not None else default


def solve_settings_from(settings: Settings, preset: Preset | None) -> SolveSettings:
    """The solve settings: flags/env/config > the model preset's recommendations > defaults."""
    def from_preset(name: str) -> object:
        return getattr(preset, name, None) if preset is not None else None

    max_tokens = int(cast(int, _pick(settings.max_tokens, from_preset("max_tokens"), _DEFAULTS.max_tokens)))
    critic_temperature = settings.critic_temperature
    if critic_temperature is None and settings.select == "shortest-critique":
        critic_temperature = PAPER_CRITIC_TEMPERATURE  # the paper's rule comes with its temperature
    return SolveSettings(
        language=Language.parse(settings.lang),
        strategy=cast(Strategy, settings.strategy),
        n=settings.n,
        rounds=settings.rounds,
        token_budget=settings.token_budget,
        time_budget_s=settings.time_budget,
        max_tokens=max_tokens,
        critic_max_tokens=max_tokens,
        temperature=float(cast(float, _pick(settings.temperature, from_preset("temperature"),
                                            _DEFAULTS.temperature))),
        top_p=float(cast(float, _pick(settings.top_p, from_preset("top_p"), _DEFAULTS.top_p))),
        top_k=int(cast(int, _pick(settings.top_k, from_preset("top_k"), _DEFAULTS.top_k))),
        min_p=float(cast(float, _pick(settings.min_p, from_preset("min_p"), _DEFAULTS.min_p))),
        seed=settings.seed,
        use_critic=not settings.no_critic,
        revise_top=min(_DEFAULTS.revise_top, settings.n),
        stress=settings.stress,
        select=cast(Selection, settings.select),
        critic_temperature=critic_temperature,
    )


def judge_options_from(settings: Settings, problem: Problem,
                       checking: Checking | None = None) -> JudgeOptions:
    """Judge options for `ocr solve`, `ocr test`, the REPL and `ocr bench` alike.

    Limits: flags > the problem's (meta.json, then the statement) > defaults (2 s, 1024 MB).
    Comparison: the user's `checking` > the problem's checker > the tolerance the problem states >
    tokens.
    """
    try:
        cxx_flags = tuple(shlex.split(settings.cxx_flags))
    except ValueError as exc:
        raise ConfigError(f"cxx_flags cannot be split: {exc}") from None
    checking = checking or Checking()
    interactor = interactor_for(problem)
    options = JudgeOptions(
        interactor=str(interactor) if interactor is not None else None,
        time_limit_s=settings.time_limit or problem.time_limit_s or DEFAULT_TIME_LIMIT_S,
        memory_limit_mb=settings.memory_limit or problem.memory_limit_mb or DEFAULT_MEMORY_LIMIT_MB,
        wall_time_limit_s=settings.wall_time_limit,
        jobs=settings.jobs,
        python=settings.python,
        cxx=settings.cxx,
        cxx_flags=cxx_flags,
        checker_style=checking.checker_style,
        sandbox=settings.sandbox,
    )
    if checking.exact:
        return dataclasses.replace(options, comparison=Comparison.EXACT)
    if checking.float_tol is not None:
        return dataclasses.replace(options, comparison=Comparison.FLOAT, float_tol=checking.float_tol)
    if checking.checker is not None:
        return dataclasses.replace(options, comparison=Comparison.CHECKER, checker=checking.checker)
    if problem.checker is not None:
        command = checker_command(Path(problem.checker), python=settings.python, cxx=settings.cxx)
        return dataclasses.replace(options, comparison=Comparison.CHECKER, checker=command,
                                   checker_style="testlib")
    if problem.float_tol is not None:
        return dataclasses.replace(options, comparison=Comparison.FLOAT, float_tol=problem.float_tol)
    return options


def judging_note(problem: Problem, checking: Checking | None = None) -> str | None:
    """What a banner says about how answers are compared when the problem, not a flag, decided it."""
    checking = checking or Checking()
    if checking.exact or checking.float_tol is not None or checking.checker is not None:
        return None
    if problem.checker is not None:
        return f"answers checked by the problem's checker {Path(problem.checker).name}"
    if problem.float_tol is not None:
        return f"real numbers compared with tolerance {problem.float_tol:g} (as the statement says; " \
               f"--exact or --float-tol to change)"
    return None


def checker_command(checker: Path, *, python: str | None = None, cxx: str = "g++",
                    build_dir: Path | None = None) -> str:
    """The command line that runs a problem's checker: a `.py` checker with the judge's Python
    (whatever its mode bits), a C++ one compiled once (keyed by its content, testlib.h found beside
    it), anything else as an executable."""
    if checker.suffix == ".py":
        return shlex.join([*(shlex.split(python) if python else [sys.executable]), str(checker.resolve())])
    if checker.suffix in (".cpp", ".cc", ".cxx"):
        from ocr_cli import paths

        source = checker.read_bytes()
        folder = build_dir or paths.data_dir() / "checkers"
        binary = folder / f"checker-{hashlib.sha256(source).hexdigest()[:16]}"
        if not binary.exists():
            folder.mkdir(parents=True, exist_ok=True)
            command = [cxx, "-O2", "-std=gnu++20", "-I", str(checker.parent), "-o", str(binary), str(checker)]
            try:
                done = subprocess.run(command, capture_output=True, text=True, timeout=120)
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise ProblemError(f"cannot compile checker: {exc}", path=checker) from None
            if done.returncode != 0:
                first = (done.stderr.strip().splitlines() or ["compiler failed"])[0]
                raise ProblemError(f"checker does not compile: {first}", path=checker)
        return shlex.quote(str(binary))
    return shlex.quote(str(checker.resolve()))


def interactor_for(problem: Problem) -> Path | None:
    """The interactor beside an interactive problem's statement (`interactor.py`/`.cpp`), if any."""
    from ocr_cli.judge.interactive import find_interactor

    if not problem.interactive or not problem.source or problem.source.startswith("<"):
        return None
    return find_interactor(Path(problem.source).parent)


def collect_tests(problem: Problem, test_dirs: Iterable[str | Path]) -> list[TestCase]:
    """The statement's samples, then every test of each `--tests` folder (names made unique).

    An interactive problem's samples are dialogue transcripts, not batch tests: they are left out,
    and its test folders may hold inputs without answers (the interactor decides).
    """
    from ocr_cli.problem.testdirs import load_inputs, load_tests

    tests = [] if problem.interactive else list(problem.samples)
    seen = {case.name for case in tests}
    load = load_inputs if problem.interactive else load_tests
    for folder in test_dirs:
        for case in load(Path(folder)):
            name = case.name
            if name in seen:
                name = f"{Path(folder).name}/{case.name}"
            seen.add(name)
            tests.append(TestCase(name=name, input=case.input, output=case.output))
    return tests


NO_TESTS_WARNING = "no tests: only the critic decides whether a candidate is right"


def evidence_warnings(problem: Problem, tests: Iterable[TestCase], settings: Settings) -> list[str]:
    """What a solve of `problem` on `tests` must not be silent about: no tests (refused when
    `require_tests` is on), no statement text, samples left out as doubtful."""
    warnings: list[str] = []
    if not list(tests):
        if settings.require_tests:
            raise ProblemError("no tests, and require_tests is on: refusing to let the critic alone decide",
                               hint="add tests with --tests DIR, or turn require_tests off")
        warnings.append(NO_TESTS_WARNING)
    if problem.statement_missing:
        warnings.append("the problem has no statement text (Competitive Companion sends only the samples): "
                        "the model sees only the samples; add it with --statement FILE, --fetch-statement "
                        "or /statement in the REPL")
    warnings.extend(problem.doubtful_samples)
    return warnings


def load_problem_source(source: str | Path) -> Problem:
    """The problem a path names: a problem folder (`problem.folder`), a statement or JSON file, or
    "-" for stdin."""
    from ocr_cli.problem.folder import load_problem_folder
    from ocr_cli.problem.loader import load_problem

    if str(source) != "-" and Path(source).is_dir():
        return load_problem_folder(Path(source))
    return load_problem(source)


def model_preset(spec: str | None) -> tuple[Preset | None, bool]:
    """(the preset a generator spec names, whether it is the embedded default); servers and scripts
    have no preset."""
    if spec is not None and spec.startswith(("openai:", "scripted:")):
        return None, False
    from ocr_cli.models.registry import resolve_model

    resolved = resolve_model(spec)
    return resolved.preset, resolved.is_default
