"""LiveCodeBench rows: decoding (the hostile pickle included), filters, and `ocr bench` on them with
the scripted engine, the paper's metrics checked against values computed by hand."""

from __future__ import annotations

import base64
import io
import json
import os
import pickle
import zlib
from datetime import date
from pathlib import Path

import pytest

from ocr_cli.bench.problemset import LcbEntry, discover, load_bench_problem
from ocr_cli.cli.app import main
from ocr_cli.errors import ProblemError
from ocr_cli.problem import livecodebench as lcb

from .lcb_fixtures import compress, lcb_script, write_lcb_file


class _Boom:
    """Unpickling this would run `os.system` (the classic hostile pickle)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


def _pack(obj: object) -> str:
    return base64.b64encode(zlib.compress(pickle.dumps(obj))).decode()


def test_private_tests_plain_and_compressed() -> None:
    tests = [{"input": "1\n", "output": "2\n", "testtype": "stdin"}]
    assert lcb.decode_private_tests(json.dumps(tests)) == tests
    assert lcb.decode_private_tests(compress(tests)) == tests
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):  # a pickled string of any protocol
        packed = base64.b64encode(zlib.compress(pickle.dumps(json.dumps(tests), protocol=protocol)))
        assert lcb.decode_private_tests(packed.decode()) == tests


def test_hostile_pickle_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    with pytest.raises(ProblemError, match="refused"):
        lcb.decode_private_tests(_pack(_Boom(marker)))
    assert not marker.exists()
    with pytest.raises(ProblemError, match="pickled string"):
        lcb.decode_private_tests(_pack([{"input": "1", "output": "1"}]))  # a list, not the string payload
    with pytest.raises(pickle.UnpicklingError, match="refused"):  # the unpickler alone refuses them too
        lcb._StringOnlyUnpickler(io.BytesIO(pickle.dumps(_Boom(marker)))).load()
    assert not marker.exists()
    with pytest.raises(ProblemError, match="undecodable"):
        lcb.decode_private_tests("not json and not base64!")


def test_scan_filters_and_loads_rows_with_their_private_tests(tmp_path: Path) -> None:
    path = write_lcb_file(tmp_path / "test5.jsonl")
    rows = list(lcb.scan(path))
    assert [r.question_id for r in rows] == ["abc900_a", "abc900_b", "3500", "2700"]
    assert [r.functional for r in rows] == [False, False, True, True]
    window = lcb.LcbFilter(*lcb.RELEASE_WINDOWS["v5"])
    assert [r.question_id for r in rows if window.accepts(r)] == ["abc900_a", "abc900_b", "3500"]
    hard = lcb.LcbFilter(platforms=frozenset({"leetcode"}), difficulties=frozenset({"hard"}))
    assert [r.question_id for r in rows if hard.accepts(r)] == ["2700"]
    assert [r.question_id for r in rows if lcb.LcbFilter(date_to=date(2024, 10, 1)).accepts(r)] == [
        "abc900_a", "2700"]
    entries = discover([tmp_path], window)
    assert [e.key for e in entries] == ["atcoder/abc900_a", "atcoder/abc900_b", "leetcode/3500"]
    assert isinstance(entries[2], LcbEntry)
    two_sum = load_bench_problem(entries[2])
    assert two_sum.problem.function_name == "twoSum"
    assert "class Solution" in (two_sum.problem.starter_code or "")
    assert [t.input for t in two_sum.hidden_tests] == ["[3,2,4]\n6", "[3,3]\n6"]
    assert two_sum.tags == {"platform": "leetcode", "difficulty": "easy", "contest_date": "2024-11-01"}
    assert load_bench_problem(entries[0]).hidden_tests[0].output == "12\n"  # plain JSON private tests


def test_functional_row_without_func_name_takes_the_starter_codes_method(tmp_path: Path) -> None:
    row = {"question_content": "Return x.", "question_id": "1", "platform": "leetcode",
           "starter_code": "class Solution:\n    def echo(self, x: int) -> int:\n        ",
           "public_test_cases": json.dumps([{"input": "1", "output": "1", "testtype": "functional"}]),
           "private_test_cases": "[]", "metadata": "{}"}
    path = tmp_path / "rows.jsonl"
    path.write_text(json.dumps(row) + "\n")
    (scanned,) = lcb.scan(path)
    assert scanned.functional and scanned.function_name == "echo"


def test_release_files_and_offline_hint(tmp_path: Path) -> None:
    assert [p.name for p in lcb.release_paths("v5", tmp_path)] == [
        "test.jsonl", "test2.jsonl", "test3.jsonl", "test4.jsonl", "test5.jsonl"]
    hint = lcb.missing_files_hint("v5", tmp_path)
    assert "test5.jsonl" in hint and str(tmp_path) in hint and "livecodebench/code_generation_lite" in hint


def _run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
        raise SystemExit(0)
    return int(exit_info.value.code or 0)


def test_bench_samples_pass_at_k_and_select_at_k_by_hand(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    data_file = write_lcb_file(tmp_path / "lcb" / "test5.jsonl")
    out = tmp_path / "r.json"
    code = _run(["bench", str(data_file), "--model", lcb_script(tmp_path / "m.json"), "--samples", "3",
                 "--k", "1,2,3,5", "--date-from", "2024-08-01", "--date-to", "2025-02-01", "-o", str(out),
                 "--lang", "python,cpp", "--plot", str(tmp_path / "k.png")])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "sampling · select python" in captured.out
    assert (tmp_path / "k.png").read_bytes().startswith(b"\x89PNG")
    summary = json.loads(out.read_text())["summary"]
    sampling, cpp = summary["sampling"]
    assert (sampling["language"], cpp["language"]) == ("python", "cpp")
    # the script answers in Python only: no C++ draft has code; the leetcode problem is Python-only
    assert cpp["all"]["problems"] == 2 and cpp["all"]["pass@1"] == 0.0
    metrics = sampling["all"]
    # Add: 3 drafts, 1 passes; Double It: 0 of 3; twoSum: 3 of 3
    assert metrics["problems"] == 3 and metrics["drafts"] == 9
    assert metrics["pass@1"] == pytest.approx((1 / 3 + 0 + 1) / 3)
    assert metrics["pass@k"]["2"] == pytest.approx((2 / 3 + 0 + 1) / 3)
    assert metrics["pass@k"]["3"] == pytest.approx((1 + 0 + 1) / 3)
    assert "5" not in metrics["pass@k"]  # k above --samples is dropped
    # paper's rule on Add: the hard-coded draft has the shortest "right" critique
    assert metrics["select@k"]["paper"]["2"] == pytest.approx((1 / 3 + 0 + 1) / 3)
    assert metrics["select@k"]["paper"]["3"] == pytest.approx((0 + 0 + 1) / 3)
    # ocr's ranking puts the right Add draft first (same samples passed, earlier)
    assert metrics["select@k"]["ocr"]["2"] == pytest.approx((2 / 3 + 0 + 1) / 3)
    assert metrics["select@k"]["ocr"]["3"] == pytest.approx((1 + 0 + 1) / 3)
    assert metrics["select@k"]["ocr"]["1"] == pytest.approx(metrics["pass@1"])
    assert sampling["difficulty"]["medium"]["pass@1"] == 0.0
    assert sampling["platform"]["leetcode"]["pass@k"]["1"] == 1.0
    runs = {(r["problem"], r["language"]): r for r in json.loads(out.read_text())["runs"]}
    add = runs[("atcoder/abc900_a", "python")]
    assert [d["critiqued_by"] for d in add["drafts"]] == ["solve", "solve", "bench"]
    assert add["extra_critique_tokens"] == 5  # words of "Only the first number. <judgement>wrong…"
    assert runs[("leetcode/3500", "cpp")]["status"] == "skipped"
    double = runs[("atcoder/abc900_b", "python")]
    assert double["accepted_but_wrong"] is True  # accepted by samples and critic, wrong on private tests
    python = next(g for g in summary["groups"] if g["language"] == "python")
    assert python["accepted"] == 3 and python["accepted_but_wrong"] == 1 and python["solved"] == 2


def test_bench_filters_and_resume_keep_finished_problems(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = write_lcb_file(tmp_path / "lcb" / "test5.jsonl").parent
    out = tmp_path / "r.json"
    model = lcb_script(tmp_path / "m.json")
    args = ["bench", str(data_dir), "--model", model, "--strategy", "single", "--platform", "atcoder",
            "-o", str(out)]
    assert _run([*args, "--limit", "1"]) == 0
    assert [r["problem"] for r in json.loads(out.read_text())["runs"]] == ["atcoder/abc900_a"]
    capsys.readouterr()
    assert _run([*args, "--resume"]) == 0
    err = capsys.readouterr().err
    assert "1 runs already done" in err and "[2/2 · done] atcoder/abc900_b single python" in err
    runs = json.loads(out.read_text())["runs"]
    assert [r["problem"] for r in runs] == ["atcoder/abc900_a", "atcoder/abc900_b"]
    assert _run(["bench", str(data_dir), "--model", model, "--difficulty", "impossible"]) == 2
    assert _run(["bench", str(data_dir), "--model", model, "--platform", "leetcode", "--date-to",
                 "2020-01-01", "-o", str(tmp_path / "x.json")]) == 2
    assert "no problem left" in capsys.readouterr().err


def test_progress_eta_follows_this_sessions_pace() -> None:
    from rich.console import Console

    from ocr_cli.cli.render_bench import ProgressPrinter

    now = [100.0]
    printer = ProgressPrinter(Console(file=None, quiet=True), done_before=4, total=10, clock=lambda: now[0])
    assert printer.eta(4, 10) == "ETA ?"
    now[0] = 130.0  # two runs of this session in 30 s: 15 s each, 4 left
    assert printer.eta(6, 10) == "ETA 1m00s"
    assert printer.eta(10, 10) == "done"


def test_fetch_offline_says_what_to_download_and_where(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    import huggingface_hub

    def offline(*args: object, **kwargs: object) -> str:
        raise OSError("network unreachable")

    monkeypatch.setenv("OCR_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", offline)
    model = lcb_script(tmp_path / "m.json")
    assert _run(["bench", "--fetch", "lcb", "--release", "v5", "--model", model]) == 2
    err = capsys.readouterr().err
    folder = tmp_path / "home" / "data" / "livecodebench"
    assert "cannot download test.jsonl" in " ".join(err.split())
    assert "test5.jsonl" in err and "livecodebench/code_generation_lite" in err and str(folder) in err
    # files put there by hand are used as they are, without the network
    for path in lcb.release_paths("v5", folder):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
    write_lcb_file(folder / "test5.jsonl")
    out = tmp_path / "r.json"
    assert _run(["bench", "--fetch", "lcb", "--release", "v5", "--model", model, "--strategy", "single",
                 "-o", str(out)]) == 0
    assert len(json.loads(out.read_text())["runs"]) == 3  # the v5 window leaves the 2023 problem out


def test_parallel_samples_on_a_server_like_engine_match_one_at_a_time(tmp_path: Path) -> None:
    import dataclasses

    from ocr_cli.bench.report import BenchReport
    from ocr_cli.bench.runner import BenchRunner
    from ocr_cli.config import load_settings
    from ocr_cli.engines.scripted import ScriptedEngine
    from ocr_cli.language import Language
    from ocr_cli.solve.setup import solve_settings_from

    data_file = write_lcb_file(tmp_path / "test5.jsonl")
    problems = discover([data_file], lcb.LcbFilter(*lcb.RELEASE_WINDOWS["v5"]))
    results = []
    for jobs in (1, 3):
        engine = ScriptedEngine.from_file(lcb_script(tmp_path / f"m{jobs}.json").removeprefix("scripted:"))
        engine.info = dataclasses.replace(engine.info, engine="openai")  # serves concurrent requests
        settings = load_settings({"n": 3, "rounds": 0})
        runner = BenchRunner(engine, engine, settings, solve_settings_from(settings, None),
                             strategies=("select",), languages=(Language.PYTHON,), jobs=jobs, samples=3)
        assert runner.jobs == jobs
        report = BenchReport(config={"strategies": ["select"], "languages": ["python"], "k": [1, 2, 3]})
        try:
            runner.run(problems, report, tmp_path / f"r{jobs}.json")
        finally:
            runner.close()
        results.append(BenchReport.read(tmp_path / f"r{jobs}.json").sampling()[0]["all"])
    assert results[0] == results[1]
    assert results[0]["select@k"]["paper"]["3"] == pytest.approx(1 / 3)
