"""Model-free inputs: the sample inputs with their numbers varied and their shape kept.

Token for token, whitespace for whitespace: integers stay integers and decimals keep their digits
after the point; words are kept. Numbers that describe the shape (a count equal to the tokens of the
next line, or to the lines that follow, or dividing them evenly) are kept too, so the input still
parses. New values stay within the bounds the statement states for a value (`1 ≤ n ≤ 10^5`) and small
(at most twice the sample's, at least 10), so a brute force could still answer them.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ocr_cli.problem.types import TestCase

_TOKEN = re.compile(r"\s+|\S+")
_INT = re.compile(r"-?\d+")
_DECIMAL = re.compile(r"-?\d+\.(\d+)")
_NUMBER = (r"(-?\s*(?:\d+(?:\.\d+)?\s*(?:\*|×|\\times|\\cdot|·)\s*)?10\s*\^\s*\{?\s*\d+\s*\}?"
           r"|-?\d+e\d+|-?\s*\d+(?:[.,]\d+)?)")
_LE = r"\s*(?:≤|<=|\\le(?:q)?|⩽|=<)\s*"
_BOUND = re.compile(_NUMBER + _LE + r"[^≤<\n]{1,40}?" + _LE + _NUMBER)


@dataclass(frozen=True)
class Bound:
    """An inclusive range a value of the statement lies in."""

    low: float
    high: float

    @property
    def width(self) -> float:
        return self.high - self.low


def _number(text: str) -> float | None:
    text = re.sub(r"\s+|[{}]", "", text).replace(",", "")
    if m := re.fullmatch(r"(-?)10\^(\d+)", text):
        return (-1 if m.group(1) else 1) * 10.0 ** int(m.group(2))
    if m := re.fullmatch(r"(-?[\d.]+)(?:\*|×|\\times|\\cdot|·)10\^(\d+)", text):
        return float(m.group(1)) * 10.0 ** int(m.group(2))
    try:
        return float(text)
    except ValueError:
        return None


def statement_bounds(statement: str) -> list[Bound]:
    """Every `LOW ≤ something ≤ HIGH` the statement states."""
    found = []
    for match in _BOUND.finditer(statement):
        low, high = _number(match.group(1)), _number(match.group(2))
        if low is not None and high is not None and low <= high:
            found.append(Bound(low, high))
    return found


def _structural(lines: list[list[str]]) -> set[tuple[int, int]]:
    """(line, token) positions of integers that count what follows, which varying would break."""
    keep: set[tuple[int, int]] = set()
    for row, tokens in enumerate(lines):
        after = [t for t in lines[row + 1:] if t]
        for col, token in enumerate(tokens):
            if not _INT.fullmatch(token):
                continue
            value = int(token)
            if value <= 0:
                continue
            next_len = len(after[0]) if after else -1
            same_line_rest = len(tokens) - col - 1
            if value in (next_len, len(after), same_line_rest) or (after and len(after) % value == 0
                                                                    and row == 0 and col == 0):
                keep.add((row, col))
    return keep


def _range_for(value: float, bounds: Sequence[Bound]) -> tuple[float, float]:
    small_high = max(10.0, 2 * abs(value))
    fitting = [b for b in bounds if b.low <= value <= b.high]
    if fitting:
        bound = min(fitting, key=lambda b: b.width)
        return bound.low, min(bound.high, small_high)
    if value >= 1:
        return 1.0, small_high
    if value >= 0:
        return 0.0, small_high
    return -small_high, small_high


def vary_input(text: str, bounds: Sequence[Bound], rng: random.Random) -> str:
    """One variation of an input (see the module docstring)."""
    lines = [line.split() for line in text.split("\n")]
    keep = _structural(lines)
    out: list[str] = []
    for row, line in enumerate(text.split("\n")):
        col = 0
        pieces = []
        for piece in _TOKEN.findall(line):
            if piece.isspace():
                pieces.append(piece)
                continue
            pieces.append(piece if (row, col) in keep else _vary_token(piece, bounds, rng))
            col += 1
        out.append("".join(pieces))
    return "\n".join(out)


def _vary_token(token: str, bounds: Sequence[Bound], rng: random.Random) -> str:
    if _INT.fullmatch(token):
        low, high = _range_for(int(token), bounds)
        lo, hi = int(low) if low == int(low) else int(low) + 1, int(high)
        return str(rng.randint(lo, hi)) if lo <= hi else token
    if m := _DECIMAL.fullmatch(token):
        low, high = _range_for(float(token), bounds)
        return f"{rng.uniform(low, high):.{len(m.group(1))}f}" if low <= high else token
    return token


def sample_shaped_inputs(samples: Sequence[TestCase], statement: str, count: int,
                         seed: int = 0) -> list[str]:
    """Up to `count` new inputs shaped like the samples' (none when the samples have no numbers to
    vary); sample inputs themselves and repeats are left out."""
    if not samples or count <= 0:
        return []
    rng = random.Random(seed)
    bounds = statement_bounds(statement)
    seen = {s.input for s in samples}
    made: list[str] = []
    for attempt in range(count * 4):
        text = vary_input(samples[attempt % len(samples)].input, bounds, rng)
        if text not in seen:
            seen.add(text)
            made.append(text)
            if len(made) >= count:
                break
    return made
