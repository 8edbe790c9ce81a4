"""Generated tests in the solve loop: model-free inputs, a scripted brute force and generator, the
real judge."""

from __future__ import annotations

import dataclasses

from ocr_cli.engines.scripted import ScriptedEngine, ScriptedReply, count_tokens
from ocr_cli.solve import events as ev
from ocr_cli.solve.solver import Solver
from ocr_cli.solve.types import SolveResult, SolveSettings

from .helpers import (  # round_mode: autouse, every test runs staged and pipelined
    PROBLEM,
    RIGHT,
    TESTS,
    answer,
    critique,
    draft,
    judge,
    revision,
    round_mode,  # noqa: F401
)

SAMPLED = dataclasses.replace(PROBLEM, samples=TESTS)
BRUTE = "brute force"  # only in the brute-force prompt
GENERATOR = "input generator"  # only in the generator prompt
#: Prints the sample answers: passes both samples, and prints 3 for anything else.
HARD_CODED = 'line = input().strip()\nprint({"1 2": 3, "-5 12": 7}.get(line, 3))\n'
#: Wrong when A > 10 (the samples have A = 1 and A = -5).
EDGE_WRONG = "a, b = map(int, input().split())\nprint(a + b if a <= 10 else a + b + 1)\n"
BRUTE_CODE = ("a, b = map(int, input().split())\ntotal = 0\nfor _ in range(abs(b)):\n"
              "    total += 1 if b > 0 else -1\nprint(a + total)\n")
BROKEN_BRUTE = "a, b = map(int, input().split())\nprint(a * b)\n"
GEN_CODE = ("import random, sys\nrandom.seed(int(sys.argv[1]))\n"
            "print(random.randint(0, 20), random.randint(-20, 20))\n")


def tool(when: str, code: str) -> ScriptedReply:
    return ScriptedReply(answer(code, "Small inputs only."), when=when, repeat=True)


def run(solver: Solver) -> tuple[SolveResult, list[ev.SolveEvent]]:
    events = list(solver.solve(SAMPLED, TESTS))
    last = events[-1]
    assert isinstance(last, ev.SolveFinished)
    return last.result, events


def of_type(events: list[ev.SolveEvent], kind: type) -> list:
    return [e for e in events if isinstance(e, kind)]


def test_a_candidate_printing_the_sample_answers_is_caught_by_sample_shaped_inputs_and_revised() -> None:
    engine = ScriptedEngine([draft(HARD_CODED), revision(RIGHT), critique("right", repeat=True),
                             tool(BRUTE, "no code, sorry"), tool(GENERATOR, "no code, sorry")])
    # the tool answers have code (the fence) but it is prose: both fail their checks and are dropped
    result, events = run(Solver(engine, engine, judge(), SolveSettings(n=1, rounds=2, seed=1, stress=True)))

    assert result.status == "accepted" and result.code == RIGHT
    checked = {e.candidate_id: e for e in of_type(events, ev.GeneratedTestsChecked)}
    assert checked["c1"].hard_coded and not checked["c2"].hard_coded
    assert checked["c1"].brute_agrees is None  # no brute force: compared by agreement only
    # the critic said "right" to c1, yet it was not accepted; the reviser was told why
    assert any(e.candidate_id == "c1" and e.verdict == "right" for e in of_type(events, ev.CritiqueFinished))
    (planned,) = of_type(events, ev.RevisionPlanned)
    assert "prints the same output whatever the input" in planned.feedback[0]
    assert result.stress is not None and result.stress.eliminated == ("c1",)
    assert not result.stress.brute and not result.stress.generator
    assert result.stress.generated_tests >= 3


def test_a_candidate_wrong_on_an_edge_case_fails_a_brute_checked_test_and_is_revised() -> None:
    engine = ScriptedEngine([draft(EDGE_WRONG), revision(RIGHT), critique("right", repeat=True),
                             tool(BRUTE, BRUTE_CODE), tool(GENERATOR, GEN_CODE)])
    result, events = run(Solver(engine, engine, judge(), SolveSettings(n=1, rounds=2, seed=1, stress=True)))

    assert result.status == "accepted" and result.code == RIGHT
    (ready,) = of_type(events, ev.GeneratedTestsReady)
    assert ready.brute and ready.generator and ready.inputs >= 3 and ready.notes == ()
    first = next(e for e in of_type(events, ev.GeneratedTestsChecked) if e.candidate_id == "c1")
    assert first.mismatches > 0 and first.brute_agrees is False and first.new_tests == ("generated-1",)
    # the failing generated test joined the local tests: the revision was judged on it too
    (planned,) = of_type(events, ev.RevisionPlanned)
    assert "fails test generated-1: wrong answer" in planned.feedback[0]
    c2 = [e for e in of_type(events, ev.CandidateTested) if e.candidate_id == "c2"]
    assert [c.name for c in c2[-1].report.cases] == ["1", "2", "generated-1"]
    assert c2[-1].report.passed == 3
    assert result.stress is not None and result.stress.mismatches > 0 and result.stress.eliminated == ("c1",)
    # the brute force's and generator's tokens count toward the budget
    drafts = sum(e.completion_tokens for e in of_type(events, ev.CandidateDrafted))
    critiques = sum(e.completion_tokens for e in of_type(events, ev.CritiqueFinished))
    tools = sum(count_tokens(answer(code, "Small inputs only.")) for code in (BRUTE_CODE, GEN_CODE))
    assert result.generated_tokens == drafts + critiques + tools
    # requests: the brute-force and generator prompts say so; the draft and reviser prompts do not
    texts = [r.messages[0].content for r in engine.requests]
    assert sum(BRUTE in t for t in texts) == 1 and sum(GENERATOR in t for t in texts) == 1
    assert not any(BRUTE in t or GENERATOR in t for t in texts if "Previous solution" in t)


