"""Download a preset's GGUF file from the Hugging Face Hub into `paths.models_dir()`, resumably.

huggingface_hub 2.x's `hf_hub_download` resumes only within one process (its partial files have
per-process names and are deleted on failure), so an interrupted pull would start over. Here the
partial download is kept as `<file>.part` next to the destination and continued with an HTTP Range
request through huggingface_hub's own `http_get` (same headers, retries, endpoint: `HF_ENDPOINT`
or `endpoint=` points it at a mirror or a local stand-in).

Before the file gets its final name it is verified: its size against the hub's, its content against
the hub's checksum (the ETag of an LFS file is its SHA-256; of a small git file, its git blob SHA-1),
and its header with the GGUF reader. A resumed download is verified whole, the part fetched earlier
included; the ETag the partial download was started for is kept beside it (`<file>.part.etag`), so a
partial file of another revision is discarded rather than continued. A file that fails is deleted:
the next pull starts over.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocr_cli import paths
from ocr_cli.errors import ModelError
from ocr_cli.models.gguf_info import read_gguf_info
from ocr_cli.models.presets import Preset

#: Called with (bytes downloaded so far, total bytes or None).
ProgressFn = Callable[[int, "int | None"], None]


@dataclass(frozen=True)
class PullResult:
    """Where the file is, how big, and how much of it this pull fetched."""

    path: Path
    size: int
    downloaded: int
    resumed_from: int
    already_present: bool
    verified: str | None = None  # the checksum checked ("sha256", "git-sha1"), None when the hub gave none


def _progress_class(progress: ProgressFn | None) -> Any:
    """A tqdm-like class huggingface_hub's http_get drives, forwarding to `progress`."""

    class Progress:
        def __init__(self, *, total: int | None = None, initial: int = 0, **_kwargs: Any) -> None:
            self.total = total
            self.n = initial
            if progress is not None:
                progress(self.n, self.total)

        def update(self, n: int = 1) -> None:
            self.n += n
            if progress is not None:
                progress(self.n, self.total)

        def close(self) -> None:
            pass

        def __enter__(self) -> Progress:
            return self

        def __exit__(self, *exc: object) -> None:
            self.close()

    return Progress


def part_path(destination: Path) -> Path:
    """The partial-download file kept next to `destination`."""
    return destination.with_name(destination.name + ".part")


def _etag_path(partial: Path) -> Path:
    return partial.with_name(partial.name + ".etag")


def expected_digest(etag: str | None) -> tuple[str, str] | None:
    """(kind, hex digest) the hub's ETag promises: "sha256" for an LFS file, "git-sha1" for a file
    kept in git; None for anything else."""
    tag = (etag or "").strip().strip('"').lower()
    if tag.startswith("w/"):
        tag = tag[2:].strip('"')
    if re.fullmatch(r"[0-9a-f]{64}", tag):
        return "sha256", tag
    if re.fullmatch(r"[0-9a-f]{40}", tag):
        return "git-sha1", tag
    return None


def file_digest(path: Path, kind: str) -> str:
    """The digest of a file's content: SHA-256, or the SHA-1 of git's blob object for "git-sha1"."""
    digest = hashlib.sha256() if kind == "sha256" else hashlib.sha1(usedforsecurity=False)
    if kind == "git-sha1":
        digest.update(b"blob %d\0" % path.stat().st_size)
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def pull_preset(preset: Preset, *, progress: ProgressFn | None = None, endpoint: str | None = None,
                revision: str | None = None, force: bool = False) -> PullResult:
    """Download `preset.file` from `preset.repo` into the models folder, resuming a partial download."""
    if preset.embedded:
        from ocr_cli.models.embedded import embedded_model_path

        path = embedded_model_path()
        return PullResult(path, path.stat().st_size, 0, 0, already_present=True)
    destination = paths.models_dir() / preset.file
    if destination.is_file() and not force:
        return PullResult(destination, destination.stat().st_size, 0, 0, already_present=True)
    return download_file(preset.repo, preset.file, destination, progress=progress,
                         endpoint=endpoint, revision=revision)


