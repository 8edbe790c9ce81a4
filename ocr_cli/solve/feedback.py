"""What the reviser is told about a candidate: the failing test, the error, or the critique."""

from __future__ import annotations

from ocr_cli.judge.types import CaseResult, JudgeReport, Verdict
from ocr_cli.language import Language
from ocr_cli.solve.critic import critique_feedback
from ocr_cli.solve.ranking import Candidate

_FIELD_LIMIT = 1500
_VERDICT_WORDS = {
    Verdict.WA: "wrong answer",
    Verdict.TLE: "time limit exceeded",
    Verdict.MLE: "memory limit exceeded",
    Verdict.RE: "runtime error",
    Verdict.OLE: "output limit exceeded",
    Verdict.IE: "the judge failed",
}


def _cap(text: str, limit: int = _FIELD_LIMIT) -> str:
    text = text.rstrip("\n")
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n... ({len(text) - limit} more characters)"


def failing_test_feedback(case: CaseResult, passed: int, total: int) -> str:
    """The failing test with input, expected and actual output (and stderr for a crash)."""
    what = _VERDICT_WORDS.get(case.verdict, case.verdict.value)
    lines = [f"It passes {passed} of {total} tests. It fails test {case.name}: {what}"
             + (f" ({case.message})" if case.message else "") + "."]
    lines += ["Input:", _cap(case.input) or "(empty)", "Expected output:", _cap(case.expected) or "(empty)"]
    if case.verdict is not Verdict.TLE:
        lines += ["Actual output:", _cap(case.actual) or "(empty)"]
    if case.stderr.strip() and case.verdict in (Verdict.RE, Verdict.WA, Verdict.MLE):
        lines += ["Error output:", _cap(case.stderr, 800)]
    return "\n".join(lines)


def report_feedback(report: JudgeReport) -> str:
    """Feedback from a judge report that is not all accepted."""
    if report.verdict is Verdict.CE:
        return "The code does not compile:\n" + _cap(report.compile_output or "(no compiler output)")
    failure = report.first_failure
    if failure is None:
        return f"The judge reported {report.verdict.value}."
    return failing_test_feedback(failure, report.passed, report.total)


def candidate_feedback(candidate: Candidate, language: Language, tests_total: int) -> str:
    """Why `candidate` is not accepted, as the reviser is told."""
    fence = language.fence_tags[0]
    if candidate.code is None:
        if candidate.finish_reason == "length":
            return (f"The answer was cut off before its final ```{fence} code block. Think less, and "
                    f"give the complete code in one ```{fence} block.")
        return f"The answer contained no ```{fence} code block. Give the complete code in one."
    if candidate.syntax_error is not None:
        return "The code has a syntax error:\n" + candidate.syntax_error
    if candidate.report is not None and not candidate.passes_all(tests_total):
        return report_feedback(candidate.report)
    if candidate.critique is not None:
        head = ("A reviewer judged the code wrong." if candidate.critic_verdict == "wrong"
                else "A reviewer could not confirm the code is right.")
        if tests_total:
            head = f"It passes all {tests_total} tests, but " + head[0].lower() + head[1:]
        return head + " The review:\n" + critique_feedback(candidate.critique)
    return "The code is not accepted yet. Check it against the problem and fix any mistake."
