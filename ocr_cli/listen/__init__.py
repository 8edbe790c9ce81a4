"""Receiving problems from the Competitive Companion browser extension (`ocr listen`, `/listen`)."""

from ocr_cli.listen.folders import FolderError, safe_name, write_problem
from ocr_cli.listen.payload import MAX_BODY_BYTES, PayloadError, ProblemPayload, parse_payload
from ocr_cli.listen.server import (
    DEFAULT_PORT,
    BatchComplete,
    Listener,
    ListenError,
    ListenEvent,
    ProblemReceived,
    RequestRejected,
)

__all__ = ["DEFAULT_PORT", "MAX_BODY_BYTES", "BatchComplete", "FolderError", "ListenError", "ListenEvent",
           "Listener", "PayloadError", "ProblemPayload", "ProblemReceived", "RequestRejected",
           "parse_payload", "safe_name", "write_problem"]
