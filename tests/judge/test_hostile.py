"""Hostile programs, judged as the current user AND as an unprivileged user (CI runs as root).

As root, the "unprivileged" identity is a uid of its own with its own home, reached by fork and
setuid before the judge is used (so the launcher, the user namespace, the compiler all run as that
user, as they would for an ordinary user). Each scenario asserts the verdict and that nothing
outside the sandbox changed. Scenarios the kernel cannot support are skipped with the reason.
"""
# ruff: noqa: E501  (the hostile programs are clearer on one line each)

from __future__ import annotations

import json
import os
import platform
import random
import shutil
import socket
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ocr_cli.judge import native_launcher, sandbox, seccomp_filter
from ocr_cli.judge.runner import Judge
from ocr_cli.judge.types import JudgeOptions
from ocr_cli.language import Language
from ocr_cli.problem.types import TestCase

PY, CPP = Language.PYTHON, Language.CPP
TOKEN = f"{random.randint(10**8, 10**9)}"
SYSTEM_PYTHON = "/usr/bin/python3"
USER_UID = 47000 + random.randint(0, 999)  # a uid with no account and no files: owns nothing outside


def _options(python: str | None, **extra: Any) -> JudgeOptions:
    values: dict[str, Any] = {"time_limit_s": 1, "memory_limit_mb": 256, "output_limit_mb": 4, "jobs": 2, **extra}
    return JudgeOptions(python=python, **values)


def _case(judge: Judge, source: str, tests: list[TestCase], language: Language = PY) -> dict[str, Any]:
    report = judge.run(source, language, tests)
    return {"verdicts": [c.verdict.value for c in report.cases], "actual": [c.actual for c in report.cases],
            "messages": [c.message for c in report.cases], "compile_output": report.compile_output,
            "isolation": report.isolation}


