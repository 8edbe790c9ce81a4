"""Generated tests inside the solve loop: a model-written brute force and input generator, and
model-free inputs shaped like the samples, run on every candidate that passes the local tests.

Against a brute force that passes the samples, a candidate's wrong output on a generated input is a
failing test: it joins the local tests and goes to the reviser like a failing sample. Without one,
candidates are compared with each other (clusters of identical outputs), and one whose output never
changes when the input does is flagged as hard-coded. `GeneratedCheck` (on each candidate) feeds
acceptance and ranking. The differential-testing pieces come from `ocr_cli.stress`.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from ocr_cli.code.extract import extract_code
from ocr_cli.engines.base import Engine, GenerationRequest, GenerationResult, SamplingParams
from ocr_cli.errors import EngineError, JudgeError
from ocr_cli.judge.program import Program
from ocr_cli.judge.types import CaseResult, JudgeReport, Verdict
from ocr_cli.language import Language
from ocr_cli.problem.types import Problem, TestCase
from ocr_cli.prompts import brute_messages, input_generator_messages
from ocr_cli.solve import events as ev
from ocr_cli.solve.budget import Budget
from ocr_cli.solve.ranking import Candidate
from ocr_cli.solve.types import GeneratedCheck, SolveSettings, StressSummary
from ocr_cli.stress.cluster import cluster_sizes, constant_output, normalize
from ocr_cli.stress.mutate import sample_shaped_inputs
from ocr_cli.stress.programs import describe_failure

GENERATOR_SEEDS = 10  # inputs asked of the generator
SHAPED_INPUTS = 8  # model-free inputs made from the samples
TOOL_ATTEMPTS = 2  # a brute force or generator that fails its check is asked again once, then dropped
TOOLS = ("brute", "generator")

Events = Generator[ev.SolveEvent, None, None]


@runtime_checkable
class ProgramJudge(Protocol):
    """What generated tests need of `ocr_cli.judge.runner.Judge`."""

    def run(self, source: str, language: Language, tests: Sequence[TestCase], *,
            cancel: threading.Event | None = None) -> JudgeReport: ...

    def program(self, source: str, language: Language) -> Program: ...


@dataclass(frozen=True)
class LoopAccess:
    """The solver's services generated tests use: model calls and work on its worker thread (both
    yield the solver's events), the token budget, and whether to stop."""

    generate: Callable[[list[GenerationRequest], list[str]],
                       Generator[ev.SolveEvent, None, list[GenerationResult]]]
    in_worker: Callable[[Callable[[], Any]], Generator[ev.SolveEvent, None, Any]]
    spend: Callable[[GenerationResult], None]
    sampling: Callable[[int], list[SamplingParams] | None]  # None: no tokens left
    stopped: Callable[[], bool]
    cancel: threading.Event


class _SolverInternals(Protocol):
    generator: Engine
    settings: SolveSettings
    _budget: Budget

    def _generate(self, engine: Engine, requests: list[GenerationRequest], ids: list[str],
                  phase: str) -> Generator[ev.SolveEvent, None, list[GenerationResult]]: ...

    def _stream(self, work: Callable[[Callable[[ev.SolveEvent], None]], Any],
                ) -> Generator[ev.SolveEvent, None, Any]: ...

    def next_seed(self) -> int: ...

    def _stop_reason(self) -> str | None: ...


def loop_access(solver: _SolverInternals) -> LoopAccess:
    """The services of a `Solver` for generated tests."""
    budget = solver._budget

    def sampling(count: int) -> list[SamplingParams] | None:
        max_tokens = budget.max_tokens_each(solver.settings.max_tokens, count)
        if max_tokens <= 0:
            return None
        return [solver.settings.sampling(max_tokens, solver.next_seed()) for _ in range(count)]

    return LoopAccess(
        generate=lambda requests, ids: solver._generate(solver.generator, requests, ids, "stress"),
        in_worker=lambda work: solver._stream(lambda emit: work()),
        spend=lambda result: budget.spend(result.completion_tokens, result.prompt_tokens),
        sampling=sampling,
        stopped=lambda: solver._stop_reason() in ("time", "cancelled"),
        cancel=budget.cancel)


def _ran(case: CaseResult) -> bool:
    """Whether a program ran cleanly on a case judged against no real answer: AC or WA, or IE from a
    checker that could not read the empty answer (it printed something)."""
    return case.verdict in (Verdict.AC, Verdict.WA) or (case.verdict is Verdict.IE and bool(case.actual))


def merged(report: JudgeReport, case: CaseResult) -> JudgeReport:
    """`report` with one more case (its verdict the worse of the two)."""
    verdict = max(report.verdict, case.verdict, key=lambda v: v.priority)
    return dataclasses.replace(report, verdict=verdict, cases=(*report.cases, case))


