"""Comparators: tokens, exact (CRLF-insensitive), float tolerance, and the looser-comparison note."""

from __future__ import annotations

from ocr_cli.judge.compare import compare_exact, compare_tokens, looser_note, make_float_comparator
from ocr_cli.judge.types import Comparison


def test_tokens_ignore_amount_of_whitespace() -> None:
    assert compare_tokens("1  2\n3\n\n", "1 2 3").ok
    result = compare_tokens("1 2 4", "1 2 3")
    assert not result.ok
    assert "token 3" in result.message and "'3'" in result.message and "'4'" in result.message


def test_tokens_report_missing_and_extra_output() -> None:
    assert "ended after 1 tokens" in compare_tokens("1", "1 2").message
    assert "extra '9'" in compare_tokens("1 2 9", "1 2").message


def test_exact_ignores_crlf_and_final_newline_only() -> None:
    assert compare_exact("a b\r\nc\r\n", "a b\nc").ok
    result = compare_exact("a  b\nc\n", "a b\nc\n")
    assert not result.ok and "line 1" in result.message


def test_float_tolerance_absolute_or_relative_and_nan_never_equal() -> None:
    compare = make_float_comparator(1e-6)
    assert compare("0.3333333", "0.33333333333").ok
    assert compare("1000000.5", "1000000.0").ok  # relative: 0.5 <= 1e-6 * 1e6
    assert not compare("0.334", "0.333").ok
    assert not compare("nan", "nan").ok
    assert compare("inf word", "inf word").ok
    assert not compare("yes", "no").ok


def test_looser_note_says_what_would_have_passed() -> None:
    assert "token comparison" in looser_note("1  2", "1 2", Comparison.EXACT)
    assert "--float-tol" in looser_note("0.3333333", "0.33333333333", Comparison.TOKENS)
    assert looser_note("5", "6", Comparison.TOKENS) == ""
