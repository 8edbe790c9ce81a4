"""The brute-force and input-generator prompts say what they ask for; the others never do, so a
scripted engine (`when`) can tell the requests apart."""

from __future__ import annotations

from ocr_cli.language import Language
from ocr_cli.problem.types import Problem
from ocr_cli.prompts import (
    brute_messages,
    critic_messages,
    generator_messages,
    input_generator_messages,
    reviser_messages,
)

PROBLEM = Problem(statement="Print the sum of A and B.\n")


def test_brute_and_generator_prompts_name_their_job_and_carry_the_problem() -> None:
    brute = brute_messages(PROBLEM)[0].content
    generator = input_generator_messages(PROBLEM)[0].content
    assert "brute force" in brute and "reads the input" in brute and "Print the sum of A and B." in brute
    assert "input generator" in generator and "first command-line argument" in generator
    assert "Print the sum of A and B." in generator
    assert "brute force" not in generator and "input generator" not in brute


def test_draft_reviser_and_critic_prompts_contain_neither_phrase() -> None:
    for language in Language:
        texts = [generator_messages(PROBLEM, language)[0].content,
                 reviser_messages(PROBLEM, "print(1)", "It fails test 1.", language)[0].content,
                 critic_messages(PROBLEM, "print(1)", language)[0].content]
        for text in texts:
            assert "brute force" not in text and "input generator" not in text