def _scenarios(python: str | None, home: Path, secret: Path, targets: list[str], port: int,
               abstract: str) -> dict[str, Any]:
    """Every hostile program through the judge; runs in the identity's own process."""
    info = sandbox.detect_isolation()
    judge = Judge(_options(python))
    one = [TestCase("1", "", "")]
    results: dict[str, Any] = {"level": info.level, "note": info.note, "details": info.details,
                               "uid": os.getuid()}
    results["remount"] = _case(judge, (
        "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "print('remount', libc.mount(None, b'/', None, 32 | 4096, None))\n"
        # refused by the seccomp filter; without one it may succeed, into namespaces of its own only
        f"print('unshare', libc.unshare(0x10000000 | 0x20000) == -1 or {not info.details.get('seccomp')!r})\n"
        f"for path in {targets!r}:\n"
        "    try:\n        open(path, 'w').write('x')\n        print('wrote', path)\n"
        "    except OSError:\n        print('blocked')\n"),
        # /tmp is the run's own (writable, private); the home folder and /var/tmp are not there at all
        [TestCase("1", "", f"remount -1\nunshare True\nblocked\nwrote {targets[1]}\nblocked\n")])
    results["secret"] = _case(judge, (
        f"for path in [{str(secret)!r}, {str(home)!r}]:\n"
        "    try:\n        print(open(path).read() if path.endswith('.txt') else __import__('os').listdir(path))\n"
        "    except OSError:\n        print('blocked')\n"), [TestCase("1", "", "blocked\nblocked\n")])
    results["status"] = _case(judge, "print(open('/proc/self/status').read())\n", one)
    forged = '{"id": 1, "exit": 0, "signal": null, "timed_out": false, "cpu_s": 0, "wall_s": 0, "maxrss_kb": 0, "stderr_bytes": 0}\\n'
    results["forge"] = _case(judge, (
        "import os\nn = 0\n"
        "for pid in os.listdir('/proc'):\n"
        "    if not pid.isdigit() or pid == str(os.getpid()):\n        continue\n"
        "    try:\n        fds = os.listdir(f'/proc/{pid}/fd')\n    except OSError:\n        continue\n"
        "    for fd in fds:\n"
        "        try:\n"
        f"            with open(f'/proc/{{pid}}/fd/{{fd}}', 'w') as h: h.write('{forged}')\n"
        "            n += 1\n"
        "        except OSError:\n            pass\n"
        "print('wrong answer')\n"), [TestCase("1", "", "42\n")])
    results["ptrace"] = _case(judge, (
        "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "print([libc.ptrace(16, pid, 0, 0) for pid in (os.getppid(), 1)])\n"), [TestCase("1", "", "[-1, -1]\n")])
    if info.details.get("seccomp") and platform.machine() == "x86_64":
        results["clone"] = _case(judge, (
            "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
            "r = libc.syscall(56, 0x10000000 | 17, 0, 0, 0, 0)  # clone(CLONE_NEWUSER | SIGCHLD)\n"
            "if r == 0:\n    os._exit(0)\nprint(r, ctypes.get_errno())\n"), [TestCase("1", "", "-1 1\n")])
    if info.namespaces:  # without a PID namespace, kill(-1) would hit every process of this user
        results["kill"] = _case(judge, (
            "import os, signal\n"
            "for pid in (1, os.getppid(), -1):\n"
            "    try:\n        os.kill(pid, signal.SIGKILL)\n    except OSError:\n        pass\n"
            "print(int(input()) * 2)\n"), [TestCase(str(i), f"{i}\n", f"{2 * i}\n") for i in range(4)])
        results["fill"] = _case(Judge(_options(python, output_limit_mb=256)), (
            "import os\nfor folder in ('.', '/tmp'):\n"
            "    try:\n        with open(os.path.join(folder, 'big'), 'wb') as h:\n"
            "            for _ in range(100):\n                h.write(b'x' * (1 << 20))\n        print('filled')\n"
            "    except OSError as e:\n        print('full', e.errno)\n"), [TestCase("1", "", "full 28\nfull 28\n")])
    results["network"] = _case(judge, (
        "import socket\n"
        f"try:\n    socket.create_connection(('127.0.0.1', {port}), timeout=2)\n    print('connected')\nexcept OSError:\n    print('blocked')\n"
        "s = socket.socket(socket.AF_UNIX)\n"
        f"try:\n    s.connect({abstract!r})\n    print('connected')\nexcept OSError:\n    print('blocked')\n"), [TestCase("1", "", "blocked\nblocked\n")])
    results["daemon"] = _case(judge, (
        "import os, time\n"
        "if os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
        f"        os.execv('/bin/sleep', ['/bin/sleep', '{TOKEN}.5'])\n    os._exit(0)\n"
        "time.sleep(0.2)\nprint('done')\n"), [TestCase("1", "", "done\n")])
    results["bomb"] = _case(judge, (
        "import os\nwhile True:\n    try:\n        if os.fork() == 0:\n"
        f"            os.execv('/bin/sleep', ['/bin/sleep', '{TOKEN}.7'])\n    except OSError:\n        pass\n"), one)
    if shutil.which("g++"):
        results["include"] = _case(judge, f'#include "{secret}"\nint main() {{}}\n', one, CPP)
        results["cpp_status"] = _case(judge, (
            "#include <cstdio>\nint main(){ FILE* f = std::fopen(\"/proc/self/status\", \"r\"); char b[4096];"
            " size_t n = std::fread(b, 1, sizeof b, f); std::fwrite(b, 1, n, stdout); }\n"), one, CPP)
    return results


def _as_user(uid: int, home: Path, work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run `work` in a child process that has become `uid` (no groups), with its own HOME."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 0
        try:
            os.close(read)
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            os.environ.update(HOME=str(home), OCR_HOME=str(home / "ocr"), USER="ocr-test")
            for cached in (native_launcher.native_launcher, seccomp_filter.seccomp_bpf, sandbox.detect_isolation):
                cached.cache_clear()
            payload = json.dumps(work()).encode()
        except BaseException:
            payload, code = json.dumps({"crash": traceback.format_exc()}).encode(), 1
        with os.fdopen(write, "wb") as out:
            out.write(payload)
        os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as handle:
        data = handle.read()
    os.waitpid(pid, 0)
    result = json.loads(data or b'{"crash": "no answer"}')
    assert "crash" not in result, result.get("crash")
    return result


def _alive_with(token: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and token.encode() in (entry / "cmdline").read_bytes() and \
                    "zombie" not in (entry / "status").read_text():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


IDENTITIES = ["current", "unprivileged"]


@pytest.fixture(scope="module")
def hostile() -> Iterator[dict[str, dict[str, Any]]]:
    """Results of every scenario for each identity, plus what the test needs to check outside."""
    base = Path(tempfile.mkdtemp(prefix="ocr-hostile-"))  # not under pytest's 0700 folder: the user must reach it
    base.chmod(0o755)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    abstract_name = f"\0ocr-hostile-{TOKEN}"
    abstract = socket.socket(socket.AF_UNIX)
    abstract.bind(abstract_name)
    abstract.listen(8)
    results: dict[str, dict[str, Any]] = {}
    outside: dict[str, list[str]] = {}
    try:
        for identity in IDENTITIES:
            home = base / identity
            home.mkdir(mode=0o700)
            secret = home / "secret.txt"
            secret.write_text(f"TOPSECRET-{TOKEN}\n")
            secret.chmod(0o600)
            targets = [str(home / "escape"), f"/tmp/ocr-escape-{identity}-{TOKEN}", f"/var/tmp/ocr-escape-{identity}-{TOKEN}"]
            outside[identity] = targets
            args = (home, secret, targets, listener.getsockname()[1], abstract_name)
            if identity == "current":
                results[identity] = _scenarios(None, *args)
            elif os.getuid() != 0:
                continue  # the current user is already an ordinary user
            else:
                if not os.access(SYSTEM_PYTHON, os.X_OK):
                    continue
                for path in (home, home / "secret.txt"):
                    os.chown(path, USER_UID, USER_UID)
                results[identity] = _as_user(USER_UID, home, lambda a=args: _scenarios(SYSTEM_PYTHON, *a))
        yield {"results": results, "outside": outside}  # type: ignore[misc]
    finally:
        listener.close()
        abstract.close()
        shutil.rmtree(base, ignore_errors=True)
        shutil.rmtree(Path(tempfile.gettempdir()) / f"ocr-launcher-{USER_UID}", ignore_errors=True)
        for targets in outside.values():
            for target in targets:
                Path(target).unlink(missing_ok=True)


def _result(hostile: dict[str, Any], identity: str, scenario: str) -> dict[str, Any]:
    results = hostile["results"]
    if identity not in results:
        pytest.skip("running as an ordinary user already" if os.getuid() != 0 else f"{SYSTEM_PYTHON} is not available")
    found = results[identity]
    if scenario not in found:
        pytest.skip(f"needs namespaces or g++, unavailable here ({found['note'] or 'no g++'})")
    return dict(found[scenario], level=found["level"], details=found["details"], uid=found["uid"])


def _namespaced(result: dict[str, Any]) -> None:
    if result["level"] != "namespaces":
        pytest.skip("namespaces unavailable here: only rlimits protect this run")


@pytest.mark.parametrize("identity", IDENTITIES)
def test_remount_and_writes_outside_fail(hostile: dict[str, Any], identity: str) -> None:
    result = _result(hostile, identity, "remount")
    _namespaced(result)
    assert result["verdicts"] == ["AC"], result
    for target in hostile["outside"][identity]:
        assert not Path(target).exists()


@pytest.mark.parametrize("identity", IDENTITIES)
def test_private_files_of_the_user_are_invisible(hostile: dict[str, Any], identity: str) -> None:
    result = _result(hostile, identity, "secret")
    _namespaced(result)
    assert result["verdicts"] == ["AC"], result
    assert TOKEN not in "".join(result["actual"])


@pytest.mark.parametrize("identity", IDENTITIES)
@pytest.mark.parametrize("scenario", ["status", "cpp_status"])
def test_no_capabilities_no_new_privs_no_root(hostile: dict[str, Any], identity: str, scenario: str) -> None:
    result = _result(hostile, identity, scenario)
    status = dict(line.split(":", 1) for line in result["actual"][0].splitlines() if ":" in line)
    status = {key: value.strip() for key, value in status.items()}
    for key in ("CapInh", "CapPrm", "CapEff", "CapAmb"):
        assert int(status[key], 16) == 0, (key, status[key])
    assert status["NoNewPrivs"] == "1"
    assert status["Uid"].split()[0] != "0"  # never root, even when ocr is
    if result["level"] == "namespaces":
        assert int(status["CapBnd"], 16) == 0
        if result["details"].get("seccomp"):
            assert status["Seccomp"] == "2"


@pytest.mark.parametrize("identity", IDENTITIES)
def test_clone_into_a_new_user_namespace_is_refused(hostile: dict[str, Any], identity: str) -> None:
    result = _result(hostile, identity, "clone")
    assert result["verdicts"] == ["AC"], result


@pytest.mark.parametrize("identity", IDENTITIES)
def test_forged_status_lines_do_not_change_the_verdict(hostile: dict[str, Any], identity: str) -> None:
    result = _result(hostile, identity, "forge")
    assert result["verdicts"] == ["WA"], result


@pytest.mark.parametrize("identity", IDENTITIES)
def test_ptrace_of_the_parent_fails(hostile: dict[str, Any], identity: str) -> None:
    result = _result(hostile, identity, "ptrace")
    assert result["verdicts"] == ["AC"], result


@pytest.mark.parametrize("identity", IDENTITIES)
def test_killing_the_launcher_only_ends_its_own_run(hostile: dict[str, Any], identity: str) -> None:
    result = _result(hostile, identity, "kill")
    assert result["verdicts"] == ["AC"] * 4, result


@pytest.mark.parametrize("identity", IDENTITIES)
def test_the_working_folder_and_tmp_are_capped(hostile: dict[str, Any], identity: str) -> None:
    result = _result(hostile, identity, "fill")
    assert result["verdicts"] == ["AC"], result  # both writes failed with ENOSPC at the cap


@pytest.mark.parametrize("identity", IDENTITIES)
def test_no_network_tcp_or_abstract_unix(hostile: dict[str, Any], identity: str) -> None:
    result = _result(hostile, identity, "network")
    _namespaced(result)
    assert result["verdicts"] == ["AC"], result


@pytest.mark.parametrize("identity", IDENTITIES)
def test_grandchildren_and_fork_bombs_leave_nothing(hostile: dict[str, Any], identity: str) -> None:
    daemon = _result(hostile, identity, "daemon")
    bomb = _result(hostile, identity, "bomb")
    assert daemon["verdicts"] == ["AC"], daemon
    assert bomb["verdicts"][0] in ("TLE", "RE"), bomb
    if daemon["level"] == "namespaces":
        assert _alive_with(f"{TOKEN}.5") == []
        assert _alive_with(f"{TOKEN}.7") == []


@pytest.mark.parametrize("identity", IDENTITIES)
def test_including_a_private_file_finds_nothing(hostile: dict[str, Any], identity: str) -> None:
    result = _result(hostile, identity, "include")
    _namespaced(result)
    assert result["verdicts"] == ["CE"], result
    assert TOKEN not in result["compile_output"]


def test_the_unprivileged_identity_really_is_one(hostile: dict[str, Any]) -> None:
    if "unprivileged" not in hostile["results"]:
        pytest.skip("running as an ordinary user already" if os.getuid() != 0 else "no system Python")
    found = hostile["results"]["unprivileged"]
    assert found["uid"] == USER_UID
    if found["level"] == "namespaces":
        assert found["details"]["user_namespace"] is True
    else:
        print(f"unprivileged user namespaces unavailable: {found['note']}", file=sys.stderr)
