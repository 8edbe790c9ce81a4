"""The one tree of ocr's exceptions.

    OcrError                      exit code 2 unless said otherwise
    ├── ConfigError               a bad config file, environment variable or option value
    ├── ProblemError              an empty, binary or unreadable problem or test folder
    ├── ModelError                a missing, corrupt or unknown model file or preset
    ├── EngineError               a model runtime failure (llama.cpp, HTTP server, script)
    │   └── ServerError           an OpenAI-compatible server that is down, refuses or drops
    ├── JudgeError                the judge itself failed (not the solution: that is a verdict)
    └── StorageError              the transcript database cannot be read or written

Errors carry what they concern (a path, a setting) and never print themselves: only the CLI turns
them into one line and an exit code. Verdicts such as WA or TLE are data, never exceptions.
"""

from __future__ import annotations

from pathlib import Path

#: The exit codes of every `ocr` command (README, docs/usage.md); the one home of these numbers.
EXIT_OK = 0
EXIT_FAILED = 1  # a negative outcome: not accepted, a failing test, no samples found
EXIT_USAGE = 2  # a usage or input error (every OcrError unless it says otherwise)
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, as shells report it)


class OcrError(Exception):
    """Base of every error ocr reports to the user as one line."""

    exit_code: int = EXIT_USAGE

    def __init__(self, message: str, *, path: str | Path | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.path}: {self.message}" if self.path else self.message
        return f"{text} ({self.hint})" if self.hint else text


class ConfigError(OcrError):
    """A bad configuration file, environment variable or option value."""


class ProblemError(OcrError):
    """A problem statement or test folder that cannot be used."""


class ModelError(OcrError):
    """A model file or preset that is missing, corrupt or unknown."""


class EngineError(OcrError):
    """A failure of the model runtime itself."""


class ServerError(EngineError):
    """An OpenAI-compatible server that is unreachable, refuses the request or drops the stream."""


class JudgeError(OcrError):
    """The judge could not run a solution (a failure of ocr or the machine, not of the solution)."""


class StorageError(OcrError):
    """The transcript database cannot be opened, read or written."""