class GeneratedTests:
    """The generated tests of one solve (see the module docstring)."""

    def __init__(self, judge: ProgramJudge, settings: SolveSettings, loop: LoopAccess) -> None:
        self.judge = judge
        self.settings = settings
        self.loop = loop
        self.prepared = False
        self.brute: str | None = None
        self.generator: str | None = None
        self.inputs: list[str] = []  # from the generator
        self.expected: list[str] = []  # the brute's answers to `inputs` ([] without a brute)
        self.shaped: list[str] = []  # model-free, from the samples
        self.notes: list[str] = []
        self._outputs: dict[str, list[str | None]] = {}  # candidate -> outputs on inputs + shaped
        self._cases: dict[str, list[CaseResult]] = {}  # candidate -> brute-checked cases on inputs
        self._added: dict[int, TestCase] = {}  # input index -> the local test it became
        self._mismatches = 0
        self._brute_varies = False  # the brute's answers differ between inputs (`_answer_shaped`)
        self._eliminated: list[str] = []
        self._example: dict[str, tuple[str, str]] = {}  # hard-coded candidate -> (input, its output)

    # ---- public -----------------------------------------------------------------------------------

    def summary(self) -> StressSummary:
        return StressSummary(brute=self.brute is not None, generator=self.generator is not None,
                             generated_tests=len(self.inputs) + len(self.shaped),
                             mismatches=self._mismatches, eliminated=tuple(self._eliminated),
                             notes=tuple(self.notes))

    def feedback(self, candidate: Candidate) -> str | None:
        """What the reviser is told of a hard-coded candidate (a brute-checked failure is a failing
        test in its report and told as such)."""
        check = candidate.generated
        if check is None or not check.hard_coded or candidate.id not in self._example:
            return None
        given, printed = self._example[candidate.id]
        return ("It passes the given tests, but it prints the same output whatever the input, as if the "
                "answers of the examples were written into the code. For the input:\n"
                f"{given.rstrip()}\nit prints:\n{printed.rstrip() or '(nothing)'}\n"
                "Compute the answer from the input as the problem describes.")

    def check(self, problem: Problem, tests: Sequence[TestCase], fresh: Sequence[Candidate],
              candidates: Sequence[Candidate]) -> Generator[ev.SolveEvent, None, list[TestCase]]:
        """Run the fresh candidates that pass `tests` on the generated inputs (asking the model for a
        brute force and generator the first time); the generated tests that join the local tests."""
        passing = [c for c in fresh if c.passes_all(len(tests)) and c.code is not None]
        if not passing:
            return []
        if not self.prepared:
            yield from self._prepare(problem, tests)
        if not self.inputs and not self.shaped:
            return []
        checked: list[Candidate] = []
        for candidate in passing:
            if self.loop.stopped():
                break
            done = yield from self._run(candidate)
            if done:
                checked.append(candidate)
        new_tests = yield from self._add_failures(checked, candidates, tests)
        yield from self._judge_agreement(checked, candidates, new_tests)
        return new_tests

    # ---- asking for and checking the brute force and generator ------------------------------------

    def _prepare(self, problem: Problem, tests: Sequence[TestCase]) -> Events:
        self.prepared = True
        self.shaped = sample_shaped_inputs(problem.samples, problem.statement, SHAPED_INPUTS,
                                           seed=self.settings.seed or 0)
        for attempt in range(TOOL_ATTEMPTS):
            wanted = [kind for kind in TOOLS if getattr(self, kind) is None]
            if not wanted or self.loop.stopped():
                break
            last = attempt == TOOL_ATTEMPTS - 1
            codes = yield from self._ask(problem, wanted, last)
            if codes is None:
                break
            if "brute" in codes:
                problem_text = yield from self._check_brute(codes["brute"], tests)
                if problem_text is None:
                    self.brute = codes["brute"]
                else:
                    self._note("brute force", problem_text, last)
            if "generator" in codes:
                problem_text = yield from self._check_generator(codes["generator"])
                if problem_text is None:
                    self.generator = codes["generator"]
                else:
                    self._note("input generator", problem_text, last)
        if self.brute is not None and self.inputs and not self.expected:
            problem_text = yield from self._answer_inputs()
            if problem_text is not None:
                self.notes.append(f"generated inputs dropped: the brute force {problem_text}")
                self.inputs, self.generator = [], None
        if self.brute is not None:
            yield from self._answer_shaped()
        yield ev.GeneratedTestsReady(brute=self.brute is not None, generator=self.generator is not None,
                                     inputs=len(self.inputs), shaped=len(self.shaped),
                                     notes=tuple(self.notes), brute_code=self.brute,
                                     generator_code=self.generator)

    def _note(self, what: str, problem_text: str, last: bool) -> None:
        self.notes.append(f"{what} {'dropped' if last else 'asked again'}: {problem_text}")

    def _ask(self, problem: Problem, wanted: list[str],
             last: bool) -> Generator[ev.SolveEvent, None, dict[str, str] | None]:
        params = self.loop.sampling(len(wanted))
        if params is None:
            self.notes.append("no brute force or generator: the token budget is spent")
            return None
        prompts = {"brute": brute_messages(problem), "generator": input_generator_messages(problem)}
        requests = [GenerationRequest(prompts[kind], param)
                    for param, kind in zip(params, wanted, strict=True)]
        try:
            results = yield from self.loop.generate(requests, wanted)
        except EngineError as exc:
            self.notes.append(f"no brute force or generator: the model failed: {exc}")
            return None
        codes: dict[str, str] = {}
        for kind, result in zip(wanted, results, strict=True):
            self.loop.spend(result)
            code = extract_code(result.text, Language.PYTHON).code
            if code is None:
                self._note("brute force" if kind == "brute" else "input generator", "its answer has no code",
                           last)
                continue
            codes[kind] = code
        return codes

    def _check_brute(self, code: str,
                     tests: Sequence[TestCase]) -> Generator[ev.SolveEvent, None, str | None]:
        if not tests:
            return "there are no tests to check it on"

        def work() -> JudgeReport:
            return self.judge.run(code, Language.PYTHON, tests, cancel=self.loop.cancel)

        report = yield from self.loop.in_worker(work)
        assert isinstance(report, JudgeReport)
        failure = report.first_failure
        if report.verdict is Verdict.CE:
            return "it does not compile"
        if failure is not None:
            return f"it fails test {failure.name} ({failure.verdict.value})"
        return None

    def _check_generator(self, code: str) -> Generator[ev.SolveEvent, None, str | None]:
        def work() -> tuple[list[str], str | None]:
            made: list[str] = []
            with self.judge.program(code, Language.PYTHON) as program:
                if not program.ok:
                    return [], "it does not compile"
                for seed in range(1, GENERATOR_SEEDS + 1):
                    if self.loop.stopped():
                        break
                    execution = program.execute("", args=[str(seed)], cancel=self.loop.cancel)
                    problem_text = describe_failure(execution)
                    if problem_text:
                        return [], f"on seed {seed} it {problem_text}"
                    if execution.text() not in made:
                        made.append(execution.text())
            return made, None

        made, problem_text = yield from self.loop.in_worker(work)
        if problem_text is not None:
            return problem_text
        previous = self.inputs
        self.inputs, self.expected = made, []
        if self.brute is not None:
            problem_text = yield from self._answer_inputs()
            if problem_text is not None:
                self.inputs = previous
                return f"the brute force {problem_text} on its input"
        return None

    def _answer_inputs(self) -> Generator[ev.SolveEvent, None, str | None]:
        """The brute's answers to the generated inputs; what went wrong, or None."""
        brute = self.brute
        assert brute is not None
        cases = [TestCase(f"generated-{i + 1}", text, "") for i, text in enumerate(self.inputs)]

        def work() -> JudgeReport:
            return self.judge.run(brute, Language.PYTHON, cases, cancel=self.loop.cancel)

        report = yield from self.loop.in_worker(work)
        assert isinstance(report, JudgeReport)
        answers = []
        for case in report.cases:
            if not _ran(case) or not case.actual.strip():
                return f"{'printed nothing' if _ran(case) else case.verdict.value} on {case.name}"
            answers.append(case.actual)
        if len(answers) != len(self.inputs):
            return "was stopped"
        self.expected = answers
        return None

    def _answer_shaped(self) -> Events:
        """Whether the brute's own answers vary over all inputs: a candidate whose output does not is
        hard-coded only when they do (some problems have one answer whatever the input)."""
        brute = self.brute
        assert brute is not None
        cases = [TestCase(f"shaped-{i + 1}", text, "") for i, text in enumerate(self.shaped)]

        def work() -> JudgeReport:
            return self.judge.run(brute, Language.PYTHON, cases, cancel=self.loop.cancel)

        answers = [normalize(text) for text in self.expected]
        if cases:
            report = yield from self.loop.in_worker(work)
            assert isinstance(report, JudgeReport)
            answers += [normalize(case.actual) for case in report.cases if _ran(case)]
        self._brute_varies = len(set(answers)) > 1

    # ---- running candidates -----------------------------------------------------------------------

    def _test_cases(self) -> list[TestCase]:
        with_brute = bool(self.expected)
        cases = [TestCase(f"generated-{i + 1}", text, self.expected[i] if with_brute else "")
                 for i, text in enumerate(self.inputs)]
        return cases + [TestCase(f"shaped-{i + 1}", text, "") for i, text in enumerate(self.shaped)]

    def _run(self, candidate: Candidate) -> Generator[ev.SolveEvent, None, bool]:
        code = candidate.code
        assert code is not None
        cases = self._test_cases()

        def work() -> JudgeReport:
            return self.judge.run(code, self.settings.language, cases, cancel=self.loop.cancel)

        try:
            report = yield from self.loop.in_worker(work)
        except JudgeError as exc:
            self.notes.append(f"generated tests not run on {candidate.id}: {exc}")
            return False
        assert isinstance(report, JudgeReport)
        if len(report.cases) != len(cases):
            return False  # stopped part way
        outputs: list[str | None] = []
        for case in report.cases:
            outputs.append(case.actual if _ran(case) else None)
        self._outputs[candidate.id] = outputs
        if self.expected:
            self._cases[candidate.id] = list(report.cases[:len(self.inputs)])
        return True

    def _add_failures(self, checked: Sequence[Candidate], candidates: Sequence[Candidate],
                      tests: Sequence[TestCase]) -> Generator[ev.SolveEvent, None, list[TestCase]]:
        """A failing brute-checked input of each checked candidate joins the local tests; every
        candidate run on the generated inputs gets its case for that test in its report."""
        new_tests: list[TestCase] = []
        names = {t.name for t in tests}
        for candidate in checked:
            failing = [i for i, case in enumerate(self._cases.get(candidate.id, [])) if not case.passed]
            if not failing:
                continue
            index = min(failing, key=lambda i: (len(self.inputs[i]), i))
            if index in self._added:
                continue
            name = f"generated-{len(self._added) + 1}"
            while name in names:
                name += "'"
            test = TestCase(name, self.inputs[index], self.expected[index])
            self._added[index] = test
            new_tests.append(test)
        by_id = {c.id: c for c in candidates}
        for test in new_tests:
            index = next(i for i, t in self._added.items() if t is test)
            for cid, cases in self._cases.items():
                owner = by_id.get(cid)
                if owner is not None and owner.report is not None:
                    owner.report = merged(owner.report, dataclasses.replace(cases[index], name=test.name))
        if new_tests:
            for cid in self._cases:
                owner = by_id.get(cid)
                if owner is not None and owner.report is not None:
                    yield ev.CandidateTested(candidate_id=cid, report=owner.report, elapsed_s=0.0)
        return new_tests

    def _judge_agreement(self, checked: Sequence[Candidate], candidates: Sequence[Candidate],
                         new_tests: Sequence[TestCase]) -> Events:
        """Clusters over every candidate run so far, hard-coded flags, and each one's GeneratedCheck."""
        sizes = cluster_sizes(self._outputs)
        all_inputs = self.inputs + self.shaped
        # with a brute force, a constant output is hard-coded only where the brute's answers vary
        brute_constant = self.brute is not None and not self._brute_varies
        fresh_ids = {c.id for c in checked}
        for candidate in candidates:
            outputs = self._outputs.get(candidate.id)
            if outputs is None:
                continue
            cases = self._cases.get(candidate.id, [])
            mismatches = sum(1 for case in cases if not case.passed)
            hard_coded = constant_output(all_inputs, outputs) and not brute_constant
            if hard_coded and candidate.id not in self._example:
                shown = len(self.inputs)  # prefer a sample-shaped input: it reads like the samples
                index = shown if len(all_inputs) > shown else 0
                self._example[candidate.id] = (all_inputs[index], outputs[index] or "")
            candidate.generated = GeneratedCheck(
                inputs=len(all_inputs), mismatches=mismatches,
                brute_agrees=(mismatches == 0) if self.expected else None,
                cluster=sizes.get(candidate.id, 1), hard_coded=hard_coded)
            if candidate.id in fresh_ids:
                self._mismatches += mismatches
                if candidate.generated.eliminated and candidate.id not in self._eliminated:
                    self._eliminated.append(candidate.id)
                yield ev.GeneratedTestsChecked(
                    candidate_id=candidate.id, inputs=len(all_inputs), mismatches=mismatches,
                    brute_agrees=candidate.generated.brute_agrees, cluster=candidate.generated.cluster,
                    hard_coded=hard_coded,
                    new_tests=tuple(t.name for t in new_tests
                                    if any(c.name == t.name and not c.passed for c in
                                           (candidate.report.cases if candidate.report else ()))))


def ask_for_tools(engine: Engine, problem: Problem, params: SamplingParams) -> dict[str, str | None]:
    """Ask the model once for a brute force and an input generator (the REPL's `/stress`); their
    code, None where an answer had none. Unchecked: `ocr_cli.stress` reports one that fails."""
    requests = [GenerationRequest(brute_messages(problem), params),
                GenerationRequest(input_generator_messages(problem), params)]
    results = engine.generate_batch(requests)
    return {kind: extract_code(result.text, Language.PYTHON).code
            for kind, result in zip(TOOLS, results, strict=True)}
