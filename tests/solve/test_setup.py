"""Building a solve from settings: flags > preset > defaults; limits; tests collected."""

from __future__ import annotations

from pathlib import Path

from ocr_cli.config import load_settings
from ocr_cli.models.presets import Preset
from ocr_cli.problem.types import Problem, TestCase
from ocr_cli.solve.setup import collect_tests, judge_options_from, load_problem_source, solve_settings_from

PRESET = Preset(name="demo", repo="r", file="f.gguf", temperature=0.2, top_p=0.8, top_k=20, min_p=0.1,
                max_tokens=2048)


def test_flags_override_preset_which_overrides_defaults() -> None:
    from_preset = solve_settings_from(load_settings({}), PRESET)
    assert (from_preset.temperature, from_preset.top_p, from_preset.top_k, from_preset.max_tokens) == (
        0.2, 0.8, 20, 2048)
    flagged = solve_settings_from(load_settings({"temperature": 0.9, "max_tokens": 64, "strategy": "select",
                                                 "no_critic": True, "lang": "cpp"}), PRESET)
    assert flagged.temperature == 0.9 and flagged.max_tokens == 64 and flagged.top_k == 20
    assert flagged.strategy == "select" and not flagged.use_critic and flagged.language.value == "cpp"
    default = solve_settings_from(load_settings({}), None)
    assert default.max_tokens == 1024 and default.n == 4 and default.rounds == 3


def test_judge_limits_flags_then_problem_then_defaults() -> None:
    problem = Problem(statement="x", time_limit_s=1.5, memory_limit_mb=256)
    assert judge_options_from(load_settings({}), problem).time_limit_s == 1.5
    options = judge_options_from(load_settings({"time_limit": 3, "cxx_flags": "-O2 -std=c++20"}), problem)
    assert options.time_limit_s == 3 and options.memory_limit_mb == 256
    assert options.cxx_flags == ("-O2", "-std=c++20")
    assert judge_options_from(load_settings({}), Problem(statement="x")).time_limit_s == 2.0


def test_collect_tests_adds_folders_after_samples_with_unique_names(tmp_path: Path) -> None:
    folder = tmp_path / "hidden"
    folder.mkdir()
    (folder / "1.in").write_text("5\n")
    (folder / "1.out").write_text("10\n")
    (folder / "2.in").write_text("1\n")
    (folder / "2.ans").write_text("2\n")
    problem = Problem(statement="x", samples=(TestCase("1", "1\n", "2\n"),))
    tests = collect_tests(problem, [folder])
    assert [t.name for t in tests] == ["1", "hidden/1", "2"]
    assert tests[1].input == "5\n"


def test_load_problem_source_reads_a_problem_folder(tmp_path: Path) -> None:
    (tmp_path / "statement.txt").write_text("A + B")
    assert load_problem_source(tmp_path).statement == "A + B"
