"""C++ is judged by its compiler, not by tree-sitter: macro-heavy code runs, a real error is a CE."""

from __future__ import annotations

from ocr_cli.code.syntax import check_syntax, gate_issue
from ocr_cli.engines.scripted import ScriptedEngine, ScriptedReply
from ocr_cli.judge.types import Verdict
from ocr_cli.language import Language
from ocr_cli.solve import events as ev
from ocr_cli.solve.solver import Solver
from ocr_cli.solve.types import SolveSettings

from .helpers import CRITIC, PROBLEM, REVISION, TESTS, critique, judge

DRAFT = "// Your code here\n```\n\nA + B"  # only in the C++ generator prompt

MACROS = """#include <bits/stdc++.h>
using namespace std;
#define each(x, v) for (auto &x : v)
#define FOR(i, a, b) for (int i = (a); i < (b); ++i)
#define all(v) (v).begin(), (v).end()
typedef long long ll;
int main() {
    vector<ll> v(2);
    each(x, v) cin >> x;
    ll s = 0;
    FOR(i, 0, 2) s += v[i];
    sort(all(v));
    cout << s << "\\n";
}
"""
MISSING_SEMICOLON = """#include <iostream>
int main() {
    long long a, b;
    std::cin >> a >> b
    std::cout << a + b << "\\n";
}
"""


def cpp_answer(code: str) -> str:
    return f"<think>Add them.</think>\n```cpp\n{code}```\n"


def cpp_settings(**more: object) -> SolveSettings:
    return SolveSettings(language=Language.CPP, n=1, seed=1, **more)  # type: ignore[arg-type]


def test_tree_sitter_misreads_the_macros_but_the_gate_lets_cpp_through() -> None:
    assert check_syntax(MACROS, Language.CPP) is not None  # why the compiler must decide
    assert gate_issue(MACROS, Language.CPP) is None
    assert gate_issue("print(1", Language.PYTHON) is not None  # Python keeps its tree-sitter check


def test_macro_heavy_cpp_is_compiled_tested_critiqued_and_accepted() -> None:
    engine = ScriptedEngine([ScriptedReply(cpp_answer(MACROS), when=DRAFT), critique("right")])
    events = list(Solver(engine, engine, judge(), cpp_settings()).solve(PROBLEM, TESTS))
    drafted = next(e for e in events if isinstance(e, ev.CandidateDrafted))
    assert drafted.syntax_error is None
    tested = next(e for e in events if isinstance(e, ev.CandidateTested))
    assert tested.report.verdict is Verdict.AC and tested.report.passed == len(TESTS)
    result = events[-1].result  # type: ignore[attr-defined]
    assert result.status == "accepted" and result.code == MACROS
    assert any(CRITIC in r.messages[0].content for r in engine.requests)


def test_a_real_cpp_syntax_error_is_a_compile_error_with_the_compilers_message() -> None:
    engine = ScriptedEngine([ScriptedReply(cpp_answer(MISSING_SEMICOLON), when=DRAFT),
                             ScriptedReply(cpp_answer(MACROS), when=REVISION), critique("right")])
    events = list(Solver(engine, engine, judge(), cpp_settings()).solve(PROBLEM, TESTS))
    drafted = next(e for e in events if isinstance(e, ev.CandidateDrafted))
    assert drafted.syntax_error is None  # not tree-sitter's verdict ...
    tested = next(e for e in events if isinstance(e, ev.CandidateTested))
    assert tested.report.verdict is Verdict.CE  # ... the compiler's
    assert "expected" in tested.report.compile_output and "error" in tested.report.compile_output
    planned = next(e for e in events if isinstance(e, ev.RevisionPlanned))
    assert planned.feedback[0].startswith("The code does not compile:")
    assert tested.report.compile_output.strip().splitlines()[0] in planned.feedback[0]
    assert events[-1].result.status == "accepted"  # type: ignore[attr-defined]


def test_without_tests_cpp_is_still_compiled_before_the_critic_sees_it() -> None:
    engine = ScriptedEngine([ScriptedReply(cpp_answer(MISSING_SEMICOLON), when=DRAFT),
                             critique("right", repeat=True)])
    events = list(Solver(engine, engine, judge(), cpp_settings(rounds=0)).solve(PROBLEM, ()))
    tested = next(e for e in events if isinstance(e, ev.CandidateTested))
    assert tested.report.verdict is Verdict.CE
    assert not any(isinstance(e, ev.CritiqueStarted) for e in events)
    assert events[-1].result.status != "accepted"  # type: ignore[attr-defined]
