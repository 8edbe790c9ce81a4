"""Run blocking work (a model batch, a judge run) on a worker thread and yield what it emits.

The solver is a generator of events, but engines and the judge report progress through callbacks
while they block. `stream_from_worker` bridges the two: the work runs on a thread, its emitted events
are yielded as they come, and its return value is the generator's return value (`yield from`).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator
from typing import TypeVar

T = TypeVar("T")
E = TypeVar("E")
_DONE = object()


def stream_from_worker(work: Callable[[Callable[[E], None]], T], cancel: threading.Event,
                       outside_cancel: threading.Event | None = None,
                       on_start: Callable[[threading.Thread], None] | None = None) -> Generator[E, None, T]:
    """Yield what `work(emit)` emits until it returns; return its value, or re-raise its exception.

    `outside_cancel` being set is passed on to `cancel` (which the work watches). When the consumer
    stops early (Ctrl-C, or closing the generator), `cancel` is set so that the work stops soon;
    `on_start` is given the worker thread, so the owner can wait for it before closing an engine.
    """
    events: queue.SimpleQueue[object] = queue.SimpleQueue()
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["value"] = work(events.put)
        except BaseException as exc:  # re-raised on the consumer's thread
            box["error"] = exc
        finally:
            events.put(_DONE)

    worker = threading.Thread(target=target, name="ocr-solve-worker", daemon=True)
    worker.start()
    if on_start is not None:
        on_start(worker)
    done = False
    try:
        while True:
            if outside_cancel is not None and outside_cancel.is_set():
                cancel.set()  # looked at on every event too: a busy stream never goes quiet
            try:
                item = events.get(timeout=0.1)
            except queue.Empty:
                continue
            if item is _DONE:
                done = True
                break
            yield item  # type: ignore[misc]
    finally:
        if not done:
            cancel.set()
    worker.join()
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]
