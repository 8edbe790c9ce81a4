"""`ocr doctor`: one table of what ocr can use here, so a user sees at a glance why something is slow
or refused: llama.cpp backend and GPU offload, threads, the default model (and whether it loads),
compilers, sandbox isolation, and where ocr keeps its files."""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from typing import Any

import typer
from rich.table import Table

from ocr_cli import __version__, paths
from ocr_cli.cli.console import make_console
from ocr_cli.config import Settings, load_settings
from ocr_cli.errors import OcrError

Check = dict[str, Any]  # name, ok (True/False/None for "info"), value, detail


def _check(name: str, ok: bool | None, value: str, detail: str = "", **extra: Any) -> Check:
    return {"name": name, "ok": ok, "value": value, "detail": detail, **extra}


def _version_of(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _tool_version(command: str) -> tuple[str | None, str]:
    """(path, first line of `command --version`) or (None, why)."""
    found = shutil.which(command)
    if found is None:
        return None, "not found on PATH"
    try:
        out = subprocess.run([found, "--version"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return found, f"does not run: {exc}"
    text = (out.stdout or out.stderr).strip().splitlines()
    return found, text[0] if text else "?"


def _engine_checks(settings: Settings) -> list[Check]:
    checks: list[Check] = []
    version = _version_of("llama_cpp_python")
    try:
        from ocr_cli.engines.llama_system import (
            backend_name,
            gpu_offload_supported,
            physical_cores,
            system_info,
        )

        offload = gpu_offload_supported()
        checks.append(_check("llama-cpp-python", True, version or "?", system_info()))
        backend = backend_name()
        checks.append(_check("llama.cpp backend", True, backend,
                             "GPU offload supported: all layers by default" if offload
                             else "no GPU offload in this build: CPU only (see README for CUDA/Metal builds)",
                             gpu_offload=offload))
        cores = physical_cores()
        threads = settings.threads or cores
        checks.append(_check("CPU threads", True, str(threads),
                             f"{cores} physical cores, {os.cpu_count()} logical CPUs, "
                             f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY') or 'unset'}"
                             + ("" if settings.threads is None else " (set by the threads setting)")))
    except Exception as exc:  # a broken llama-cpp-python install
        checks.append(_check("llama-cpp-python", False, version or "not installed", str(exc)))
    return checks


def _model_check(settings: Settings, load: bool) -> Check:
    from ocr_cli.models.registry import resolve_model

    try:
        resolved = resolve_model(None)
    except OcrError as exc:
        return _check("default model", False, "missing", str(exc))
    size = resolved.path.stat().st_size
    detail = f"{resolved.path} ({size / 1e6:.0f} MB)"
    if not load:
        return _check("default model", None, resolved.display_name, detail + "; not loaded (--no-load)")
    from ocr_cli.engines.base import GenerationRequest, Message, SamplingParams
    from ocr_cli.engines.llama import LlamaEngine

    start = time.perf_counter()
    try:
        engine = LlamaEngine.open(resolved, settings.with_overrides(n_ctx=512))
        try:
            result = engine.generate(GenerationRequest((Message("user", "Say hi."),),
                                                       SamplingParams(temperature=0, max_tokens=1)))
        finally:
            engine.close()
    except OcrError as exc:
        return _check("default model", False, resolved.display_name, str(exc))
    elapsed = time.perf_counter() - start
    ok = result.finish_reason != "error"
    return _check("default model", ok, resolved.display_name,
                  f"{detail}; loads and generates ({elapsed:.1f} s)" if ok else f"{detail}; {result.error}",
                  engine=engine.info.describe())


def _configured_model_checks(settings: Settings) -> list[Check]:
    checks: list[Check] = []
    for role, spec in (("model", settings.model), ("critic", settings.critic)):
        if not spec:
            continue
        if spec.startswith("openai:"):
            try:
                module = importlib.import_module("ocr_cli.engines.openai_client")
                report = module.check_server(spec, settings)
            except (ImportError, AttributeError):
                checks.append(_check(f"{role} server", None, spec, "server check not available"))
                continue
            detail = report.get("error") or f"reachable, {report.get('latency_s') or 0:.2f} s"
            checks.append(_check(f"{role} server", bool(report.get("reachable")) and not report.get("error"),
                                 spec, str(detail), server=report))
        elif spec.startswith("scripted:"):
            checks.append(_check(f"configured {role}", None, spec, "scripted engine"))
        else:
            from ocr_cli.models.registry import resolve_model

            try:
                resolved = resolve_model(spec)
                checks.append(_check(f"configured {role}", True, spec, str(resolved.path)))
            except OcrError as exc:
                checks.append(_check(f"configured {role}", False, spec, str(exc)))
    return checks


def _compiler_checks(settings: Settings) -> list[Check]:
    checks = []
    python = settings.python or "python3"
    found, version = _tool_version(python)
    checks.append(_check("python (judge)", found is not None, version, found or f"{python} not found"))
    found, version = _tool_version(settings.cxx)
    where = f"{found} {settings.cxx_flags}" if found else f"{settings.cxx} not found: C++ cannot be judged"
    checks.append(_check("c++ compiler", found is not None, version, where))
    return checks


def _sandbox_check() -> Check:
    try:
        module = importlib.import_module("ocr_cli.judge.sandbox")
        info = module.detect_isolation()
    except (ImportError, AttributeError):
        return _check("sandbox", None, "unknown", "the sandbox module is not available")
    except Exception as exc:
        return _check("sandbox", False, "unknown", f"detection failed: {exc}")
    details: dict[str, bool] = dict(getattr(info, "details", {}))
    isolated = [k for k, v in details.items() if v]
    missing = [k for k, v in details.items() if not v]
    detail = "isolates: " + (", ".join(isolated) or "nothing")
    if missing:
        detail += "; not: " + ", ".join(missing)
    note = getattr(info, "note", "")
    if note:
        detail += f" ({note})"
    level = str(getattr(info, "level", "unknown"))
    backend = "C launcher" if getattr(info, "backend", "") == "launcher" else "subprocess, no launcher"
    # A weak sandbox is not an error, but it is not "ok" either: untrusted code can read your files.
    return _check("sandbox", True if level == "namespaces" else None, f"{level} ({backend})", detail,
                  details=details)


def _path_checks() -> list[Check]:
    config = paths.config_file()
    return [
        _check("config file", None, str(config), "exists" if config.exists() else "not created yet"),
        _check("models folder", None, str(paths.models_dir()),
               "exists" if paths.models_dir().is_dir() else "created by `ocr models pull`"),
        _check("transcripts", None, str(paths.transcripts_db()),
               "exists" if paths.transcripts_db().exists() else "created on the first logged run"),
    ]


def collect_checks(settings: Settings, load_model: bool = True) -> list[Check]:
    """Every doctor check, in display order."""
    checks = [_check("ocr", True, __version__, f"Python {platform.python_version()} ({sys.executable})")]
    checks += _engine_checks(settings)
    checks.append(_model_check(settings, load_model))
    checks += _configured_model_checks(settings)
    checks += _compiler_checks(settings)
    checks.append(_sandbox_check())
    checks += _path_checks()
    return checks


def doctor(
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    no_load: bool = typer.Option(False, "--no-load", help="Do not load the default model."),
    verbose: bool = typer.Option(False, "--verbose", help="Show llama.cpp's log."),
) -> None:
    """What ocr can use on this machine: backend, GPU offload, model, compilers, sandbox, files."""
    flags: dict[str, Any] = {"verbose": True} if verbose else {}
    settings = load_settings(flags)
    checks = collect_checks(settings, load_model=not no_load)
    failed = [c for c in checks if c["ok"] is False]
    if as_json:
        print(json.dumps({"ok": not failed, "checks": checks}, indent=2, default=str))
    else:
        console = make_console()
        table = Table("check", "", "value", "detail")
        marks = {True: "[green]ok[/]", False: "[red]FAIL[/]", None: "·"}
        for check in checks:
            table.add_row(check["name"], marks[check["ok"]], check["value"], check["detail"])
        console.print(table)
    if failed:
        raise typer.Exit(1)
