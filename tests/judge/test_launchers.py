"""The compiled launcher is built once and cached privately; without it the judge still judges."""
# ruff: noqa: E501

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import pytest

from ocr_cli.judge.native_launcher import native_launcher
from ocr_cli.judge.runner import Judge
from ocr_cli.judge.sandbox import Limits, Sandbox, detect_isolation
from ocr_cli.judge.types import JudgeOptions, Verdict
from ocr_cli.language import Language
from ocr_cli.problem.types import TestCase

PY = Language.PYTHON


@pytest.mark.skipif(shutil.which("cc") is None and shutil.which("gcc") is None, reason="no C compiler")
def test_native_launcher_is_built_and_cached() -> None:
    first = native_launcher()
    assert first is not None and first.exists()
    assert first.parent.stat().st_mode & 0o022 == 0  # nobody else can replace it
    native_launcher.cache_clear()
    assert native_launcher() == first  # reused from the private cache, not rebuilt elsewhere


def test_without_a_launcher_the_judge_falls_back_to_rlimits(no_launcher: None) -> None:
    assert native_launcher() is None
    info = detect_isolation()
    assert info.level == "rlimits" and info.backend == "subprocess"
    assert "no C compiler" in info.note or "failed to build" in info.note
    assert info.warning  # the user is told the sandbox is weak
    judge = Judge(JudgeOptions(time_limit_s=0.5, memory_limit_mb=128, output_limit_mb=1))
    tests = [TestCase("1", "2 3\n", "5\n")]
    assert judge.run("print(sum(map(int, input().split())))\n", PY, tests).verdict is Verdict.AC
    assert judge.run("print(6)\n", PY, tests).verdict is Verdict.WA
    assert judge.run("while True: pass\n", PY, tests).verdict is Verdict.TLE
    assert judge.run("import sys\nwhile True: sys.stdout.write('x' * 65536)\n", PY, tests).verdict is Verdict.OLE
    report = judge.run("import sys\nsys.stderr.write('e' * (3 << 20))\nprint(5)\n", PY, tests)
    assert report.verdict is Verdict.AC  # stderr has its own cap and never makes OLE
    assert len(report.cases[0].stderr) <= 64 * 1024


def test_strict_refuses_without_namespaces(no_launcher: None) -> None:
    from ocr_cli.errors import JudgeError

    judge = Judge(JudgeOptions(sandbox="strict"))
    with pytest.raises(JudgeError, match="strict"):
        judge.run("print(1)\n", PY, [TestCase("1", "", "1\n")])


def test_sandbox_run_with_descriptors_talks_through_pipes(tmp_path: Path) -> None:
    """The seam interactive judging uses: stdin and stdout are descriptors given by the caller."""
    to_program_r, to_program_w = os.pipe()
    from_program_r, from_program_w = os.pipe()
    os.write(to_program_w, b"20\n")
    os.close(to_program_w)
    outcome = Sandbox().run(["/bin/sh", "-c", "read x; echo $((x + 1))"], tmp_path, None,
                            Limits(2, 5, None, 1 << 20), stdin_fd=to_program_r, stdout_fd=from_program_w)
    os.close(to_program_r)
    os.close(from_program_w)
    with os.fdopen(from_program_r, "rb") as answer:
        assert answer.read() == b"21\n"
    assert outcome.ok, outcome


