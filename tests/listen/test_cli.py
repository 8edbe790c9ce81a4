"""`ocr listen` as a user runs it: a real process, real HTTP requests, Ctrl-C to stop."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.listen.test_server import WAIT_S, fixture, post, request

ROOT = Path(__file__).resolve().parents[2]
SUM = {"name": "A. A + B", "group": "Example Round 1", "url": "https://example.com/a", "interactive": False,
       "memoryLimit": 256, "timeLimit": 1000, "testType": "single",
       "tests": [{"input": "1 2\n", "output": "3\n"}, {"input": "-5 12\n", "output": "7\n"}],
       "input": {"type": "stdin"}, "output": {"type": "stdout"}}


class Running:
    """An `ocr listen` process whose output lines are collected as they come."""

    def __init__(self, args: list[str], cwd: Path, home: Path) -> None:
        env = dict(os.environ, OCR_HOME=str(home), PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen([sys.executable, "-m", "ocr_cli", "listen", "--port", "0", *args],
                                     cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._readers = [threading.Thread(target=self._read, args=(stream,), daemon=True)
                         for stream in (self.proc.stdout, self.proc.stderr)]
        for reader in self._readers:
            reader.start()

    def _read(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()

    def wait_for(self, pattern: str) -> re.Match[str]:
        with self._changed:
            found: list[re.Match[str]] = []

            def seen() -> bool:
                found[:] = [m for line in self.lines if (m := re.search(pattern, line))]
                return bool(found) or self.proc.poll() is not None

            self._changed.wait_for(seen, timeout=WAIT_S * 4)
        assert found, f"{pattern!r} not in {self.lines}"
        return found[0]

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=WAIT_S * 2)
        for reader in self._readers:
            reader.join(timeout=WAIT_S)
        return code


@pytest.fixture
def running(tmp_path: Path) -> Iterator[list[Running]]:
    started: list[Running] = []
    yield started
    for process in started:
        if process.proc.poll() is None:
            process.proc.kill()
            process.proc.wait()


def start(started: list[Running], tmp_path: Path, *args: str) -> tuple[Running, int]:
    process = Running(list(args), tmp_path, tmp_path / "home")
    started.append(process)
    port = int(process.wait_for(r"listening on 127\.0\.0\.1:(\d+)").group(1))
    return process, port


def test_listen_prints_a_line_per_problem_and_stops_on_ctrl_c(running: list[Running], tmp_path: Path) -> None:
    process, port = start(running, tmp_path, "--dir", "problems")
    assert post(port, fixture("codeforces-interactive.json"))[0] == 200
    line = process.wait_for(r"^received D\. Glad to see you!").string
    assert "interactive" in line and "1 sample" in line and "2 s" in line and "256 MB" in line
    assert "→ codeforces-codeforces-round-415-div-2/d-glad-to-see-you" in line
    assert request(port, "POST", b"nonsense")[0] == 400
    process.wait_for(r"rejected a request on port \d+: 400 not JSON")
    for payload in fixture("kilonova-contest.json"):
        assert post(port, payload)[0] == 200
    process.wait_for(r"^batch complete: 8 problems in kilonova-roalgo-contest-7$")
    assert process.stop() == 130
    assert any("stopped listening" in line for line in process.lines)
    assert not any("Traceback" in line for line in process.lines)
    folder = tmp_path / "problems" / "kilonova-roalgo-contest-7"
    assert len([p for p in folder.iterdir() if (p / "problem.json").is_file()]) == 8


def test_sigterm_stops_it_as_ctrl_c_does(running: list[Running], tmp_path: Path) -> None:
    process, _ = start(running, tmp_path)
    process.proc.send_signal(signal.SIGTERM)
    assert process.proc.wait(timeout=WAIT_S * 2) == 130
    process.stop()
    assert any("stopped listening" in line for line in process.lines)


def test_a_port_in_use_is_one_line_and_exit_2(running: list[Running], tmp_path: Path) -> None:
    _, port = start(running, tmp_path)
    done = subprocess.run([sys.executable, "-m", "ocr_cli", "listen", "--port", str(port)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=WAIT_S * 2,
                          env=dict(os.environ, OCR_HOME=str(tmp_path / "home")))
    assert done.returncode == 2
    assert done.stderr.startswith(f"ocr: error: cannot listen on 127.0.0.1:{port}")
    assert "--port" in done.stderr and "Traceback" not in done.stderr


def test_listen_solve_solves_each_problem_as_it_arrives(running: list[Running], tmp_path: Path) -> None:
    script = ROOT / "examples" / "scripted" / "sum.json"
    process, port = start(running, tmp_path, "--solve", "--quiet", "--no-log",
                          "--model", f"scripted:{script}", "-n", "1")
    assert post(port, SUM)[0] == 200
    assert post(port, dict(SUM, name="B. A + B again", url="https://example.com/b"))[0] == 200
    process.wait_for(r"^A\. A \+ B: accepted, code in .*solution\.py$")
    process.wait_for(r"^B\. A \+ B again: accepted")
    assert process.stop() == 130
    code = (tmp_path / "example-round-1" / "a-a-b" / "solution.py").read_text()
    assert "print(a + b)" in code
    assert (tmp_path / "example-round-1" / "b-a-b-again" / "solution.py").is_file()
    meta = json.loads((tmp_path / "example-round-1" / "a-a-b" / "meta.json").read_text())
    assert meta["time_limit_s"] == 1.0
