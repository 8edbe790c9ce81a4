"""`ocr config`: where the config file is, every setting with its source, and setting one value."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.table import Table

from ocr_cli import paths
from ocr_cli.cli.console import make_console
from ocr_cli.config import load_settings, setting_names, write_config_file
from ocr_cli.errors import ConfigError

app = typer.Typer(no_args_is_help=True, help="Show and locate the configuration.")


def _source_label(source: str) -> str:
    if source.endswith(".toml") or "/" in source or "\\" in source:
        return "file"
    if source == "environment" or source.startswith("OCR_"):
        return "env"
    return source


@app.command("path")
def path() -> None:
    """Print the config file's path (it need not exist yet)."""
    print(paths.config_file())


@app.command("show")
def show(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Every setting, its value and where it came from (env, file or default)."""
    settings = load_settings({})
    rows: list[dict[str, Any]] = []
    for name in setting_names():
        source = settings.sources.get(name, "default")
        rows.append({"name": name, "value": getattr(settings, name), "source": _source_label(source),
                     "origin": source})
    if as_json:
        print(json.dumps({"config_file": str(paths.config_file()), "settings": rows}, indent=2))
        return
    console = make_console()
    table = Table("setting", "value", "from")
    for row in rows:
        origin = f"env OCR_{row['name'].upper()}" if row["source"] == "env" else row["source"]
        table.add_row(row["name"], "" if row["value"] is None else str(row["value"]), origin)
    console.print(table)
    console.print(f"config file: {paths.config_file()}")


# ignore_unknown_options: a value may start with "-" (`ocr config set cxx_flags "-O2 -std=c++17"`).
@app.command("set", context_settings={"ignore_unknown_options": True})
def set_value(
    key: str = typer.Argument(..., help="A setting name (see `ocr config show`)."),
    value: str = typer.Argument(..., help="Its new value; 'default' resets it ('none' clears an optional "
                                "setting). Values starting with '-' are fine."),
) -> None:
    """Check a value and write it to the config file."""
    name = _setting(key)
    if value.strip().lower() == "default":
        _remove(name)
        return
    checked = load_settings({name: value}, environ={})
    new_value = getattr(checked, name)
    target = paths.config_file()
    if new_value is None:
        _remove(name, quiet=True)
    else:
        write_config_file({name: new_value}, target)
    print(f"{name} = {new_value!r} written to {target}")


@app.command("unset")
def unset(key: str = typer.Argument(..., help="A setting name (see `ocr config show`).")) -> None:
    """Remove a setting from the config file: it is back to its default."""
    _remove(_setting(key))


def _setting(key: str) -> str:
    name = key.replace("-", "_")
    if name not in setting_names():
        raise ConfigError(f"unknown setting {key!r}", hint="see `ocr config show`")
    return name


def _remove(name: str, quiet: bool = False) -> None:
    from ocr_cli.config import read_config_file

    target = paths.config_file()
    current = read_config_file(target)
    current.pop(name, None)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("", encoding="utf-8")
    write_config_file(current, target)
    if not quiet:
        default = getattr(load_settings({}, environ={}, config_path=target), name)
        print(f"{name} reset to its default ({default!r}) in {target}")
