"""Strict rendering of the prompt templates: `${name}` placeholders, every one must be given."""

from __future__ import annotations

import string
from functools import cache
from importlib import resources


class PromptTemplateError(KeyError):
    """A template that is unknown, or rendered with a missing or unused variable (a bug in ocr)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "prompt template error"


@cache
def _load(name: str) -> string.Template:
    try:
        folder = resources.files("ocr_cli.prompts").joinpath("templates")
        text = folder.joinpath(f"{name}.txt").read_text("utf-8")
    except FileNotFoundError:
        raise PromptTemplateError(f"no prompt template named {name!r}") from None
    return string.Template(text)


def template_names() -> list[str]:
    """The names of the shipped templates."""
    folder = resources.files("ocr_cli.prompts").joinpath("templates")
    return sorted(entry.name.removesuffix(".txt") for entry in folder.iterdir()
                  if entry.name.endswith(".txt"))


def template_variables(name: str) -> set[str]:
    """The placeholders a template uses."""
    template = _load(name)
    return {named or braced for _, named, braced, _ in template.pattern.findall(template.template)
            if named or braced}


def render_template(name: str, **values: str) -> str:
    """Render a template; a missing or an unexpected variable raises PromptTemplateError."""
    template = _load(name)
    wanted = template_variables(name)
    missing = wanted - values.keys()
    if missing:
        raise PromptTemplateError(f"template {name!r} needs {', '.join(sorted(missing))}")
    extra = values.keys() - wanted
    if extra:
        raise PromptTemplateError(f"template {name!r} has no {', '.join(sorted(extra))}")
    return template.substitute(values)
