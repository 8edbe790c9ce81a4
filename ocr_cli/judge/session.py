"""One sandbox, set up once and running many programs: the Python side of `launcher.c`.

A `Session` starts the launcher with the folders its programs need, then sends it one request per
run (argv, limits, and the stdin/stdout/stderr descriptors) over a SOCK_SEQPACKET socket and waits
for the answer; several threads may run at once. Without a launcher (no C compiler), runs fall back
to `subprocess` with rlimits only (`_run_direct`). `sandbox.py` decides which and builds sessions.
"""

from __future__ import annotations

import array
import contextlib
import json
import math
import os
import resource
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from ocr_cli.errors import JudgeError
from ocr_cli.judge.native_launcher import native_launcher
from ocr_cli.judge.seccomp_filter import seccomp_bpf

NOBODY = 65534
SAFE_PATH = "/usr/local/bin:/usr/bin:/bin"
LEVEL_NAMESPACES = "namespaces"
LEVEL_RLIMITS = "rlimits"
MODES = ("auto", "strict", "rlimits")
#: What a program or compiler may see, read-only, when it exists on this system.
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc/alternatives",
                "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime")
STDERR_CAP = 64 * 1024
#: Seconds past a run's own wall limit before ocr gives up on the launcher's answer.
ANSWER_GRACE_S = 30.0


@dataclass(frozen=True)
class IsolationInfo:
    """What the sandbox can isolate on this machine."""

    level: str  # "namespaces" or "rlimits"
    details: dict[str, bool] = field(default_factory=dict)
    run_as: int | None = None  # the uid programs run as (root drops to nobody); None: our own
    note: str = ""  # why namespaces (or seccomp) are not used, when they are not
    backend: str = "launcher"  # "launcher" (the C launcher) or "subprocess" (no C compiler: rlimits)

    @property
    def namespaces(self) -> bool:
        return self.level == LEVEL_NAMESPACES

    @property
    def warning(self) -> str:
        """One line for the user when untrusted code runs without namespaces ("" otherwise)."""
        if self.namespaces:
            return ""
        return (f"the sandbox is weak here (rlimits only: {self.note or 'no namespaces'}); untrusted code "
                "can read your files and use the network (see docs/security.md; --sandbox strict refuses)")


@dataclass(frozen=True)
class Limits:
    """Resource limits of one run."""

    cpu_s: float
    wall_s: float
    address_space_mb: int | None  # None: unlimited
    output_bytes: int  # stdout (a file): past it the program gets SIGXFSZ, the verdict OLE
    processes: int = 64
    open_files: int = 64
    stack_mb: int | None = None
    box_mb: int = 64  # the private working folder (and, separately, /tmp)
    stderr_bytes: int = STDERR_CAP  # kept; the rest is read and dropped (never OLE)


@dataclass(frozen=True)
class RunOutcome:
    """What happened to one program run."""

    exit_code: int | None
    signal: int | None
    cpu_s: float
    wall_s: float
    maxrss_mb: float
    timed_out: bool  # killed at the wall-clock deadline
    stdout: bytes  # the first bytes (all of it with a large enough read cap); b"" when given stdout_fd
    stderr: bytes  # at most Limits.stderr_bytes
    stdout_size: int  # bytes written, even when more than was read back
    error: str | None = None  # the sandbox itself failed, or the program could not be started
    errno: int = 0  # with `error`: the errno of the failed step (12: no memory to start it)
    stderr_size: int = 0  # bytes the program wrote to stderr, kept or not

    @property
    def ok(self) -> bool:
        return self.error is None and not self.timed_out and self.signal is None and self.exit_code == 0


_spawner_lock = threading.Lock()
_spawner_pool: ThreadPoolExecutor | None = None


def _spawner() -> ThreadPoolExecutor:
    """The one thread that starts sandbox launchers (it lives as long as ocr)."""
    global _spawner_pool
    with _spawner_lock:
        if _spawner_pool is None:
            _spawner_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ocr-sandbox-spawner")
        return _spawner_pool


def _forget_spawner() -> None:
    """In a forked child the spawner's thread does not exist: start a new one when needed."""
    global _spawner_pool, _spawner_lock
    _spawner_pool = None
    _spawner_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_spawner)


@dataclass(frozen=True)
class Bind:
    """A host folder or file shown inside the sandbox at `target`."""

    source: str
    target: str
    writable: bool = False


