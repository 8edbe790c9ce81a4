"""The pure parts of differential testing: seed/size schedule, shrink plans, sample mutation,
clustering."""

from __future__ import annotations

import itertools
import random

from ocr_cli.judge.types import Verdict
from ocr_cli.problem.types import TestCase
from ocr_cli.stress.cluster import cluster_sizes, clusters, constant_output
from ocr_cli.stress.mutate import sample_shaped_inputs, statement_bounds, vary_input
from ocr_cli.stress.runner import FailureFound, RunChecked, StressProgress, smallest
from ocr_cli.stress.schedule import RUNS_PER_SIZE, RunPlan, plan_runs, shrink_plan
from ocr_cli.stress.types import Failure


def test_sizes_ramp_from_1_a_few_runs_each_then_double() -> None:
    plans = list(itertools.islice(plan_runs(5, sized=True, max_size=3), 3 * RUNS_PER_SIZE + 10))
    assert [p.seed for p in plans[:3]] == [5, 6, 7]
    sizes = [p.size for p in plans]
    assert sizes[:9] == [1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert sizes[9:] == [6] * 9 + [12]
    assert [p.size for p in itertools.islice(plan_runs(1, sized=False), 3)] == [None, None, None]


def test_shrink_plans_try_smaller_sizes_with_new_seeds() -> None:
    plans = shrink_plan(100, 4, budget=12)
    assert [p.size for p in plans] == [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]
    assert [p.seed for p in plans] == list(range(100, 112))
    assert shrink_plan(100, 1, budget=50) == []
    assert shrink_plan(7, None, budget=2) == [RunPlan(7, None), RunPlan(8, None)]
    assert shrink_plan(7, 5, budget=0) == []


def test_the_smallest_failure_is_by_size_then_input_length() -> None:
    def fail(seed: int, size: int | None, text: str) -> Failure:
        return Failure(seed, size, text, "1", "2", Verdict.WA)

    assert smallest([fail(1, 5, "1"), fail(2, 3, "1 2 3"), fail(3, 3, "1 2")]) == fail(3, 3, "1 2")
    assert smallest([fail(4, None, "10 20"), fail(2, None, "1 2")]) == fail(2, None, "1 2")
    progress = StressProgress()
    progress.add(RunChecked(1, 1, 3, True, False))
    progress.add(FailureFound(fail(1, 3, "1 2 3"), False))
    result = progress.so_far()
    assert result.status == "cancelled" and result.runs == 1 and result.failure == fail(1, 3, "1 2 3")


def test_statement_bounds_read_the_usual_spellings() -> None:
    text = "1 ≤ N ≤ 10^5, -10^9 <= A_i <= 10^9 and $1 \\le K \\le 100$; 0 ≤ x, y ≤ 2·10^5"
    found = [(b.low, b.high) for b in statement_bounds(text)]
    assert found == [(1, 1e5), (-1e9, 1e9), (1, 100), (0, 2e5)]


def test_varied_inputs_keep_the_shape_and_the_counts() -> None:
    rng = random.Random(3)
    sample = "3\n5 -2 7\nabc 1.50\n"
    for _ in range(20):
        varied = vary_input(sample, [], rng)
        lines = varied.split("\n")
        assert lines[0] == "3"  # the count of the next line's numbers is kept
        assert len(lines[1].split()) == 3 and all(t.lstrip("-").isdigit() for t in lines[1].split())
        word, decimal = lines[2].split()
        assert word == "abc" and len(decimal.split(".")[1]) == 2
        assert lines[3] == ""


def test_values_stay_within_the_stated_bounds_and_small() -> None:
    inputs = sample_shaped_inputs([TestCase("1", "7 40\n", "47\n")], "1 ≤ A ≤ 10, 1 ≤ B ≤ 10^9", 30, seed=1)
    assert len(inputs) == 30 and "7 40\n" not in inputs
    for text in inputs:
        a, b = map(int, text.split())
        assert 1 <= a <= 10 and 1 <= b <= 80
    assert sample_shaped_inputs([TestCase("1", "hello\n", "x")], "", 5) == []  # nothing to vary


def test_clusters_and_hard_coded_outputs() -> None:
    outputs = {"c1": ["3", "5\n", "7"], "c2": ["3", "5", "7 "], "c3": ["3", "6", "7"], "c4": ["3", None, "7"]}
    assert clusters(outputs) == [["c1", "c2"], ["c3"], ["c4"]]
    assert cluster_sizes(outputs) == {"c1": 2, "c2": 2, "c3": 1, "c4": 1}
    assert constant_output(["1 2", "3 4", "5 6"], ["3", "3\n", " 3"])
    assert not constant_output(["1 2", "3 4", "5 6"], ["3", "7", "11"])
    assert not constant_output(["1 2", "1 2", "3 4"], ["3", "3", "3"])  # too few different inputs
    assert not constant_output(["1 2", "3 4", "5 6"], ["3", None, "3"])
