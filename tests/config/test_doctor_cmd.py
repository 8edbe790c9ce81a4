"""`ocr doctor`: runs here, its JSON parses and says what this machine offers."""

from __future__ import annotations

import json

import pytest

from ocr_cli.cli.app import main


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as caught:
        main(args)
    captured = capsys.readouterr()
    return int(caught.value.code or 0), captured.out, captured.err


@pytest.mark.model
def test_doctor_json_loads_the_default_model(capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCR_THREADS", "1")
    code, out, err = run(["doctor", "--json"], capsys)
    data = json.loads(out)
    checks = {c["name"]: c for c in data["checks"]}
    assert code == 0 and data["ok"] is True, err
    model, backend = checks["default model"], checks["llama.cpp backend"]
    assert model["ok"] is True and "loads and generates" in model["detail"]
    assert backend["value"] == "CPU" and backend["gpu_offload"] is False
    assert checks["CPU threads"]["value"] == "1"
    assert checks["python (judge)"]["ok"] is True
    assert {"config file", "models folder", "transcripts", "sandbox", "c++ compiler"} <= set(checks)
    assert "llama_" not in err  # llama.cpp's log stays quiet


def test_doctor_table_without_loading(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["doctor", "--no-load"], capsys)
    assert code == 0
    for label in ("llama.cpp backend", "default model", "sandbox", "config file", "not loaded"):
        assert label in out


def test_doctor_reports_a_missing_configured_model(capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCR_MODEL", "qwen2.5-coder-7b-instruct")
    monkeypatch.setenv("OCR_CXX", "no-such-compiler-xyz")
    code, out, _ = run(["doctor", "--no-load", "--json"], capsys)
    checks = {c["name"]: c for c in json.loads(out)["checks"]}
    assert code == 1
    configured = checks["configured model"]
    assert configured["ok"] is False and "ocr models pull" in configured["detail"]
    assert checks["c++ compiler"]["ok"] is False
