"""Fast start: the light commands load no model runtime, and the core never loads the terminal UI.

Each check runs in a fresh interpreter (imports are process-wide) and reports what ended up in
`sys.modules`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "sum"

#: Top-level packages the light commands must not import.
HEAVY = ("llama_cpp", "transformers", "httpx", "huggingface_hub", "tree_sitter_python", "tree_sitter_cpp",
         "torch")
#: Terminal-UI packages the core must not import.
UI = ("typer", "rich", "prompt_toolkit", "click")
CORE = ("problem", "engines", "judge", "solve", "storage", "code", "prompts", "models", "bench")

RUN_CLI = """
import json, sys
from ocr_cli.cli.app import main
code = 0
try:
    main(json.loads(sys.argv[1]))
except SystemExit as exc:
    code = exc.code
print("\\n@@" + json.dumps({"code": code, "modules": sorted({m.split(".")[0] for m in sys.modules})}))
"""

IMPORT_CORE = """
import importlib, json, pkgutil, sys
names = []
for package in json.loads(sys.argv[1]):
    module = importlib.import_module("ocr_cli." + package)
    names.append(module.__name__)
    for info in pkgutil.walk_packages(getattr(module, "__path__", []), module.__name__ + "."):
        importlib.import_module(info.name)
        names.append(info.name)
print("\\n@@" + json.dumps({"imported": names, "modules": sorted({m.split(".")[0] for m in sys.modules})}))
"""


def _run(script: str, arg: object, tmp_path: Path) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", script, json.dumps(arg)], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    marker = done.stdout.rfind("\n@@")
    assert marker >= 0, f"no report; stderr:\n{done.stderr[-2000:]}"
    report: dict[str, object] = json.loads(done.stdout[marker + 3:])
    return report


@pytest.mark.parametrize("argv", [
    ["--help"],
    ["samples", str(EXAMPLE / "statement.txt")],
    ["test", str(EXAMPLE / "solutions" / "ref.py"), "--tests", str(EXAMPLE / "tests")],
], ids=["help", "samples", "test"])
def test_light_commands_import_no_model_runtime(argv: list[str], tmp_path: Path) -> None:
    report = _run(RUN_CLI, argv, tmp_path)
    assert report["code"] in (0, None), report["code"]  # the command itself worked
    modules = report["modules"]
    assert isinstance(modules, list)
    assert "typer" in modules  # the probe saw the CLI's imports at all
    assert sorted(set(HEAVY) & set(modules)) == []


def test_core_imports_no_terminal_ui(tmp_path: Path) -> None:
    report = _run(IMPORT_CORE, CORE, tmp_path)
    imported = report["imported"]
    assert isinstance(imported, list) and "ocr_cli.engines.llama_batch" in imported
    modules = report["modules"]
    assert isinstance(modules, list)
    assert sorted(set(UI) & set(modules)) == []
