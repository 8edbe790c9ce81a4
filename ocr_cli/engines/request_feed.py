"""`RequestFeed`: requests handed to an engine while it is already answering others.

Continuous batching, as llama-server's slots and vLLM do it: a caller opens a feed, submits the
requests it has (N drafts), and keeps submitting as its own work produces more (the critique of a
draft that has just passed its tests); the engine takes them as its slots free and reports each
result as soon as that request ends. The caller closes the feed once nothing more will come; the
engine returns when the feed is closed and every request taken has been answered.

A request's key is its submission order (0, 1, ...), used in chunk and result callbacks.
"""

from __future__ import annotations

import threading
from collections import deque

from ocr_cli.engines.base import GenerationRequest

#: How often a waiting engine looks at its cancel event.
POLL_S = 0.05


class RequestFeed:
    """A thread-safe queue of requests with a close: the caller submits, the engine takes."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._items: deque[tuple[int, GenerationRequest]] = deque()
        self._submitted = 0
        self._closed = False

    def submit(self, request: GenerationRequest) -> int:
        """Queue a request; its key. Raises ValueError once the feed is closed."""
        with self._cond:
            if self._closed:
                raise ValueError("the request feed is closed")
            key = self._submitted
            self._submitted += 1
            self._items.append((key, request))
            self._cond.notify_all()
            return key

    def close(self) -> None:
        """No more requests will come (those queued are still taken)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    @property
    def submitted(self) -> int:
        """Requests submitted so far."""
        with self._cond:
            return self._submitted

    def take(self, wait: bool = False, cancel: threading.Event | None = None,
             limit: int | None = None) -> list[tuple[int, GenerationRequest]] | None:
        """The queued requests (at most `limit`), in submission order; None once the feed is closed
        and empty. With `wait`, block until one comes, the feed closes or `cancel` is set (then
        an empty list)."""
        with self._cond:
            while wait and not self._items and not self._closed:
                if cancel is not None and cancel.is_set():
                    return []
                self._cond.wait(POLL_S)
            if not self._items:
                return None if self._closed else []
            count = len(self._items) if limit is None else min(limit, len(self._items))
            return [self._items.popleft() for _ in range(count)]
