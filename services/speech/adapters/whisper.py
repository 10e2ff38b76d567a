"""Transcription with faster-whisper (CTranslate2, int8 on CPU), word timestamps kept."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from services.speech.adapters.models import model_path
from services.speech.text import Word

DISFLUENT_PROMPT = (
    "Umm, let me think like, hmm... Okay, here's what I'm, like, thinking. Uh, so, you know, I mean, er, ah."
)
"""Whisper copies the style of its prompt: a disfluent one makes it write the "um"s it would drop."""


@functools.lru_cache(maxsize=2)
def shared_transcriber(model: str, cache_dir: Path, threads: int, prompt: bool) -> WhisperTranscriber:
    """One loaded model per process and configuration (services in one process share it)."""
    return WhisperTranscriber(model, cache_dir, threads, prompt)


class WhisperTranscriber:
    """Implements :class:`services.speech.handlers.Transcriber`. Load once, at start-up."""

    def __init__(
        self, model: str = "tiny.en", cache_dir: Path = Path(".cache"), threads: int = 2, prompt: bool = True
    ) -> None:
        from faster_whisper import WhisperModel

        self.name = f"whisper-{model}"
        self._prompt = DISFLUENT_PROMPT if prompt else None
        self._model = WhisperModel(
            str(model_path(model, cache_dir)), device="cpu", compute_type="int8", cpu_threads=threads
        )

    def transcribe(self, samples: np.ndarray) -> list[Word]:
        """Words with start/end seconds and probabilities (blocking: call from a worker thread)."""
        segments, _ = self._model.transcribe(
            samples,
            language="en",
            beam_size=1,
            word_timestamps=True,
            initial_prompt=self._prompt,
            condition_on_previous_text=False,
            vad_filter=False,  # keep silences and fillers: they are what we measure
        )
        return [
            Word(w.word.strip(), round(w.start, 3), round(w.end, 3), round(w.probability, 3))
            for s in segments
            for w in (s.words or [])
            if w.word.strip()
        ]
