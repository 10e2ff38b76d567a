"""Recognition with faster-whisper (CTranslate2, int8 on CPU): word times, language and confidence kept."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from services.speech.adapters.models import model_path
from services.speech.gates import Segment, Transcript
from services.speech.text import Word

SAMPLE_RATE = 16_000
DISFLUENT_PROMPT = (
    "Umm, let me think like, hmm... Okay, here's what I'm, like, thinking. Uh, so, you know, I mean, er, ah."
)
"""Whisper copies the style of its prompt: a disfluent one makes it write the "um"s it would drop."""
WINDOW_S = 30.0
"""Whisper hears 30 s at a time."""
MAX_NEW_TOKENS = 224
"""Tokens per 30 s window: twice what 200 words a minute need, and half of Whisper's limit, which a
decoding loop over noise would otherwise run to."""
BATCH_SIZE = 4
"""Windows decoded together: 2 minutes of speech in one batch. Each window in flight holds the encoder's
attention scores (~60 MB): on a 3.3-minute answer the transcription peaked 701 MB above the loaded model
with 8 windows, 455 MB with 4 and 323 MB with 2, for 20.7, 20.2 and 21.9 CPU-s (``bench.whisper_memory``)."""
BEAM_SIZE = 5
"""Hypotheses kept per window. On the tuning set (``bench/speech_eval.py --set tune``) beam 5 in the
batched decode cut WER from 10.9 to 7.9 % for about a tenth more CPU; beams 2 and 3 gave 8.8 and 8.6 %."""


@functools.lru_cache(maxsize=2)
def shared_transcriber(
    model: str, cache_dir: Path, threads: int, prompt: bool, beam_size: int = BEAM_SIZE
) -> WhisperTranscriber:
    """One loaded model per process and configuration (services in one process share it)."""
    return WhisperTranscriber(model, cache_dir, threads, prompt, beam_size)


class WhisperTranscriber:
    """Implements :class:`services.speech.handlers.Transcriber`. Load once, at start-up."""

    def __init__(
        self,
        model: str = "base",
        cache_dir: Path = Path(".cache"),
        threads: int = 2,
        prompt: bool = True,
        beam_size: int = BEAM_SIZE,
    ) -> None:
        from faster_whisper import WhisperModel

        self.name = f"whisper-{model}"
        self.multilingual = not model.endswith(".en")
        self._prompt = DISFLUENT_PROMPT if prompt else None
        self._beam_size = beam_size
        self._model = WhisperModel(
            str(model_path(model, cache_dir)), device="cpu", compute_type="int8", cpu_threads=threads
        )
        self._batched = _language_aware_pipeline()(self._model)

    def transcribe(
        self, samples: np.ndarray, language: str = "en", windows: Sequence[tuple[float, float]] = ()
    ) -> Transcript:
        """Segments with word times and the decoder's confidence (blocking: call from a worker thread).

        ``windows`` (seconds, at most 30 s each) are decoded together as one
        batch: a matrix product over several windows costs little more than
        over one. Without them, the audio is cut every 30 s.
        """
        duration = len(samples) / SAMPLE_RATE
        if not windows:
            windows = [(t, min(t + WINDOW_S, duration)) for t in np.arange(0.0, duration, WINDOW_S)]
        self._batched.window_languages = []
        segments, _ = self._batched.transcribe(
            samples,
            language=language if self.multilingual else "en",
            # Another language is transcribed only to be shown, never scored: one greedy pass. (With
            # beam 5, base loops on French and the loop hid the language: measured on the tuning gates.)
            beam_size=self._beam_size if language == "en" else 1,
            word_timestamps=True,
            initial_prompt=self._prompt if language == "en" else None,  # the prompt is English
            # One deterministic pass: sampling at higher temperatures is slow and not repeatable;
            # a poorly decoded stretch is flagged from its confidence instead of being retried.
            temperature=0.0,
            vad_filter=False,  # silences were cut by the caller, from the signal it already measured
            # Rounded window ends can pass the last sample by a fraction of it.
            clip_timestamps=[{"start": float(a), "end": min(float(b), duration)} for a, b in windows],
            batch_size=BATCH_SIZE,
            max_new_tokens=MAX_NEW_TOKENS,
        )
        segments = list(segments)  # decodes; the pipeline notes each window's languages on the way
        return Transcript(
            language=language,
            language_probabilities=self._language_probabilities(windows) if self.multilingual else None,
            segments=tuple(
                Segment(
                    start=round(s.start, 3),
                    end=round(s.end, 3),
                    avg_logprob=round(s.avg_logprob, 4),
                    no_speech_prob=round(s.no_speech_prob, 4),
                    compression_ratio=round(s.compression_ratio, 3),
                    words=tuple(
                        Word(w.word.strip(), round(w.start, 3), round(w.end, 3), round(w.probability, 3))
                        for w in (s.words or [])
                        if w.word.strip()
                    ),
                )
                for s in segments
            ),
        )

    def _language_probabilities(self, windows: Sequence[tuple[float, float]]) -> dict[str, float] | None:
        """Each language's probability over the whole answer: the windows' probabilities, weighted by length."""
        per_window = self._batched.window_languages
        if len(per_window) != len(windows):
            return None
        total: dict[str, float] = {}
        seconds = sum(b - a for a, b in windows)
        for ranked, (a, b) in zip(per_window, windows, strict=True):
            for token, prob in ranked:
                code = token.strip("<|>")
                total[code] = total.get(code, 0.0) + prob * (b - a) / seconds
        return total


def _language_aware_pipeline() -> type:
    from faster_whisper import BatchedInferencePipeline

    class LanguageAwarePipeline(BatchedInferencePipeline):
        """Notes the spoken-language probabilities of every window from the encoder output decoding uses.

        Whisper tells the language from the same encoder output it decodes
        from; asking for it separately would encode a window a second time.
        """

        window_languages: list[list[tuple[str, float]]]

        def generate_segment_batched(self, features: np.ndarray, tokenizer: object, options: object) -> object:
            encoder_output, output = super().generate_segment_batched(features, tokenizer, options)
            if self.model.model.is_multilingual:
                self.window_languages.extend(self.model.model.detect_language(encoder_output))
            return encoder_output, output

    return LanguageAwarePipeline
