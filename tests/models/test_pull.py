"""`ocr models pull` against a local stand-in for the Hugging Face Hub (HF_ENDPOINT), never the internet."""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from ocr_cli import paths
from ocr_cli.cli.app import main
from ocr_cli.errors import ModelError
from ocr_cli.models.presets import Preset
from ocr_cli.models.pull import part_path, pull_preset

from .conftest import gguf_bytes

COMMIT = "0123456789abcdef0123456789abcdef01234567"


@dataclass
class FakeHub:
    url: str
    files: dict[str, bytes]
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)  # method, path, Range


def _handler(hub: FakeHub) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _serve(self, body: bool) -> None:
            hub.requests.append((self.command, self.path, self.headers.get("Range")))
            data = hub.files.get(self.path.split("?")[0])
            if data is None:
                self.send_response(404)
                self.send_header("X-Error-Code", "EntryNotFound")
                self.send_header("X-Error-Message", "Entry not found")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            start = 0
            ranged = self.headers.get("Range")
            if ranged and ranged.startswith("bytes="):
                start = int(ranged[len("bytes="):].split("-")[0])
            self.send_response(206 if start else 200)
            self.send_header("ETag", f'"{hashlib.sha256(data).hexdigest()}"')
            self.send_header("X-Repo-Commit", COMMIT)
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Content-Length", str(len(data) - start))
            if start:
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            self.end_headers()
            if body:
                self.wfile.write(data[start:])

        def do_HEAD(self) -> None:
            self._serve(body=False)

        def do_GET(self) -> None:
            self._serve(body=True)

    return Handler


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(FakeHub("", {})))
    fake = FakeHub(f"http://127.0.0.1:{server.server_address[1]}", {})
    server.RequestHandlerClass = _handler(fake)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("HF_ENDPOINT", fake.url)
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    yield fake
    server.shutdown()
    server.server_close()


PRESET = Preset(name="tiny-test", repo="someone/tiny-GGUF", file="tiny.Q4_0.gguf")


def _serve_model(hub: FakeHub, size_floats: int = 20_000) -> bytes:
    data = gguf_bytes({"general.architecture": "llama", "llama.context_length": 2048}, size_floats)
    hub.files[f"/{PRESET.repo}/resolve/main/{PRESET.file}"] = data
    return data


def test_pull_downloads_with_progress(hub: FakeHub) -> None:
    data = _serve_model(hub)
    seen: list[tuple[int, int | None]] = []
    result = pull_preset(PRESET, progress=lambda done, total: seen.append((done, total)))
    assert result.path == paths.models_dir() / PRESET.file
    assert result.path.read_bytes() == data
    assert result.downloaded == len(data) and result.resumed_from == 0
    assert seen[-1] == (len(data), len(data))
    assert not part_path(result.path).exists()
    assert pull_preset(PRESET).already_present


def test_pull_resumes_a_partial_download(hub: FakeHub) -> None:
    data = _serve_model(hub)
    destination = paths.models_dir() / PRESET.file
    destination.parent.mkdir(parents=True)
    half = len(data) // 2
    part_path(destination).write_bytes(data[:half])
    result = pull_preset(PRESET)
    assert result.resumed_from == half
    assert result.downloaded == len(data) - half
    assert destination.read_bytes() == data
    gets = [r for r in hub.requests if r[0] == "GET"]
    assert gets[-1][2] == f"bytes={half}-"


def test_pull_missing_file_is_a_model_error(hub: FakeHub) -> None:
    with pytest.raises(ModelError, match="does not exist on the hub"):
        pull_preset(PRESET)


def test_pull_refuses_a_non_gguf_download(hub: FakeHub) -> None:
    hub.files[f"/{PRESET.repo}/resolve/main/{PRESET.file}"] = b"<html>login required</html>"
    with pytest.raises(ModelError, match="not a usable GGUF"):
        pull_preset(PRESET)
    assert not (paths.models_dir() / PRESET.file).exists()


def test_pull_via_cli(hub: FakeHub, capsys: pytest.CaptureFixture[str]) -> None:
    from ocr_cli.models.registry import find_preset

    preset = find_preset("ocr-nemotron-7b-q3")
    data = gguf_bytes({"general.architecture": "qwen2"}, 1000)
    hub.files[f"/{preset.repo}/resolve/main/{preset.file}"] = data
    with pytest.raises(SystemExit) as caught:
        main(["models", "pull", preset.name, "--quiet"])
    assert caught.value.code in (0, None)
    assert (paths.models_dir() / preset.file).read_bytes() == data
    assert "downloaded ocr-nemotron-7b-q3" in capsys.readouterr().out


def test_pull_unknown_preset_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["models", "pull", "no-such-model"])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("ocr: error:") and "Traceback" not in err


def test_a_resumed_download_is_verified_whole_and_a_corrupt_one_deleted(hub: FakeHub) -> None:
    data = _serve_model(hub)
    destination = paths.models_dir() / PRESET.file
    destination.parent.mkdir(parents=True)
    half = len(data) // 2
    corrupt = bytearray(data[:half])
    corrupt[half // 2] ^= 0xFF  # one flipped byte in the part fetched earlier: the header still reads
    part_path(destination).write_bytes(bytes(corrupt))
    with pytest.raises(ModelError, match="sha256 checksum") as info:
        pull_preset(PRESET)
    assert f"resumed at byte {half:,}" in str(info.value)
    assert not destination.exists() and not part_path(destination).exists()
    result = pull_preset(PRESET)  # the next pull starts over and succeeds
    assert result.resumed_from == 0 and result.verified == "sha256"
    assert destination.read_bytes() == data


def test_a_partial_download_of_another_revision_is_not_continued(hub: FakeHub) -> None:
    data = _serve_model(hub)
    destination = paths.models_dir() / PRESET.file
    destination.parent.mkdir(parents=True)
    part_path(destination).write_bytes(b"x" * 100)
    part_path(destination).with_name(part_path(destination).name + ".etag").write_text('"' + "0" * 64 + '"')
    result = pull_preset(PRESET)
    assert result.resumed_from == 0 and destination.read_bytes() == data
    assert [r[2] for r in hub.requests if r[0] == "GET"] == [None]  # no Range: started over


def test_checksums_the_hub_can_promise() -> None:
    from ocr_cli.models.pull import expected_digest, file_digest

    assert expected_digest('"' + "ab" * 32 + '"') == ("sha256", "ab" * 32)
    assert expected_digest('W/"' + "cd" * 20 + '"') == ("git-sha1", "cd" * 20)
    assert expected_digest('"abc-123"') is None and expected_digest(None) is None
    path = paths.models_dir()
    path.mkdir(parents=True)
    (path / "f").write_bytes(b"hello\n")
    # what `git hash-object` prints for the same content
    assert file_digest(path / "f", "git-sha1") == "ce013625030ba8dba906f756967f9e9ca394464a"
    assert file_digest(path / "f", "sha256") == hashlib.sha256(b"hello\n").hexdigest()
