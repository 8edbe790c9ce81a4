"""Running one untrusted program: isolation detection and the process launcher.

Every run gets a private working directory (the "box"), a scrubbed environment, its own session and
process group, rlimits (CPU, address space, file size, open files, processes, no core dumps),
stdout/stderr written to capped files and a kill of the whole group at the end. Where Linux
namespaces work (as root, or through an unprivileged user namespace) the run also gets no network, a
private PID namespace and a read-only view of every mount except a fresh tmpfs box. As root, the
program runs as `nobody` so that the process limit holds.

The set-up inside the sandbox is done by a launcher: a small C program compiled once (`native_launcher.py`),
or `launcher.py` run by the interpreter where no C compiler is available.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocr_cli.errors import JudgeError
from ocr_cli.judge.native_launcher import native_launcher

LAUNCHER = Path(__file__).with_name("launcher.py")
NOBODY = 65534
SAFE_PATH = "/usr/local/bin:/usr/bin:/bin"
LEVEL_NAMESPACES = "namespaces"
LEVEL_RLIMITS = "rlimits"


@dataclass(frozen=True)
class IsolationInfo:
    """What the sandbox can isolate on this machine."""

    level: str  # "namespaces" or "rlimits"
    details: dict[str, bool] = field(default_factory=dict)
    run_as: int | None = None  # the uid programs run as (root drops to nobody); None: our own
    note: str = ""  # why namespaces are not used, when they are not

    @property
    def namespaces(self) -> bool:
        return self.level == LEVEL_NAMESPACES


@dataclass(frozen=True)
class Limits:
    """Resource limits of one run."""

    cpu_s: float
    wall_s: float
    address_space_mb: int | None  # None: unlimited (e.g. when a checker runs)
    output_bytes: int
    processes: int = 64
    open_files: int = 64
    stack_mb: int | None = None
    box_mb: int = 64


@dataclass(frozen=True)
class RunOutcome:
    """What happened to one program run."""

    exit_code: int | None
    signal: int | None
    cpu_s: float
    wall_s: float
    maxrss_mb: float
    timed_out: bool  # killed at the wall-clock deadline
    stdout: bytes
    stderr: bytes
    stdout_size: int  # bytes written, even when more than was read back
    error: str | None = None  # the sandbox itself failed

    @property
    def ok(self) -> bool:
        return self.error is None and not self.timed_out and self.signal is None and self.exit_code == 0


def _process_limit_base(uid: int) -> int:
    """How many processes `uid` owns now: RLIMIT_NPROC counts them all, so limits add to this."""
    count = 0
    try:
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                try:
                    if entry.stat().st_uid == uid:
                        count += 1
                except OSError:
                    continue
    except OSError:
        return 0
    return count


def _probe(namespaces: bool, run_as: int | None) -> tuple[bool, str, dict[str, object]]:
    """Run `true` through the launcher; report whether it worked and what it said."""
    with tempfile.TemporaryDirectory(prefix="ocr-probe-") as tmp:
        box = Path(tmp) / "box"
        box.mkdir()
        os.chmod(tmp, 0o755)
        os.chmod(box, 0o777)
        outcome, report = _launch(["/bin/sh", "-c", "exit 0"], box, None, Limits(5, 10, None, 1 << 16),
                                  namespaces=namespaces, run_as=run_as, env={"PATH": SAFE_PATH},
                                  binds=(), nproc_base=0)
    if outcome.ok:
        return True, "", report
    return False, outcome.error or f"exit {outcome.exit_code} signal {outcome.signal}", report


@functools.lru_cache(maxsize=1)
def detect_isolation() -> IsolationInfo:
    """Find out once what isolation works here (`OCR_SANDBOX=rlimits` forces the fallback)."""
    run_as = NOBODY if hasattr(os, "getuid") and os.getuid() == 0 else None
    details = {"process_group": True, "rlimits": True, "scrubbed_env": True, "private_workdir": True,
               "drop_root": run_as is not None, "network": False, "pid_namespace": False,
               "readonly_fs": False, "user_namespace": False}
    if not sys.platform.startswith("linux"):
        return IsolationInfo(LEVEL_RLIMITS, details, run_as, "namespaces need Linux")
    if os.environ.get("OCR_SANDBOX", "").lower() == LEVEL_RLIMITS:
        return IsolationInfo(LEVEL_RLIMITS, details, run_as, "OCR_SANDBOX=rlimits")
    works, why, report = _probe(True, run_as)
    if not works:
        return IsolationInfo(LEVEL_RLIMITS, details, run_as, f"namespaces unavailable: {why}")
    failed = report.get("ro_failed") or []
    assert isinstance(failed, list)
    details.update(network=True, pid_namespace=True, readonly_fs=not failed,
                   user_namespace=run_as is None and os.getuid() != 0)
    note = f"could not make read-only: {', '.join(str(p) for p in failed)}" if failed else ""
    return IsolationInfo(LEVEL_NAMESPACES, details, run_as, note)


def _launcher_argv(argv: list[str], box: Path, limits: Limits, *, namespaces: bool, run_as: int | None,
                   env: dict[str, str], binds: tuple[tuple[str, str], ...], nproc_base: int,
                   status_fd: int) -> list[str]:
    """The launcher's command line (the protocol is described in `native_launcher.py`)."""
    mb = 1 << 20
    numbers = [status_fd, int(namespaces), -1 if run_as is None else run_as, -1 if run_as is None else run_as]
    sizes = [limits.box_mb * mb, max(1, math.ceil(limits.cpu_s)), limits.output_bytes, limits.open_files,
             nproc_base + limits.processes,
             -1 if limits.address_space_mb is None else limits.address_space_mb * mb,
             -1 if limits.stack_mb is None else limits.stack_mb * mb]
    native = native_launcher()
    head = [str(native)] if native is not None else [sys.executable, "-I", "-S", str(LAUNCHER)]
    return [*head, *map(str, numbers[:4]), str(box), *map(str, sizes), str(len(binds)),
            *[part for pair in binds for part in pair], str(len(env)),
            *[f"{key}={value}" for key, value in env.items()], *argv]