def anonymous_file() -> BinaryIO:
    """A read-write file with no name (memfd where the system has it: no file-system work per run)."""
    if hasattr(os, "memfd_create"):
        with contextlib.suppress(OSError):
            return os.fdopen(os.memfd_create("ocr-run", os.MFD_CLOEXEC), "w+b")
    return tempfile.TemporaryFile()


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


def _scrubbed_env(home: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {"PATH": SAFE_PATH, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "HOME": home, "TMPDIR": "/tmp",
           "PYTHONDONTWRITEBYTECODE": "1"}
    env.update(extra or {})
    return env


def _limit_numbers(limits: Limits, nproc_base: int) -> list[int]:
    mb = 1 << 20
    return [max(1, math.ceil(limits.cpu_s)), max(1, int(limits.wall_s * 1000)), limits.output_bytes,
            limits.open_files, nproc_base + limits.processes,
            -1 if limits.address_space_mb is None else limits.address_space_mb * mb,
            -1 if limits.stack_mb is None else limits.stack_mb * mb, limits.box_mb * mb, limits.stderr_bytes]


def _outcome(answer: dict[str, Any], stderr_fd: int, stdout_fd: int, read_cap: int | None) -> RunOutcome:
    """A RunOutcome from the launcher's answer and the files the run wrote."""
    stdout, stdout_size = b"", 0
    with contextlib.suppress(OSError):
        stdout_size = os.fstat(stdout_fd).st_size
        if read_cap:
            stdout = os.pread(stdout_fd, min(read_cap, stdout_size), 0)
    stderr = b""
    with contextlib.suppress(OSError):
        stderr = os.pread(stderr_fd, os.fstat(stderr_fd).st_size, 0)
    timed_out = bool(answer.get("timed_out"))
    return RunOutcome(exit_code=answer.get("exit"), signal=answer.get("signal"),
                      cpu_s=float(answer.get("cpu_s", 0.0)), wall_s=float(answer.get("wall_s", 0.0)),
                      maxrss_mb=float(answer.get("maxrss_kb", 0)) / 1024.0, timed_out=timed_out,
                      stdout=stdout, stderr=stderr, stdout_size=stdout_size, error=answer.get("error"),
                      errno=int(answer.get("errno", 0) or 0), stderr_size=int(answer.get("stderr_bytes", 0)))


class Session:
    """One sandbox, set up once, running many programs (thread-safe); close it when done."""

    def __init__(self, info: IsolationInfo, binds: tuple[Bind, ...] = (), *, drop_root: bool = True,
                 env: dict[str, str] | None = None, namespaces: bool | None = None) -> None:
        self.info = info
        self.namespaces = info.namespaces if namespaces is None else namespaces
        self.binds = binds
        self.run_as = info.run_as if drop_root else None
        self._env = _scrubbed_env("/box" if self.namespaces else "/tmp", env)
        self._nproc_base = _process_limit_base(self.run_as if self.run_as is not None else os.getuid())
        self._folder = Path(tempfile.mkdtemp(prefix="ocr-sandbox-"))
        self._lock = threading.Lock()
        self._answered = threading.Condition(self._lock)
        self._answers: dict[int, dict[str, Any]] = {}
        self._reading = False
        self._next_id = 0
        self._closed = False
        self.ready: dict[str, Any] = {}
        launcher = native_launcher()
        self._direct = launcher is None
        self._proc: subprocess.Popen[bytes] | None = None
        self._sock: socket.socket | None = None
        if self._direct:
            if self.namespaces:
                raise JudgeError("no C compiler to build the sandbox launcher: namespaces are unavailable")
            return
        try:
            self._start(launcher)
        except BaseException:
            self.close()
            raise

    # ----- start and stop -----
    def _start(self, launcher: Path | None) -> None:
        assert launcher is not None
        self._folder.chmod(0o711)
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        command = [str(launcher), "--ctl", str(theirs.fileno())]
        if self.namespaces:
            root = self._folder / "root"
            root.mkdir(mode=0o755)
            command += ["--ns", "--root", str(root)]
        else:
            boxes = self._folder / "boxes"
            boxes.mkdir(mode=0o711)
            boxes.chmod(0o711)
            command += ["--boxes", str(boxes)]
        if self.run_as is not None:
            command += ["--uid", str(self.run_as), "--gid", str(self.run_as)]
        bpf = seccomp_bpf()
        if bpf is not None:
            command += ["--seccomp", str(bpf)]
        if self.namespaces:
            for bind in self.binds:
                command += ["--rw" if bind.writable else "--ro", bind.source, bind.target]
        command += [arg for key, value in self._env.items() for arg in ("--env", f"{key}={value}")]
        try:
            # Started from one lasting thread: the launcher dies with the thread that started it
            # (PR_SET_PDEATHSIG), and a session outlives the worker thread that first used it.
            self._proc = _spawner().submit(
                subprocess.Popen, command, pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, cwd="/",
                env={"PATH": SAFE_PATH}).result()
        except OSError as exc:
            raise JudgeError(f"cannot start the sandbox launcher: {exc}") from exc
        finally:
            theirs.close()
        self._sock = mine
        ready = self._receive(time.monotonic() + 30.0)
        if ready is None or not ready.get("ready"):
            why = (ready or {}).get("error") or "the sandbox launcher did not start"
            raise JudgeError(str(why))
        self.ready = ready

    def close(self) -> None:
        """End the sandbox: every process in it is killed and reaped."""
        self._closed = True
        if self._sock is not None:
            self._sock.close()  # the launcher reads EOF and leaves; its namespaces die with it
        if self._proc is not None:
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self._proc.pid, signal.SIGKILL)
                self._proc.wait()
        shutil.rmtree(self._folder, ignore_errors=True)

    def kill(self) -> None:
        """End the sandbox at once (a cancel): runs in flight answer "cancelled"."""
        if self._proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._proc.pid, signal.SIGKILL)
        self.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----- answers -----
    def _receive(self, deadline: float) -> dict[str, Any] | None:
        """One answer from the launcher, or None when it is gone or the deadline passed."""
        assert self._sock is not None
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                readable, _, _ = select.select([self._sock], [], [], min(left, 0.5))
            except (OSError, ValueError):
                return None
            if not readable:
                continue
            try:
                data = self._sock.recv(65536)
            except OSError:
                return None
            if not data:
                return None
            try:
                answer = json.loads(data.decode(errors="replace"))
            except ValueError:
                continue
            return answer if isinstance(answer, dict) else None

    def _await(self, ident: int, deadline: float, cancel: threading.Event | None) -> dict[str, Any]:
        """Wait for the answer to request `ident`; one waiting thread at a time reads the socket."""
        while True:
            with self._lock:
                if ident in self._answers:
                    return self._answers.pop(ident)
                reader = not self._reading
                if reader:
                    self._reading = True
            if cancel is not None and cancel.is_set():
                self.kill()
                return {"error": "cancelled"}
            if not reader:
                with self._lock:
                    if ident not in self._answers and self._reading:
                        self._answered.wait(0.05)
                if time.monotonic() > deadline:
                    return {"error": "the sandbox launcher did not answer"}
                continue
            try:
                answer = self._receive(min(deadline, time.monotonic() + 0.05))
            finally:
                with self._lock:
                    self._reading = False
                    if answer is not None and "id" in answer:
                        self._answers[int(answer["id"])] = answer
                    self._answered.notify_all()
            if answer is not None and "id" in answer:
                continue
            if self._closed:
                cancelled = cancel is not None and cancel.is_set()
                return {"error": "cancelled" if cancelled else "the sandbox was closed"}
            if self._proc is not None and self._proc.poll() is not None:
                return {"error": "the sandbox launcher died"}
            if time.monotonic() > deadline:
                return {"error": "the sandbox launcher did not answer"}

    # ----- running -----
    def run(self, argv: list[str], limits: Limits, *, stdin_fd: int | None = None,
            stdout_fd: int | None = None, read_cap: int | None = 1 << 20,
            cancel: threading.Event | None = None) -> RunOutcome:
        """Run `argv` (paths as seen inside the sandbox) and wait for it.

        stdin is `stdin_fd` (else empty); stdout goes to `stdout_fd` (a file or a pipe; else a private
        spool file of which the first `read_cap` bytes come back in `RunOutcome.stdout`).
        """
        with contextlib.ExitStack() as stack:
            if stdin_fd is None:
                stdin_fd = stack.enter_context(open(os.devnull, "rb")).fileno()
            spooled = stdout_fd is None
            if stdout_fd is None:
                stdout_fd = stack.enter_context(anonymous_file()).fileno()
            err = stack.enter_context(anonymous_file()).fileno()
            if self._direct:
                answer = _run_direct(argv, limits, stdin_fd, stdout_fd, err, self._env,
                                     self.run_as, self._nproc_base, self._folder, cancel)
            else:
                answer = self._request(argv, limits, stdin_fd, stdout_fd, err, cancel)
            return _outcome(answer, err, stdout_fd, read_cap if spooled else 0)

    def _request(self, argv: list[str], limits: Limits, stdin_fd: int, stdout_fd: int, stderr_fd: int,
                 cancel: threading.Event | None) -> dict[str, Any]:
        if self._closed or self._sock is None:
            return {"error": "the sandbox was closed"}
        with self._lock:
            self._next_id += 1
            ident = self._next_id
        numbers = [ident, *_limit_numbers(limits, self._nproc_base)]
        message = (" ".join(map(str, numbers)) + "\n").encode() + b"\0".join(a.encode() for a in argv)
        fds = array.array("i", [stdin_fd, stdout_fd, stderr_fd])
        try:
            self._sock.sendmsg([message], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)])
        except OSError as exc:
            return {"error": f"cannot reach the sandbox launcher: {exc}"}
        return self._await(ident, time.monotonic() + limits.wall_s + ANSWER_GRACE_S, cancel)


