"""The paper's metrics over K sampled drafts per problem, as pure functions.

- pass@1: the share of drafts that pass the hidden tests, averaged over problems.
- pass@k: the unbiased estimator of Chen et al. 2021, 1 - C(n-c, k) / C(n, k) per problem (n drafts,
  c of them right), averaged over problems.
- select@k: the pass rate of the one draft a selection rule picks among k drafts, averaged over every
  k-subset of a problem's drafts (exactly, in closed form), then over problems. Two rules side by side:
  - "paper": among the drafts the critic judged right, the one with the shortest critique (ties and
    "none judged right" count as a uniform random pick among the tied, or among all k);
  - "ocr": ocr's own ranking of the drafts (tests passed, then the critic's p(right)), recorded per
    draft as `ocr_rank` when the solve ran.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Draft:
    """One sampled draft as the metrics see it."""

    passes: bool  # passes every hidden test
    critic: str | None = None  # "right" | "wrong" | None (no critique or no verdict)
    critique_tokens: int | None = None  # length of the critique (the paper's tie-breaker)
    ocr_rank: int = 0  # 0 is ocr's favourite among all drafts of the problem


def pass_at_k(n: int, c: int, k: int) -> float:
    """Chen et al.'s unbiased estimate of the chance that k of n drafts (c right) include a right one."""
    if not 0 <= c <= n or not 0 < k <= n:
        raise ValueError(f"pass@k needs 0 <= c <= n and 0 < k <= n (n={n}, c={c}, k={k})")
    if n - c < k:
        return 1.0
    return 1.0 - math.prod(1.0 - k / i for i in range(n - c + 1, n + 1))


def _critique_length(draft: Draft) -> float:
    return draft.critique_tokens if draft.critique_tokens is not None else math.inf


def paper_pick_value(subset: Sequence[Draft]) -> float:
    """The expected pass of the paper's pick in `subset`: the shortest critique among drafts judged
    right (a tie, or no draft judged right, is a uniform random pick among the tied or all)."""
    judged_right = [d for d in subset if d.critic == "right"]
    if not judged_right:
        pool: Sequence[Draft] = subset
    else:
        shortest = min(_critique_length(d) for d in judged_right)
        pool = [d for d in judged_right if _critique_length(d) == shortest]
    return sum(d.passes for d in pool) / len(pool) if pool else 0.0


def ocr_pick_value(subset: Sequence[Draft]) -> float:
    """Whether ocr's favourite of `subset` passes."""
    return float(min(subset, key=lambda d: d.ocr_rank).passes) if subset else 0.0


def _preferred_tiers(drafts: Sequence[Draft], rule: str) -> tuple[list[list[Draft]], list[Draft]]:
    """The drafts in tiers of the rule's preference (best first; within a tier a uniform pick), and
    those it picks from uniformly only when a subset holds no tiered draft."""
    if rule == "ocr":
        return [[d] for d in sorted(drafts, key=lambda d: d.ocr_rank)], []
    if rule != "paper":
        raise ValueError(f"unknown selection rule {rule!r}")
    judged_right = sorted((d for d in drafts if d.critic == "right"), key=_critique_length)
    tiers = [list(tier) for _, tier in itertools.groupby(judged_right, key=_critique_length)]
    return tiers, [d for d in drafts if d.critic != "right"]


def select_at_k(drafts: Sequence[Draft], k: int, rule: str) -> float:
    """The mean, over all k-subsets of `drafts`, of the rule's pick ("paper" or "ocr") passing.

    Exact without enumerating: a tier supplies the pick when the subset holds none of the better
    tiers and some of it, which C(n - better, k) - C(n - better - size, k) of the C(n, k) subsets do;
    by symmetry the pick inside the tier passes with the tier's mean pass rate.
    """
    n = len(drafts)
    if not 0 < k <= n:
        raise ValueError(f"select@k needs 0 < k <= n (n={n}, k={k})")
    tiers, fallback = _preferred_tiers(drafts, rule)
    subsets = math.comb(n, k)
    value, better = 0.0, 0
    for tier in tiers:
        share = (math.comb(n - better, k) - math.comb(n - better - len(tier), k)) / subsets
        value += share * sum(d.passes for d in tier) / len(tier)
        better += len(tier)
    if fallback:
        value += math.comb(n - better, k) / subsets * sum(d.passes for d in fallback) / len(fallback)
    return value


SELECTION_RULES = ("paper", "ocr")


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
        for rule in SELECTION_RULES:
            result["select@k"][rule][str(k)] = (
                _mean([select_at_k(p, k, rule) for p in problems]) if enough else None)
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
