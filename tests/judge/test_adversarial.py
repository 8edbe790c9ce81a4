"""Hostile programs are contained, get the right verdict and leave nothing behind (both languages)."""
# ruff: noqa: E501  (the hostile programs are clearer on one line each)

from __future__ import annotations

import random
import shutil
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from ocr_cli.judge.runner import Judge
from ocr_cli.judge.sandbox import detect_isolation
from ocr_cli.judge.types import Verdict
from ocr_cli.language import Language
from ocr_cli.problem.types import TestCase

PY, CPP = Language.PYTHON, Language.CPP
needs_gxx = pytest.mark.skipif(shutil.which("g++") is None, reason="g++ is not installed")
CASES = [TestCase("1", "", "")]


def both(python: str, cpp: str) -> list[object]:
    return [pytest.param(PY, python, id="python"), pytest.param(CPP, cpp, id="cpp", marks=needs_gxx)]


def verdict_of(judge: Judge, language: Language, source: str) -> Verdict:
    report = judge.run(source, language, CASES)
    assert report.total == 1
    return report.cases[0].verdict


@pytest.mark.parametrize(("language", "source"), both(
    "while True:\n    pass\n",
    "int main(){ volatile unsigned long x = 0; for(;;) x++; }\n"))
def test_infinite_loop_is_tle(tight_judge: Judge, language: Language, source: str) -> None:
    assert verdict_of(tight_judge, language, source) is Verdict.TLE


@pytest.mark.parametrize(("language", "source"), both(
    "import time\ntime.sleep(30)\n",
    "#include <unistd.h>\nint main(){ sleep(30); }\n"))
def test_sleeper_is_killed_at_the_wall_deadline(tight_judge: Judge, language: Language, source: str) -> None:
    report = tight_judge.run(source, language, CASES)
    assert report.cases[0].verdict is Verdict.TLE
    assert report.cases[0].wall_s < 5


@pytest.mark.parametrize(("language", "source"), both(
    "blocks = []\nwhile True:\n    blocks.append(bytearray(1 << 20))\n",
    "#include <vector>\n#include <cstring>\nint main(){ std::vector<char*> v; for(;;){ char* p = new char[1<<20];"
    " std::memset(p, 1, 1<<20); v.push_back(p);} }\n"))
def test_memory_bomb_is_mle(tight_judge: Judge, language: Language, source: str) -> None:
    assert verdict_of(tight_judge, language, source) is Verdict.MLE


@pytest.mark.parametrize(("language", "source"), both(
    "import sys\nwhile True:\n    sys.stdout.write('x' * 65536)\n",
    "#include <cstdio>\nint main(){ static char b[65536]; for(int i=0;i<65536;i++) b[i]='x';"
    " for(;;) fwrite(b, 1, sizeof b, stdout); }\n"))
def test_output_flood_is_ole(tight_judge: Judge, language: Language, source: str) -> None:
    report = tight_judge.run(source, language, CASES)
    assert report.cases[0].verdict is Verdict.OLE
    assert len(report.cases[0].actual) <= 64 * 1024  # what is kept is capped


TOKEN = f"{random.randint(40, 90)}.{random.randint(10**6, 10**7)}"
BOMB_TOKEN = f"{random.randint(40, 90)}.{random.randint(10**6, 10**7)}"


@pytest.mark.parametrize(("language", "source"), both(
    "import os\nwhile True:\n    try:\n        if os.fork() == 0:\n"
    f"            os.execv('/bin/sleep', ['/bin/sleep', '{BOMB_TOKEN}'])\n    except OSError:\n        pass\n",
    "#include <unistd.h>\nint main(){ for(;;) if(fork()==0) execl(\"/bin/sleep\", \"sleep\", "
    f"\"{BOMB_TOKEN}\", (char*)0); }}\n"))