def test_rlimits_level_with_the_launcher_reaps_daemons_and_keeps_its_status_private(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCR_SANDBOX", "rlimits")
    detect_isolation.cache_clear()
    try:
        assert detect_isolation().level == "rlimits" and detect_isolation().backend == "launcher"
        judge = Judge(JudgeOptions(time_limit_s=1, memory_limit_mb=128))
        token = f"{random.randint(40, 90)}.{random.randint(10**6, 10**7)}"
        daemon = ("import os\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
                  f"        os.execv('/bin/sleep', ['/bin/sleep', '{token}'])\n    os._exit(0)\nprint(5)\n")
        tests = [TestCase("1", "", "5\n")]
        assert judge.run(daemon, PY, tests).verdict is Verdict.AC
        assert not [p for p in Path("/proc").iterdir() if p.name.isdigit() and _cmdline_has(p, token)]
        forge = ("import os\nfor pid in os.listdir('/proc'):\n    try:\n        fds = os.listdir(f'/proc/{pid}/fd')\n"
                 "    except OSError:\n        continue\n    for fd in fds:\n        try:\n"
                 "            open(f'/proc/{pid}/fd/{fd}', 'w').write('{\"id\": 1, \"exit\": 0}\\n')\n"
                 "        except OSError:\n            pass\nprint(4)\n")
        assert judge.run(forge, PY, tests).verdict is Verdict.WA
        if shutil.which("g++"):  # the compiler also runs at this level (as nobody when ocr is root)
            cpp = "#include <cstdio>\nint main(){ std::puts(\"5\"); }\n"
            assert judge.run(cpp, Language.CPP, tests).verdict is Verdict.AC
    finally:
        detect_isolation.cache_clear()


def _cmdline_has(entry: Path, token: str) -> bool:
    try:
        return token.encode() in (entry / "cmdline").read_bytes() and "zombie" not in (entry / "status").read_text()
    except OSError:
        return False


def _doctor_sandbox(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    import json

    from ocr_cli.cli.app import main

    with pytest.raises(SystemExit):
        main(["doctor", "--json", "--no-load"])
    checks = {c["name"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    return dict(checks["sandbox"])


def test_doctor_names_the_level_and_what_is_not_isolated(capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    detect_isolation.cache_clear()
    real = _doctor_sandbox(capsys)
    assert str(real["value"]).startswith(detect_isolation().level)
    monkeypatch.setenv("OCR_SANDBOX", "rlimits")
    detect_isolation.cache_clear()
    try:
        weak = _doctor_sandbox(capsys)
    finally:
        detect_isolation.cache_clear()
    assert str(weak["value"]).startswith("rlimits") and weak["ok"] is not True
    assert "not: " in str(weak["detail"]) and "minimal_fs" in str(weak["detail"]).split("not: ")[1]
    assert "network" in str(weak["detail"]).split("not: ")[1]


def _children_named(prefix: str) -> list[str]:
    """This process's children (zombies included) whose command name starts with `prefix`."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit():
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                comm = (entry / "comm").read_text().strip()
                if int(fields[1]) == os.getpid() and comm.startswith(prefix):
                    found.append(f"{entry.name} {comm} {fields[0]}")
        except (OSError, IndexError, ValueError):
            continue
    return found


def test_nothing_is_left_running_or_defunct_after_a_run() -> None:
    judge = Judge(JudgeOptions(time_limit_s=1, memory_limit_mb=128, jobs=2))
    tests = [TestCase(str(i), f"{i}\n", f"{i}\n") for i in range(6)]
    assert judge.run("print(input())\n", PY, tests).verdict is Verdict.AC
    assert _children_named("launcher") == []


def test_seccomp_missing_is_said_not_fatal(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from ocr_cli.judge import seccomp_filter

    monkeypatch.setitem(sys.modules, "pyseccomp", None)  # import fails as if not installed
    seccomp_filter.seccomp_bpf.cache_clear()
    detect_isolation.cache_clear()
    try:
        assert "pyseccomp is not installed" in seccomp_filter.seccomp_unavailable_reason()
        info = detect_isolation()
        assert info.details["seccomp"] is False
        if info.namespaces:
            assert "pyseccomp" in info.note
        judge = Judge(JudgeOptions(time_limit_s=1, memory_limit_mb=128))
        assert judge.run("print(3)\n", PY, [TestCase("1", "", "3\n")]).verdict is Verdict.AC
    finally:
        seccomp_filter.seccomp_bpf.cache_clear()
        detect_isolation.cache_clear()


def test_the_compile_cache_is_bounded_by_size_and_age(tmp_path: Path) -> None:
    import time

    from ocr_cli.judge.languages import prune_cache

    cache = tmp_path / "judge-cache"
    now = time.time()
    for name, size, age_days in (("new", 300, 0), ("mid", 300, 1), ("old", 300, 2), ("stale", 10, 40)):
        entry = cache / name
        entry.mkdir(parents=True)
        (entry / "solution").write_bytes(b"x" * size)
        os.utime(entry / "solution", (now - age_days * 86400, now - age_days * 86400))
    prune_cache(cache, max_bytes=700, max_age_s=30 * 86400)
    assert sorted(p.name for p in cache.iterdir()) == ["mid", "new"]  # least recently used go first


@pytest.mark.skipif(shutil.which("g++") is None, reason="g++ is not installed")
def test_the_compiler_has_its_own_memory_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    from ocr_cli.judge import languages

    monkeypatch.setattr(languages, "COMPILE_MEMORY_MB", 256)
    judge = Judge(JudgeOptions(time_limit_s=1))
    report = judge.run('#include "/dev/zero"\nint main() {}\n', Language.CPP, [TestCase("1", "", "")])
    assert report.verdict is Verdict.CE
    assert "memory" in report.compile_output or "killed" in report.compile_output, report.compile_output


def test_ocr_test_warns_once_at_the_rlimits_level_and_strict_refuses(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from ocr_cli.cli.app import main

    solution = tmp_path / "five.py"
    solution.write_text("print(5)\n")
    folder = tmp_path / "tests"
    folder.mkdir()
    (folder / "1.in").write_text("")
    (folder / "1.out").write_text("5\n")
    (folder / "2.in").write_text("")
    (folder / "2.out").write_text("5\n")
    monkeypatch.setenv("OCR_SANDBOX", "rlimits")
    detect_isolation.cache_clear()
    try:
        with pytest.raises(SystemExit) as stopped:
            main(["test", str(solution), "--tests", str(folder)])
        assert stopped.value.code in (0, None)
        assert capsys.readouterr().err.count("warning: the sandbox is weak") == 1
    finally:
        detect_isolation.cache_clear()
    monkeypatch.setenv("OCR_SANDBOX_LAUNCHER", "none")  # no launcher: namespaces unavailable
    native_launcher.cache_clear()
    detect_isolation.cache_clear()
    try:
        with pytest.raises(SystemExit) as stopped:
            main(["test", str(solution), "--tests", str(folder), "--sandbox", "strict"])
        assert stopped.value.code == 2
        assert "refusing to run untrusted code" in capsys.readouterr().err
    finally:
        native_launcher.cache_clear()
        detect_isolation.cache_clear()


def test_fallback_memory_is_the_programs_own_not_a_large_parents(no_launcher: None) -> None:
    # ocr with a model loaded is a large process; the program forked from it must not inherit its peak
    ballast = bytearray(300 << 20)
    for offset in range(0, len(ballast), 4096):
        ballast[offset] = 1
    judge = Judge(JudgeOptions(time_limit_s=1, memory_limit_mb=128))
    report = judge.run("print(sum(map(int, input().split())))\n", PY, [TestCase("1", "2 3\n", "5\n")])
    assert report.verdict is Verdict.AC, report.cases[0].message
    assert report.cases[0].memory_mb < 128
    del ballast
