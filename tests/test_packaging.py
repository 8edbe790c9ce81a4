"""The package ships every module, the prompt templates and the model presets."""

from __future__ import annotations

import sys
from pathlib import Path

import ocr_cli

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(ocr_cli.__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_package_folder_is_listed_in_pyproject() -> None:
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "ocr_cli").rglob("__init__.py")
    }
    missing = on_disk - listed
    assert not missing, f"add these to [tool.setuptools] packages in pyproject.toml: {sorted(missing)}"
    assert "ocr_cli.presets" in listed
    assert PYPROJECT["tool"]["setuptools"]["package-dir"]["ocr_cli.presets"] == "models"


def test_presets_and_templates_exist_where_package_data_says() -> None:
    assert sorted((ROOT / "models").glob("*.toml")), "models/ holds the presets"
    assert sorted((ROOT / "ocr_cli" / "prompts" / "templates").glob("*.txt"))