def _read_capped(path: Path, cap: int) -> tuple[bytes, int]:
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            return handle.read(cap), size
    except OSError:
        return b"", 0


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _group_state(pgid: int) -> tuple[bool, float]:
    """Whether a process of group `pgid` still runs (zombies do not count), and their CPU seconds."""
    alive, ticks = False, 0
    try:
        entries = list(os.scandir("/proc"))
    except OSError:
        return False, 0.0
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            alive = alive or fields[0] not in ("Z", "X")
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return alive, ticks / os.sysconf("SC_CLK_TCK")


def _group_alive(pgid: int) -> bool:
    return _group_state(pgid)[0]


def _await_group_exit(pgid: int, timeout_s: float = 2.0) -> None:
    """After a kill, wait (briefly) until the group is gone: the namespace's init dies asynchronously."""
    if not os.path.isdir("/proc/self"):
        return
    end = time.monotonic() + timeout_s
    while _group_alive(pgid) and time.monotonic() < end:
        _kill_group(pgid)
        time.sleep(0.005)


def _wait(proc: subprocess.Popen[bytes], deadline: float,
          cancel: threading.Event | None) -> tuple[bool, float]:
    """Wait for the launcher until the deadline or a cancel, then kill its group.

    Returns (timed out, CPU seconds the group had used when killed; 0 when it ended by itself).
    """
    try:
        pidfd: int | None = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):
        pidfd = None
    try:
        while True:
            pid, _status, _usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                proc.returncode = 0  # reaped here; keep Popen from waiting again
                return False, 0.0
            now = time.monotonic()
            if now >= deadline or (cancel is not None and cancel.is_set()):
                used = _group_state(proc.pid)[1] if os.path.isdir("/proc/self") else 0.0
                _kill_group(proc.pid)
                os.wait4(proc.pid, 0)
                proc.returncode = -9
                _await_group_exit(proc.pid)
                return now >= deadline, used
            pause = min(deadline - now, 0.1)
            if pidfd is not None:
                select.select([pidfd], [], [], pause)
            else:
                time.sleep(min(pause, 0.01))
    finally:
        if pidfd is not None:
            os.close(pidfd)


