"""Issue 17's statement details and issue 13's doubtful two-column samples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ocr_cli.problem.folder import load_problem_folder
from ocr_cli.problem.loader import load_problem
from ocr_cli.problem.samples import extract_samples
from ocr_cli.problem.tolerance import stated_tolerance

FIXTURES = Path(__file__).parent / "fixtures"


def test_a_grid_row_is_not_a_title() -> None:
    text = "#.#\n.#.\n\nCount the cells.\n\nSample Input\n3\n\nSample Output\n3\n"
    assert load_problem("p", text=text).title != ".#"
    assert load_problem("p", text="## .\n#..\n\nSample Input\n1\n\nSample Output\n1\n").title is None
    assert load_problem("p", text="# Grid Walk\n\nWalk.\n").title == "Grid Walk"


def test_a_short_remark_after_a_sample_output_is_not_expected_output() -> None:
    text = "Flip.\n\nSample Input\n3\n1 0 1\n\nSample Output\n0 1 0\nFlip each.\n\nSample Input\n1\n1\n\n" \
           "Sample Output\n0\n"
    samples = extract_samples(text).samples
    assert [(s.input, s.output) for s in samples] == [("3\n1 0 1\n", "0 1 0\n"), ("1\n1\n", "0\n")]


def test_an_output_that_is_text_keeps_its_sentences() -> None:
    text = "Greet.\n\nSample Input\n2\n\nSample Output\nHello there.\nGood bye.\n"
    assert extract_samples(text).samples[0].output == "Hello there.\nGood bye.\n"


@pytest.mark.parametrize(("given", "wanted"), [("输入样例 1", "输出样例 1"), ("样例输入", "样例输出"),
                                               ("样例输入1", "样例输出1")])
def test_chinese_sample_headings(given: str, wanted: str) -> None:
    text = f"求和\n\n给定两个整数，输出它们的和。\n\n{given}\n1 2\n\n{wanted}\n3\n\n样例解释\n1+2=3\n"
    assert [(s.input, s.output) for s in extract_samples(text).samples] == [("1 2\n", "3\n")]


def test_two_column_sample_beside_ambiguous_prose_is_left_out_and_named() -> None:
    # "... at most 1": the 1 may end the left column's sentence or be the right column's output.
    extraction = extract_samples((FIXTURES / "squeezed_ambiguous.txt").read_text(encoding="utf-8"))
    assert [(s.input, s.output) for s in extraction.samples] == [("3 1\npqr\n", "2\nA1 B2\n"),
                                                                 ("1 1\nz\n", "0\n9 9\n8 8\n")]
    assert len(extraction.doubtful) == 1 and extraction.doubtful[0].startswith("sample 2:")
    problem = load_problem(FIXTURES / "squeezed_ambiguous.txt")
    assert problem.doubtful_samples == tuple(extraction.doubtful)


def test_certain_two_column_samples_have_no_doubt() -> None:
    extraction = extract_samples((FIXTURES / "squeezed_columns.txt").read_text(encoding="utf-8"))
    assert len(extraction.samples) == 3 and extraction.doubtful == []


@pytest.mark.parametrize(("text", "tol"), [
    ("Your answer is accepted if its absolute or relative error does not exceed 10^{-6}.", 1e-6),
    ("An answer with absolute or relative error at most 10-9 is accepted.", 1e-9),
    ("Print it with an error of at most 1e-4.", 1e-4),
    ("The relative error must be within 0.001.", 1e-3),
    ("Print N modulo 10^9+7 (N at most 10^-6 of them).", None),
    ("Print the sum of the numbers.", None),
])
def test_stated_tolerance(text: str, tol: float | None) -> None:
    found = stated_tolerance(text)
    assert found == (pytest.approx(tol) if tol is not None else None)


def test_a_problem_folder_reads_meta_samples_and_checker(tmp_path: Path) -> None:
    (tmp_path / "statement.txt").write_text("Any.\n\nSample Input\n1\n\nSample Output\n1\n", encoding="utf-8")
    meta = {"time_limit_s": 3, "memory_limit_mb": 64}
    (tmp_path / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    (tmp_path / "checker.py").write_text("import sys\n", encoding="utf-8")
    (tmp_path / "test").mkdir()
    (tmp_path / "test" / "sample-1.in").write_text("5\n", encoding="utf-8")
    (tmp_path / "test" / "sample-1.out").write_text("5\n", encoding="utf-8")
    problem = load_problem_folder(tmp_path)
    assert (problem.time_limit_s, problem.memory_limit_mb) == (3.0, 64)
    assert problem.checker == str((tmp_path / "checker.py").resolve())
    assert [(s.input, s.output) for s in problem.samples] == [("5\n", "5\n")]


def test_competitive_companion_json_has_no_statement() -> None:
    payload = {"name": "A. Sum", "url": "https://codeforces.com/contest/1/problem/A",
               "tests": [{"input": "1 2\n", "output": "3\n"}], "timeLimit": 1000, "memoryLimit": 256}
    problem = load_problem("cc.json", text=json.dumps(payload))
    assert problem.statement_missing and problem.url == payload["url"]
    assert not load_problem("x.json", text=json.dumps({**payload, "statement": "Add."})).statement_missing


def test_prose_running_across_the_column_gap_makes_its_sample_doubtful() -> None:
    # The left column's "(−10 ≤ A_i ≤ 10)." runs into the right column's "1 -2 3": where one ends is
    # a guess, so sample 1 is left out (before: its input was read as "10). 3\n10).1 -2 3").
    extraction = extract_samples((FIXTURES / "crossing_columns.txt").read_text(encoding="utf-8"))
    assert [(s.input, s.output) for s in extraction.samples] == [("2\n-1 -1\n", "0\n")]
    assert [d.split(":")[0] for d in extraction.doubtful] == ["sample 1"]


def test_the_statement_part_of_a_problem_page_is_kept() -> None:
    from ocr_cli.problem.fetch import statement_html

    page = ('<html><body><div class="menu">Home Contests Gym</div><div class="ttypography">'
            '<div class="problem-statement"><div class="header">A. Twice</div><p>Double &lt;N&gt;.</p><br>'
            '<pre>2</pre></div></div><footer>Copyright</footer></body></html>')
    part = statement_html(page)
    assert "Double &lt;N&gt;." in part and "<pre>2</pre>" in part
    assert "Home Contests" not in part and "Copyright" not in part
    assert statement_html("<p>Just text</p>") == "<p>Just text</p>"  # no container: the whole page
