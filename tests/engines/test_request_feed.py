"""`RequestFeed`: requests handed to an engine while it decodes others."""

from __future__ import annotations

import threading

import pytest

from ocr_cli.engines.base import GenerationRequest, Message
from ocr_cli.engines.request_feed import RequestFeed

REQUEST = GenerationRequest((Message("user", "hi"),))


def test_requests_come_out_in_order_with_their_keys_and_none_once_closed_and_drained() -> None:
    feed = RequestFeed()
    assert feed.take() == []  # open and empty: nothing yet, more may come
    assert [feed.submit(REQUEST) for _ in range(3)] == [0, 1, 2]
    assert [key for key, _ in feed.take(limit=2) or []] == [0, 1]
    feed.close()
    assert [key for key, _ in feed.take() or []] == [2]  # what was queued is still taken
    assert feed.take(wait=True) is None
    with pytest.raises(ValueError, match="closed"):
        feed.submit(REQUEST)


def test_a_waiting_take_wakes_for_a_submit_and_for_a_cancel() -> None:
    feed = RequestFeed()
    got: list[object] = []
    taker = threading.Thread(target=lambda: got.append(feed.take(wait=True)))
    taker.start()
    feed.submit(REQUEST)
    taker.join(60)
    assert got and [key for key, _ in got[0] or []] == [0]  # type: ignore[attr-defined]
    cancel = threading.Event()
    cancel.set()
    assert feed.take(wait=True, cancel=cancel) == []  # open, empty, cancelled: returns at once
