"""What differential testing works with and reports: programs as it needs them, runs, failures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from ocr_cli.judge.types import CaseResult, Verdict
from ocr_cli.problem.types import TestCase

StressStatus = Literal["passed", "failed", "broken", "cancelled"]
ToolName = Literal["generator", "brute"]


@dataclass(frozen=True)
class ToolRun:
    """One run of a generator or a brute force: its output, or what went wrong."""

    stdout: str
    problem: str = ""  # "" when it ran fine; else e.g. "crashed (exit code 1): …", "printed nothing"

    @property
    def ok(self) -> bool:
        return not self.problem


class Tool(Protocol):
    """A trusted program run in the sandbox (a brute force): stdin in, output out."""

    def run(self, stdin: str, args: Sequence[str] = ()) -> ToolRun: ...


class InputGenerator(Protocol):
    """Prints one test input for a seed (and a size when `sized`)."""

    sized: bool

    def make(self, seed: int, size: int | None) -> ToolRun: ...


class Subject(Protocol):
    """The program under test: judged on a case, or just run for its output."""

    def judge(self, test: TestCase) -> CaseResult | None: ...  # None: cancelled

    def run(self, stdin: str, args: Sequence[str] = ()) -> ToolRun: ...


@dataclass(frozen=True)
class Failure:
    """An input on which the solution disagrees with the brute force."""

    seed: int
    size: int | None
    input: str
    expected: str
    got: str
    verdict: Verdict
    message: str = ""

    def to_json(self) -> dict[str, object]:
        return {"seed": self.seed, "size": self.size, "input": self.input, "expected": self.expected,
                "got": self.got, "verdict": self.verdict.value, "message": self.message}


@dataclass(frozen=True)
class ToolFailure:
    """A generator or brute force that failed: stress testing cannot go on (never the solution's
    fault)."""

    tool: ToolName
    seed: int
    size: int | None
    message: str
    input: str | None = None  # the input the brute failed on

    def describe(self) -> str:
        size = f", size {self.size}" if self.size is not None else ""
        return f"the {self.tool} failed on seed {self.seed}{size}: {self.message}"


@dataclass(frozen=True)
class StressResult:
    """The outcome of `ocr stress`: passed, failed (smallest failure first), broken tool, cancelled."""

    status: StressStatus
    runs: int
    seconds: float
    failure: Failure | None = None  # the smallest failing input found
    failures: tuple[Failure, ...] = field(default_factory=tuple)
    broken: ToolFailure | None = None

    def to_json(self) -> dict[str, object]:
        return {"status": self.status, "runs": self.runs, "seconds": round(self.seconds, 3),
                "failure": self.failure.to_json() if self.failure else None,
                "failures": [f.to_json() for f in self.failures],
                "broken": ({"tool": self.broken.tool, "seed": self.broken.seed, "size": self.broken.size,
                            "message": self.broken.message} if self.broken else None)}
