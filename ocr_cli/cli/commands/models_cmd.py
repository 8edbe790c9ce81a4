"""`ocr models`: list the presets (and which are downloaded), inspect a GGUF, pull a preset."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from ocr_cli import paths
from ocr_cli.cli.console import make_console
from ocr_cli.errors import EXIT_INTERRUPTED
from ocr_cli.models.presets import Preset, load_presets
from ocr_cli.models.registry import find_preset, is_present, preset_path

app = typer.Typer(no_args_is_help=True, help="List, inspect and download models.")


def _size(n: int | None) -> str:
    if n is None:
        return "?"
    value = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{n} B"


def _preset_row(preset: Preset) -> dict[str, Any]:
    present = is_present(preset)
    try:
        location = str(preset_path(preset))
    except Exception:
        location = None
    return {
        "name": preset.name, "repo": preset.repo, "file": preset.file, "size_bytes": preset.size_bytes,
        "quantization": preset.quantization, "context_length": preset.context_length, "roles": preset.roles,
        "reasoning": preset.reasoning, "max_tokens": preset.max_tokens, "embedded": preset.embedded,
        "present": present, "path": location if present else None, "critic": preset.critic_advice,
        "notes": preset.notes,
    }


@app.command("list")
def list_models(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The presets, and which of them are on this machine."""
    rows = [_preset_row(p) for p in load_presets().values()]
    if as_json:
        print(json.dumps({"models_dir": str(paths.models_dir()), "presets": rows}, indent=2))
        return
    console = make_console()
    table = Table()
    table.add_column("name", no_wrap=True)
    for column in ("here", "size", "quant", "ctx", "roles", "reasoning"):
        table.add_column(column, no_wrap=True)
    for row in rows:
        here = "embedded" if row["embedded"] else ("yes" if row["present"] else "-")
        table.add_row(row["name"], here, _size(row["size_bytes"]), row["quantization"] or "?",
                      str(row["context_length"]), row["roles"], "yes" if row["reasoning"] else "no")
    console.print(table)
    console.print(f"models folder: {paths.models_dir()}")
    console.print("download one with `ocr models pull NAME`; repositories and notes: "
                  "`ocr models list --json`")


def _resolve_file(target: str) -> tuple[Path, Preset | None]:
    candidate = Path(target).expanduser()
    if candidate.exists() or target.lower().endswith(".gguf") or "/" in target:
        return candidate, None
    preset = find_preset(target)
    return preset_path(preset), preset


@app.command("info")
def info(
    target: str = typer.Argument(..., help="A .gguf path or a preset name."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """What a GGUF file's header says: architecture, parameters, quantization, context, template."""
    from ocr_cli.models.gguf_info import read_gguf_info

    path, preset = _resolve_file(target)
    downloaded = path.is_file()
    if preset is None or downloaded:
        summary = read_gguf_info(path).summary()
    else:  # what the preset says, until the file is here to read
        summary = {"path": str(path), "quantization": preset.quantization,
                   "context_length": preset.context_length, "file_size": preset.size_bytes}
    summary["downloaded"] = downloaded
    if preset is not None:
        summary["preset"] = preset.name
        summary["repo"] = preset.repo
        summary["sampling"] = (f"temperature {preset.temperature}, top_p {preset.top_p}, "
                               f"top_k {preset.top_k}, min_p {preset.min_p}, max_tokens {preset.max_tokens}")
        summary["roles"] = preset.roles
        summary["critic"] = preset.critic_advice
        summary["notes"] = preset.notes
    if as_json:
        print(json.dumps(summary, indent=2))
        return
    console = make_console()
    table = Table("field", "value", show_header=False)
    labels = [("name", "name"), ("architecture", "architecture"), ("parameters", "parameters"),
              ("size_label", "size label"), ("quantization", "quantization"),
              ("context_length", "training context"), ("layers", "layers"),
              ("chat_template", "chat template"), ("file_size", "file size"),
              ("gguf_version", "GGUF version"), ("tensors", "tensors"), ("path", "path"),
              ("downloaded", "downloaded")]
    if preset is not None:
        labels += [("preset", "preset"), ("repo", "repo"), ("sampling", "recommended"), ("roles", "roles"),
                   ("critic", "critic to run"), ("notes", "notes")]
    for key, label in labels:
        if key not in summary:  # not downloaded: only what the preset says
            continue
        value = summary.get(key)
        if key == "parameters" and isinstance(value, int):
            text = f"{value:,} ({value / 1e9:.2f} B)" if value >= 1e8 else f"{value:,}"
        elif key == "file_size" and isinstance(value, int):
            text = f"{_size(value)} ({value:,} bytes)"
        elif key == "downloaded":
            text = "yes" if value else f"no: ocr models pull {preset.name if preset else target}"
        elif key == "chat_template":
            text = "present" if value else "absent (pass --tokenizer FOLDER)"
        else:
            text = "?" if value is None else str(value)
        table.add_row(label, text)
    console.print(table)


@app.command("pull")
def pull(
    name: str = typer.Argument(..., help="A preset name (see `ocr models list`)."),
    force: bool = typer.Option(False, "--force", help="Download again even if the file is present."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="No progress bar."),
) -> None:
    """Download a preset's GGUF into the models folder (an interrupted download resumes)."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

    from ocr_cli.models.pull import pull_preset

    preset = find_preset(name)
    console = make_console(quiet=quiet, stderr=True)
    with Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                  TransferSpeedColumn(), console=console, disable=quiet or not console.is_terminal) as bar:
        task = bar.add_task(preset.file, total=preset.size_bytes)

        def on_progress(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        try:
            result = pull_preset(preset, progress=on_progress, force=force)
        except KeyboardInterrupt:
            console.print("interrupted: run the same command again to resume")
            raise typer.Exit(EXIT_INTERRUPTED) from None
    out = make_console(quiet=quiet)
    if result.already_present:
        out.print(f"{preset.name} is already here: {result.path}")
    else:
        resumed = f", resumed at {_size(result.resumed_from)}" if result.resumed_from else ""
        out.print(f"downloaded {preset.name} ({_size(result.size)}{resumed}) to {result.path}")
