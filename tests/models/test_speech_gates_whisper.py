"""The quality gates on real spoken input through the real default model (Whisper base).

Inputs are the held-out gate cases of ``tests.fixtures.speech`` (espeak-ng
voices and noise the thresholds were not calibrated on).
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from services.speech.adapters.whisper import WhisperTranscriber
from services.speech.config import Settings
from services.speech.handlers import analyze_samples
from services.speech.metrics import REFUSED, WORD_MEASURES
from tests.fixtures import speech as fx


@pytest.fixture(scope="module")
def asr() -> WhisperTranscriber:
    settings = Settings()
    return WhisperTranscriber(settings.speech_model, settings.model_cache_dir, threads=2)


@functools.cache
def cases() -> dict[str, tuple[np.ndarray, list[str]]]:
    return fx.gate_cases(held_out=True)


def refused(quality: tuple[str, ...]) -> list[str]:
    return [f for f in quality if f in REFUSED]


@pytest.mark.parametrize("name", ["refuse_spanish", "refuse_german"])
def test_spanish_and_german_answers_are_flagged_with_the_language(asr, name):
    samples, _ = cases()[name]
    report = analyze_samples(samples, asr)
    assert "non_english" in report.quality, (report.quality, report.language, report.transcript)
    assert report.language == {"refuse_spanish": "es", "refuse_german": "de"}[name]
    assert report.language_probability is not None and report.language_probability >= 0.5
    assert report.english_probability is not None and report.english_probability < 0.1
    assert all(getattr(report, m) is None for m in WORD_MEASURES)


@pytest.mark.parametrize("name", ["refuse_room_noise", "refuse_room_noise_busy"])
def test_faint_room_noise_yields_no_words_that_count(asr, name):
    samples, expect = cases()[name]
    report = analyze_samples(samples, asr)
    assert set(refused(report.quality)) & set(expect), (report.quality, report.transcript)
    assert "non_english" not in report.quality  # noise is not a language
    assert all(getattr(report, m) is None for m in WORD_MEASURES)
    assert report.fillers == () and report.hedges == ()


@pytest.mark.parametrize("name", ["refuse_muted", "refuse_muted_dither"])
def test_a_muted_device_is_digital_silence(asr, name):
    samples, _ = cases()[name]
    report = analyze_samples(samples, asr)
    assert "digital_silence" in report.quality and report.recognised_s == 0
    assert "muted" in report.quality_detail["digital_silence"]


def test_speech_played_backwards_is_not_scored(asr):
    samples, _ = cases()["refuse_backwards"]
    report = analyze_samples(samples, asr)
    assert refused(report.quality), (report.quality, report.transcript, report.mean_word_prob)


@pytest.mark.parametrize("name", ["accept_clear", "accept_quiet", "accept_noisy"])
def test_clear_quiet_and_noisy_english_answers_are_scored(asr, name):
    samples, expect = cases()[name]
    report = analyze_samples(samples, asr)
    assert not refused(report.quality), (report.quality, report.quality_detail)
    assert set(expect) <= set(report.quality)
    assert report.language == "en" and (report.english_probability or 0) > 0.5
    assert report.mean_word_prob is not None and report.mean_word_prob > 0.7
    assert "customers" in report.transcript.lower() or "billing" in report.transcript.lower()
    assert report.wpm is not None and report.filler_rate_per_min is not None  # > 20 s of speech
