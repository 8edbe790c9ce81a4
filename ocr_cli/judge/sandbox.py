"""Running untrusted programs: detecting what isolation works here, and sandbox sessions.

A `Session` is one sandbox, set up once (the launcher of `launcher.c`, started with the folders the
programs need) and then used for many runs: each run gets a fresh private working folder and /tmp,
its own PID namespace, rlimits, no capabilities, `no_new_privs` and the seccomp filter. Where
namespaces are not available (or no C compiler can build the launcher) runs get rlimits, their own
process group and a scrubbed environment only: the level is then "rlimits", and `detect_isolation`
says why. docs/security.md has the threat model.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import threading
from pathlib import Path
from typing import Any

from ocr_cli.errors import JudgeError
from ocr_cli.judge.native_launcher import c_compiler, native_launcher
from ocr_cli.judge.seccomp_filter import seccomp_unavailable_reason
from ocr_cli.judge.session import (
    LEVEL_NAMESPACES,
    LEVEL_RLIMITS,
    MODES,
    NOBODY,
    SAFE_PATH,
    STDERR_CAP,
    SYSTEM_PATHS,
    Bind,
    IsolationInfo,
    Limits,
    RunOutcome,
    Session,
    anonymous_file,
)

__all__ = ["LEVEL_NAMESPACES", "LEVEL_RLIMITS", "MODES", "NOBODY", "SAFE_PATH", "STDERR_CAP", "SYSTEM_PATHS",
           "Bind", "IsolationInfo", "Limits", "RunOutcome", "Sandbox", "Session", "anonymous_file",
           "detect_isolation", "expose", "require_isolation", "system_binds"]


def system_binds(extra: tuple[str, ...] = ()) -> tuple[Bind, ...]:
    """Read-only binds of the system's runtime folders, ocr's own Python installation (where solutions'
    interpreter usually lives) and `extra` folders, where they exist."""
    seen: list[Bind] = []
    for path in (*SYSTEM_PATHS, str(Path(sys.base_prefix).resolve()), *extra):
        if os.path.lexists(path) and not any(path == b.source or path.startswith(b.source.rstrip("/") + "/")
                                              for b in seen):
            seen.append(Bind(path, path))
    return tuple(seen)


def _probe(namespaces: bool, run_as: int | None) -> tuple[bool, str, dict[str, Any]]:
    """Run `/bin/sh -c 'exit 0'` in a sandbox; report whether it worked and what the launcher said."""
    info = IsolationInfo(LEVEL_NAMESPACES if namespaces else LEVEL_RLIMITS, run_as=run_as)
    try:
        with Session(info, system_binds()) as session:
            outcome = session.run(["/bin/sh", "-c", "exit 0"], Limits(5, 10, None, 1 << 16))
            ready = dict(session.ready)
    except JudgeError as exc:
        return False, str(exc), {}
    if outcome.ok:
        return True, "", ready
    return False, outcome.error or f"exit {outcome.exit_code} signal {outcome.signal}", ready


def configured_mode() -> str:
    """`OCR_SANDBOX` (auto, strict or rlimits); "auto" when unset or unknown."""
    mode = os.environ.get("OCR_SANDBOX", "auto").strip().lower()
    return mode if mode in MODES else "auto"


@functools.lru_cache(maxsize=1)
def detect_isolation() -> IsolationInfo:
    """Find out once what isolation works here (`OCR_SANDBOX=rlimits` forces the fallback)."""
    run_as = NOBODY if os.getuid() == 0 else None
    seccomp_note = seccomp_unavailable_reason()
    details = {"rlimits": True, "process_group": True, "scrubbed_env": True, "private_workdir": True,
               "drop_root": run_as is not None, "no_new_privs": True, "status_channel_hidden": True,
               "user_namespace": False, "pid_namespace": False, "network": False, "minimal_fs": False,
               "private_tmp": False, "no_capabilities": run_as is not None, "seccomp": False}
    weaker = {**details, "status_channel_hidden": False, "no_new_privs": False}
    if not sys.platform.startswith("linux"):  # the launcher is Linux-only (namespaces, seccomp)
        return IsolationInfo(LEVEL_RLIMITS, weaker, run_as, "namespaces need Linux", backend="subprocess")
    if native_launcher() is None:
        why = ("no C compiler to build the launcher" if c_compiler() is None
               else "the launcher failed to build")
        return IsolationInfo(LEVEL_RLIMITS, weaker, run_as, why, backend="subprocess")
    if configured_mode() == LEVEL_RLIMITS:
        return IsolationInfo(LEVEL_RLIMITS, {**details, "seccomp": not seccomp_note}, run_as,
                             "OCR_SANDBOX=rlimits")
    works, why, ready = _probe(True, run_as)
    if not works:
        _, _, ready = _probe(False, run_as)
        return IsolationInfo(LEVEL_RLIMITS, {**details, "seccomp": bool(ready.get("seccomp"))}, run_as,
                             f"namespaces unavailable: {why}")
    if run_as is not None:  # root needs no user namespace: programs run as nobody, without capabilities
        del details["user_namespace"]
    else:
        details["user_namespace"] = bool(ready.get("user_namespace"))
    details.update(pid_namespace=True, network=True, minimal_fs=True, private_tmp=True, no_capabilities=True,
                   seccomp=bool(ready.get("seccomp")))
    if not seccomp_note and not ready.get("seccomp"):
        seccomp_note = "the filter could not be built"
    note = f"no system-call filter: {seccomp_note}" if seccomp_note else ""
    return IsolationInfo(LEVEL_NAMESPACES, details, run_as, note)


def require_isolation(mode: str) -> IsolationInfo:
    """The isolation for sandbox mode `mode` (auto, strict, rlimits); strict refuses weak sandboxes."""
    info = detect_isolation()
    if mode == "strict" and not info.namespaces:
        raise JudgeError(f"refusing to run untrusted code: sandbox = strict, and namespaces are unavailable "
                         f"here ({info.note or 'unknown reason'})",
                         hint="see `ocr doctor` and docs/security.md; or use --sandbox auto")
    if mode == LEVEL_RLIMITS and info.namespaces:
        return IsolationInfo(LEVEL_RLIMITS, {**info.details, "user_namespace": False, "pid_namespace": False,
                                             "network": False, "minimal_fs": False, "private_tmp": False},
                             info.run_as, "sandbox = rlimits", info.backend)
    return info


class Sandbox:
    """Runs programs with the isolation detected on this machine."""

    def __init__(self, info: IsolationInfo | None = None) -> None:
        self.info = info or detect_isolation()

    def session(self, binds: tuple[Bind, ...] = (), *, drop_root: bool = True,
                env: dict[str, str] | None = None) -> Session:
        """A sandbox showing the system folders and `binds`, for many runs."""
        return Session(self.info, (*system_binds(), *binds), drop_root=drop_root, env=env)

    def run(self, argv: list[str], box: Path, stdin_path: Path | None, limits: Limits, *,
            env: dict[str, str] | None = None, binds: tuple[tuple[str, str], ...] = (),
            drop_root: bool = True, isolate: bool = True, read_cap: int = 1 << 20,
            cancel: threading.Event | None = None, stdin_fd: int | None = None,
            stdout_fd: int | None = None) -> RunOutcome:
        """Run `argv` once in a sandbox of its own (prefer `session()` for many runs).

        Host paths in `argv` (the program, a script) are shown read-only inside; `binds` (source,
        target) pairs too. `box` is unused with namespaces (each run gets a private tmpfs); stdin is
        `stdin_fd`, else `stdin_path`, else empty; stdout goes to `stdout_fd` or comes back capped at
        `read_cap`. `isolate=False` runs with rlimits only.
        """
        del box
        extra, moved = expose(argv)
        binds_all = (*system_binds(), *extra, *(Bind(s, t) for s, t in binds))
        info = self.info if isolate else IsolationInfo(LEVEL_RLIMITS, run_as=self.info.run_as)
        with contextlib.ExitStack() as stack:
            session = stack.enter_context(Session(info, binds_all, drop_root=drop_root, env=env))
            if stdin_fd is None and stdin_path is not None:
                stdin_fd = stack.enter_context(stdin_path.open("rb")).fileno()
            return session.run(moved if info.namespaces else argv, limits, stdin_fd=stdin_fd,
                               stdout_fd=stdout_fd, read_cap=read_cap, cancel=cancel)


def expose(argv: list[str], visible: tuple[str, ...] = ()) -> tuple[tuple[Bind, ...], list[str]]:
    """Binds for the host files named in argv (outside the system folders and `visible`), and argv
    as seen inside the sandbox."""
    binds: list[Bind] = []
    moved = []
    visible = (*SYSTEM_PATHS, str(Path(sys.base_prefix).resolve()), *visible)
    for arg in argv:
        path = Path(arg)
        shown = any(arg == s or arg.startswith(s.rstrip("/") + "/") for s in visible)
        if path.is_absolute() and path.exists() and not shown:
            hidden = any(str(path).startswith(p) for p in ("/tmp/", "/box/", "/proc/", "/dev/", "/run/"))
            target = f"/run/ocr/{len(binds)}" if hidden else str(path.parent)
            binds.append(Bind(str(path.parent), target))
            moved.append(f"{target}/{path.name}")
        else:
            moved.append(arg)
    return tuple(binds), moved
