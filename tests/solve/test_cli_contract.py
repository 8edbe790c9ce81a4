"""Issue 17 end to end through `ocr solve` / `ocr test` with a scripted engine and the real judge:
stdout carries only results, judging like `ocr test`, problem folders, -o/--lang, weak evidence."""

from __future__ import annotations

import http.server
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from .helpers import CRITIC, DRAFT, RIGHT, WRONG, answer
from .test_cli import STATEMENT, ocr, problem_file, write_script

RIGHT_CRITIC = {"when": CRITIC, "text": "Checked. <judgement>right</judgement>", "repeat": True}
THIRD = "print(1 / 3)\n"  # 0.3333333333333333
FLOAT_STATEMENT = """One Third

Print one third. Your answer is accepted if its absolute or relative error does not exceed 10^{-6}.

Sample Input 1
0

Sample Output 1
0.333333
"""
ANY_CHECKER = "import sys\nsys.exit(0)\n"  # every answer is right (an "any valid answer" problem)


def script(tmp_path: Path, code: str) -> str:
    # the critic's reply first: the code answers every other request (python or C++ prompts alike)
    return write_script(tmp_path, [RIGHT_CRITIC, {"text": answer(code), "repeat": True}],
                        scores=[[0.9, 0.1]] * 8)


def run(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]) -> tuple[int, str, str]:
    return ocr(["solve", *args, "-n", "1", "--rounds", "0", "--no-log"], capsys)