def _high_water_kb(pid: int) -> int:
    """Peak resident memory of a running process (VmHWM), 0 when it cannot be read.

    Used instead of `wait4`'s `ru_maxrss`, which keeps the RSS the child had before `exec`: a fork of a
    large ocr process (a model loaded) would otherwise look like a program over its memory limit.
    `Popen` returns only after the `exec`, so every reading is of the program's own memory.
    """
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _run_direct(argv: list[str], limits: Limits, stdin_fd: int, stdout_fd: int, stderr_fd: int,
                env: dict[str, str], run_as: int | None, nproc_base: int, folder: Path,
                cancel: threading.Event | None) -> dict[str, Any]:
    """Rlimits only, without the C launcher (no C compiler here): a process group per run."""
    numbers = _limit_numbers(limits, nproc_base)
    box = Path(tempfile.mkdtemp(prefix="box-", dir=folder))
    box.chmod(0o777)

    def prepare() -> None:  # in the child, between fork and exec
        for which, value, extra in (
                (resource.RLIMIT_CPU, numbers[0], 1), (resource.RLIMIT_FSIZE, numbers[2], 0),
                (resource.RLIMIT_NOFILE, numbers[3], 0), (resource.RLIMIT_NPROC, numbers[4], 0),
                (resource.RLIMIT_AS, numbers[5], 0), (resource.RLIMIT_STACK, numbers[6], 0),
                (resource.RLIMIT_CORE, 0, 0)):
            if value >= 0:
                resource.setrlimit(which, (value, value + extra))
        if run_as is not None:
            os.setgroups([])
            os.setresgid(run_as, run_as, run_as)
            os.setresuid(run_as, run_as, run_as)

    start = time.monotonic()
    try:
        proc = subprocess.Popen(argv, stdin=stdin_fd, stdout=stdout_fd, stderr=subprocess.PIPE, cwd=box,
                                env={**env, "HOME": str(box), "TMPDIR": str(box)}, start_new_session=True,
                                preexec_fn=prepare, restore_signals=True)
    except OSError as exc:
        shutil.rmtree(box, ignore_errors=True)
        return {"error": f"exec {argv[0]}: {exc.strerror}", "errno": exc.errno or 0}
    assert proc.stderr is not None
    kept, total, timed_out, peak_kb = bytearray(), 0, False, 0
    deadline = start + limits.wall_s
    os.set_blocking(proc.stderr.fileno(), False)
    while True:
        peak_kb = max(peak_kb, _high_water_kb(proc.pid))
        left = deadline - time.monotonic()
        if left <= 0 or (cancel is not None and cancel.is_set()):
            timed_out = left <= 0
            break
        readable, _, _ = select.select([proc.stderr], [], [], min(left, 0.05))
        if readable:
            chunk = proc.stderr.read(65536) or b""
            if not chunk:
                break
            kept += chunk[:max(0, limits.stderr_bytes - len(kept))]
            total += len(chunk)
        elif proc.poll() is not None:
            break
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    proc.stderr.close()
    shutil.rmtree(box, ignore_errors=True)
    os.pwrite(stderr_fd, bytes(kept), 0)
    if cancel is not None and cancel.is_set() and not timed_out:
        return {"error": "cancelled"}
    return {"exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            "signal": (signal.SIGKILL if timed_out
                       else os.WTERMSIG(status) if os.WIFSIGNALED(status) else None),
            "timed_out": timed_out, "cpu_s": usage.ru_utime + usage.ru_stime,
            "wall_s": time.monotonic() - start, "maxrss_kb": peak_kb, "stderr_bytes": total}
