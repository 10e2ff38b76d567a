import numpy as np
import pytest

from schemas.reports import Pitch
from services.speech import audio as au
from services.speech import gates
from services.speech.metrics import build_report
from services.speech.text import Word

SR = au.SAMPLE_RATE


def tone(seconds: float, hz: float = 150.0, amp: float = 0.3, vibrato: float = 0.0) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    freq = hz * (1 + vibrato * np.sin(2 * np.pi * 0.5 * t))
    return (amp * np.sin(2 * np.pi * np.cumsum(freq) / SR)).astype(np.float32)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * SR), np.float32)


def heard(words: list[Word], avg_logprob: float = -0.2) -> gates.Heard:
    """Words as a confident English recognition of them."""
    segments = (gates.Segment(words[0].start, words[-1].end, avg_logprob, 0.01, tuple(words)),) if words else ()
    return gates.Heard(gates.recognise(gates.Transcript("en", segments)), None)


def test_pauses_are_found_in_the_signal():
    x = np.concatenate(
        [silence(0.5), tone(2), silence(0.8), tone(1), silence(2.5), tone(1), silence(0.3), tone(1), silence(0.4)]
    )
    ev = au.analyze_audio(x)
    assert [x for p in ev.pauses for x in (p.start, p.end)] == pytest.approx([2.5, 3.3, 4.3, 6.8], abs=0.03)
    assert ev.speech_s == pytest.approx(5.0, abs=0.1)  # the 0.3 s gap is not a pause
    assert ev.level_dbfs == pytest.approx(20 * np.log10(0.3 / np.sqrt(2)), abs=0.5)
    assert ev.clipping_ratio == 0


def test_clipping_quiet_and_noise_are_flagged():
    assert au.analyze_audio(np.clip(tone(3, amp=2.0), -1, 1)).clipping_ratio > au.CLIP_SHARE
    rng = np.random.default_rng(0)
    noisy = tone(6, amp=0.05) + rng.normal(0, 0.03, int(6 * SR)).astype(np.float32)
    ev = au.analyze_audio(np.concatenate([rng.normal(0, 0.03, SR).astype(np.float32), noisy]))
    words = [Word(f"word{i}", 1.0 + i * 0.5, 1.4 + i * 0.5, 0.9) for i in range(12)]
    report = build_report(heard(words), ev, np.zeros(0), "test")
    assert "noisy" in report.quality and report.pauses is None and report.pitch_hz.median is None
    assert "noise" in report.cannot_measure["pauses"]


def test_silence_measures_nothing():
    ev = au.analyze_audio(silence(10))
    report = build_report(heard([]), ev, au.pitch_track(silence(10)), "test")
    assert report.quality == ("no_speech", "digital_silence")  # zeros: a muted device, not a quiet room
    assert report.wpm is None and report.filler_count is None and report.pitch_hz == Pitch(median=None, range=None)
    assert set(report.cannot_measure) >= {"wpm", "filler_count", "pauses", "pitch_hz"}


def test_too_short_answers_get_no_rates():
    x = np.concatenate([silence(0.3), tone(2.0), silence(0.3)])
    words = [Word("fine", 0.3, 0.8, 0.9)]
    report = build_report(heard(words), au.analyze_audio(x), au.pitch_track(x), "test")
    assert "too_short" in report.quality
    assert report.wpm is None and report.articulation_wpm is None
    assert report.filler_count == 0  # countable even when rates are not


def test_rates_and_pitch_on_a_steady_voice():
    x = np.concatenate([silence(0.5), tone(12.0, hz=140, vibrato=0.0), silence(0.5)])
    words = [Word(f"w{i}", 0.5 + i * 0.4, 0.8 + i * 0.4, 0.9) for i in range(30)]
    report = build_report(heard(words), au.analyze_audio(x), au.pitch_track(x), "test")
    assert report.quality == (), report.cannot_measure
    assert report.wpm == pytest.approx(30 / (13 / 60), abs=0.5)
    assert report.articulation_wpm == pytest.approx(30 / (12 / 60), rel=0.02)
    assert report.pitch_hz.median == pytest.approx(140, abs=3)
    assert report.monotone is True  # a pure steady tone has no melody
    lively = np.concatenate([silence(0.5), tone(12.0, hz=160, vibrato=0.25), silence(0.5)])
    assert build_report(heard(words), au.analyze_audio(lively), au.pitch_track(lively), "t").monotone is False
