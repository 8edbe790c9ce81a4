"""One round with engines that batch continuously: each candidate moves on by itself.

Staged, a round drafts every candidate, then tests every one, then critiques the ones that passed:
the batch drains to one sequence before the tests start, and the critic waits for the slowest
draft. Here (as llama-server's slots and vLLM keep a batch full) a draft that ends is tested at
once, on a judge thread, while the others still decode; a draft that passes its tests has its
critique submitted to the critic's running batch (the same one when generator and critic are one
model), where it takes the first free slot. The round ends when every candidate is settled.

Critiques start as soon as the token budget can grant them their full limit without counting on
what running requests may still spend (always, without a token budget); otherwise they wait until
those requests end and then share what is left, as a staged round does. Generated tests (`--stress`)
run after the round, as they need every candidate and a brute force from the model: a candidate
they eliminate is never accepted, though its critique may already have run.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from ocr_cli.engines.base import GenerationRequest, GenerationResult
from ocr_cli.engines.request_feed import RequestFeed
from ocr_cli.problem.types import Problem
from ocr_cli.solve import events as ev
from ocr_cli.solve.ranking import Candidate

if TYPE_CHECKING:
    from ocr_cli.solve.solver import Solver

Emit = Callable[[ev.SolveEvent], None]
#: How often the round looks at its cancel event while waiting for the last candidates.
POLL_S = 0.05


class RoundPipeline:
    """Drafts, tests and critiques one round's candidates, each as soon as it can go on."""

    def __init__(self, solver: Solver, problem: Problem, fresh: list[Candidate], max_tokens: int,
                 emit: Emit) -> None:
        self.solver = solver
        self.problem = problem
        self.fresh = fresh
        self.max_tokens = max_tokens
        self.emit = emit
        self.cancel = solver.budget.cancel
        self.critiques_here = solver.uses_critic
        self.same_engine = solver.critic is solver.generator
        self.draft_feed = RequestFeed()
        self.critic_feed = self.draft_feed if self.same_engine else RequestFeed()
        self._lock = threading.RLock()
        self._to_test: queue.SimpleQueue[Candidate | None] = queue.SimpleQueue()
        self._drafts: dict[int, Candidate] = {}
        self._critiques: dict[int, tuple[Candidate, GenerationRequest]] = {}
        self._granted: dict[tuple[str, int], int] = {}  # tokens running requests may still spend
        self._counts: dict[tuple[str, int], int] = {}
        self._waiting: list[Candidate] = []  # passed their tests, waiting for a critique grant
        self._unsettled = len(fresh)
        self._testing = 0
        self._settled = threading.Event()
        self._error: BaseException | None = None
        self._critique_span: list[float] = []
        self._drafts_ended: float | None = None  # when the last draft ended (timings overlap here)
        self._requests = [solver.steps.draft_request(c, max_tokens) for c in fresh]
        # Critique seeds after the drafts', in candidate order, whatever order the tests finish in.
        self._seeds = {c.id: solver.next_seed() for c in fresh} if self.critiques_here else {}

    # ---- the round ----------------------------------------------------------------------------

    def run(self) -> None:
        """Run the round on the calling thread (plus a judge thread and, for a critic model of its
        own, a critic thread); returns when every candidate is settled or the solve stops."""
        started = time.perf_counter()
        for candidate, request in zip(self.fresh, self._requests, strict=True):
            key = self.draft_feed.submit(request)
            self._drafts[key] = candidate
            self._granted[("draft", key)] = self.max_tokens
        if not (self.critiques_here and self.same_engine):
            self.draft_feed.close()  # nothing more goes to the generator this round
        threads = [self._thread(self._judge_loop, "ocr-solve-judge")]
        drafts_done = threading.Event()
        if self.critiques_here and not self.same_engine:
            threads.append(self._thread(lambda: self._run_critic(drafts_done), "ocr-solve-critic"))
        try:
            self.solver.generator.generate_stream(self.draft_feed, self._result, self._chunk, self.cancel)
            drafts_done.set()
            while not self._settled.wait(POLL_S) and not self.cancel.is_set():
                pass
        except BaseException:
            self.cancel.set()  # stop the judge and critic threads soon
            raise
        finally:
            self._shut()
            for thread in threads:
                thread.join()
            self.solver.steps.add_timing("generate", (self._drafts_ended or time.perf_counter()) - started)
            if self._critique_span:
                self.solver.steps.add_timing("critique", max(self._critique_span) - min(self._critique_span))
        if self._error is not None:
            raise self._error

    def _run_critic(self, drafts_done: threading.Event) -> None:
        """The critic model's own continuous batch. Two llama.cpp models on the CPU would fight over
        the same cores, so there the critic starts once the drafts are done (tests overlap either)."""
        critic, generator = self.solver.critic, self.solver.generator
        assert critic is not None
        if all(e.info.engine == "llama.cpp" and e.info.backend == "CPU" for e in (critic, generator)):
            while not drafts_done.wait(POLL_S) and not self.cancel.is_set():
                pass
        critic.generate_stream(self.critic_feed, self._critique_done, self._critique_chunk, self.cancel)

    @property
    def _drafting(self) -> bool:
        """Whether a draft is still being generated (its tokens are still granted)."""
        return any(kind == "draft" for kind, _ in self._granted)

    def _thread(self, target: Callable[[], object], name: str) -> threading.Thread:
        def guarded() -> None:
            try:
                target()
            except BaseException as exc:  # re-raised by run() on the worker thread
                self._error = self._error or exc
                self.cancel.set()

        thread = threading.Thread(target=guarded, name=name, daemon=True)
        thread.start()
        return thread

    def _shut(self) -> None:
        self.draft_feed.close()
        self.critic_feed.close()
        self._to_test.put(None)

    # ---- model results (on an engine's thread) ------------------------------------------------

    def _chunk(self, key: int, text: str) -> None:
        """A chunk from the generator (of a critique too when the critic is the same model)."""
        if key in self._critiques:
            self._critique_chunk(key, text)
        else:
            self._count(self._drafts[key], "draft", key, text)

    def _critique_chunk(self, key: int, text: str) -> None:
        self._count(self._critiques[key][0], "critique", key, text)

    def _count(self, candidate: Candidate, phase: str, key: int, text: str) -> None:
        count = self._counts[(phase, key)] = self._counts.get((phase, key), 0) + 1
        self.emit(ev.TokensGenerated(candidate_id=candidate.id, text=text, tokens_so_far=count,
                                     phase=phase))  # type: ignore[arg-type]

    def _result(self, key: int, result: GenerationResult) -> None:
        if key in self._critiques:  # the critic is the same model
            self._critique_done(key, result)
            return
        candidate = self._drafts[key]
        with self._lock:
            self._granted.pop(("draft", key), None)
            if not self._drafting:
                self._drafts_ended = time.perf_counter()
            drafted = self.solver.steps.record_draft(candidate, result)
        self.emit(drafted)
        if candidate.runnable and self.solver.steps.needs_testing and not self.cancel.is_set():
            with self._lock:
                self._testing += 1
            self._to_test.put(candidate)
        else:
            self._tested(candidate)
        self._grant()

    def _critique_done(self, key: int, result: GenerationResult) -> None:
        candidate, request = self._critiques[key]
        with self._lock:
            self._granted.pop(("critique", key), None)
            finished = self.solver.steps.record_critique(candidate, request, result)
            self._critique_span.append(time.perf_counter())
        self.emit(finished)
        self._settle(candidate)
        self._grant()

    # ---- tests (on the judge thread) ----------------------------------------------------------

    def _judge_loop(self) -> None:
        while (candidate := self._to_test.get()) is not None:
            if not self.cancel.is_set():
                self.emit(self.solver.steps.test_candidate(candidate, self.emit))
            with self._lock:
                self._testing -= 1
            self._tested(candidate)
            self._grant()

    def _tested(self, candidate: Candidate) -> None:
        if self.critiques_here and self.solver.steps.wants_critique(candidate) and not self.cancel.is_set():
            with self._lock:
                self._waiting.append(candidate)
        else:
            self._settle(candidate)

    # ---- critiques ----------------------------------------------------------------------------

    def _grant(self) -> None:
        """Submit the waiting critiques the token budget can grant now (see the module docstring)."""
        with self._lock:
            wanted = self.solver.settings.critic_max_tokens
            while self._waiting:
                left = self.solver.budget.tokens_left
                grant = wanted
                if left is not None:
                    free = left - sum(self._granted.values())
                    grant = min(wanted, free // len(self._waiting))
                    if grant < wanted and (self._drafting or self._testing):
                        return  # running requests may give tokens back: wait for them
                if grant <= 0 or self.cancel.is_set():
                    for candidate in self._waiting:
                        self._settle(candidate)
                    self._waiting.clear()
                    return
                candidate = self._waiting.pop(0)
                request = self.solver.steps.critique_request(self.problem, candidate, grant,
                                                       seed=self._seeds[candidate.id])
                self._critique_span.append(time.perf_counter())
                self.emit(ev.CritiqueStarted(candidate_id=candidate.id))
                # Known before the engine can answer it: this round is the feed's only submitter now.
                key = self.critic_feed.submitted
                self._critiques[key] = (candidate, request)
                self._granted[("critique", key)] = grant
                try:
                    self.critic_feed.submit(request)
                except ValueError:  # the round was shut (stopped)
                    del self._critiques[key], self._granted[("critique", key)]
                    self._settle(candidate)

    def _settle(self, candidate: Candidate) -> None:
        with self._lock:
            self._unsettled -= 1
            if self._unsettled == 0:
                self._settled.set()
                self.draft_feed.close()
                self.critic_feed.close()
