"""Tab completion of slash commands, their fixed arguments, model presets and paths."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prompt_toolkit.completion import CompleteEvent, Completer, Completion, PathCompleter
from prompt_toolkit.document import Document

from ocr_cli.repl.commands import COMMANDS


def preset_names() -> list[str]:
    """The model presets' names ([] when the presets cannot be read)."""
    try:
        from ocr_cli.models.presets import load_presets

        return sorted(load_presets())
    except Exception:  # completion must never break the prompt
        return []


class ReplCompleter(Completer):
    """Completes `/name`, then the command's first argument."""

    def __init__(self, presets: Callable[[], list[str]] = preset_names) -> None:
        self._presets = presets
        self._paths = PathCompleter(expanduser=True)

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
        text = document.text_before_cursor
        if not text.startswith("/") or "\n" in text:
            return
        if " " not in text:
            typed = text[1:].lower()
            for name, command in COMMANDS.items():
                if name.startswith(typed):
                    yield Completion("/" + name, start_position=-len(text), display_meta=command.help)
            return
        name, _, rest = text[1:].partition(" ")
        spec = COMMANDS.get(name.lower())
        if spec is None or " " in rest.strip():
            return
        word = rest.lstrip()
        choices = list(spec.choices)
        if name in ("model", "critic"):
            choices += self._presets()
        for choice in choices:
            if choice.startswith(word):
                yield Completion(choice, start_position=-len(word))
        if spec.path_argument and (word or not choices):
            yield from self._paths.get_completions(Document(word, len(word)), complete_event)
