"""The prompt templates render exactly and strictly."""

from __future__ import annotations

import pytest

from ocr_cli.language import Language
from ocr_cli.problem.types import Problem
from ocr_cli.prompts import (
    PromptTemplateError,
    critic_messages,
    generator_messages,
    render_template,
    reviser_messages,
)

PROBLEM = Problem(statement="Print the sum of A and B.\n")


def test_generator_prompt_is_the_papers_prompt_with_the_io_note() -> None:
    (message,) = generator_messages(PROBLEM, Language.PYTHON)
    assert message.role == "user"
    assert message.content == (
        "You are a helpful and harmless assistant. You should think step-by-step before responding to "
        "the instruction below.\n\nPlease use python programming language only.\n\nYou must use ```python "
        "for just the final solution code block with the following format:\n```python\n# Your code here\n"
        "```\n\nPrint the sum of A and B.\n\nRead the input from standard input and write the output to "
        "standard output.")
    cpp = generator_messages(PROBLEM, Language.CPP)[0].content
    assert "Please use c++ programming language only." in cpp
    assert "```cpp\n// Your code here\n```" in cpp


def test_interactive_problems_get_no_stdio_note() -> None:
    text = generator_messages(Problem(statement="Guess.", interactive=True), Language.PYTHON)[0].content
    assert "standard input" not in text


def test_critic_sees_problem_and_code_and_is_told_the_verdict_format() -> None:
    text = critic_messages(PROBLEM, "print(1)\n", Language.PYTHON)[0].content
    assert "Print the sum of A and B." in text
    assert "```python\nprint(1)\n```" in text
    assert "<judgement>right</judgement>" in text and "<judgement>wrong</judgement>" in text


def test_reviser_gets_previous_code_and_feedback() -> None:
    text = reviser_messages(PROBLEM, "print(0)\n", "Expected output:\n3", Language.PYTHON)[0].content
    assert "```python\nprint(0)\n```" in text
    assert text.endswith("## Feedback\n\nExpected output:\n3")
    assert "(the previous answer contained no code)" in reviser_messages(
        PROBLEM, None, "no code", Language.PYTHON)[0].content


def test_rendering_is_strict() -> None:
    with pytest.raises(PromptTemplateError, match="needs"):
        render_template("critic", question="q", code="c", language="python")
    with pytest.raises(PromptTemplateError, match="has no"):
        render_template("io_note", extra="x")
    with pytest.raises(PromptTemplateError, match="no prompt template"):
        render_template("nonexistent")


def test_statement_dollar_signs_are_not_placeholders() -> None:
    text = generator_messages(Problem(statement="Cost is $x and ${y}."), Language.PYTHON)[0].content
    assert "Cost is $x and ${y}." in text


def test_functional_problems_show_the_starter_code_instead_of_the_stdio_note() -> None:
    problem = Problem(statement="Return the indices of two numbers adding up to target.",
                      starter_code="class Solution:\n    def twoSum(self, nums, target):\n        ",
                      function_name="twoSum")
    for text in (generator_messages(problem, Language.PYTHON)[0].content,
                 reviser_messages(problem, "class Solution: ...", "WA", Language.PYTHON)[0].content):
        assert "```python\nclass Solution:\n    def twoSum(self, nums, target):\n        \n```" in text
        assert "standard input" not in text
        assert "completed class" in text
    critic = critic_messages(problem, "class Solution: ...", Language.PYTHON)[0].content
    assert "no input to read" in critic and "def twoSum(self, nums, target):" in critic
