"""Building solutions: compile once per source (cached by content hash) and say how to run them.

Python runs on the running interpreter unless `JudgeOptions.python` names another; a syntax error is
CE. C++ is compiled with `g++ -O2 -std=gnu++17` unless configured otherwise.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from ocr_cli import paths
from ocr_cli.errors import JudgeError
from ocr_cli.judge.types import JudgeOptions
from ocr_cli.language import Language

COMPILE_TIMEOUT_S = 60.0
COMPILER_LINES = 30
_build_lock = threading.Lock()


@dataclass(frozen=True)
class Interpreter:
    """A Python interpreter and the installation folder it needs (its stdlib lives there)."""

    executable: Path
    prefix: Path


@dataclass(frozen=True)
class Build:
    """A built solution: a file ready to run, or the compiler's complaint."""

    artifact: Path | None  # a binary (C++) or the source file (Python)
    error: str = ""  # compiler output (first lines) when it failed

    @property
    def ok(self) -> bool:
        return self.artifact is not None


def first_lines(text: str, count: int = COMPILER_LINES) -> str:
    """The first `count` lines of compiler output."""
    lines = text.strip().splitlines()
    more = len(lines) - count
    return "\n".join(lines[:count]) + (f"\n… ({more} more lines)" if more > 0 else "")


def python_interpreter(options: JudgeOptions) -> Interpreter:
    """The interpreter Python solutions run on (the base interpreter, not a virtualenv wrapper)."""
    if options.python:
        found = shutil.which(options.python)
        if found is None:
            raise JudgeError(f"python interpreter {options.python!r} not found",
                             hint="check ocr test's --python or the `python` setting")
        executable = Path(found).resolve()
        return Interpreter(executable, executable.parent.parent)
    executable = Path(sys.executable).resolve()
    base = Path(sys.base_prefix).resolve()
    return Interpreter(executable, base if executable.is_relative_to(base) else executable.parent.parent)


def _cache_dir() -> Path:
    return paths.data_dir() / "judge-cache"


def _compile_cpp(source: str, options: JudgeOptions) -> Build:
    compiler = shutil.which(options.cxx)
    if compiler is None:
        raise JudgeError(f"C++ compiler {options.cxx!r} not found",
                         hint="install g++, or choose a compiler with ocr test's --cxx or the `cxx` setting")
    key = hashlib.sha256("\0".join([source, compiler, *options.cxx_flags]).encode()).hexdigest()[:32]
    target = _cache_dir() / key / "solution"
    if target.exists():
        return Build(target)
    with _build_lock, tempfile.TemporaryDirectory(prefix="ocr-build-") as tmp:
        if target.exists():
            return Build(target)
        src = Path(tmp) / "solution.cpp"
        src.write_text(source, encoding="utf-8")
        out = Path(tmp) / "solution"
        try:
            done = subprocess.run([compiler, *options.cxx_flags, "-o", str(out), str(src)], cwd=tmp,
                                  capture_output=True, timeout=COMPILE_TIMEOUT_S, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return Build(None, f"compilation took more than {COMPILE_TIMEOUT_S:g} s")
        except OSError as exc:
            raise JudgeError(f"cannot run the C++ compiler: {exc}") from exc
        if done.returncode != 0 or not out.exists():
            text = (done.stderr or done.stdout).decode(errors="replace").replace(str(src), "solution.cpp")
            return Build(None, first_lines(text) or f"compiler exited with {done.returncode}")
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(out, target)
    return Build(target)


def build(source: str, language: Language, options: JudgeOptions, into: Path) -> Build:
    """Build `source` and place the runnable file in the folder `into` (readable by the sandbox)."""
    if language is Language.PYTHON:
        try:
            compile(source, "solution.py", "exec")
        except (SyntaxError, ValueError) as exc:
            return Build(None, f"{type(exc).__name__}: {exc}")
        path = into / "solution.py"
        path.write_text(source, encoding="utf-8")
        path.chmod(0o644)
        return Build(path)
    built = _compile_cpp(source, options)
    if built.artifact is None:
        return built
    path = into / "solution"
    shutil.copyfile(built.artifact, path)
    path.chmod(0o755)
    return Build(path)


def run_command(language: Language, artifact: Path, interpreter: Interpreter | None) -> list[str]:
    """The argv that runs a built solution."""
    if language is Language.PYTHON:
        assert interpreter is not None
        return [str(interpreter.executable), "-B", str(artifact)]
    return [str(artifact)]


def reachable_by_others(path: Path) -> bool:
    """Whether a user other than us (e.g. nobody) can reach and execute `path`."""
    try:
        for folder in path.parents:
            if not folder.stat().st_mode & 0o001:
                return False
        return bool(path.stat().st_mode & 0o001)
    except OSError:
        return False
