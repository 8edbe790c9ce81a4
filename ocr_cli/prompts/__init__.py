"""The prompts ocr sends: generator, critic and reviser templates (text files in `templates/`)."""

from ocr_cli.prompts.builders import critic_messages, generator_messages, reviser_messages
from ocr_cli.prompts.render import PromptTemplateError, render_template, template_names

__all__ = [
    "PromptTemplateError",
    "critic_messages",
    "generator_messages",
    "render_template",
    "reviser_messages",
    "template_names",
]
