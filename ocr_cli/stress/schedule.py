"""Which (seed, size) each stress run uses: sizes grow from 1 so the first failure found is small.

With a sized generator, sizes ramp 1, 2, ... up to `max_size`, `RUNS_PER_SIZE` runs each; then the
size doubles (2×, 4×, ... `max_size`) for `max_size * RUNS_PER_SIZE` runs a step while the count
lasts. Without a size, runs only differ by seed. After a failure, `shrink_plan` retries the smaller
sizes with fresh seeds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

RUNS_PER_SIZE = 3
DEFAULT_MAX_SIZE = 10


@dataclass(frozen=True)
class RunPlan:
    """One run: the generator's seed, and its size (None when the generator takes none)."""

    seed: int
    size: int | None


def sizes(max_size: int) -> Iterator[int]:
    """The endless size sequence of a sized generator (see the module docstring)."""
    for size in range(1, max_size + 1):
        for _ in range(RUNS_PER_SIZE):
            yield size
    size = max_size
    while True:
        size *= 2
        for _ in range(max_size * RUNS_PER_SIZE):
            yield size


def plan_runs(start_seed: int, sized: bool, max_size: int = DEFAULT_MAX_SIZE) -> Iterator[RunPlan]:
    """Runs with seeds start_seed, start_seed + 1, ...; endless (the caller stops on count or time)."""
    seed = start_seed
    if not sized:
        while True:
            yield RunPlan(seed, None)
            seed += 1
    for size in sizes(max(1, max_size)):
        yield RunPlan(seed, size)
        seed += 1


def shrink_plan(first_seed: int, failed_size: int | None, budget: int) -> list[RunPlan]:
    """Runs that look for a smaller failure after one at `failed_size`: smaller sizes first, evenly
    spread over the budget, with seeds from `first_seed` on; for an unsized generator, `budget` more
    runs (the shortest failing input among them wins)."""
    if budget <= 0:
        return []
    if failed_size is None:
        return [RunPlan(first_seed + i, None) for i in range(budget)]
    if failed_size <= 1:
        return []
    smaller = list(range(1, failed_size))
    each = max(RUNS_PER_SIZE, budget // len(smaller))
    plans: list[RunPlan] = []
    seed = first_seed
    for size in smaller:
        for _ in range(each):
            if len(plans) >= budget:
                return plans
            plans.append(RunPlan(seed, size))
            seed += 1
    return plans
