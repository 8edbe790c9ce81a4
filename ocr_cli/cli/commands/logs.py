"""`ocr logs`: list, show, print the code of, and export logged runs."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.syntax import Syntax
from rich.table import Table

from ocr_cli.cli.console import make_console
from ocr_cli.errors import StorageError
from ocr_cli.storage.export import export_jsonl
from ocr_cli.storage.transcripts import TranscriptStore

app = typer.Typer(no_args_is_help=False, help="Transcripts of past runs.")


@app.callback(invoke_without_command=True)
def list_runs(
    ctx: typer.Context,
    limit: int = typer.Option(20, "-n", "--limit", min=1, help="How many runs to list."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List recent runs, newest first."""
    if ctx.invoked_subcommand is not None:
        return
    store = TranscriptStore()
    runs = store.list_runs(limit)
    if as_json:
        print(json.dumps([run.__dict__ for run in runs], indent=2))
        return
    console = make_console()
    if not runs:
        console.print(f"No runs logged yet ({store.path}).")
        return
    table = Table("id", "started", "command", "status", "problem", "lang", "strategy", "rounds", "tokens")
    for run in runs:
        table.add_row(str(run.id), run.started_at.replace("T", " ")[:19], run.command, run.status,
                      (run.problem_title or "")[:40], run.language or "", run.strategy or "",
                      "" if run.rounds is None else str(run.rounds), str(run.generated_tokens))
    console.print(table)


def _run_id(store: TranscriptStore, value: str) -> int:
    if value == "last":
        latest = store.latest_run_id()
        if latest is None:
            raise StorageError("no runs logged yet")
        return latest
    try:
        return int(value)
    except ValueError:
        raise StorageError(f"a run id is a number or 'last', not {value!r}") from None


@app.command("show")
def show(
    run: str = typer.Argument(..., help="Run id (or 'last')."),
    as_json: bool = typer.Option(False, "--json", help="Print the whole transcript as JSON."),
    reasoning: bool = typer.Option(False, "--reasoning", help="Also show the models' reasoning."),
) -> None:
    """Show one run: its candidates, verdicts, critiques and final code."""
    store = TranscriptStore()
    data = store.get_run(_run_id(store, run))
    if as_json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return
    console = make_console()
    console.print(f"[bold]Run {data['id']}[/] · {data['command']} · {data['status']} · "
                  f"{data['problem_title'] or 'untitled problem'} · {data['language']} · {data['strategy']}")
    console.print(f"models: {', '.join(f'{k}={v}' for k, v in data['models'].items())}")
    table = Table("candidate", "round", "kind", "verdict", "tests", "critic", "p(right)", "tokens")
    critics = {c["candidate_id"]: c for c in data["critiques"]}
    for cand in data["candidates"]:
        critic = critics.get(cand["candidate_id"])
        tests = "" if cand["tests_total"] is None else f"{cand['tests_passed']}/{cand['tests_total']}"
        p_right = critic["p_right"] if critic else None
        table.add_row(cand["candidate_id"], str(cand["round"]), cand["kind"], cand["verdict"] or "-",
                      tests, (critic["verdict"] or "none") if critic else "-",
                      "" if p_right is None else f"{p_right:.2f}", str(cand["completion_tokens"] or 0))
    console.print(table)
    if reasoning:
        for cand in data["candidates"]:
            if cand["reasoning"]:
                console.rule(f"reasoning of {cand['candidate_id']}")
                console.print(cand["reasoning"], markup=False)
    for critique in data["critiques"]:
        console.rule(f"critique of {critique['candidate_id']}: {critique['verdict'] or 'no verdict'}")
        console.print(critique["response"], markup=False)
    if data["code"]:
        console.rule(f"final code ({data['best_id']})")
        console.print(Syntax(data["code"], "cpp" if data["language"] == "cpp" else "python"))


@app.command("code")
def code(run: str = typer.Argument(..., help="Run id (or 'last').")) -> None:
    """Print the final code of a run (for pipes)."""
    store = TranscriptStore()
    data = store.get_run(_run_id(store, run))
    if not data["code"]:
        raise StorageError(f"run {data['id']} has no code")
    print(data["code"], end="" if data["code"].endswith("\n") else "\n")


@app.command("export")
def export(
    target: Path = typer.Argument(..., help="The JSON-lines file to write."),
    fmt: str = typer.Option("ocr", "--format", help="Record layout: ocr (fields named for what they "
                            "hold) or ocr2 (the OpenCodeReasoning-2 dataset's field names)."),
) -> None:
    """Export logged critiques as JSON lines (question, generation, critique, verdict, tests), to
    train a critic; --format ocr2 uses the OpenCodeReasoning-2 dataset's field names."""
    count = export_jsonl(TranscriptStore(), target, fmt)
    make_console(stderr=True).print(f"wrote {count} records to {target}")
