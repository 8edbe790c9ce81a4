"""Building the sandbox launcher (`launcher.c`) once with the system's C compiler.

The launcher is a small C program: it sets a sandbox up once and then runs many programs in it
(see the comment at the top of `launcher.c`). It is compiled on first use into a folder only the
current user can write (`$TMPDIR/ocr-launcher-UID/`, checked for owner and mode before use), keyed by
the hash of its source and compiler. Where no C compiler works there is no launcher, and the judge
falls back to rlimits only (`sandbox.py` says so).

Protocol: `launcher --ctl FD [--ns] [--uid N --gid N] [--root DIR | --boxes DIR] [--seccomp FILE]
[--ro SRC DST]... [--rw SRC DST]... [--env K=V]...`, FD one end of a SOCK_SEQPACKET socket pair. The
launcher answers `{"ready": true, ...}` or `{"error": ...}`; then each request is one message
`"id cpu_s wall_ms fsize nofile nproc as stack box_bytes stderr_cap\\n" + NUL-separated argv` with
three descriptors (stdin, stdout, stderr), and each answer one JSON line with that id:
`{"id", "exit", "signal", "timed_out", "cpu_s", "wall_s", "maxrss_kb", "stderr_bytes"}` or
`{"id", "error", "errno"}`. -1 means "no limit".
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path

COMPILERS = ("cc", "gcc", "clang")


@functools.lru_cache(maxsize=1)
def launcher_source() -> str:
    """The C source of the launcher."""
    return resources.files("ocr_cli.judge").joinpath("launcher.c").read_text(encoding="utf-8")


def private_cache() -> Path:
    """A folder only we can write (the launcher runs as us, possibly root: no one else may plant it)."""
    uid = os.getuid()
    folder = Path(tempfile.gettempdir()) / f"ocr-launcher-{uid}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.lstat()
        if stat.S_ISDIR(info.st_mode) and info.st_uid == uid and not info.st_mode & 0o077:
            return folder
    except OSError:
        pass
    return Path(tempfile.mkdtemp(prefix="ocr-launcher-"))


def c_compiler() -> str | None:
    """The first C compiler found on PATH."""
    return next((found for name in COMPILERS if (found := shutil.which(name))), None)


@functools.lru_cache(maxsize=1)
def native_launcher() -> Path | None:
    """The compiled launcher, building it on first use; None when it cannot be built or is disabled."""
    if os.environ.get("OCR_SANDBOX_LAUNCHER", "").lower() == "none" or not sys.platform.startswith("linux"):
        return None
    compiler = c_compiler()
    if compiler is None:
        return None
    source_text = launcher_source()
    key = hashlib.sha256((source_text + compiler).encode()).hexdigest()[:16]
    folder = private_cache()
    target = folder / f"launcher-{key}"
    if target.exists():
        return target
    source = folder / f"launcher-{key}-{os.getpid()}.c"
    partial = folder / f"launcher-{key}-{os.getpid()}.tmp"
    try:
        source.write_text(source_text)
        done = subprocess.run([compiler, "-O2", "-std=gnu11", "-o", str(partial), str(source)],
                              capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            return None
        os.replace(partial, target)
    except (OSError, subprocess.SubprocessError):
        return None
    finally:
        source.unlink(missing_ok=True)
        partial.unlink(missing_ok=True)
    return target
