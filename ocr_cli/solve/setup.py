"""Build a solve from resolved `Settings`: solve settings, judge options, and the tests to run."""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from ocr_cli.config import Settings
from ocr_cli.errors import ConfigError
from ocr_cli.judge.types import JudgeOptions
from ocr_cli.language import Language
from ocr_cli.problem.types import Problem, TestCase
from ocr_cli.solve.types import SolveSettings, Strategy

if TYPE_CHECKING:
    from ocr_cli.models.presets import Preset

DEFAULT_TIME_LIMIT_S = 2.0
DEFAULT_MEMORY_LIMIT_MB = 1024
_DEFAULTS = SolveSettings()
#: Names a statement file may have inside a problem folder, in order of preference.
STATEMENT_NAMES = ("statement.txt", "statement.md", "problem.json", "problem.txt", "problem.md",
                   "README.md")


def _pick(flag: object, preset_value: object, default: object) -> object:
    if flag is not None:
        return flag
    return preset_value if preset_value is not None else default


def solve_settings_from(settings: Settings, preset: Preset | None) -> SolveSettings:
    """The solve settings: flags/env/config > the model preset's recommendations > defaults."""
    def from_preset(name: str) -> object:
        return getattr(preset, name, None) if preset is not None else None

    max_tokens = int(cast(int, _pick(settings.max_tokens, from_preset("max_tokens"), _DEFAULTS.max_tokens)))
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
    )


def judge_options_from(settings: Settings, problem: Problem) -> JudgeOptions:
    """Judge options: flags > the problem's stated limits > defaults (2 s, 1024 MB)."""
    try:
        cxx_flags = tuple(shlex.split(settings.cxx_flags))
    except ValueError as exc:
        raise ConfigError(f"cxx_flags cannot be split: {exc}") from None
    interactor = interactor_for(problem)
    return JudgeOptions(
        interactor=str(interactor) if interactor is not None else None,
        time_limit_s=settings.time_limit or problem.time_limit_s or DEFAULT_TIME_LIMIT_S,
        memory_limit_mb=settings.memory_limit or problem.memory_limit_mb or DEFAULT_MEMORY_LIMIT_MB,
        wall_time_limit_s=settings.wall_time_limit,
        jobs=settings.jobs,
        python=settings.python,
        cxx=settings.cxx,
        cxx_flags=cxx_flags,
        sandbox=settings.sandbox,
    )


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


def statement_path(source: str | Path) -> str | Path:
    """A problem folder's statement file (`statement.txt`, ...); anything else unchanged."""
    path = Path(source)
    if str(source) != "-" and path.is_dir():
        for name in STATEMENT_NAMES:
            if (path / name).is_file():
                return path / name
    return source


def model_preset(spec: str | None) -> tuple[Preset | None, bool]:
    """(the preset a generator spec names, whether it is the embedded default); servers and scripts
    have no preset."""
    if spec is not None and spec.startswith(("openai:", "scripted:")):
        return None, False
    from ocr_cli.models.registry import resolve_model

    resolved = resolve_model(spec)
    return resolved.preset, resolved.is_default
