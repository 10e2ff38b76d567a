"""The speech handler and service wiring on a fake transcriber (the real Whisper: tests/models/)."""

import asyncio
import io
import wave
from collections.abc import Sequence

import numpy as np
import pytest

from mockinterview import registry
from runtime.bus.memory import InMemoryBus
from runtime.infra import Infrastructure
from runtime.storage.sqlite import SqliteDocumentStore
from schemas import AnswerFailed, SpeechAnalyzed
from schemas.reports import SpeechReport
from services.speech import app as speech_app
from services.speech.gates import Segment, Transcript
from services.speech.handlers import analyze_speech
from services.speech.text import Word
from tests import factories
from tests.fakes import FakeTranscriber, MemoryObjectStore

RATE = 16_000


def tone(seconds: float, hz: float = 150.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.3 * np.sin(2 * np.pi * hz * t * (1 + 0.05 * np.sin(2 * np.pi * 3 * t)))).astype(np.float32)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), np.float32)


def wav(samples: np.ndarray) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(RATE)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype(np.int16).tobytes())
    return buf.getvalue()


# Speech, a short voiced sound nobody transcribed (an "um" Whisper dropped), speech.
AUDIO = np.concatenate([silence(0.5), tone(4.0), silence(0.6), tone(0.5, 120), silence(0.6), tone(4.0), silence(0.5)])


class Scripted(FakeTranscriber):
    """Words over the two long tones only: the short voiced sound between them has none."""

    def transcribe(
        self, samples: np.ndarray, language: str = "en", windows: Sequence[tuple[float, float]] = ()
    ) -> Transcript:
        # Times in the audio it is given: the handler cuts the long silences out first.
        self.calls += 1
        first = [Word(f"one{i}", 0.3 + 0.4 * i, 0.6 + 0.4 * i, 0.9) for i in range(10)]
        second = [Word(f"two{i}", 5.6 + 0.4 * i, 5.9 + 0.4 * i, 0.9) for i in range(10)]
        words = tuple(first + second)
        return Transcript(language, (Segment(0.0, len(samples) / RATE, -0.2, 0.01, words),), {"en": 0.97})


async def stored_media(store: MemoryObjectStore, samples: np.ndarray):
    media = factories.media_extracted(duration_s=len(samples) / RATE)
    await store.put_bytes(media.data.audio_key, wav(samples), "audio/wav")
    return media


async def test_the_report_is_stored_typed_at_the_answers_key():
    store = MemoryObjectStore()
    media = await stored_media(store, AUDIO)
    out = await analyze_speech(media, store, Scripted(), asyncio.Lock())
    assert isinstance(out, SpeechAnalyzed) and out.causationid == media.id
    assert out.data.report_key == "sessions/s1/answers/a1/speech.json"
    report = SpeechReport.model_validate_json(await store.get_bytes(out.data.report_key))
    assert report.transcript.startswith("one0") and report.model == "fake-asr"
    assert out.data.wpm == report.wpm and out.data.pitch_median_hz == report.pitch_hz.median


async def test_unreadable_or_missing_audio_fails_with_a_reason():
    store = MemoryObjectStore()
    media = factories.media_extracted()
    gone = await analyze_speech(media, store, FakeTranscriber(), asyncio.Lock())
    assert isinstance(gone, AnswerFailed) and gone.data.reason == "audio_missing"
    await store.put_bytes(media.data.audio_key, b"RIFF....not really", "audio/wav")
    bad = await analyze_speech(media, store, FakeTranscriber(), asyncio.Lock())
    assert isinstance(bad, AnswerFailed) and bad.data.reason == "undecodable_audio" and bad.data.stage == "speech"


@pytest.mark.parametrize("voiced_gaps", [True, False])
async def test_the_voiced_gaps_setting_reaches_the_analysis(tmp_path, voiced_gaps):
    """MI_SPEECH_VOICED_GAPS was once defined and never read: the service always counted them."""
    store = MemoryObjectStore()
    docs = SqliteDocumentStore(tmp_path / "d.sqlite3")
    try:
        infra = Infrastructure(InMemoryBus(), store, docs)
        ports = speech_app.Ports(Scripted())
        _, service = registry.load("speech").build(infra, ports=ports, speech_voiced_gaps=voiced_gaps)
        media = await stored_media(store, AUDIO)
        async with service.lifespan():
            [sub] = service.subscriptions
            out = await sub.handler(media)
    finally:
        docs.close()
    report = SpeechReport.model_validate_json(await store.get_bytes(out.data.report_key))
    gaps = [f for f in report.fillers if f.kind == "voiced_gap"]
    assert len(gaps) == (1 if voiced_gaps else 0), report.fillers
