"""The bench runner over a tiny set with a scripted model and the real judge."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from ocr_cli.bench.problemset import discover, load_bench_problem
from ocr_cli.bench.report import BenchReport
from ocr_cli.bench.runner import BenchProgress, BenchRunner, RunFinished
from ocr_cli.config import load_settings
from ocr_cli.engines.scripted import ScriptedEngine
from ocr_cli.language import Language
from ocr_cli.solve.setup import solve_settings_from

from .problemsets import scripted_model, write_problem_set


def _runner(engine: ScriptedEngine, strategies: tuple[str, ...]) -> BenchRunner:
    settings = load_settings({"n": 1, "rounds": 0, "max_tokens": 200, "stress": False})  # counts requests
    return BenchRunner(engine, engine, settings, solve_settings_from(settings, None),
                       strategies=strategies, languages=(Language.PYTHON,))


def _bench(tmp_path: Path, strategies: tuple[str, ...], report: BenchReport | None = None,
           engine: ScriptedEngine | None = None) -> tuple[BenchReport, Path, ScriptedEngine]:
    problems = discover([tmp_path / "set"]) if (tmp_path / "set").exists() else \
        discover([write_problem_set(tmp_path / "set")])
    engine = engine or scripted_model()
    runner = _runner(engine, strategies)
    output = tmp_path / "results.json"
    try:
        runner.run(problems, report or BenchReport(config={"strategies": list(strategies)}), output)
    finally:
        runner.close()
    return BenchReport.read(output), output, engine


def test_solved_counts_skips_and_critic_accuracy(tmp_path: Path) -> None:
    report, _, _ = _bench(tmp_path, ("single", "select"))
    status = {(r.problem.split("/")[1], r.strategy): r.status for r in report.records}
    assert status == {
        ("add", "single"): "solved", ("add", "select"): "solved",
        ("divisor", "single"): "solved", ("divisor", "select"): "solved",  # judged with its checker
        ("double", "single"): "failed", ("double", "select"): "failed",  # passed the sample only
        ("guess", "single"): "skipped", ("guess", "select"): "skipped",
    }
    by_key = {(r.problem.split("/")[1], r.strategy): r for r in report.records}
    double = by_key[("double", "select")]
    assert double.final_verdict == "WA" and double.tests_total == 4 and double.tests_passed == 1
    assert by_key[("guess", "single")].reason == "interactive, without interactor.py/.cpp"
    assert by_key[("divisor", "select")].checker is True
    single, select = report.groups()
    assert (single.attempted, single.solved, single.skipped) == (3, 2, 1)
    assert single.critic.judged == 0  # no critic in "single"
    # select: add right & passes (TP), double right & fails (FP), divisor wrong & passes (FN)
    critic = select.critic
    assert (critic.true_positive, critic.false_positive, critic.false_negative) == (1, 1, 1)
    assert select.critic.precision == 0.5 and select.critic.recall == 0.5
    assert all(r.generated_tokens > 0 for r in report.records if r.status != "skipped")


def test_the_solver_never_sees_hidden_tests(tmp_path: Path) -> None:
    _, _, engine = _bench(tmp_path, ("single",))
    prompts = "\n".join(m.content for request in engine.requests for m in request.messages)
    assert "-10" not in prompts and "5 7" not in prompts  # hidden inputs/outputs of double and add


def test_json_written_with_summary(tmp_path: Path) -> None:
    _, output, _ = _bench(tmp_path, ("single",))
    data = json.loads(output.read_text())
    assert data["summary"]["overall"]["solved"] == 2
    assert data["summary"]["overall"]["skipped"] == 1
    assert len(data["runs"]) == 4


def test_resume_runs_only_what_is_missing(tmp_path: Path) -> None:
    first, output, _ = _bench(tmp_path, ("single",))
    engine = scripted_model()
    resumed, _, engine = _bench(tmp_path, ("single", "select"), report=BenchReport.read(output),
                                engine=engine)
    asked = [m.content for request in engine.requests for m in request.messages if m.role == "user"]
    # select needs one draft + one critique per non-skipped problem; the single runs are not redone
    assert len(engine.requests) == 6
    assert any("Add Two Numbers" in text for text in asked)
    assert {r.key for r in first.records} < {r.key for r in resumed.records}
    assert len(resumed.records) == 8


def test_interrupt_keeps_finished_runs(tmp_path: Path) -> None:
    problems = discover([write_problem_set(tmp_path / "set")])
    runner = _runner(scripted_model(), ("single",))
    output = tmp_path / "results.json"
    seen: list[str] = []

    def stop_after_first(event: BenchProgress) -> None:
        if isinstance(event, RunFinished):
            seen.append(event.record.problem)
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        runner.run(problems, BenchReport(config={}), output, on_progress=stop_after_first)
    saved = BenchReport.read(output)
    assert [r.problem for r in saved.records] == seen == ["set/add"]
    resumed, _, engine = _bench(tmp_path, ("single",), report=saved)
    assert len(resumed.records) == 4
    assert not any("Add Two Numbers" in m.content for r in engine.requests for m in r.messages)


def test_a_broken_problem_is_an_error_record_not_a_crash(tmp_path: Path) -> None:
    root = write_problem_set(tmp_path / "set")
    (root / "add" / "meta.json").write_text("{broken")
    report, _, _ = _bench(tmp_path, ("single",))
    add = next(r for r in report.records if r.problem == "set/add")
    assert add.status == "error" and "meta.json" in (add.reason or "")
    assert sum(r.solved for r in report.records) == 1  # divisor still solved


def test_parallel_problems_on_a_server_like_engine(tmp_path: Path) -> None:
    engine = scripted_model()
    engine.info = dataclasses.replace(engine.info, engine="openai")  # serves concurrent requests
    problems = discover([write_problem_set(tmp_path / "set")])
    settings = load_settings({"n": 1, "rounds": 0, "max_tokens": 200, "stress": False})  # counts requests
    runner = BenchRunner(engine, engine, settings, solve_settings_from(settings, None),
                         strategies=("single", "select"), languages=(Language.PYTHON,), jobs=3)
    assert runner.jobs == 3
    output = tmp_path / "results.json"
    finished: list[int] = []
    try:
        runner.run(problems, BenchReport(config={}), output,
                   on_progress=lambda e: finished.append(e.done) if isinstance(e, RunFinished) else None)
    finally:
        runner.close()
    report = BenchReport.read(output)
    assert sorted(finished) == list(range(1, 9))
    assert sum(r.solved for r in report.records) == 4  # the same outcome as one at a time


def test_in_process_engines_run_one_problem_at_a_time() -> None:
    engine = scripted_model()
    engine.info = dataclasses.replace(engine.info, engine="llama.cpp")
    settings = load_settings({})
    runner = BenchRunner(engine, None, settings, solve_settings_from(settings, None),
                         strategies=("single",), languages=(Language.PYTHON,), jobs=4)
    assert runner.jobs == 1
    runner.close()


def test_code_that_does_not_run_counts_all_tests(tmp_path: Path) -> None:
    root = write_problem_set(tmp_path / "set")
    engine = ScriptedEngine(["```python\nprint(undefined_name)\n```"])
    runner = _runner(engine, ("single",))
    try:
        record = runner.bench_one(load_bench_problem(discover([root / "add"])[0]), "single", Language.PYTHON)
    finally:
        runner.close()
    assert record.status == "failed"
    assert record.final_verdict == "RE"
    assert (record.tests_passed, record.tests_total, record.hidden_tests) == (0, 4, 3)
