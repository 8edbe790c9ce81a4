"""The worker-thread bridge between blocking callbacks and the solver's event generator."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from ocr_cli.solve.streaming import stream_from_worker


def drain(gen):  # type: ignore[no-untyped-def]
    items = []
    while True:
        try:
            items.append(next(gen))
        except StopIteration as stop:
            return items, stop.value


def test_yields_emitted_items_and_returns_the_value() -> None:
    def work(emit: Callable[[int], None]) -> str:
        for i in range(3):
            emit(i)
        return "done"

    assert drain(stream_from_worker(work, threading.Event())) == ([0, 1, 2], "done")


def test_worker_exception_is_reraised_on_the_consumer() -> None:
    def work(emit: Callable[[int], None]) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        drain(stream_from_worker(work, threading.Event()))


def test_closing_early_sets_cancel_and_outside_cancel_is_passed_on() -> None:
    cancel = threading.Event()

    def work(emit: Callable[[int], None]) -> int:
        emit(1)
        cancel.wait(5)
        return 0

    gen = stream_from_worker(work, cancel)
    assert next(gen) == 1
    gen.close()
    assert cancel.is_set()

    inner, outside = threading.Event(), threading.Event()
    outside.set()

    def waits(emit: Callable[[int], None]) -> bool:
        return inner.wait(5)

    assert drain(stream_from_worker(waits, inner, outside)) == ([], True)
