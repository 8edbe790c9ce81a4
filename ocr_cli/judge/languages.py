"""Building solutions: compile once per source (cached by content hash) and say how to run them.

Python runs on the running interpreter unless `JudgeOptions.python` names another; a syntax error is
CE. C++ is compiled with `g++ -O2 -std=gnu++20` unless configured otherwise, inside the sandbox (the
source is untrusted: `#include "/home/you/.ssh/id_rsa"` must find nothing), with its own limits. The
cache keeps at most 512 MB of binaries and none unused for 30 days.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ocr_cli import paths
from ocr_cli.errors import JudgeError
from ocr_cli.judge.sandbox import Bind, Limits, Sandbox
from ocr_cli.judge.types import JudgeOptions
from ocr_cli.language import Language

COMPILE_TIMEOUT_S = 60.0
COMPILE_MEMORY_MB = 4096  # address space of each compiler process
COMPILE_OUTPUT_BYTES = 256 << 20  # the largest file the compiler may write (the binary)
COMPILE_TMP_MB = 512  # the compiler's private /tmp
COMPILE_OUTPUT_KEEP = 64 * 1024
CACHE_MAX_BYTES = 512 << 20
CACHE_MAX_AGE_S = 30 * 24 * 3600.0
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


def prune_cache(folder: Path, max_bytes: int = CACHE_MAX_BYTES, max_age_s: float = CACHE_MAX_AGE_S) -> None:
    """Keep the compile cache bounded: drop entries unused for `max_age_s`, then the least recently
    used ones until the rest fits in `max_bytes`."""
    entries = []
    now = time.time()
    for entry in folder.glob("*/solution"):
        try:
            info = entry.stat()
        except OSError:
            continue
        entries.append((info.st_mtime, info.st_size, entry.parent))
    entries.sort(reverse=True)  # most recently used first
    total = 0
    for used, size, parent in entries:
        total += size
        if now - used > max_age_s or total > max_bytes:
            shutil.rmtree(parent, ignore_errors=True)


def _compile_limits() -> Limits:
    return Limits(cpu_s=COMPILE_TIMEOUT_S, wall_s=COMPILE_TIMEOUT_S * 1.5, address_space_mb=COMPILE_MEMORY_MB,
                  output_bytes=COMPILE_OUTPUT_BYTES, processes=64, open_files=256, box_mb=COMPILE_TMP_MB,
                  stderr_bytes=64 * 1024)


def _compile_cpp(source: str, options: JudgeOptions, sandbox: Sandbox) -> Build:
    compiler = shutil.which(options.cxx)
    if compiler is None:
        raise JudgeError(f"C++ compiler {options.cxx!r} not found",
                         hint="install g++, or choose a compiler with ocr test's --cxx or the `cxx` setting")
    key = hashlib.sha256("\0".join([source, compiler, *options.cxx_flags]).encode()).hexdigest()[:32]
    cache = _cache_dir()
    target = cache / key / "solution"
    if target.exists():
        with contextlib.suppress(OSError):
            os.utime(target)  # recently used: pruned last
        return Build(target)
    with _build_lock, tempfile.TemporaryDirectory(prefix="ocr-build-") as tmp:
        if target.exists():
            return Build(target)
        Path(tmp).chmod(0o711)  # without namespaces the compiler (nobody, as root) must pass through
        work = Path(tmp) / "build"
        work.mkdir()
        (work / "solution.cpp").write_text(source, encoding="utf-8")
        run_as = sandbox.info.run_as
        if run_as is not None:  # the compiler runs as nobody: let it write its output here
            os.chown(work, run_as, run_as)
        inside = "/build" if sandbox.info.namespaces else str(work)
        argv = [compiler, *options.cxx_flags, "-o", f"{inside}/solution", f"{inside}/solution.cpp"]
        prefix = Path(compiler).resolve().parent.parent
        binds = (Bind(str(work), "/build", writable=True), Bind(str(prefix), str(prefix)))
        with sandbox.session(binds) as session:
            outcome = session.run(argv, _compile_limits(), read_cap=COMPILE_OUTPUT_KEEP)
        out = work / "solution"
        if outcome.timed_out or outcome.cpu_s > COMPILE_TIMEOUT_S:
            return Build(None, f"compilation took more than {COMPILE_TIMEOUT_S:g} s")
        if outcome.error is not None:
            raise JudgeError(f"cannot run the C++ compiler in the sandbox: {outcome.error}")
        if outcome.exit_code != 0 or not out.exists():
            text = (outcome.stderr or outcome.stdout).decode(errors="replace")
            text = text.replace(f"{inside}/solution.cpp", "solution.cpp")
            why = f"compiler exited with {outcome.exit_code}" if outcome.signal is None else \
                f"compiler killed by signal {outcome.signal} (time, memory or output limit?)"
            return Build(None, first_lines(text) or why)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        shutil.copyfile(out, partial)
        os.replace(partial, target)
    prune_cache(cache)
    return Build(target)


def build(source: str, language: Language, options: JudgeOptions, into: Path,
          sandbox: Sandbox | None = None) -> Build:
    """Build `source` (compiling in `sandbox`) and place the runnable file in `into`."""
    if language is Language.PYTHON:
        try:
            compile(source, "solution.py", "exec")
        except (SyntaxError, ValueError) as exc:
            return Build(None, f"{type(exc).__name__}: {exc}")
        path = into / "solution.py"
        path.write_text(source, encoding="utf-8")
        path.chmod(0o644)
        return Build(path)
    built = _compile_cpp(source, options, sandbox or Sandbox())
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
