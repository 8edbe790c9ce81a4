"""Output comparators: small callables `(actual, expected) -> CompareResult`.

Tokens (the Kattis and Codeforces default) ignore the amount of whitespace; exact compares bytes but
not line endings; float compares tokens with numbers within an absolute or relative tolerance (NaN is
never equal). A failed comparison also says whether a looser comparison would have passed, as oj does.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass

from ocr_cli.judge.types import Comparison, JudgeOptions

DEFAULT_FLOAT_TOL = 1e-6


@dataclass(frozen=True)
class CompareResult:
    """Whether the output is accepted, and if not, where it first differs."""

    ok: bool
    message: str = ""


Comparator = Callable[[str, str], CompareResult]


def _show(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "…")


def _tokens_with_lines(text: str) -> list[tuple[str, int]]:
    return [(token, number) for number, line in enumerate(text.splitlines(), 1) for token in line.split()]


def _compare_token_lists(actual: str, expected: str, same: Callable[[str, str], bool]) -> CompareResult:
    got, want = _tokens_with_lines(actual), _tokens_with_lines(expected)
    for index, ((g, g_line), (w, _)) in enumerate(zip(got, want, strict=False), 1):
        if not same(g, w):
            return CompareResult(False, f"token {index} (line {g_line}): expected {_show(w)}, got {_show(g)}")
    if len(got) < len(want):
        return CompareResult(False, f"output ended after {len(got)} tokens; expected {len(want)} "
                                    f"(next {_show(want[len(got)][0])})")
    if len(got) > len(want):
        return CompareResult(False, f"output has {len(got)} tokens; expected {len(want)} "
                                    f"(extra {_show(got[len(want)][0])})")
    return CompareResult(True)


def compare_tokens(actual: str, expected: str) -> CompareResult:
    """Token-wise comparison, ignoring the amount and kind of whitespace."""
    return _compare_token_lists(actual, expected, str.__eq__)


def _normalize_lines(text: str) -> list[str]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and lines[-1] == "":
        lines.pop()
    return lines


def compare_exact(actual: str, expected: str) -> CompareResult:
    """Line-by-line exact comparison; CRLF and a missing final newline do not matter."""
    got, want = _normalize_lines(actual), _normalize_lines(expected)
    for number, (g, w) in enumerate(zip(got, want, strict=False), 1):
        if g != w:
            return CompareResult(False, f"line {number}: expected {_show(w)}, got {_show(g)}")
    if len(got) != len(want):
        return CompareResult(False, f"output has {len(got)} lines; expected {len(want)}")
    return CompareResult(True)


def _parse_float(token: str) -> float | None:
    try:
        return float(token)
    except ValueError:
        return None


def make_float_comparator(tolerance: float) -> Comparator:
    """Tokens, where numbers match within `tolerance`, absolute or relative; NaN never matches."""

    def same(got: str, want: str) -> bool:
        g, w = _parse_float(got), _parse_float(want)
        if g is None or w is None:
            return got == want
        if math.isnan(g) or math.isnan(w):
            return False
        if g == w:
            return True
        return abs(g - w) <= tolerance or abs(g - w) <= tolerance * abs(w)

    def compare(actual: str, expected: str) -> CompareResult:
        return _compare_token_lists(actual, expected, same)

    return compare


def _json_difference(got: object, want: object, tolerance: float, where: str) -> str | None:
    """Where `got` differs from `want` (None when equal): numbers by value, bool only equals bool."""
    if isinstance(want, bool) or isinstance(got, bool):
        same = isinstance(want, bool) and isinstance(got, bool) and got == want
        return None if same else f"{where}: expected {json.dumps(want)}, got {_show(json.dumps(got))}"
    if isinstance(want, int | float) and isinstance(got, int | float):
        if isinstance(want, int) and isinstance(got, int):
            equal = got == want
        else:
            equal = got == want or abs(got - want) <= tolerance or abs(got - want) <= tolerance * abs(want)
        return None if equal else f"{where}: expected {json.dumps(want)}, got {json.dumps(got)}"
    if isinstance(want, list) and isinstance(got, list):
        for index, (g, w) in enumerate(zip(got, want, strict=False)):
            if (diff := _json_difference(g, w, tolerance, f"{where}[{index}]")) is not None:
                return diff
        if len(got) != len(want):
            return f"{where}: expected a list of {len(want)} items, got {len(got)}"
        return None
    if isinstance(want, dict) and isinstance(got, dict):
        if got.keys() != want.keys():
            return f"{where}: expected keys {sorted(want)}, got {_show(str(sorted(got)))}"
        for key in want:
            if (diff := _json_difference(got[key], want[key], tolerance, f"{where}[{key!r}]")) is not None:
                return diff
        return None
    if got == want and type(got) is type(want):
        return None
    return f"{where}: expected {_show(json.dumps(want))}, got {_show(json.dumps(got))}"


def make_json_comparator(tolerance: float) -> Comparator:
    """One JSON value each side (a functional test's return value): numbers compare by value (1 equals
    1.0; floats within `tolerance`, absolute or relative), lists in order, objects by key."""

    def compare(actual: str, expected: str) -> CompareResult:
        try:
            want = json.loads(expected)
        except json.JSONDecodeError:
            return compare_tokens(actual, expected)  # a test whose answer is not JSON: compare as text
        try:
            got = json.loads(actual)
        except json.JSONDecodeError:
            return CompareResult(False, f"output is not one JSON value: {_show(actual.strip())}")
        diff = _json_difference(got, want, tolerance, "result")
        return CompareResult(diff is None, diff or "")

    return compare


def comparator_for(options: JudgeOptions) -> Comparator:
    """The built-in comparator the options ask for (checkers are run by `checkers.py`)."""
    if options.comparison is Comparison.JSON:
        return make_json_comparator(options.float_tol)
    if options.comparison is Comparison.EXACT:
        return compare_exact
    if options.comparison is Comparison.FLOAT:
        return make_float_comparator(options.float_tol)
    return compare_tokens


def looser_note(actual: str, expected: str, used: Comparison) -> str:
    """A hint when a looser comparison than `used` would have accepted the output, else ""."""
    if used is Comparison.EXACT and compare_tokens(actual, expected).ok:
        return "it would pass the default token comparison (whitespace differs)"
    if used in (Comparison.EXACT, Comparison.TOKENS) and \
            make_float_comparator(DEFAULT_FLOAT_TOL)(actual, expected).ok:
        return f"it would pass with --float-tol {DEFAULT_FLOAT_TOL:g}"
    return ""
