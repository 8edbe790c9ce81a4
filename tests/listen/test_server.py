"""The listener, through real HTTP requests on 127.0.0.1 with the extension's own payloads."""

from __future__ import annotations

import http.client
import json
import queue
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ocr_cli.listen import (
    BatchComplete,
    Listener,
    ListenError,
    ListenEvent,
    ProblemReceived,
    RequestRejected,
)
from ocr_cli.problem.loader import load_problem
from ocr_cli.problem.testdirs import load_tests

FIXTURES = Path(__file__).with_name("fixtures")
WAIT_S = 30.0  # generous: only a bound, never a measurement


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture
def listening(tmp_path: Path) -> Iterator[tuple[Listener, queue.Queue[ListenEvent], Path]]:
    events: queue.Queue[ListenEvent] = queue.Queue()
    root = tmp_path / "contest"
    with Listener(root, [0], on_event=events.put) as listener:
        yield listener, events, root


def request(port: int, method: str, body: bytes | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT_S)
    try:
        connection.request(method, "/", body=body, headers=headers or {"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def raw(port: int, data: bytes, *, shut: bool = False) -> str:
    """Send bytes as they are; the whole answer, up to the server's close."""
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT_S) as sock:
        sock.sendall(data)
        if shut:
            sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(4096):
            chunks.append(chunk)
    return b"".join(chunks).decode()


def post(port: int, payload: object) -> tuple[int, str]:
    return request(port, "POST", json.dumps(payload).encode())


def next_event(events: queue.Queue[ListenEvent]) -> ListenEvent:
    return events.get(timeout=WAIT_S)


def test_a_problem_becomes_a_folder_that_ocr_reads(listening: Any) -> None:
    listener, events, root = listening
    payload = fixture("codeforces-normal.json")
    status, text = post(listener.ports[0], payload)
    assert status == 200, text
    event = next_event(events)
    assert isinstance(event, ProblemReceived)
    assert event.payload.name == payload["name"]
    folder = event.folder
    assert folder.parent.parent == root.resolve()
    assert folder.name.startswith(folder.name.lower())
    # oj's names for the samples
    tests = load_tests(folder / "test")
    assert [t.name for t in tests] == [f"sample-{i}" for i in range(1, len(payload["tests"]) + 1)]
    assert tests[0].input == payload["tests"][0]["input"]
    assert tests[0].output == payload["tests"][0]["output"]
    # the problem JSON is what ocr solve/test read
    problem = load_problem(folder / "problem.json")
    assert problem.title == payload["name"]
    assert problem.time_limit_s == payload["timeLimit"] / 1000
    assert problem.memory_limit_mb == payload["memoryLimit"]
    assert len(problem.samples) == len(payload["tests"])
    meta = json.loads((folder / "meta.json").read_text())
    assert meta["url"] == payload["url"] and meta["interactive"] is False
    assert meta["time_limit_s"] == payload["timeLimit"] / 1000


def test_interactive_and_file_io_are_kept(listening: Any) -> None:
    listener, events, _ = listening
    assert post(listener.ports[0], fixture("codeforces-interactive.json"))[0] == 200
    event = next_event(events)
    assert isinstance(event, ProblemReceived) and event.payload.interactive
    assert json.loads((event.folder / "meta.json").read_text())["interactive"] is True
    assert load_problem(event.folder / "problem.json").interactive
    assert post(listener.ports[0], fixture("vjudge-file-io.json"))[0] == 200
    event = next_event(events)
    assert isinstance(event, ProblemReceived)
    meta = json.loads((event.folder / "meta.json").read_text())
    assert (meta["input_file"], meta["output_file"]) == ("input.txt", "output.txt")


def test_a_batch_is_reported_when_complete(listening: Any) -> None:
    listener, events, _ = listening
    problems = fixture("kilonova-contest.json")
    for payload in problems:
        assert post(listener.ports[0], payload)[0] == 200
    received = [next_event(events) for _ in problems]
    assert all(isinstance(e, ProblemReceived) for e in received)
    complete = next_event(events)
    assert isinstance(complete, BatchComplete)
    assert complete.batch_id == problems[0]["batch"]["id"]
    assert len(complete.folders) == len(problems) == 8
    assert len({f.parent for f in complete.folders}) == 1  # one contest folder
    contest = complete.folders[0].parent
    assert sorted(p.name for p in contest.iterdir()) == sorted(f.name for f in complete.folders)
    assert events.empty()


def test_the_same_problem_sent_twice_reuses_its_folder(listening: Any) -> None:
    listener, events, _ = listening
    payload = fixture("codeforces-normal.json")
    post(listener.ports[0], payload)
    first = next_event(events)
    changed = dict(payload, tests=payload["tests"][:1])
    post(listener.ports[0], changed)
    second = next_event(events)
    assert isinstance(first, ProblemReceived) and isinstance(second, ProblemReceived)
    assert first.folder == second.folder
    assert sorted(p.name for p in (second.folder / "test").iterdir()) == ["sample-1.in", "sample-1.out"]
    other = dict(payload, url="https://codeforces.com/contest/1/problem/A")  # same name, another problem
    post(listener.ports[0], other)
    third = next_event(events)
    assert isinstance(third, ProblemReceived)
    assert third.folder != first.folder and third.folder.name == first.folder.name + "-2"


@pytest.mark.parametrize("name, group", [
    ("../../escape", "../.."),
    ("/etc/passwd", "/"),
    ("..", "."),
    ("a/../../b\\..\\c", "C:\\Windows"),
    ("CON", "nul"),
    ("\x00\x01", "\n"),
    ("x" * 5000, "y" * 5000),
    ("Задача А. Сумма", "Олимпиада"),
])
def test_crafted_names_stay_inside_the_folder(listening: Any, name: str, group: str) -> None:
    listener, events, root = listening
    status, text = post(listener.ports[0], {"name": name, "group": group, "url": "u",
                                            "tests": [{"input": "1\n", "output": "1\n"}]})
    event = next_event(events)
    if not name.strip():
        assert status == 400 and isinstance(event, RequestRejected)
        return
    assert status == 200, text
    assert isinstance(event, ProblemReceived)
    folder = event.folder.resolve()
    assert folder.is_relative_to(root.resolve()) and folder != root.resolve()
    for part in folder.relative_to(root.resolve()).parts:
        assert part not in (".", "..") and 0 < len(part) <= 70
        assert part.lower() not in ("con", "nul") and "/" not in part and "\\" not in part
    assert (folder / "test" / "sample-1.in").read_text() == "1\n"
    written = [p for p in root.parent.rglob("*") if p.is_file()]
    assert all(p.resolve().is_relative_to(root.resolve()) for p in written)


def test_a_planted_symlink_is_not_followed(listening: Any, tmp_path: Path) -> None:
    listener, events, root = listening
    outside = tmp_path / "outside"
    outside.mkdir()
    root.mkdir(parents=True, exist_ok=True)
    (root / "problem").symlink_to(outside, target_is_directory=True)
    assert post(listener.ports[0], {"name": "Problem", "tests": []})[0] == 200
    event = next_event(events)
    assert isinstance(event, ProblemReceived)
    assert event.folder.name == "problem-2"
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("body, reason", [
    (b"{not json", "not JSON"),
    (b"\xff\xfe", "UTF-8"),
    (b"[1, 2]", "JSON object"),
    (b'{"group": "x"}', "`name`"),
    (b'{"name": "A", "tests": [{"input": 1}]}', "test 1"),
    (b'{"name": "A", "tests": {}}', "`tests`"),
    (b'{"name": "A", "timeLimit": "fast"}', "`timeLimit`"),
    (b'{"name": "A", "interactive": "yes"}', "`interactive`"),
    (b'{"name": "A", "batch": {"id": "b", "size": 0}}', "batch.size"),
    (b'{"name": "A", "input": {"type": "file"}}', "fileName"),
])
def test_bad_bodies_get_400_with_a_reason(listening: Any, body: bytes, reason: str) -> None:
    listener, events, root = listening
    status, text = request(listener.ports[0], "POST", body)
    assert status == 400
    assert reason in text and "\n" not in text.strip()
    event = next_event(events)
    assert isinstance(event, RequestRejected) and reason in event.reason
    assert not root.exists() or not any(root.iterdir())


def test_wrong_method_oversize_and_missing_length(listening: Any) -> None:
    listener, events, _ = listening
    port = listener.ports[0]
    for method in ("GET", "PUT", "DELETE", "OPTIONS"):
        status, text = request(port, method)
        assert status == 405 and "POST" in text
    # over 5 MB: refused from the header, before the body is read
    head = b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
    answer = raw(port, head + b"Content-Length: 6000000\r\n\r\n")
    assert answer.startswith("HTTP/1.1 413") and answer.endswith("body over 5 MB\n")
    assert raw(port, head + b"\r\n").startswith("HTTP/1.1 411")
    assert raw(port, head + b"Content-Length: 100\r\n\r\n{\"na",
               shut=True).startswith("HTTP/1.1 400")  # the body cut short
    rejected = [next_event(events) for _ in range(7)]
    statuses = sorted(e.status for e in rejected if isinstance(e, RequestRejected))
    assert statuses == [400, 405, 405, 405, 405, 411, 413]
    # and the server still serves
    assert post(port, fixture("codeforces-normal.json"))[0] == 200
    assert isinstance(next_event(events), ProblemReceived)


def test_a_folder_that_cannot_be_made_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(ListenError, match="problems folder"):
        Listener(tmp_path / "file" / "sub", [0]).start()


def test_web_pages_cannot_post(listening: Any) -> None:
    """A page's cross-site form or text/plain POST, or one through a name rebound to 127.0.0.1."""
    listener, events, _ = listening
    body = json.dumps(fixture("codeforces-normal.json")).encode()
    port = listener.ports[0]
    for kind in ("text/plain", "application/x-www-form-urlencoded", None):
        status, text = request(port, "POST", body, {"Content-Type": kind} if kind else {"Accept": "*/*"})
        assert status == 415 and "application/json" in text
    status, text = request(port, "POST", body, {"Content-Type": "application/json",
                                                "Host": f"evil.example:{port}"})
    assert status == 403 and "evil.example" in text
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}"):
        headers = {"Content-Type": "application/json; charset=utf-8", "Host": host}
        assert request(port, "POST", body, headers)[0] == 200
    rejected = [next_event(events) for _ in range(4)]
    assert [e.status for e in rejected if isinstance(e, RequestRejected)] == [415, 415, 415, 403]
    assert not any(isinstance(e, ProblemReceived) for e in rejected)


