"""Keep llama.cpp's own log output off the terminal unless `--verbose`.

llama.cpp logs through one global callback. ocr installs its own: when quiet it keeps the last
error lines (so a load failure can be explained in one line) and prints nothing; when verbose it
forwards everything to stderr.
"""

from __future__ import annotations

import collections
import ctypes
import sys
import threading
from typing import Any

_GGML_LOG_LEVEL_ERROR = 4  # ggml_log_level: NONE 0, DEBUG 1, INFO 2, WARN 3, ERROR 4, CONT 5
_lock = threading.Lock()
_state: dict[str, Any] = {"verbose": False, "installed": None}
_recent_errors: collections.deque[str] = collections.deque(maxlen=20)


def _callback(level: int, text: bytes | None, _user_data: Any) -> None:
    message = (text or b"").decode("utf-8", errors="replace")
    if _state["verbose"]:
        sys.stderr.write(message)
        sys.stderr.flush()
    elif level == _GGML_LOG_LEVEL_ERROR and message.strip():
        _recent_errors.append(message.strip())


def install_log_handler(verbose: bool) -> None:
    """Route llama.cpp's log through ocr (quiet unless verbose). Safe to call repeatedly."""
    import llama_cpp

    with _lock:
        _state["verbose"] = verbose
        if _state["installed"] is None:
            # Importing llama_cpp's logger module installs its callback; ours replaces it. The
            # ctypes callback object must stay referenced for as long as llama.cpp may call it.
            import llama_cpp._logger

            handler = llama_cpp.llama_log_callback(_callback)
            llama_cpp.llama_log_set(handler, ctypes.c_void_p(0))
            _state["installed"] = handler


def explain_failure(default: str) -> str:
    """The most telling error line llama.cpp logged since the last call (or `default`)."""
    lines = take_recent_errors()
    for line in lines:
        if "error" in line.lower():
            return line.split("error loading model:")[-1].strip()
    return lines[0] if lines else default


def take_recent_errors() -> list[str]:
    """The error lines llama.cpp logged since the last call (and forget them)."""
    with _lock:
        lines = list(_recent_errors)
        _recent_errors.clear()
        return lines
