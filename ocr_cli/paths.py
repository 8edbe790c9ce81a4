"""Where ocr keeps its files: config, transcripts, REPL history, downloaded models.

Directories follow the platform's conventions (platformdirs). `OCR_HOME` puts all of them under one
folder (tests use it); `OCR_CONFIG` names the config file itself.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "ocr"


def _home() -> Path | None:
    home = os.environ.get("OCR_HOME")
    return Path(home).expanduser() if home else None


def config_dir() -> Path:
    """The folder of the config file."""
    home = _home()
    if home is not None:
        return home / "config"
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    """The folder of the transcript database and REPL history."""
    home = _home()
    if home is not None:
        return home / "data"
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def models_dir() -> Path:
    """The folder `ocr models pull` downloads into (`OCR_MODELS_DIR` overrides)."""
    explicit = os.environ.get("OCR_MODELS_DIR")
    if explicit:
        return Path(explicit).expanduser()
    return data_dir() / "models"


def config_file() -> Path:
    """The TOML config file (it need not exist)."""
    explicit = os.environ.get("OCR_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    return config_dir() / "config.toml"


def transcripts_db() -> Path:
    """The SQLite database of logged runs."""
    return data_dir() / "transcripts.sqlite3"


def history_file() -> Path:
    """The REPL's input history."""
    return data_dir() / "repl_history"
