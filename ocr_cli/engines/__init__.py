"""Model engines behind one small interface (`Engine`): in-process llama.cpp, OpenAI-compatible HTTP,
and a scripted engine for tests. Heavy runtimes are imported only when an engine is opened."""

from ocr_cli.engines.base import (
    Engine,
    EngineInfo,
    GenerationRequest,
    GenerationResult,
    Message,
    SamplingParams,
)

__all__ = [
    "Engine",
    "EngineInfo",
    "GenerationRequest",
    "GenerationResult",
    "Message",
    "SamplingParams",
]
