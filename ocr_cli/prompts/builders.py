"""Chat messages for the three roles: draft a solution, critique one, revise one."""

from __future__ import annotations

from ocr_cli.engines.base import Message
from ocr_cli.language import Language
from ocr_cli.problem.types import Problem
from ocr_cli.prompts.render import render_template


def _language_values(language: Language) -> dict[str, str]:
    return {
        "language": language.display_name,
        "fence": language.fence_tags[0],
        "comment": "#" if language is Language.PYTHON else "//",
    }


def _io_note(problem: Problem, language: Language) -> str:
    if problem.starter_code:  # LeetCode style: complete the class, no input to read
        return render_template("starter_note", starter=problem.starter_code.strip("\n"),
                               fence=language.fence_tags[0])
    # Interactive problems talk through stdin/stdout too, but the note would be misleading there.
    return "" if problem.interactive else render_template("io_note")


def question_text(problem: Problem) -> str:
    """The problem statement as the models see it."""
    return problem.statement.strip()


def generator_messages(problem: Problem, language: Language) -> tuple[Message, ...]:
    """The prompt for a first draft (NeMo-Skills' LiveCodeBench generation prompt)."""
    content = render_template("generator", question=question_text(problem),
                              io_note=_io_note(problem, language), **_language_values(language))
    return (Message("user", content),)


def critic_messages(problem: Problem, code: str, language: Language) -> tuple[Message, ...]:
    """The prompt asking the critic to judge a candidate's final code (never its reasoning)."""
    values = _language_values(language)
    question = question_text(problem)
    if problem.starter_code:  # else the critic faults a class for reading no input
        question += render_template("critic_starter_note", starter=problem.starter_code.strip("\n"),
                                    fence=values["fence"])
    content = render_template("critic", question=question, code=code.rstrip("\n"),
                              language=values["language"], fence=values["fence"])
    return (Message("user", content),)


def reviser_messages(problem: Problem, code: str | None, feedback: str,
                     language: Language) -> tuple[Message, ...]:
    """The prompt asking for a corrected solution, given the previous code and what was wrong."""
    previous = code.rstrip("\n") if code else "(the previous answer contained no code)"
    content = render_template("reviser", question=question_text(problem), io_note=_io_note(problem, language),
                              code=previous, feedback=feedback.strip(), **_language_values(language))
    return (Message("user", content),)
