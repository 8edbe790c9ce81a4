"""Sample extraction on synthetic statements imitating each layout seen in the wild."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocr_cli.problem.samples import extract_samples, is_prose

FIXTURES = Path(__file__).parent / "fixtures"


def _pairs(name: str) -> list[tuple[str, str]]:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return [(s.input, s.output) for s in extract_samples(text).samples]


def test_numbered_sample_headings_with_explanation_after() -> None:
    assert _pairs("numbered.txt") == [("2\n1 2\n3 4\n", "3\n7\n"), ("1\n-5 5\n", "0\n")]


def test_pdf_page_header_between_input_and_output_is_dropped() -> None:
    assert _pairs("hash_pdf.txt") == [("5\n1 2 2 3 2\n", "3\n"), ("1\n7\n", "1\n")]


def test_form_feed_page_break_between_input_and_output() -> None:
    assert _pairs("form_feed.txt") == [("3 1\n", "4\n")]


def test_two_column_pdf_page_is_read_column_by_column() -> None:
    assert _pairs("two_column.txt") == [("3\n1 -2 3\n", "2\n"), ("2\n-1 -1\n", "0\n")]


def test_two_column_data_squeezed_next_to_left_prose_goes_back_to_its_column() -> None:
    # pdftotext sets right-column lines one space after long left-column prose ("program 1"), and
    # a left-column line between a right-column output's lines is no blank line in that output.
    assert _pairs("squeezed_columns.txt") == [
        ("3 1\npqr\n", "2\nA1 B2\n"), ("2 2\nab\ncd\n", "1\nX7 Y8\n"), ("1 1\nz\n", "0\n9 9\n8 8\n")]


def test_input_and_output_side_by_side_on_one_line() -> None:
    assert _pairs("side_by_side.txt") == [("12345\n", "15\n"), ("7\n", "7\n")]


def test_codeforces_paste_with_copy_lines_and_note() -> None:
    assert _pairs("codeforces.txt") == [("2\nabc\nxyz\n", "ABC\nXYZ\n"), ("1\nq\n", "Q\n")]


def test_atcoder_japanese_headings_stop_before_explanation() -> None:
    assert _pairs("atcoder.txt") == [("1 2\n", "3\n"), ("100 200\n", "300\n")]


def test_atcoder_page_in_both_languages_gives_each_sample_once() -> None:
    text = (FIXTURES / "atcoder.txt").read_text(encoding="utf-8")
    english = ("\nSample Input 1\n1 2\n\nSample Output 1\n3\n\n"
               "Sample Input 2\n100 200\n\nSample Output 2\n300\n")
    assert [(s.input, s.output) for s in extract_samples(text + english).samples] == [
        ("1 2\n", "3\n"), ("100 200\n", "300\n")]


def test_markdown_fenced_blocks_under_headings_and_in_an_example_section() -> None:
    assert _pairs("markdown.md") == [("hello world\n", "dlrow olleh\n"), ("  a  b\n", "b  a\n")]


def test_example_section_with_input_and_output_subheadings() -> None:
    assert _pairs("example_io.txt") == [("4\n", "12\n")]


def test_statement_without_samples_gives_none() -> None:
    extraction = extract_samples((FIXTURES / "no_samples.txt").read_text(encoding="utf-8"))
    assert extraction.samples == []
    assert extraction.time_limit_s is None and extraction.memory_limit_mb is None


def test_input_format_section_is_not_taken_for_a_sample() -> None:
    text = "Sum\n\nInput\nA B\n\nOutput\nA+B\n"
    assert extract_samples(text).samples == []


def test_input_without_output_is_dropped_not_guessed() -> None:
    text = "Sample Input 1\n5\n\nSample Output 1\n6\n\nSample Input 2\n7\n"
    assert [(s.input, s.output) for s in extract_samples(text).samples] == [("5\n", "6\n")]


def test_numbered_blocks_pair_by_number_in_any_order() -> None:
    text = ("Sample Input 2\n20\nSample Input 1\n10\n\n"
            "Sample Output 1\n11\nSample Output 2\n21\n")
    samples = extract_samples(text).samples
    assert [(s.name, s.input, s.output) for s in samples] == [
        ("sample-1", "10\n", "11\n"), ("sample-2", "20\n", "21\n")]


def test_blank_line_inside_data_is_kept_but_prose_after_a_blank_line_ends_the_block() -> None:
    text = ("Sample Input\n2\n\n1 2\n\nSample Output\n3\n\n"
            "This is because one plus two is three, as everyone knows.\n")
    assert [(s.input, s.output) for s in extract_samples(text).samples] == [("2\n\n1 2\n", "3\n")]


def test_sample_input_hash_heading_and_indented_pdf_content_is_dedented() -> None:
    text = "Sample Input #1\n  3 3\n  .#.\n\nSample Output #1\n  1\n"
    assert [(s.input, s.output) for s in extract_samples(text).samples] == [("3 3\n.#.\n", "1\n")]


def test_limits_are_read_with_the_samples() -> None:
    extraction = extract_samples((FIXTURES / "codeforces.txt").read_text(encoding="utf-8"))
    assert (extraction.time_limit_s, extraction.memory_limit_mb) == (1.0, 256)


@pytest.mark.parametrize(("line", "expected"), [
    ("The value of f (1, 2) is 3, taken from the subsequence", True),
    ("3 2 1 3 2", False),
    ("INVALID", False),
    ("N3 W2", False),
    ("1 + 2 = 3 なので、3 を出力します。", True),
])
def test_prose_is_told_from_data(line: str, expected: bool) -> None:
    assert is_prose(line) is expected


def _inline(text: str) -> list[tuple[str, str]]:
    return [(s.input, s.output) for s in extract_samples(text).samples]


def test_html_table_pasted_with_tabs() -> None:
    text = "Sum\n\nSample Input 1\tSample Output 1\n1 2\t3\n\nSample Input 2\tSample Output 2\n5 5\t10\n"
    assert _inline(text) == [("1 2\n", "3\n"), ("5 5\n", "10\n")]


def test_centred_heading_on_a_one_column_page_is_not_a_column() -> None:
    text = ("Prose.\n\n                          Sample Input 1\n"
            "1500 1700 1800 2300 2500 2600 2700 2800 2900\n\n"
            "                          Sample Output 1\n1800 1900 2000 2100 2200 2300 2400\n")
    assert _inline(text) == [("1500 1700 1800 2300 2500 2600 2700 2800 2900\n",
                              "1800 1900 2000 2100 2200 2300 2400\n")]


def test_codeforces_paste_with_input_copy_run_together() -> None:
    text = ("A. X\ninput\nstandard input\noutput\nstandard output\n\n"
            "Input\nN M\n\nOutput\nPrint one integer.\n\nExample\ninputCopy\n3 4\noutputCopy\n7\n")
    assert _inline(text) == [("3 4\n", "7\n")]


def test_short_input_section_is_no_sample_when_the_statement_has_real_ones() -> None:
    text = "Input\nA B\n\nOutput\nA+B\n\nSample Input\n1 1\n\nSample Output\n2\n"
    assert _inline(text) == [("1 1\n", "2\n")]


def test_bare_input_output_blocks_after_the_format_section() -> None:
    text = ("Input\nThe only line contains an integer n.\n\nOutput\nPrint n squared.\n\n"
            "Input\n4\n\nOutput\n16\n")
    assert _inline(text) == [("4\n", "16\n")]


def test_sample_sentences_repeated_across_samples_are_not_page_headers() -> None:
    line = "The Quick Brown Fox Jumps Over The Lazy Dog"
    text = (f"Sample Input 1\n{line}\n\nSample Output 1\n9\n\n"
            f"Sample Input 2\n{line}\n{line}\n\nSample Output 2\n18\n")
    assert _inline(text) == [(f"{line}\n", "9\n"), (f"{line}\n{line}\n", "18\n")]


def test_page_numbers_and_numbered_footers_are_dropped() -> None:
    text = ("Sample Input 1\n7\n\nICPC Imaginary Contest 2031 - Page 1 of 2\n\fPage 2\n"
            "Sample Output 1\n49\n\nICPC Imaginary Contest 2031 - Page 2 of 2\n")
    assert _inline(text) == [("7\n", "49\n")]


def test_zero_based_numbers_and_explanation_headings() -> None:
    text = ("Sample Input 0\n5\n\nSample Output 0\n120\n\nExplanation 0\n5! = 120\n\n"
            "Sample Input 1\n0\n\nSample Output 1\n1\n")
    assert _inline(text) == [("5\n", "120\n"), ("0\n", "1\n")]


def test_usaco_style_upper_case_headings_with_colons() -> None:
    text = "SAMPLE INPUT:\n3\n1 2 3\nSAMPLE OUTPUT:\n6\nSCORING:\nTests 1-5 are small.\n"
    assert _inline(text) == [("3\n1 2 3\n", "6\n")]


def test_grid_rows_starting_with_hash_are_data_not_markdown_headings() -> None:
    text = "Sample Input 1\n3 3\n#.#\n...\n## .\n\nSample Output 1\n2\n\n## Notes\nNothing.\n"
    assert _inline(text) == [("3 3\n#.#\n...\n## .\n", "2\n")]


def test_example_paragraph_before_the_input_section_is_not_a_sample_section() -> None:
    text = ("Example\nIf N = 3, the answer is 6.\n\nInput\nThe first line contains N.\n\n"
            "Output\nPrint the answer on one line.\n\nSample Input\n3\n\nSample Output\n6\n")
    assert _inline(text) == [("3\n", "6\n")]


def test_sentences_as_sample_data_inside_an_example_section() -> None:
    text = "Examples\nInput\nhello world and all of you\nOutput\nHELLO WORLD AND ALL OF YOU\n"
    assert _inline(text) == [("hello world and all of you\n", "HELLO WORLD AND ALL OF YOU\n")]
