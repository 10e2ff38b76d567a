"""The speech handler with the real Whisper model (the default, base)."""

import json

import pytest

from runtime.storage.localfs import LocalObjectStore
from schemas import FrameRef, MediaExtracted, MediaExtractedData, SpeechAnalyzed
from services.speech.adapters.whisper import WhisperTranscriber
from services.speech.config import Settings
from services.speech.handlers import analyze_speech
from tests.fixtures import speech as fx


@pytest.fixture(scope="module")
def asr() -> WhisperTranscriber:
    settings = Settings()  # the default model, as the service runs it
    return WhisperTranscriber(settings.speech_model, settings.model_cache_dir, threads=2)


def extracted(audio_key: str) -> MediaExtracted:
    data = MediaExtractedData(
        session_id="s1",
        answer_id="a1",
        question_id="q1",
        audio_key=audio_key,
        frames=(FrameRef(key="f.jpg", t=0.0),),
        duration_s=10.0,
    )
    return MediaExtracted.new(data, source="t", sessionid="s1", answerid="a1")


async def test_spoken_answer_gives_transcript_fillers_and_pauses(tmp_path, asr):
    import asyncio

    samples, truth = fx.build(
        [
            ("say", "I have been working on data pipelines for about five years"),
            ("pause", 1.5),
            ("filler", "um"),
            ("pause", 0.3),
            ("say", "and I like working with people"),
        ]
    )
    fx.write_wav(tmp_path / "a.wav", samples)
    store = LocalObjectStore(tmp_path / "objects")
    await store.put_bytes("sessions/s1/answers/a1/audio.wav", (tmp_path / "a.wav").read_bytes(), "audio/wav")
    out = await analyze_speech(extracted("sessions/s1/answers/a1/audio.wav"), store, asr, asyncio.Lock())
    assert isinstance(out, SpeechAnalyzed)
    assert "pipelines" in out.data.transcript.lower() and "people" in out.data.transcript.lower()
    report = json.loads(await store.get_bytes(out.data.report_key))
    [pause] = [p for p in report["pauses"] if p["end"] - p["start"] > 1.0]
    assert pause["start"] == pytest.approx(truth.pauses[0]["start"], abs=0.1)
    assert report["filler_count"] >= 1
    assert all(f["text"] != "like" for f in report["fillers"])  # "I like working" is not a filler
    assert report["words"][0].keys() == {"word", "start", "end", "prob"}
    assert out.data.model == "whisper-base"