def test_stdout_is_the_code_and_progress_goes_to_stderr(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(tmp_path, capsys, [str(problem_file(tmp_path)), "-m", script(tmp_path, RIGHT)])
    assert code == 0
    assert out == RIGHT  # `ocr solve p.txt > sol.py` leaves runnable code
    assert "c1 tested: AC 2/2" in err and "accepted" in err


def test_quiet_prints_only_the_final_status_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(tmp_path, capsys, [str(problem_file(tmp_path)), "-m", script(tmp_path, RIGHT), "-q"])
    assert code == 0 and out == RIGHT
    assert len(err.strip().splitlines()) == 1 and err.startswith("accepted · best c1, 2/2 tests")


def test_output_file_extension_sets_the_language_and_a_clash_is_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "sol.cpp"
    code, out, _ = run(tmp_path, capsys, [str(problem_file(tmp_path)), "-m", script(tmp_path, RIGHT),
                                          "-o", str(target), "--json"])
    assert json.loads(out)["language"] == "cpp"
    code, out, err = run(tmp_path, capsys, [str(problem_file(tmp_path)), "-m", script(tmp_path, RIGHT),
                                            "-o", str(target), "--lang", "python"])
    assert code == 2 and out == "" and err.startswith("ocr: error: --lang python does not match -o")
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(("spelling", "language"), [("c++", "cpp"), ("CPP", "cpp"), ("cpp", "cpp"),
                                                    ("py", "python"), ("python3", "python")])
def test_lang_spellings(tmp_path: Path, capsys: pytest.CaptureFixture[str], spelling: str,
                        language: str) -> None:
    _, out, err = run(tmp_path, capsys, [str(problem_file(tmp_path)), "-m", script(tmp_path, RIGHT),
                                            "--lang", spelling, "--json"])
    assert json.loads(out)["language"] == language, err


def float_problem(tmp_path: Path, statement: str = FLOAT_STATEMENT) -> Path:
    path = tmp_path / "third.txt"
    path.write_text(statement, encoding="utf-8")
    return path


def test_stated_tolerance_judges_floats_and_the_banner_says_so(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(tmp_path, capsys, [str(float_problem(tmp_path)), "-m", script(tmp_path, THIRD)])
    assert code == 0 and out == THIRD
    assert "tolerance 1e-06 (as the statement says" in err
    code, _, _ = run(tmp_path, capsys, [str(float_problem(tmp_path)), "-m", script(tmp_path, THIRD),
                                        "--exact"])
    assert code == 1  # 0.3333333333333333 is not 0.333333 byte for byte


def test_float_tol_and_checker_flags_of_solve(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = float_problem(tmp_path, FLOAT_STATEMENT.replace(
        " Your answer is accepted if its absolute or relative error does not exceed 10^{-6}.", ""))
    assert run(tmp_path, capsys, [str(plain), "-m", script(tmp_path, THIRD)])[0] == 1
    assert run(tmp_path, capsys, [str(plain), "-m", script(tmp_path, THIRD), "--float-tol", "1e-6"])[0] == 0
    checker = tmp_path / "any.py"
    checker.write_text(ANY_CHECKER, encoding="utf-8")
    code, _, err = run(tmp_path, capsys, [str(plain), "-m", script(tmp_path, "print(42)\n"),
                                          "--checker", f"python3 {checker}"])
    assert code == 0, err
    code, _, err = run(tmp_path, capsys, [str(plain), "-m", script(tmp_path, THIRD), "--exact",
                                          "--float-tol", "1e-6"])
    assert code == 2 and "choose one of --exact, --float-tol" in err


def problem_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "anyorder"
    folder.mkdir()
    (folder / "statement.txt").write_text("Any Order\n\nPrint 1 and 2 in any order.\n\nSample Input 1\n0\n\n"
                                          "Sample Output 1\n1 2\n", encoding="utf-8")
    (folder / "checker.py").write_text(  # not executable: run with the judge's Python anyway
        "import sys\nout = open(sys.argv[2]).read().split()\n"
        "sys.exit(0 if sorted(out) == ['1', '2'] else 1)\n",
        encoding="utf-8")
    meta = {"time_limit_s": 3, "memory_limit_mb": 256}
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    (folder / "tests").mkdir()
    (folder / "tests" / "1.in").write_text("1\n", encoding="utf-8")
    (folder / "tests" / "1.out").write_text("1 2\n", encoding="utf-8")
    return folder


def test_problem_folder_checker_is_used_by_solve_and_test(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    folder = problem_folder(tmp_path)
    code, out, err = run(tmp_path, capsys, [str(folder), "-m", script(tmp_path, "print(2, 1)\n")])
    assert code == 0, err
    assert "checker.py" in err
    solution = tmp_path / "sol.py"
    solution.write_text("print(2, 1)\n", encoding="utf-8")
    code, out, err = ocr(["test", str(solution), "--problem", str(folder), "--json"], capsys)
    assert code == 0, err
    report = json.loads(out)
    assert report["total"] == 2 and report["verdict"] == "AC"  # the sample and tests/1
    wrong = tmp_path / "wrong.py"
    wrong.write_text("print(1, 1)\n", encoding="utf-8")
    assert ocr(["test", str(wrong), "--problem", str(folder)], capsys)[0] == 1


NO_SAMPLES = "Say Hi\n\nPrint hi.\n"


def test_no_tests_is_never_silent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "hi.txt"
    path.write_text(NO_SAMPLES, encoding="utf-8")
    code, out, err = run(tmp_path, capsys, [str(path), "-m", script(tmp_path, "print('hi')\n")])
    assert code == 0 and out == "print('hi')\n"
    assert "only the critic decides" in err
    assert err.strip().splitlines()[-1].startswith("accepted by the critic only (no tests)")
    code, out, _ = run(tmp_path, capsys, [str(path), "-m", script(tmp_path, "print('hi')\n"), "--json"])
    data = json.loads(out)
    assert data["tests_total"] == 0 and any("only the critic" in w for w in data["warnings"])
    code, out, err = run(tmp_path, capsys, [str(path), "-m", script(tmp_path, "print('hi')\n"),
                                            "--require-tests"])
    assert code == 2 and out == "" and "require_tests" in err


def cc_problem(tmp_path: Path, url: str = "https://example.invalid/p/1") -> Path:
    path = tmp_path / "cc.json"
    path.write_text(json.dumps({"name": "A. Twice", "group": "Round", "url": url, "interactive": False,
                                "memoryLimit": 256, "timeLimit": 1000,
                                "tests": [{"input": "2\n", "output": "4\n"}]}), encoding="utf-8")
    return path


def statement_script(tmp_path: Path) -> str:
    # The draft reply is only given when the prompt holds the statement's own words.
    return write_script(tmp_path, [RIGHT_CRITIC, {"when": "Double the number", "repeat": True,
                                                  "text": answer("print(2 * int(input()))\n")}],
                        scores=[[0.9, 0.1]] * 8)


def test_a_problem_without_statement_says_so_and_takes_one(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(tmp_path, capsys, [str(cc_problem(tmp_path)), "-m", statement_script(tmp_path)])
    assert "no statement text" in err and "--statement FILE" in err and "--fetch-statement" in err
    statement = tmp_path / "statement.txt"
    statement.write_text("A. Twice\n\nDouble the number N.\n", encoding="utf-8")
    code, out, err = run(tmp_path, capsys, [str(cc_problem(tmp_path)), "-m", statement_script(tmp_path),
                                            "--statement", str(statement)])
    assert code == 0 and out == "print(2 * int(input()))\n", err
    assert "no statement text" not in err


@pytest.fixture
def statement_page() -> Iterator[str]:
    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = (b"<html><body><nav>Home</nav><main><h1>A. Twice</h1><p>Double the number <b>N</b>.</p>"
                    b"</main></body></html>")
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/problem/A"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=30)


def test_fetch_statement_downloads_and_converts_the_page(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         statement_page: str) -> None:
    code, out, err = run(tmp_path, capsys, [str(cc_problem(tmp_path, statement_page)), "-m",
                                            statement_script(tmp_path), "--fetch-statement"])
    assert code == 0 and out == "print(2 * int(input()))\n", err


def test_fetch_statement_offline_says_why_in_one_line(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code, out, err = run(tmp_path, capsys, [str(cc_problem(tmp_path, f"http://127.0.0.1:{port}/p")), "-m",
                                            statement_script(tmp_path), "--fetch-statement"])
    assert code == 2 and out == ""
    assert err.startswith("ocr: error: cannot download the statement") and "--statement FILE" in err
    assert len(err.strip().splitlines()) == 1


def test_ctrl_c_prints_the_best_code_so_far_to_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from ocr_cli.engines import factory
    from ocr_cli.engines.scripted import ScriptedEngine, ScriptedReply

    from .helpers import REVISION

    def interrupt(_request: object) -> str:
        raise KeyboardInterrupt

    engine = ScriptedEngine([ScriptedReply(answer(WRONG), when=DRAFT),
                             ScriptedReply(interrupt, when=REVISION)])
    monkeypatch.setattr(factory, "open_engine", lambda spec, settings: engine)
    code, out, err = ocr(["solve", str(problem_file(tmp_path)), "-m", "scripted:unused.json", "-n", "1",
                          "--no-critic", "--no-log"], capsys)
    assert code == 130
    assert out == WRONG  # `ocr solve p.txt > sol.py` keeps the best so far
    assert "interrupted: best so far c1" in err


def test_a_checker_that_cannot_run_is_one_line_and_exit_2(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(tmp_path, capsys, [str(problem_file(tmp_path)), "-m", script(tmp_path, RIGHT),
                                            "--checker", "/no/such/checker"])
    assert code == 2 and out == ""
    last = err.strip().splitlines()[-1]
    assert last.startswith("ocr: error:") and "/no/such/checker" in last
    assert "Traceback" not in err and "WA" not in err


def test_statement_file_is_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(tmp_path, capsys, [str(problem_file(tmp_path)), "-m", script(tmp_path, RIGHT),
                                          "--statement", str(tmp_path / "missing.txt")])
    assert code == 2 and "cannot read the statement" in err
    assert STATEMENT  # the shared A + B statement is the one problem_file writes
