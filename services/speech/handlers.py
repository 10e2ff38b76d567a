"""Speech service: MediaExtracted -> SpeechAnalyzed (or AnswerFailed for undecodable audio)."""

from __future__ import annotations

import asyncio
import wave
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

import numpy as np

from runtime.storage.objects import ObjectNotFound, ObjectStore
from schemas import AnswerFailed, MediaExtracted, SpeechAnalyzed, SpeechAnalyzedData, Stage, keys
from schemas.events import same_answer, summary_of
from schemas.reports import SpeechReport
from services.speech import audio as au
from services.speech import gates
from services.speech.gates import Transcript
from services.speech.metrics import build_report

SOURCE = "mockinterview/speech"


MIN_SPEECH_TO_TRANSCRIBE_S = 0.3


class Transcriber(Protocol):
    name: str

    def transcribe(self, samples: np.ndarray, language: str, windows: Sequence[tuple[float, float]]) -> Transcript:
        """Word-timed transcript of 16 kHz mono float samples in ``language`` (blocking).

        ``windows``: (start, end) seconds, at most 30 s each, that cover ``samples``.
        A multilingual model also gives each language's probability.
        """
        ...


def listen(samples: np.ndarray, ev: au.AudioEvidence, transcriber: Transcriber, condense: bool = True) -> gates.Heard:
    """Language and words of the speech in ``samples``; silences the signal already found are skipped."""
    if ev.digital_silence or (ev.speech_s < MIN_SPEECH_TO_TRANSCRIBE_S and not ev.noisy):
        return gates.Heard(None, None)
    # In noise the signal cannot tell speech from background: recognise everything.
    whole = ev.noisy or not condense
    clip = au.Condensed(samples, ((0.0, 0.0),)) if whole else au.condense(samples, ev.speech)
    windows = au.windows(clip)
    transcript = transcriber.transcribe(clip.samples, gates.ENGLISH, windows)
    guess = gates.guess_language(transcript.language_probabilities, ev.speech_s)
    if guess is not None and guess.non_english:
        # Another language forced into English becomes invented words: transcribe it as itself.
        transcript = transcriber.transcribe(clip.samples, guess.code, windows)
    return gates.Heard(gates.recognise(_in_original_time(transcript, clip)), guess, round(clip.duration_s, 2))


def _in_original_time(transcript: Transcript, clip: au.Condensed) -> Transcript:
    t = clip.original_time
    return replace(
        transcript,
        segments=tuple(
            replace(
                s,
                start=t(s.start),
                end=t(s.end),
                words=tuple(replace(w, start=t(w.start), end=t(w.end)) for w in s.words),
            )
            for s in transcript.segments
        ),
    )


def analyze_samples(
    samples: np.ndarray, transcriber: Transcriber, voiced_gaps: bool = True, condense: bool = True
) -> SpeechReport:
    """The whole speech analysis of one answer (blocking; CPU-bound)."""
    evidence = au.analyze_audio(samples)
    heard = listen(samples, evidence, transcriber, condense)
    return build_report(heard, evidence, au.pitch_track(samples), transcriber.name, voiced_gaps)


async def analyze_speech(
    event: MediaExtracted, objects: ObjectStore, transcriber: Transcriber, lock: asyncio.Lock, voiced_gaps: bool = True
) -> SpeechAnalyzed | AnswerFailed:
    """Transcribe and measure the answer's audio; store the full report, announce its summary.

    ``voiced_gaps``: also count voiced sounds with no transcribed word over them as fillers.
    """
    d = event.data
    try:
        raw = await objects.get_bytes(d.audio_key)
        samples = au.load_wav_bytes(raw)
    except ObjectNotFound:
        return _failed(event, "audio_missing", "The extracted audio is no longer in storage.")
    except (ValueError, EOFError, wave.Error) as exc:
        return _failed(event, "undecodable_audio", f"The audio track could not be read ({exc}).")
    async with lock:  # one transcription at a time: the model already uses every thread it was given
        report = await asyncio.to_thread(analyze_samples, samples, transcriber, voiced_gaps)
    report_key = keys.speech_report_key(d.session_id, d.answer_id)
    await objects.put_bytes(report_key, report.model_dump_json().encode(), "application/json")
    data = SpeechAnalyzedData(
        **same_answer(d),
        **summary_of(report, SpeechAnalyzedData),
        report_key=report_key,
        pitch_median_hz=report.pitch_hz.median,
    )
    return SpeechAnalyzed.caused_by(event, data, source=SOURCE)


def _failed(event: MediaExtracted, reason: str, message: str) -> AnswerFailed:
    return AnswerFailed.because(event, Stage.speech, reason, message, source=SOURCE)
