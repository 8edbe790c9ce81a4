"""Output comparators, streaming: the program's output is read from its file in chunks, so a
multi-megabyte answer is compared whole without holding copies of it.

Tokens (the Kattis and Codeforces default) ignore the amount of whitespace; exact compares lines but
not line endings or trailing empty lines; float compares tokens with numbers within an absolute or
relative tolerance (NaN is never equal). A failed comparison also says whether a looser comparison
would have passed, as oj does. Whitespace is ASCII whitespace, as in testlib.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from ocr_cli.judge.types import Comparison, JudgeOptions

DEFAULT_FLOAT_TOL = 1e-6
CHUNK = 1 << 20
_WHITESPACE = (b" ", b"\n", b"\t", b"\r", b"\x0b", b"\x0c")


@dataclass(frozen=True)
class CompareResult:
    """Whether the output is accepted, and if not, where it first differs."""

    ok: bool
    message: str = ""


#: `(actual, expected) -> CompareResult` on texts (the streaming forms take a binary file).
Comparator = Callable[[str, str], CompareResult]
#: `(actual output file, expected text) -> CompareResult`.
StreamComparator = Callable[[BinaryIO, str], CompareResult]
Same = Callable[[bytes, bytes], bool]


def _show(token: bytes | str, limit: int = 40) -> str:
    text = token.decode(errors="replace") if isinstance(token, bytes) else token
    return repr(text if len(text) <= limit else text[:limit] + "…")


def iter_tokens(stream: BinaryIO) -> Iterator[tuple[bytes, int]]:
    """(token, line number) of a binary stream, read in chunks; tokens never split across chunks."""
    line, carry = 1, b""
    while chunk := stream.read(CHUNK):
        data = carry + chunk
        cut = max(data.rfind(mark) for mark in _WHITESPACE)
        if cut < 0:
            carry = data
            continue
        head, carry = data[:cut + 1], data[cut + 1:]
        parts = head.split(b"\n")
        for index, part in enumerate(parts):
            for token in part.split():
                yield token, line
            if index < len(parts) - 1:
                line += 1
    for token in carry.split():
        yield token, line


def iter_lines(stream: BinaryIO) -> Iterator[bytes]:
    """Lines of a binary stream without their endings (CRLF, CR and LF all end a line)."""
    carry = b""
    while chunk := stream.read(CHUNK):
        data = carry + chunk
        held = b""
        if data.endswith(b"\r"):  # may be the first half of a CRLF
            data, held = data[:-1], b"\r"
        parts = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
        yield from parts[:-1]
        carry = parts[-1] + held
    if carry:
        yield from carry.replace(b"\r", b"\n").split(b"\n")


def _as_stream(text: str) -> BinaryIO:
    return io.BytesIO(text.encode("utf-8", errors="surrogateescape"))


def _compare_token_streams(actual: BinaryIO, expected: str, same: Same) -> CompareResult:
    got, want = iter_tokens(actual), iter_tokens(_as_stream(expected))
    count = 0
    while True:
        g, w = next(got, None), next(want, None)
        if g is None and w is None:
            return CompareResult(True)
        count += 1
        if g is None:
            assert w is not None
            total = count + sum(1 for _ in want)
            return CompareResult(False, f"output ended after {count - 1} tokens; expected {total} "
                                        f"(next {_show(w[0])})")
        if w is None:
            total = count + sum(1 for _ in got)
            return CompareResult(False, f"output has {total} tokens; expected {count - 1} "
                                        f"(extra {_show(g[0])})")
        if not same(g[0], w[0]):
            return CompareResult(False, f"token {count} (line {g[1]}): expected {_show(w[0])}, "
                                        f"got {_show(g[0])}")


def stream_tokens(actual: BinaryIO, expected: str) -> CompareResult:
    """Token-wise comparison, ignoring the amount and kind of whitespace."""
    return _compare_token_streams(actual, expected, bytes.__eq__)


def _without_trailing_empty(lines: Iterator[bytes]) -> Iterator[bytes]:
    empty = 0
    for line in lines:
        if line == b"":
            empty += 1
            continue
        yield from (b"" for _ in range(empty))
        empty = 0
        yield line


def stream_exact(actual: BinaryIO, expected: str) -> CompareResult:
    """Line-by-line exact comparison; CRLF and missing or extra final newlines do not matter."""
    got = _without_trailing_empty(iter_lines(actual))
    want = _without_trailing_empty(iter_lines(_as_stream(expected)))
    number = 0
    while True:
        g, w = next(got, None), next(want, None)
        if g is None and w is None:
            return CompareResult(True)
        number += 1
        if g is None or w is None:
            rest = sum(1 for _ in (want if g is None else got))
            lines, wanted = (number - 1, number + rest) if g is None else (number + rest, number - 1)
            return CompareResult(False, f"output has {lines} lines; expected {wanted}")
        if g != w:
            return CompareResult(False, f"line {number}: expected {_show(w)}, got {_show(g)}")


def _parse_float(token: bytes) -> float | None:
    try:
        return float(token)
    except ValueError:
        return None


def make_float_stream_comparator(tolerance: float) -> StreamComparator:
    """Tokens, where numbers match within `tolerance`, absolute or relative; NaN never matches."""

    def same(got: bytes, want: bytes) -> bool:
        g, w = _parse_float(got), _parse_float(want)
        if g is None or w is None:
            return got == want
        if math.isnan(g) or math.isnan(w):
            return False
        if g == w:
            return True
        return abs(g - w) <= tolerance or abs(g - w) <= tolerance * abs(w)

    def compare(actual: BinaryIO, expected: str) -> CompareResult:
        return _compare_token_streams(actual, expected, same)

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


def make_json_stream_comparator(tolerance: float) -> StreamComparator:
    """One JSON value each side (a functional test's return value): numbers compare by value (1 equals
    1.0; floats within `tolerance`, absolute or relative), lists in order, objects by key. The output
    is read whole: a return value is small, and the output limit bounds it anyway."""

    def compare(actual: BinaryIO, expected: str) -> CompareResult:
        try:
            want = json.loads(expected)
        except json.JSONDecodeError:
            return stream_tokens(actual, expected)  # a test whose answer is not JSON: compare as text
        text = actual.read().decode(errors="replace")
        try:
            got = json.loads(text)
        except json.JSONDecodeError:
            return CompareResult(False, f"output is not one JSON value: {_show(text.strip())}")
        diff = _json_difference(got, want, tolerance, "result")
        return CompareResult(diff is None, diff or "")

    return compare


def stream_comparator_for(options: JudgeOptions) -> StreamComparator:
    """The built-in comparator the options ask for (checkers are run by `checkers.py`)."""
    if options.comparison is Comparison.JSON:
        return make_json_stream_comparator(options.float_tol)
    if options.comparison is Comparison.EXACT:
        return stream_exact
    if options.comparison is Comparison.FLOAT:
        return make_float_stream_comparator(options.float_tol)
    return stream_tokens


def _on_text(compare: StreamComparator) -> Comparator:
    return lambda actual, expected: compare(_as_stream(actual), expected)


compare_tokens: Comparator = _on_text(stream_tokens)
compare_exact: Comparator = _on_text(stream_exact)


def make_float_comparator(tolerance: float) -> Comparator:
    """`make_float_stream_comparator` on texts."""
    return _on_text(make_float_stream_comparator(tolerance))


def make_json_comparator(tolerance: float) -> Comparator:
    """`make_json_stream_comparator` on texts."""
    return _on_text(make_json_stream_comparator(tolerance))


def comparator_for(options: JudgeOptions) -> Comparator:
    """`stream_comparator_for` on texts."""
    return _on_text(stream_comparator_for(options))


def looser_note_stream(actual: BinaryIO, expected: str, used: Comparison) -> str:
    """A hint when a looser comparison than `used` would have accepted the output, else ""."""
    actual.seek(0)
    if used is Comparison.EXACT and stream_tokens(actual, expected).ok:
        return "it would pass the default token comparison (whitespace differs)"
    actual.seek(0)
    if used in (Comparison.EXACT, Comparison.TOKENS) and \
            make_float_stream_comparator(DEFAULT_FLOAT_TOL)(actual, expected).ok:
        return f"it would pass with --float-tol {DEFAULT_FLOAT_TOL:g}"
    return ""


def looser_note(actual: str, expected: str, used: Comparison) -> str:
    """`looser_note_stream` on texts."""
    return looser_note_stream(_as_stream(actual), expected, used)
