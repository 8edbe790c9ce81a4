"""The paper's metrics over K sampled drafts per problem, as pure functions.

- pass@1: the share of drafts that pass the hidden tests, averaged over problems.
- pass@k: the unbiased estimator of Chen et al. 2021, 1 - C(n-c, k) / C(n, k) per problem (n drafts,
  c of them right), averaged over problems.
- select@k: the pass rate of the one draft a selection rule picks among k drafts, averaged over every
  k-subset of a problem's drafts (a fixed random sample of them when there are too many), then over
  problems. Two rules side by side:
  - "paper": among the drafts the critic judged right, the one with the shortest critique (ties and
    "none judged right" count as a uniform random pick among the tied, or among all k);
  - "ocr": ocr's own ranking of the drafts (tests passed, then the critic's p(right)), recorded per
    draft as `ocr_rank` when the solve ran.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: More k-subsets than this per problem are sampled (seeded) instead of enumerated.
MAX_SUBSETS = 5000


@dataclass(frozen=True)
class Draft:
    """One sampled draft as the metrics see it."""

    passes: bool  # passes every hidden test
    critic: str | None = None  # "right" | "wrong" | None (no critique or no verdict)
    critique_tokens: int | None = None  # length of the critique (the paper's tie-breaker)
    ocr_rank: int = 0  # 0 is ocr's favourite among all drafts of the problem


SelectionValue = Callable[[Sequence[Draft]], float]


def pass_at_k(n: int, c: int, k: int) -> float:
    """Chen et al.'s unbiased estimate of the chance that k of n drafts (c right) include a right one."""
    if not 0 <= c <= n or not 0 < k <= n:
        raise ValueError(f"pass@k needs 0 <= c <= n and 0 < k <= n (n={n}, c={c}, k={k})")
    if n - c < k:
        return 1.0
    return 1.0 - math.prod(1.0 - k / i for i in range(n - c + 1, n + 1))


def paper_pick_value(subset: Sequence[Draft]) -> float:
    """The expected pass of the paper's pick: the shortest critique among drafts judged right."""
    judged_right = [d for d in subset if d.critic == "right"]
    if not judged_right:
        pool: Sequence[Draft] = subset
    else:
        shortest = min(d.critique_tokens if d.critique_tokens is not None else math.inf for d in judged_right)
        pool = [d for d in judged_right
                if (d.critique_tokens if d.critique_tokens is not None else math.inf) == shortest]
    return sum(d.passes for d in pool) / len(pool) if pool else 0.0


def ocr_pick_value(subset: Sequence[Draft]) -> float:
    """Whether ocr's favourite of the subset passes."""
    return float(min(subset, key=lambda d: d.ocr_rank).passes) if subset else 0.0


SELECTION_RULES: dict[str, SelectionValue] = {"paper": paper_pick_value, "ocr": ocr_pick_value}


def select_at_k(drafts: Sequence[Draft], k: int, value: SelectionValue, *, seed: int = 0,
                max_subsets: int = MAX_SUBSETS) -> float:
    """The mean of `value` over the k-subsets of `drafts` (exact, or `max_subsets` seeded samples)."""
    n = len(drafts)
    if not 0 < k <= n:
        raise ValueError(f"select@k needs 0 < k <= n (n={n}, k={k})")
    if math.comb(n, k) <= max_subsets:
        subsets: Iterable[tuple[int, ...]] = itertools.combinations(range(n), k)
    else:
        rng = random.Random(seed)
        subsets = (tuple(sorted(rng.sample(range(n), k))) for _ in range(max_subsets))
    values = [value([drafts[i] for i in subset]) for subset in subsets]
    return sum(values) / len(values)


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def sample_metrics(problems: Sequence[Sequence[Draft]], ks: Sequence[int]) -> dict[str, Any]:
    """pass@1, pass@k and select@k (both rules) over problems, each a list of its drafts.

    A k larger than some problem's number of drafts gets None (as LiveCodeBench leaves it out).
    Problems without drafts do not count.
    """
    problems = [list(p) for p in problems if p]
    counts = [(len(p), sum(d.passes for d in p)) for p in problems]
    fewest = min((n for n, _ in counts), default=0)
    result: dict[str, Any] = {
        "problems": len(problems),
        "drafts": sum(n for n, _ in counts),
        "pass@1": _mean([c / n for n, c in counts]),
        "pass@k": {},
        "select@k": {rule: {} for rule in SELECTION_RULES},
    }
    for k in ks:
        enough = 0 < k <= fewest
        result["pass@k"][str(k)] = _mean([pass_at_k(n, c, k) for n, c in counts]) if enough else None
        for rule, value in SELECTION_RULES.items():
            result["select@k"][rule][str(k)] = (
                _mean([select_at_k(p, k, value) for p in problems]) if enough else None)
    return result


def breakdown(problems: Mapping[str, Sequence[Draft]], tags: Mapping[str, Mapping[str, str]],
              ks: Sequence[int], by: Sequence[str] = ("difficulty", "platform")) -> dict[str, Any]:
    """`sample_metrics` over all problems and per value of each tag in `by` (problem key → tags)."""
    out: dict[str, Any] = {"all": sample_metrics(list(problems.values()), ks)}
    for name in by:
        values = sorted({tags.get(key, {}).get(name, "") for key in problems} - {""})
        out[name] = {value: sample_metrics([d for key, d in problems.items()
                                            if tags.get(key, {}).get(name) == value], ks)
                     for value in values}
    return out