def download_file(repo: str, filename: str, destination: Path, *, progress: ProgressFn | None = None,
                  endpoint: str | None = None, revision: str | None = None) -> PullResult:
    """Download one file of a Hub repository to `destination` (see the module docstring)."""
    from huggingface_hub import get_hf_file_metadata, hf_hub_url
    from huggingface_hub.errors import EntryNotFoundError, HfHubHTTPError, RepositoryNotFoundError
    from huggingface_hub.file_download import http_get
    from huggingface_hub.utils import build_hf_headers

    hub = endpoint or os.environ.get("HF_ENDPOINT") or None
    url = hf_hub_url(repo, filename, revision=revision, endpoint=hub)
    where = f"{repo}/{filename}"
    try:
        metadata = get_hf_file_metadata(url, endpoint=hub)
    except EntryNotFoundError:
        raise ModelError(f"{where} does not exist on the hub (the preset's file name may be wrong)",
                         hint="check the repository's file list") from None
    except RepositoryNotFoundError:
        raise ModelError(f"repository {repo} does not exist on the hub (or needs a login)") from None
    except HfHubHTTPError as exc:
        raise ModelError(f"cannot reach the hub for {where}: {exc}".splitlines()[0]) from None
    except OSError as exc:
        raise ModelError(f"cannot reach the hub for {where}: {exc}") from None
    total = metadata.size
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = part_path(destination)
    etag_file = _etag_path(partial)
    etag = (metadata.etag or "").strip()
    resumed = partial.stat().st_size if partial.is_file() else 0
    started_for = etag_file.read_text(encoding="utf-8").strip() if etag_file.is_file() else None
    other_revision = bool(started_for and etag and started_for != etag)
    if resumed and ((total is not None and resumed > total) or other_revision):
        partial.unlink()  # longer than the file, or part of another revision: start over
        resumed = 0
    try:
        if etag:
            etag_file.write_text(etag, encoding="utf-8")
        with partial.open("ab") as stream:
            if total is None or resumed < total:
                http_get(metadata.location, stream, resume_size=resumed, headers=build_hf_headers(),
                         expected_size=total, displayed_filename=filename,
                         tqdm_class=_progress_class(progress))
            elif progress is not None:
                progress(resumed, total)
    except HfHubHTTPError as exc:
        raise ModelError(f"download of {where} failed: {exc}".splitlines()[0],
                         hint="run the same command again to resume") from None
    except OSError as exc:
        raise ModelError(f"download of {where} failed: {exc}".splitlines()[0],
                         hint="run the same command again to resume") from None
    size = partial.stat().st_size
    verified = _verify(partial, total, metadata.etag, destination, resumed)
    partial.replace(destination)
    etag_file.unlink(missing_ok=True)
    return PullResult(destination, size, size - resumed, resumed, already_present=False, verified=verified)


def _verify(partial: Path, total: int | None, etag: str | None, destination: Path,
            resumed: int) -> str | None:
    """Check size, checksum and GGUF header of a finished download; delete it and raise ModelError
    when one fails. Returns the kind of checksum checked."""
    def discard(message: str) -> ModelError:
        partial.unlink(missing_ok=True)
        _etag_path(partial).unlink(missing_ok=True)
        where = f" (resumed at byte {resumed:,})" if resumed else ""
        return ModelError(f"{message}{where}; the download was deleted", path=destination,
                          hint="run the same command again to download it anew")

    size = partial.stat().st_size
    if total is not None and size != total:
        raise discard(f"the download has {size:,} bytes, the hub says {total:,}")
    expected = expected_digest(etag)
    if expected is not None:
        kind, digest = expected
        actual = file_digest(partial, kind)
        if actual != digest:
            raise discard(f"the download does not match the hub's {kind} checksum "
                          f"({actual[:12]}... instead of {digest[:12]}...)")
    try:
        read_gguf_info(partial)
    except ModelError as exc:
        raise discard(f"the downloaded file is not a usable GGUF: {exc.message}") from None
    return expected[0] if expected is not None else None
