"""The programming languages ocr writes and judges solutions in."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from ocr_cli.errors import ConfigError


class Language(str, Enum):
    """A solution language; the value is the spelling used by flags and JSON."""

    PYTHON = "python"
    CPP = "cpp"

    @property
    def display_name(self) -> str:
        """The name used when talking to a model ("python", "c++")."""
        return {"python": "python", "cpp": "c++"}[self.value]

    @property
    def fence_tags(self) -> tuple[str, ...]:
        """Markdown fence info strings that mark a code block in this language (first is canonical)."""
        if self is Language.PYTHON:
            return ("python", "py", "python3")
        return ("cpp", "c++", "cc", "cxx")

    @property
    def extension(self) -> str:
        """The usual file extension, with the dot."""
        return ".py" if self is Language.PYTHON else ".cpp"

    @classmethod
    def parse(cls, value: str) -> Language:
        """Read a flag value ("python", "py", "cpp", "c++"); raise ConfigError otherwise."""
        normalized = value.strip().lower()
        aliases = {"py": "python", "python3": "python", "c++": "cpp", "cxx": "cpp", "cc": "cpp"}
        normalized = aliases.get(normalized, normalized)
        try:
            return cls(normalized)
        except ValueError:
            raise ConfigError(f"unknown language {value!r} (choose python or cpp)") from None

    @classmethod
    def from_path(cls, path: str | Path) -> Language:
        """Guess the language from a file extension; raise ConfigError when it is not known."""
        suffix = Path(path).suffix.lower()
        if suffix == ".py":
            return cls.PYTHON
        if suffix in {".cpp", ".cc", ".cxx", ".c++", ".hpp"}:
            return cls.CPP
        raise ConfigError(f"cannot tell the language from {suffix or 'no extension'!r}; pass --lang",
                          path=path)
