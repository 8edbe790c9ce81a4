"""Bench results as data: one record per problem × strategy × language, their summary, and the JSON file.

The JSON file is rewritten (atomically) after every finished run, so an interrupted bench loses at
most the run in progress, and `--resume` continues from it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from ocr_cli.bench.metrics import Draft, breakdown
from ocr_cli.errors import ConfigError

FORMAT = "ocr-bench/1"
RunStatus = Literal["solved", "failed", "skipped", "error"]
RunKey = tuple[str, str, str]  # (problem, strategy, language)


@dataclass
class CriticCounts:
    """The critic's verdicts on candidates against their outcome on the hidden tests.

    Positive means the critic said "right"; the truth is whether the candidate passed every hidden
    test. A critic that accepts wrong code (false positive) lowers precision.
    """

    true_positive: int = 0  # said right, passes
    false_positive: int = 0  # said right, fails
    false_negative: int = 0  # said wrong, passes
    true_negative: int = 0  # said wrong, fails
    no_verdict: int = 0  # the critique gave no verdict

    def add(self, said_right: bool | None, passes: bool) -> None:
        """Count one critiqued candidate (`said_right` None: no verdict)."""
        if said_right is None:
            self.no_verdict += 1
        elif said_right and passes:
            self.true_positive += 1
        elif said_right:
            self.false_positive += 1
        elif passes:
            self.false_negative += 1
        else:
            self.true_negative += 1

    def merge(self, other: CriticCounts) -> None:
        for name in _COUNT_FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def judged(self) -> int:
        """Candidates that got a verdict."""
        return self.true_positive + self.false_positive + self.false_negative + self.true_negative

    @property
    def precision(self) -> float | None:
        """Of the candidates called right, the share that pass the hidden tests."""
        said_right = self.true_positive + self.false_positive
        return self.true_positive / said_right if said_right else None

    @property
    def recall(self) -> float | None:
        """Of the candidates that pass the hidden tests, the share called right."""
        passing = self.true_positive + self.false_negative
        return self.true_positive / passing if passing else None


_COUNT_FIELDS = [f.name for f in dataclasses.fields(CriticCounts)]


@dataclass
class DraftRecord:
    """One first-round draft of a run, for the sampling metrics (`--samples`)."""

    id: str
    passes: bool  # passes every hidden test (and sample)
    visible_passed: int = 0  # samples passed during the solve
    critic: str | None = None  # the critic's verdict ("right" | "wrong"), None: none or not asked
    critique_tokens: int | None = None
    p_right: float | None = None
    critiqued_by: str | None = None  # "solve" (ocr asked the critic) | "bench" (asked for the paper's rule)
    ocr_rank: int = 0  # position in ocr's own ranking of the drafts, 0 first

    def metric(self) -> Draft:
        return Draft(passes=self.passes, critic=self.critic, critique_tokens=self.critique_tokens,
                     ocr_rank=self.ocr_rank)


@dataclass
class RunRecord:
    """The outcome of one problem solved with one strategy in one language."""

    problem: str
    strategy: str
    language: str
    status: RunStatus
    reason: str | None = None  # why skipped, the error, or the solve's stop reason
    solve_status: str | None = None  # SolveResult.status
    final_verdict: str | None = None  # the judge's verdict of the final code on hidden tests + samples
    tests_passed: int = 0
    tests_total: int = 0
    hidden_tests: int = 0
    generated_tokens: int = 0
    prompt_tokens: int = 0
    elapsed_s: float = 0.0
    rounds: int = 0
    candidates: int = 0
    checker: bool = False
    critic: CriticCounts = field(default_factory=CriticCounts)
    tags: dict[str, str] = field(default_factory=dict)  # difficulty, platform, contest_date
    drafts: list[DraftRecord] = field(default_factory=list)  # with --samples: every first-round draft
    #: With --samples: what critiquing the drafts ocr did not ask about cost (not in the solve's
    #: generated_tokens / elapsed_s, which are what ocr itself spent).
    extra_critique_tokens: int = 0
    extra_critique_s: float = 0.0

    @property
    def key(self) -> RunKey:
        return (self.problem, self.strategy, self.language)

    @property
    def solved(self) -> bool:
        return self.status == "solved"

    @property
    def accepted(self) -> bool:
        """ocr accepted its answer (tests and critic): what a user would have submitted with trust."""
        return self.solve_status == "accepted"

    @property
    def accepted_but_wrong(self) -> bool:
        """Accepted, yet the answer fails a hidden test: the failure a user cannot see coming."""
        return self.accepted and self.status == "failed"

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["solved"] = self.solved
        data["accepted_but_wrong"] = self.accepted_but_wrong
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RunRecord:
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["critic"] = CriticCounts(**{k: int(v) for k, v in dict(data.get("critic") or {}).items()
                                           if k in _COUNT_FIELDS})
        draft_names = {f.name for f in dataclasses.fields(DraftRecord)}
        values["drafts"] = [DraftRecord(**{k: v for k, v in dict(item).items() if k in draft_names})
                            for item in data.get("drafts") or []]
        values["tags"] = {str(k): str(v) for k, v in dict(data.get("tags") or {}).items()}
        return cls(**values)


@dataclass(frozen=True)
class GroupSummary:
    """Totals for one strategy × language (or everything, with both "all")."""

    strategy: str
    language: str
    attempted: int  # runs that were solved or failed (not skipped, not errors)
    solved: int  # the final answer passes every hidden test
    accepted: int  # ocr accepted its answer (tests and critic agreed)
    accepted_but_wrong: int  # accepted, yet failing a hidden test
    skipped: int
    errors: int
    generated_tokens: int
    elapsed_s: float
    rounds: int
    critic: CriticCounts

    @property
    def pass_rate(self) -> float | None:
        """Solved / attempted: one final answer per problem, so not the paper's pass@1 (an average
        over K samples, see `--samples`)."""
        return self.solved / self.attempted if self.attempted else None

    @property
    def tokens_per_problem(self) -> float | None:
        return self.generated_tokens / self.attempted if self.attempted else None

    @property
    def mean_rounds(self) -> float | None:
        return self.rounds / self.attempted if self.attempted else None

    def to_json(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "language": self.language,
            "attempted": self.attempted,
            "solved": self.solved,
            "pass_rate": self.pass_rate,
            "accepted": self.accepted,
            "accepted_but_wrong": self.accepted_but_wrong,
            "skipped": self.skipped,
            "errors": self.errors,
            "generated_tokens": self.generated_tokens,
            "tokens_per_problem": self.tokens_per_problem,
            "elapsed_s": round(self.elapsed_s, 3),
            "mean_rounds": self.mean_rounds,
            "critic": {**dataclasses.asdict(self.critic), "precision": self.critic.precision,
                       "recall": self.critic.recall},
        }


def summarize(records: Iterable[RunRecord], strategy: str = "all", language: str = "all") -> GroupSummary:
    """Totals over the records of one strategy and language ("all" matches every one)."""
    chosen = [r for r in records
              if strategy in ("all", r.strategy) and language in ("all", r.language)]
    attempted = [r for r in chosen if r.status in ("solved", "failed")]
    critic = CriticCounts()
    for record in attempted:
        critic.merge(record.critic)
    return GroupSummary(
        strategy=strategy,
        language=language,
        attempted=len(attempted),
        solved=sum(1 for r in attempted if r.solved),
        accepted=sum(1 for r in attempted if r.accepted),
        accepted_but_wrong=sum(1 for r in attempted if r.accepted_but_wrong),
        skipped=sum(1 for r in chosen if r.status == "skipped"),
        errors=sum(1 for r in chosen if r.status == "error"),
        generated_tokens=sum(r.generated_tokens for r in attempted),
        elapsed_s=sum(r.elapsed_s for r in attempted),
        rounds=sum(r.rounds for r in attempted),
        critic=critic,
    )


@dataclass
class BenchReport:
    """A bench run: what was asked (`config`) and every finished record, in order of finishing."""

    config: dict[str, Any]
    records: list[RunRecord] = field(default_factory=list)
    created: str = field(default_factory=lambda: _now())

    def done_keys(self) -> set[RunKey]:
        """Runs that need not be redone on resume (errors are retried)."""
        return {r.key for r in self.records if r.status != "error"}

    def add(self, record: RunRecord) -> None:
        """Add a record, replacing an earlier one of the same key (a retried error)."""
        self.records = [r for r in self.records if r.key != record.key]
        self.records.append(record)

    def groups(self) -> list[GroupSummary]:
        """One summary per strategy × language present, in the configured order."""
        strategies = list(self.config.get("strategies") or sorted({r.strategy for r in self.records}))
        languages = list(self.config.get("languages") or sorted({r.language for r in self.records}))
        return [summarize(self.records, s, lang) for s in strategies for lang in languages]

    def sampling(self) -> list[dict[str, Any]]:
        """With `--samples`: pass@1, pass@k and select@k per strategy × language, broken down by
        difficulty and platform (groups without drafts are left out)."""
        ks = [int(k) for k in self.config.get("k") or [1]]
        out = []
        for group in self.groups():
            runs = [r for r in self.records if r.drafts and r.status in ("solved", "failed")
                    and r.strategy == group.strategy and r.language == group.language]
            if runs:
                drafts = {r.problem: [d.metric() for d in r.drafts] for r in runs}
                metrics = breakdown(drafts, {r.problem: r.tags for r in runs}, ks)
                out.append({"strategy": group.strategy, "language": group.language, **metrics})
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "created": self.created,
            "updated": _now(),
            "config": self.config,
            "summary": {
                "overall": summarize(self.records).to_json(),
                "groups": [g.to_json() for g in self.groups()],
                "sampling": self.sampling(),
            },
            "runs": [r.to_json() for r in self.records],
        }

    def write(self, path: Path) -> None:
        """Write the JSON atomically (a crash mid-write leaves the previous file intact)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                json.dump(self.to_json(), file, indent=2)
                file.write("\n")
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def read(cls, path: Path) -> BenchReport:
        """Read a results file written by `write`."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError("no results file to resume", path=path) from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ConfigError(f"not a readable bench results file: {exc}", path=path) from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ConfigError(f"not an {FORMAT} results file", path=path)
        try:
            records = [RunRecord.from_json(item) for item in data.get("runs", [])]
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"corrupt run record: {exc}", path=path) from None
        return cls(config=dict(data.get("config") or {}), records=records,
                   created=str(data.get("created") or _now()))


#: Config keys that must agree for `--resume` to mix old and new records.
RESUME_KEYS = ("model", "critic", "no_critic", "n", "rounds", "max_tokens", "token_budget", "time_budget",
               "seed", "samples")


def check_resumable(previous: Mapping[str, Any], current: Mapping[str, Any], path: Path) -> None:
    """Refuse to resume a results file made with other models or budgets."""
    differing = [key for key in RESUME_KEYS if previous.get(key) != current.get(key)]
    if differing:
        detail = ", ".join(f"{k}: {previous.get(k)!r} then, {current.get(k)!r} now" for k in differing)
        raise ConfigError(f"cannot resume: settings differ ({detail})", path=path,
                          hint="use the same flags, or write to a new file with -o")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