def test_fork_bomb_is_contained(tight_judge: Judge, language: Language, source: str,
                                processes_with: Callable[[str], list[int]]) -> None:
    report = tight_judge.run(source, language, CASES)
    assert report.cases[0].verdict in (Verdict.TLE, Verdict.RE)
    assert processes_with(BOMB_TOKEN) == []  # nothing the bomb started survives the run


def _daemon_sources(token: str) -> list[object]:
    python = ("import os, time\n"
              "if os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
              f"        os.execv('/bin/sleep', ['/bin/sleep', '{token}'])\n    os._exit(0)\n"
              "time.sleep(0.2)\nprint('done')\n")
    cpp = ("#include <unistd.h>\n#include <cstdio>\nint main(){ if(fork()==0){ setsid(); if(fork()==0){"
           f" execl(\"/bin/sleep\", \"sleep\", \"{token}\", (char*)0); }} _exit(0); }}"
           " usleep(200000); std::puts(\"done\"); }\n")
    return both(python, cpp)


@pytest.mark.skipif(not detect_isolation().details.get("pid_namespace"),
                    reason="no PID namespace here: an escaping daemon can outlive the run")
@pytest.mark.parametrize(("language", "source"), _daemon_sources(TOKEN))
def test_escaping_daemon_dies_with_the_run(tight_judge: Judge, language: Language, source: str,
                                           processes_with: Callable[[str], list[int]]) -> None:
    judge = Judge(tight_judge.options.__class__(time_limit_s=1, memory_limit_mb=128))
    report = judge.run(source, language, [TestCase("1", "", "done\n")])
    assert report.cases[0].verdict is Verdict.AC, report.cases[0].message
    assert processes_with(TOKEN) == []


needs_readonly = pytest.mark.skipif(not detect_isolation().details.get("minimal_fs"),
                                    reason="no read-only file-system view here")


@needs_readonly
@pytest.mark.parametrize("language", [PY, pytest.param(CPP, marks=needs_gxx)])
def test_write_outside_the_box_fails(tight_judge: Judge, language: Language, tmp_path: Path) -> None:
    target = Path("/var/tmp") / f"ocr-escape-{random.randint(10**8, 10**9)}"  # /tmp is private and writable
    sources = {PY: f"open({str(target)!r}, 'w').write('x')\nprint('wrote')\n",
               CPP: "#include <cstdio>\nint main(){ FILE* f = std::fopen(\"" + str(target) + "\", \"w\");"
                    " if(!f) return 3; std::fputs(\"x\", f); std::fclose(f); std::puts(\"wrote\"); }\n"}
    try:
        report = tight_judge.run(sources[language], language, [TestCase("1", "", "wrote\n")])
        assert report.cases[0].verdict is Verdict.RE
        assert not target.exists()
    finally:
        target.unlink(missing_ok=True)


@needs_readonly
def test_box_itself_is_writable(tight_judge: Judge) -> None:
    source = "open('scratch.txt', 'w').write('42')\nprint(open('scratch.txt').read())\n"
    assert tight_judge.run(source, PY, [TestCase("1", "", "42\n")]).verdict is Verdict.AC


@pytest.mark.skipif(not detect_isolation().details.get("network"), reason="no network namespace here")
@pytest.mark.parametrize("language", [PY, pytest.param(CPP, marks=needs_gxx)])
def test_network_connection_fails(tight_judge: Judge, language: Language) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        sources = {
            PY: f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=1)\nprint('connected')\n",
            CPP: "#include <sys/socket.h>\n#include <netinet/in.h>\n#include <arpa/inet.h>\n#include <cstdio>\n"
                 "int main(){ int s = socket(AF_INET, SOCK_STREAM, 0); sockaddr_in a{}; a.sin_family = AF_INET;"
                 f" a.sin_port = htons({port}); inet_pton(AF_INET, \"127.0.0.1\", &a.sin_addr);"
                 " if(connect(s, (sockaddr*)&a, sizeof a) != 0) return 4; std::puts(\"connected\"); }\n"}
        report = tight_judge.run(sources[language], language, [TestCase("1", "", "connected\n")])
    assert report.cases[0].verdict is Verdict.RE
