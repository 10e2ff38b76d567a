"""Unit tests run on fakes: loading Whisper, MediaPipe or MiniLM here is a failure.

Tests of the real models live in ``tests/models/``.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakes import fake_ports

MODELS_ARE_REFUSED = "unit tests run without models: use tests/fakes.py, or put the test in tests/models/"


def _refuse(*_args: Any, **_kwargs: Any) -> Any:
    raise AssertionError(MODELS_ARE_REFUSED)


@pytest.fixture(autouse=True)
def _no_models(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every way into a model fails loudly (the loaders import the heavy libraries lazily)."""
    monkeypatch.setattr("runtime.embeddings.shared_minilm", _refuse)
    monkeypatch.setattr("services.speech.adapters.whisper.shared_transcriber", _refuse)
    monkeypatch.setattr("services.speech.adapters.whisper.WhisperTranscriber.__init__", _refuse)
    monkeypatch.setattr("services.vision.landmarks.LandmarkModel.__init__", _refuse)


@pytest.fixture
def service_ports() -> dict[str, object]:
    return fake_ports()
