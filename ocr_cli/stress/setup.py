"""Opening the three programs of a stress test in the sandbox: solution, brute force, generator."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ocr_cli.errors import ConfigError, ProblemError
from ocr_cli.judge.program import Program
from ocr_cli.judge.runner import Judge
from ocr_cli.language import Language
from ocr_cli.stress.programs import (
    ProgramSubject,
    ProgramTool,
    ReadableCopies,
    SeedGenerator,
    TemplateGenerator,
    split_template,
)
from ocr_cli.stress.types import InputGenerator


@dataclass(frozen=True)
class ProgramSource:
    """Source code to build, and what to call it in messages ("solution", "brute", "generator")."""

    code: str
    language: Language
    role: str


def read_source(path: Path, role: str, lang: Language | None) -> ProgramSource:
    """A program file; its language from the suffix, else `lang` (--lang)."""
    try:
        language = Language.from_path(path)
    except ConfigError:
        if lang is None:
            raise
        language = lang
    try:
        return ProgramSource(path.read_text(encoding="utf-8"), language, role)
    except FileNotFoundError:
        raise ProblemError(f"the {role} file does not exist", path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProblemError(f"cannot read the {role}: {exc}", path=path) from None


def python_script(words: list[str], fixed: int) -> Path | None:
    """The script of a `python3 SCRIPT.py ...` command line, else None."""
    if fixed >= 2 and re.fullmatch(r"python(\d(\.\d+)?)?", Path(words[0]).name) and words[1].endswith(".py"):
        return Path(words[1])
    return None


@dataclass(frozen=True)
class StressPrograms:
    solution: ProgramSubject
    brute: ProgramTool
    generator: InputGenerator


def _built(judge: Judge, source: ProgramSource, stack: contextlib.ExitStack) -> Program:
    program = stack.enter_context(judge.program(source.code, source.language))
    if not program.ok:
        first = program.build_error.strip().splitlines()[0] if program.build_error.strip() else ""
        raise ProblemError(f"the {source.role} does not compile" + (f": {first}" if first else ""),
                           hint=None)
    return program


@contextlib.contextmanager
def open_programs(judge: Judge, solution: ProgramSource, brute: ProgramSource,
                  generator: ProgramSource | str,
                  cancel: threading.Event | None = None) -> Iterator[StressPrograms]:
    """Build all three once (a generator given as a command template is a command line); they are
    removed on exit. A program that does not compile raises ProblemError (exit 2)."""
    with contextlib.ExitStack() as stack:
        subject = ProgramSubject(_built(judge, solution, stack), cancel)
        tool = ProgramTool(_built(judge, brute, stack), cancel)
        made: InputGenerator
        if isinstance(generator, str):
            words, fixed = split_template(generator)
            script = python_script(words, fixed)
            if script is not None:  # `python3 gen.py {seed}`: the judge's own interpreter set-up
                source = read_source(script, "generator", Language.PYTHON)
                program = _built(judge, source, stack)
                words, fixed = words[2:], fixed - 2
            else:
                copies = stack.enter_context(ReadableCopies())
                words = copies.rewrite(words)
                program = stack.enter_context(judge.command(words[:fixed]))
            made = TemplateGenerator(words, fixed, ProgramTool(program, cancel))
        else:
            made = SeedGenerator(ProgramTool(_built(judge, generator, stack), cancel))
        yield StressPrograms(subject, tool, made)
