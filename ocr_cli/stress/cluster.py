"""Comparing programs by their outputs on the same inputs: clusters of agreement, and programs whose
output never changes when the input does (they print a hard-coded answer)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

#: An output as compared: its whitespace-separated tokens; None when the run failed.
Normalized = tuple[str, ...] | None
MIN_INPUTS_FOR_HARD_CODED = 3


def normalize(output: str | None) -> Normalized:
    return tuple(output.split()) if output is not None else None


def clusters(outputs: Mapping[str, Sequence[str | None]]) -> list[list[str]]:
    """Program ids grouped by identical outputs (token-wise) on every input, largest group first;
    a program with a failed run (None) agrees with nobody."""
    groups: dict[tuple[Normalized, ...], list[str]] = {}
    alone: list[list[str]] = []
    for name, row in outputs.items():
        key = tuple(normalize(out) for out in row)
        if any(k is None for k in key):
            alone.append([name])
        else:
            groups.setdefault(key, []).append(name)
    return sorted(groups.values(), key=len, reverse=True) + alone


def cluster_sizes(outputs: Mapping[str, Sequence[str | None]]) -> dict[str, int]:
    """For each program, how many programs (itself included) agree with it on every input."""
    return {name: len(group) for group in clusters(outputs) for name in group}


def constant_output(inputs: Sequence[str], outputs: Sequence[str | None]) -> bool:
    """Whether a program printed the same thing for at least MIN_INPUTS_FOR_HARD_CODED different
    inputs (every run finished and printed something)."""
    if len({normalize(i) for i in inputs}) < MIN_INPUTS_FOR_HARD_CODED:
        return False
    normalized = [normalize(out) for out in outputs]
    if any(out is None or not out for out in normalized):
        return False
    return len(set(normalized)) == 1
