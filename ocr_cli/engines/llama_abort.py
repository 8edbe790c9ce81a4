"""Stop llama.cpp in the middle of evaluating a prompt, on a cancel event or Ctrl-C.

Evaluating a long prompt (a critique of a 30K-token reasoning trace on a CPU) is one long C call
during which Python cannot react. llama.cpp polls an abort callback between graph nodes; this one
answers "stop" once the cancel event is set or a Ctrl-C arrived. While a prompt is evaluated on the
main thread, SIGINT only sets a flag (Python runs signal handlers inside the callback, and an
exception there would be lost); the previous handler is then called (by default it raises
KeyboardInterrupt) once the C call has returned. The callback is installed only while a prompt is
evaluated: during token-by-token generation the per-node Python call would cost more than it saves.
"""

from __future__ import annotations

import contextlib
import ctypes
import signal
import threading
from collections.abc import Iterator
from typing import Any


class PromptAbort:
    """The abort callback of one llama.cpp context."""

    def __init__(self, ctx: Any) -> None:
        import llama_cpp
        from llama_cpp import llama_cpp as bindings

        self._ctx = ctx
        self._set = bindings._lib.llama_set_abort_callback
        self._set.argtypes = [ctypes.c_void_p, llama_cpp.ggml_abort_callback, ctypes.c_void_p]
        self._set.restype = None
        self._callback = llama_cpp.ggml_abort_callback(self._should_abort)
        self._null = llama_cpp.ggml_abort_callback()
        self._cancel: threading.Event | None = None
        self.interrupted = False
        self.aborted = False

    def _should_abort(self, _data: Any) -> bool:
        try:
            if self._cancel is not None and self._cancel.is_set():
                self.aborted = True
            return self.aborted
        except BaseException:  # never let an exception escape into C
            self.interrupted = self.aborted = True
            return True

    def _on_sigint(self, _signum: int, _frame: Any) -> None:
        self.interrupted = self.aborted = True

    @contextlib.contextmanager
    def watching(self, cancel: threading.Event | None) -> Iterator[PromptAbort]:
        """Abort llama_decode calls made inside the block when `cancel` is set or on Ctrl-C."""
        self._cancel, self.interrupted, self.aborted = cancel, False, False
        previous: Any = None
        if (threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGINT) is not signal.SIG_IGN):
            with contextlib.suppress(ValueError):
                previous = signal.signal(signal.SIGINT, self._on_sigint)
        self._set(self._ctx, self._callback, None)
        try:
            yield self
        finally:
            self._set(self._ctx, self._null, None)
            self._cancel = None
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
        if self.interrupted:
            if callable(previous):
                previous(signal.SIGINT, None)
            raise KeyboardInterrupt