def test_a_brute_force_failing_the_samples_is_asked_again_then_dropped() -> None:
    engine = ScriptedEngine([draft(RIGHT), critique("right", repeat=True),
                             tool(BRUTE, BROKEN_BRUTE), tool(GENERATOR, GEN_CODE)])
    result, events = run(Solver(engine, engine, judge(), SolveSettings(n=1, rounds=1, seed=1, stress=True)))

    assert result.status == "accepted"
    (ready,) = of_type(events, ev.GeneratedTestsReady)
    assert not ready.brute and ready.generator
    assert ready.notes[0].startswith("brute force asked again: it fails test")
    assert ready.notes[-1].startswith("brute force dropped: it fails test")
    assert sum(BRUTE in r.messages[0].content for r in engine.requests) == 2
    (checked,) = of_type(events, ev.GeneratedTestsChecked)
    assert checked.brute_agrees is None and not checked.hard_coded and checked.cluster == 1
    assert result.stress is not None and not result.stress.brute and result.stress.eliminated == ()


def test_clusters_rank_the_candidates_that_agree_above_the_odd_one_out() -> None:
    engine = ScriptedEngine([draft(EDGE_WRONG), draft(RIGHT), draft(RIGHT), critique("right", repeat=True),
                             tool(BRUTE, BROKEN_BRUTE), tool(GENERATOR, GEN_CODE)])
    settings = SolveSettings(n=3, rounds=0, seed=1, stress=True, strategy="select")
    result, events = run(Solver(engine, engine, judge(), settings))

    sizes = {e.candidate_id: e.cluster for e in of_type(events, ev.GeneratedTestsChecked)}
    assert sizes == {"c1": 1, "c2": 2, "c3": 2}, of_type(events, ev.GeneratedTestsReady)
    assert result.status == "accepted" and result.best_id == "c2"


def test_generated_tests_are_off_by_default_in_the_core_and_for_single() -> None:
    assert not SolveSettings().stress_on
    assert SolveSettings(stress=None, strategy="loop").stress_on
    assert not SolveSettings(stress=None, strategy="single").stress_on
    engine = ScriptedEngine([draft(RIGHT), critique("right")])
    result, events = run(Solver(engine, engine, judge(), SolveSettings(n=1, seed=1)))
    assert result.status == "accepted" and result.stress is None
    assert not of_type(events, ev.GeneratedTestsReady)


def test_without_tests_a_brute_force_cannot_be_checked_and_is_dropped() -> None:
    engine = ScriptedEngine([draft(RIGHT), critique("right", repeat=True),
                             tool(BRUTE, BRUTE_CODE), tool(GENERATOR, GEN_CODE)])
    events = list(Solver(engine, engine, judge(), SolveSettings(n=1, rounds=0, seed=1, stress=True))
                  .solve(PROBLEM, ()))
    (ready,) = of_type(events, ev.GeneratedTestsReady)
    assert not ready.brute and ready.generator and ready.shaped == 0
    assert ready.notes[-1] == "brute force dropped: there are no tests to check it on"
    result = events[-1].result  # type: ignore[attr-defined]
    assert result.status == "accepted"  # the critic decides; one candidate is its own cluster


def test_the_generated_failing_test_is_kept_in_the_transcript() -> None:
    from ocr_cli.config import load_settings
    from ocr_cli.storage.transcripts import TranscriptStore

    engine = ScriptedEngine([draft(EDGE_WRONG), revision(RIGHT), critique("right", repeat=True),
                             tool(BRUTE, BRUTE_CODE), tool(GENERATOR, GEN_CODE)])
    store = TranscriptStore()
    recorder = store.start_run("solve", SAMPLED, load_settings(), {"generator": "scripted"})
    for event in Solver(engine, engine, judge(), SolveSettings(n=1, rounds=2, seed=1, stress=True)).solve(
            SAMPLED, TESTS):
        recorder.record(event)
    run = store.get_run(recorder.run_id)
    c1 = next(c for c in run["candidates"] if c["candidate_id"] == "c1")
    assert c1["verdict"] == "WA" and [case["name"] for case in c1["report"]["cases"]][-1] == "generated-1"
    assert run["result"]["stress"]["eliminated"] == ["c1"]
    with store.transaction() as db:
        kinds = [row[0] for row in db.execute("SELECT type FROM events WHERE run_id = ?", (recorder.run_id,))]
    assert "GeneratedTestsReady" in kinds and "GeneratedTestsChecked" in kinds