def test_only_loopback_and_port_in_use(tmp_path: Path) -> None:
    with Listener(tmp_path, [0]) as listener:
        port = listener.ports[0]
        with socket.socket() as probe:
            probe.settimeout(5)
            assert probe.connect_ex(("127.0.0.1", port)) == 0
        with pytest.raises(ListenError, match="--port"):
            Listener(tmp_path, [port]).start()
    # closed: the port is free again
    with Listener(tmp_path, [port]) as again:
        assert again.ports == [port]


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def test_several_ports_and_one_send_to_each(tmp_path: Path) -> None:
    events: queue.Queue[ListenEvent] = queue.Queue()
    with Listener(tmp_path, [0, 0]) as listener:
        assert len(listener.ports) == 1  # the same port twice is one port
    with Listener(tmp_path, _free_ports(2), on_event=events.put) as both:
        assert len(both.ports) == 2
        payload = fixture("codeforces-normal.json")
        for port in both.ports:  # the extension posts each problem to every port of its list
            assert post(port, payload)[0] == 200
        assert post(both.ports[0], payload)[0] == 200  # sent again later: a new send
        assert post(both.ports[1], fixture("vjudge-file-io.json"))[0] == 200
        names: list[str] = []
        while not names or names[-1] != "Lefthanders and Righthanders":
            event = next_event(events)
            assert isinstance(event, ProblemReceived)
            names.append(event.payload.name)
    assert names == [payload["name"], payload["name"], "Lefthanders and Righthanders"]