def _launch(argv: list[str], box: Path, stdin_path: Path | None, limits: Limits, *, namespaces: bool,
            run_as: int | None, env: dict[str, str], binds: tuple[tuple[str, str], ...],
            nproc_base: int, read_cap: int = 1 << 20, cancel: threading.Event | None = None,
            stdin_fd: int | None = None,
            stdout_fd: int | None = None) -> tuple[RunOutcome, dict[str, object]]:
    io_dir = Path(tempfile.mkdtemp(prefix="io-", dir=box.parent))  # 0700: the program cannot read it
    out_path, err_path = io_dir / "stdout", io_dir / "stderr"
    status_r, status_w = os.pipe()
    command = _launcher_argv(argv, box, limits, namespaces=namespaces, run_as=run_as, env=env, binds=binds,
                             nproc_base=nproc_base, status_fd=status_w)
    if stdin_fd is not None:  # the caller's descriptor (e.g. a pipe from an interactor); it stays theirs
        stdin_file = os.fdopen(os.dup(stdin_fd), "rb")
    else:
        stdin_file = stdin_path.open("rb") if stdin_path is not None else open(os.devnull, "rb")  # noqa: SIM115
    start = time.monotonic()
    timed_out, cpu_at_kill = False, 0.0
    try:
        with stdin_file, out_path.open("wb") as out_file, err_path.open("wb") as err_file:
            try:
                proc = subprocess.Popen(
                    command,
                    stdin=stdin_file, stdout=out_file if stdout_fd is None else stdout_fd, stderr=err_file,
                    pass_fds=(status_w,),
                    start_new_session=True, env={"PATH": SAFE_PATH}, cwd="/")
            except OSError as exc:
                raise JudgeError(f"cannot start the sandbox launcher: {exc}") from exc
            finally:
                os.close(status_w)
            timed_out, cpu_at_kill = _wait(proc, start + limits.wall_s, cancel)
            _kill_group(proc.pid)
        wall = time.monotonic() - start
        with os.fdopen(status_r, "rb") as status_file:
            status_r = -1
            lines = [line for line in status_file.read().decode(errors="replace").splitlines() if line]
        stdout, stdout_size = _read_capped(out_path, read_cap)
        stderr, _ = _read_capped(err_path, min(read_cap, 1 << 16))
    finally:
        if status_r >= 0:
            os.close(status_r)
        for path in (out_path, err_path):
            path.unlink(missing_ok=True)
        io_dir.rmdir()
    reports = [json.loads(line) for line in lines if line.startswith("{")]
    errors = [str(r["error"]) for r in reports if "error" in r]
    final: dict[str, Any] = next((r for r in reports if "error" not in r), {})
    cancelled = cancel is not None and cancel.is_set() and not timed_out
    error = errors[0] if errors else ("cancelled" if cancelled else None)
    if not final and error is None and not timed_out:
        error = "the sandbox launcher gave no status"
    outcome = RunOutcome(
        exit_code=final.get("exit") if not timed_out else None,
        signal=final.get("signal") if not timed_out else signal.SIGKILL,
        cpu_s=max(float(final.get("cpu_s", 0.0)), cpu_at_kill),
        wall_s=float(final.get("wall_s", wall)) if not timed_out else wall,
        maxrss_mb=float(final.get("maxrss_kb", 0)) / 1024.0,
        timed_out=timed_out, stdout=stdout, stderr=stderr, stdout_size=stdout_size, error=error)
    return outcome, final


class Sandbox:
    """Runs programs with the isolation detected on this machine."""

    def __init__(self, info: IsolationInfo | None = None) -> None:
        self.info = info or detect_isolation()
        self._nproc_base = _process_limit_base(self.info.run_as if self.info.run_as is not None
                                               else os.getuid())

    def run(self, argv: list[str], box: Path, stdin_path: Path | None, limits: Limits, *,
            env: dict[str, str] | None = None, binds: tuple[tuple[str, str], ...] = (),
            drop_root: bool = True, isolate: bool = True, read_cap: int = 1 << 20,
            cancel: threading.Event | None = None, stdin_fd: int | None = None,
            stdout_fd: int | None = None) -> RunOutcome:
        """Run `argv` in `box` (an empty directory whose parent only we can write) and wait for it.

        `isolate=False` runs without namespaces (checkers, which are trusted and need the files).
        stdin is `stdin_fd` when given (else `stdin_path`, else empty); stdout goes to `stdout_fd` when
        given (e.g. a pipe to an interactor; `RunOutcome.stdout` is then empty). The descriptors stay
        the caller's: it closes its copies.
        """
        run_env = {"PATH": SAFE_PATH, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "HOME": str(box),
                   "TMPDIR": str(box), "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "0"}
        run_env.update(env or {})
        run_as = self.info.run_as if drop_root else None
        outcome, _ = _launch(argv, box, stdin_path, limits, namespaces=isolate and self.info.namespaces,
                             run_as=run_as, env=run_env, binds=binds if isolate else (),
                             nproc_base=self._nproc_base, read_cap=read_cap, cancel=cancel,
                             stdin_fd=stdin_fd, stdout_fd=stdout_fd)
        return outcome
