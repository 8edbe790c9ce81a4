"""The prompts ocr sends: generator, critic, reviser, brute-force and input-generator templates
(text files in `templates/`)."""

from ocr_cli.prompts.builders import (
    brute_messages,
    critic_messages,
    generator_messages,
    input_generator_messages,
    reviser_messages,
)
from ocr_cli.prompts.render import PromptTemplateError, render_template, template_names

__all__ = [
    "PromptTemplateError",
    "brute_messages",
    "critic_messages",
    "generator_messages",
    "input_generator_messages",
    "render_template",
    "reviser_messages",
    "template_names",
]
