"""The paper's metrics against values computed by hand."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from ocr_cli.bench.metrics import (
    Draft,
    breakdown,
    ocr_pick_value,
    paper_pick_value,
    pass_at_k,
    sample_metrics,
    select_at_k,
)

# Problem A: one right draft of three. The critic calls the right one and a wrong one "right"; the wrong
# one has the shorter critique. ocr ranks the right one first.
A = [Draft(True, "right", 50, ocr_rank=0), Draft(False, "right", 20, ocr_rank=1),
     Draft(False, "wrong", 10, ocr_rank=2)]
B = [Draft(True, None, None, ocr_rank=i) for i in range(3)]  # all right, nothing judged right


def test_unbiased_pass_at_k_by_hand() -> None:
    assert pass_at_k(10, 3, 1) == pytest.approx(0.3)
    assert pass_at_k(5, 2, 2) == pytest.approx(1 - math.comb(3, 2) / math.comb(5, 2))  # 0.7
    assert pass_at_k(5, 2, 2) == pytest.approx(0.7)
    assert pass_at_k(4, 0, 2) == 0.0
    assert pass_at_k(3, 2, 2) == 1.0  # fewer wrong drafts than k: some right one is always drawn
    assert pass_at_k(10, 1, 10) == 1.0
    with pytest.raises(ValueError):
        pass_at_k(3, 1, 4)


def test_paper_rule_shortest_critique_among_judged_right() -> None:
    assert paper_pick_value(A[:2]) == 0.0  # both right, the wrong draft's critique is shorter
    assert paper_pick_value([A[0], A[2]]) == 1.0  # only the right draft is judged right
    assert paper_pick_value([A[2], Draft(True, "wrong", 5)]) == 0.5  # none judged right: random pick
    tie = [Draft(True, "right", 7), Draft(False, "right", 7)]
    assert paper_pick_value(tie) == 0.5


def test_select_at_k_averages_over_subsets() -> None:
    # paper: {0,1} -> 0, {0,2} -> 1, {1,2} -> 0
    assert select_at_k(A, 2, "paper") == pytest.approx(1 / 3)
    assert select_at_k(A, 3, "paper") == 0.0
    # ocr: {0,1} -> 1, {0,2} -> 1, {1,2} -> 0
    assert select_at_k(A, 2, "ocr") == pytest.approx(2 / 3)
    assert select_at_k(A, 3, "ocr") == 1.0
    # one draft: any rule picks it, so select@1 is pass@1
    assert select_at_k(A, 1, "paper") == pytest.approx(1 / 3)
    with pytest.raises(ValueError):
        select_at_k(A, 4, "ocr")


def _enumerated(drafts: list[Draft], k: int, value: Callable[[list[Draft]], float]) -> float:
    subsets = list(itertools.combinations(drafts, k))
    return sum(value(list(s)) for s in subsets) / len(subsets)


def test_closed_form_equals_enumerating_every_subset() -> None:
    rng = random.Random(7)
    for _ in range(40):
        n = rng.randint(1, 9)
        drafts = [Draft(rng.random() < 0.4, rng.choice(["right", "wrong", None]), rng.choice([None, 3, 5, 8]),
                        ocr_rank=i) for i in range(n)]
        rng.shuffle(drafts)
        for k in range(1, n + 1):
            assert select_at_k(drafts, k, "paper") == pytest.approx(_enumerated(drafts, k, paper_pick_value))
            assert select_at_k(drafts, k, "ocr") == pytest.approx(_enumerated(drafts, k, ocr_pick_value))


def test_sample_metrics_over_problems() -> None:
    metrics = sample_metrics([A, B], [1, 2, 3, 5])
    assert metrics["problems"] == 2 and metrics["drafts"] == 6
    assert metrics["pass@1"] == pytest.approx((1 / 3 + 1) / 2)
    assert metrics["pass@k"]["1"] == pytest.approx(2 / 3)
    assert metrics["pass@k"]["2"] == pytest.approx((2 / 3 + 1) / 2)
    assert metrics["pass@k"]["3"] == pytest.approx(1.0)
    assert metrics["pass@k"]["5"] is None  # only 3 drafts per problem
    assert metrics["select@k"]["paper"]["2"] == pytest.approx((1 / 3 + 1) / 2)
    assert metrics["select@k"]["ocr"]["2"] == pytest.approx((2 / 3 + 1) / 2)
    assert metrics["select@k"]["paper"]["3"] == pytest.approx(0.5)
    assert metrics["select@k"]["ocr"]["3"] == pytest.approx(1.0)
    assert metrics["select@k"]["ocr"]["5"] is None


def test_breakdown_by_tags() -> None:
    out = breakdown({"a": A, "b": B}, {"a": {"difficulty": "hard", "platform": "atcoder"},
                                       "b": {"difficulty": "easy", "platform": "atcoder"}}, [1])
    assert out["all"]["problems"] == 2
    assert out["difficulty"]["hard"]["pass@1"] == pytest.approx(1 / 3)
    assert out["difficulty"]["easy"]["pass@1"] == 1.0
    assert out["platform"]["atcoder"]["problems"] == 2
    assert sample_metrics([], [1])["pass@1"] is None


def test_run_records_keep_drafts_and_tags_through_the_results_file(tmp_path: Path) -> None:
    from ocr_cli.bench.report import BenchReport, DraftRecord, RunRecord

    record = RunRecord("lcb/1", "select", "python", "failed", solve_status="accepted",
                       tags={"difficulty": "easy"}, extra_critique_tokens=7,
                       drafts=[DraftRecord("c1", True, 1, "right", 12, 0.9, "solve", 0),
                               DraftRecord("c2", False, 0, "wrong", 30, None, "bench", 1)])
    report = BenchReport(config={"strategies": ["select"], "languages": ["python"], "k": [1, 2]},
                         records=[record])
    report.write(tmp_path / "r.json")
    again = BenchReport.read(tmp_path / "r.json")
    assert again.records == [record]
    assert again.records[0].accepted_but_wrong
    (sampling,) = again.sampling()
    assert sampling["all"]["select@k"]["paper"]["2"] == 1.0  # the only "right" draft passes
    assert sampling["difficulty"]["easy"]["pass@1"] == 0.5
