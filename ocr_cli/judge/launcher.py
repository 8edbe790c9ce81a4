"""The sandbox launcher: a standalone script, run as `python -I -S launcher.py ARGS...`.

It is never imported by ocr (it must start fast and run before privileges are dropped); the judge
prefers its C twin (`native_launcher.py`), which speaks the same protocol (described there). The
program's stdin, stdout and stderr are the launcher's own; file descriptor `status_fd` receives one line:
`{"exit": int|null, "signal": int|null, "cpu_s": float, "wall_s": float, "maxrss_kb": int, ...}`, or
`{"error": str}` when the sandbox could not be set up.

With `"namespaces": true` it enters new mount, PID and network namespaces (and a user namespace
when not root), makes every mount read-only, mounts a fresh tmpfs on the box (the program's working
directory) and a fresh /proc, then forks the program; the namespace's init (this script's child) waits
for it and exits, which makes the kernel kill whatever the program left behind. Without namespaces it
forks the program in its own process group and kills the group afterwards.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import sys
import time

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_NOATIME = 1024
MS_NODIRATIME = 2048
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MS_RELATIME = 1 << 21
MS_STRICTATIME = 1 << 24
PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38

_MOUNT_FLAGS = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC, "noatime": MS_NOATIME,
                "nodiratime": MS_NODIRATIME, "relatime": MS_RELATIME, "strictatime": MS_STRICTATIME}

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
_libc.unshare.argtypes = [ctypes.c_int]
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]


def _check(rc: int, what: str) -> None:
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(_libc.mount(source.encode() if source else None, target.encode(),
                       fstype.encode() if fstype else None, flags, data.encode() if data else None),
           f"mount {target}")


def _unescape(field: str) -> str:
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and field[i + 1:i + 4].isdigit() and len(field[i + 1:i + 4]) == 3:
            out.append(chr(int(field[i + 1:i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def _remount_all_read_only() -> list[str]:
    """Remount every mount point read-only (keeping its other flags); returns those that failed."""
    failed = []
    with open("/proc/self/mountinfo") as handle:
        lines = handle.read().splitlines()
    for line in lines:
        fields = line.split()
        target, options = _unescape(fields[4]), fields[5].split(",")
        flags = MS_REMOUNT | MS_BIND | MS_RDONLY
        for option in options:
            flags |= _MOUNT_FLAGS.get(option, 0)
        try:
            _mount(None, target, None, flags)
        except OSError:
            failed.append(target)
    return failed


def _write_id_maps(uid: int, gid: int) -> None:
    with open("/proc/self/setgroups", "w") as handle:
        handle.write("deny")
    with open("/proc/self/uid_map", "w") as handle:
        handle.write(f"0 {uid} 1")
    with open("/proc/self/gid_map", "w") as handle:
        handle.write(f"0 {gid} 1")


def _set_limits(limits: dict[str, int]) -> None:
    for name, value in limits.items():
        which = getattr(resource, "RLIMIT_" + name.upper())
        soft = hard = value
        if name == "cpu":
            hard = value + 1  # SIGXCPU at the soft limit, SIGKILL one second later
        resource.setrlimit(which, (soft, hard))


def _exec_program(config: dict, status_fd: int) -> None:
    """In the forked child: limits, drop privileges, exec. Never returns."""
    try:
        os.set_inheritable(status_fd, False)
        os.chdir(config["cwd"])
        _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        _set_limits(config["limits"])
        if config.get("uid") is not None:
            os.setgroups([])
            os.setgid(config["gid"])
            os.setuid(config["uid"])
        for number in (signal.SIGPIPE, signal.SIGXFSZ):  # Python ignores them; the program must not
            signal.signal(number, signal.SIG_DFL)
        os.execve(config["argv"][0], config["argv"], config["env"])
    except BaseException as exc:  # report, whatever it was: the parent turns it into IE
        try:
            os.write(status_fd, (json.dumps({"error": f"exec failed: {exc}"}) + "\n").encode())
        finally:
            os._exit(127)


def _supervise(config: dict, status_fd: int, extra: dict) -> None:
    """Fork the program, wait for it (reaping orphans), report its status and usage."""
    start = time.monotonic()
    child = os.fork()
    if child == 0:
        _exec_program(config, status_fd)
    status = 0
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            break
        if pid == child:
            break
    wall = time.monotonic() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    report = {
        "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "wall_s": wall,
        "maxrss_kb": usage.ru_maxrss,
        **extra,
    }
    os.write(status_fd, (json.dumps(report) + "\n").encode())


def _namespace_init(config: dict, status_fd: int) -> None:
    """PID 1 of the new namespaces: build the read-only view, then supervise the program."""
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    # A launcher that died before the death signal was armed is caught by the judge's group kill.
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    for source, target in config.get("binds", []):
        _mount(source, target, None, MS_BIND | MS_REC)
    proc_ok = True
    try:
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    except OSError:
        proc_ok = False
    failed = _remount_all_read_only()
    _mount("tmpfs", config["cwd"], "tmpfs", MS_NOSUID | MS_NODEV,
           f"size={config['box_bytes']},mode=0777")
    _supervise(config, status_fd, {"ro_failed": failed, "proc": proc_ok})


def parse_args(args: list[str]) -> dict:
    """Read the argv protocol of `native_launcher.py` into a config dict."""
    it = iter(args)

    def number() -> int:
        return int(next(it))

    config: dict = {"status_fd": number(), "namespaces": number() == 1}
    uid, gid = number(), number()
    config.update(uid=uid if uid >= 0 else None, gid=gid if gid >= 0 else None, cwd=next(it),
                  box_bytes=number())
    limits = {name: number() for name in ("cpu", "fsize", "nofile", "nproc", "as", "stack")}
    config["limits"] = {"core": 0, **{k: v for k, v in limits.items() if v >= 0}}
    config["binds"] = [(next(it), next(it)) for _ in range(number())]
    config["env"] = dict(item.split("=", 1) for item in [next(it) for _ in range(number())])
    config["argv"] = list(it)
    return config


def main() -> None:
    config = parse_args(sys.argv[1:])
    status_fd = config["status_fd"]
    try:
        if not config.get("namespaces"):
            _supervise(config, status_fd, {})
            return
        flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET
        uid, gid = os.getuid(), os.getgid()
        if uid != 0:
            flags |= CLONE_NEWUSER
        _check(_libc.unshare(flags), "unshare")
        if uid != 0:
            _write_id_maps(uid, gid)
        child = os.fork()
        if child == 0:
            try:
                _namespace_init(config, status_fd)
            except BaseException as exc:
                os.write(status_fd, (json.dumps({"error": f"sandbox setup failed: {exc}"}) + "\n").encode())
            os._exit(0)
        os.waitpid(child, 0)
    except OSError as exc:
        os.write(status_fd, (json.dumps({"error": f"sandbox setup failed: {exc}"}) + "\n").encode())


if __name__ == "__main__":
    main()
