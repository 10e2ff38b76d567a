"""No verdict from unusable speech: the gates, with a fake recogniser (the real model: tests/system)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from services.speech import audio as au
from services.speech import gates
from services.speech.handlers import analyze_samples, listen
from services.speech.metrics import MIN_SPEECH_FOR_RATES_S, REFUSED, WORD_MEASURES
from services.speech.text import Word

SR = au.SAMPLE_RATE


def tone(seconds: float, hz: float = 150.0, amp: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    return (amp * np.sin(2 * np.pi * hz * t) * (1 + 0.3 * np.sin(2 * np.pi * 3 * t))).astype(np.float32)


def room(seconds: float, dbfs: float = -60.0, seed: int = 0) -> np.ndarray:
    return (np.random.default_rng(seed).normal(0, 10 ** (dbfs / 20), int(seconds * SR))).astype(np.float32)


def talk(*pieces: tuple[str, float]) -> np.ndarray:
    """("say", s) is a voiced stretch, ("gap", s) faint room tone."""
    parts = [tone(s) if kind == "say" else np.zeros(int(s * SR), np.float32) for kind, s in pieces]
    x = np.concatenate(parts)
    return x + room(len(x) / SR)


def answer(seconds: float) -> np.ndarray:
    """``seconds`` of voiced stretches, 5 s each, with 1 s of room tone around each."""
    pieces: list[tuple[str, float]] = [("gap", 1.0)]
    while seconds > 0:
        pieces += [("say", min(5.0, seconds)), ("gap", 1.0)]
        seconds -= 5.0
    return talk(*pieces)


def words_over(start: float, end: float, prob: float = 0.9, per_s: float = 2.5) -> tuple[Word, ...]:
    n = max(1, int((end - start) * per_s))
    step = (end - start) / n
    return tuple(Word(f"w{i}", round(start + i * step, 3), round(start + (i + 0.8) * step, 3), prob) for i in range(n))


class FakeASR:
    """A recogniser whose answers are set by the test; records what it was given."""

    name = "fake"

    def __init__(
        self,
        languages: dict[str, float] | None = None,
        prob: float = 0.9,
        avg_logprob: float = -0.2,
        no_speech: float = 0.01,
    ) -> None:
        self._languages = languages if languages is not None else {"en": 0.97, "de": 0.01}
        self.prob, self.avg_logprob, self.no_speech = prob, avg_logprob, no_speech
        self.calls: list[tuple[float, str]] = []

    def transcribe(
        self, samples: np.ndarray, language: str, windows: Sequence[tuple[float, float]]
    ) -> gates.Transcript:
        seconds = len(samples) / SR
        assert windows[0][0] == 0 and windows[-1][1] == pytest.approx(seconds, abs=0.01)
        assert all(b - a <= 30 for a, b in windows)
        self.calls.append((seconds, language))
        seg = gates.Segment(0.0, seconds, self.avg_logprob, self.no_speech, words_over(0.1, seconds - 0.1, self.prob))
        return gates.Transcript(language, (seg,), self._languages)


def test_muted_device_is_digital_silence_and_nothing_is_recognised():
    asr = FakeASR()
    for muted in (np.zeros(10 * SR, np.float32), (np.random.default_rng(1).integers(-1, 2, 10 * SR) / 32768)):
        report = analyze_samples(muted.astype(np.float32), asr)
        assert report.quality == ("no_speech", "digital_silence")
        assert "muted" in report.quality_detail["digital_silence"]
        assert all(getattr(report, m) is None for m in WORD_MEASURES)
    assert asr.calls == []


def test_a_quiet_room_is_no_speech_not_digital_silence_and_quiet_speech_is_heard():
    report = analyze_samples(room(10, dbfs=-62), FakeASR())
    assert "digital_silence" not in report.quality and "no_speech" in report.quality
    quiet = answer(25) * np.float32(10 ** (-30 / 20))
    report = analyze_samples(quiet, FakeASR())
    assert "too_quiet" in report.quality and not set(report.quality) & set(REFUSED)
    assert report.wpm is not None


def test_silences_are_cut_before_recognition_and_word_times_come_back_in_the_original():
    x = talk(("gap", 1.0), ("say", 4.0), ("gap", 6.0), ("say", 4.0), ("gap", 1.0))
    asr = FakeASR()
    heard = listen(x, au.analyze_audio(x), asr)
    [(seconds, language)] = asr.calls
    assert language == "en" and seconds == pytest.approx(8 + 4 * au.CONDENSE_PAD_S, abs=0.1)
    assert heard.recognised_s == pytest.approx(seconds, abs=0.01)
    assert heard.recognition is not None
    times = [w.start for w in heard.recognition.words]
    assert not any(5.3 < t < 10.7 for t in times)  # nothing placed in the long silence
    assert max(w.end for w in heard.recognition.words) == pytest.approx(15.0, abs=0.4)


def test_condensed_time_maps_back_piece_by_piece():
    x = np.arange(10 * SR, dtype=np.float32)
    clip = au.condense(x, [au.Span(1.0, 2.0), au.Span(2.3, 3.0), au.Span(7.0, 8.0)], pad_s=0.2)
    # 0.8-3.2 kept whole (the 0.3 s gap is shorter than two pads), then 6.8-8.2.
    assert clip.duration_s == pytest.approx(2.4 + 1.4)
    assert clip.original_time(0.0) == pytest.approx(0.8)
    assert clip.original_time(2.5) == pytest.approx(6.9)
    assert clip.samples[int(2.4 * SR)] == x[int(6.8 * SR)]


def test_noisy_audio_is_recognised_whole():
    x = tone(20) + np.random.default_rng(0).normal(0, 0.08, 20 * SR).astype(np.float32)
    asr = FakeASR()
    ev = au.analyze_audio(x)
    assert ev.noisy
    listen(x, ev, asr)
    assert asr.calls[0][0] == pytest.approx(20, abs=0.01)


def test_another_language_is_flagged_and_transcribed_as_itself():
    x = answer(25)
    asr = FakeASR(languages={"es": 0.93, "en": 0.02, "pt": 0.03})
    report = analyze_samples(x, asr)
    assert [language for _, language in asr.calls] == ["en", "es"]  # told from the first pass, then redone
    assert "non_english" in report.quality and report.language == "es"
    assert report.language_probability == 0.93 and report.english_probability == 0.02
    assert "Spanish" in report.quality_detail["non_english"]
    assert report.transcript  # what was said is kept ...
    assert all(getattr(report, m) is None for m in WORD_MEASURES)  # ... but nothing is counted from it
    assert report.fillers == () and report.hedges == ()
    assert "English" in report.cannot_measure["wpm"]


@pytest.mark.parametrize(
    "probs",
    [
        {"en": 0.35, "de": 0.55},  # a strong accent: English still plausible
        {"de": 0.45, "en": 0.2, "nl": 0.2},  # no language is likely enough
    ],
)
def test_an_accent_or_an_unsure_guess_is_not_another_language(probs):
    x = answer(25)
    asr = FakeASR(languages=probs)
    report = analyze_samples(x, asr)
    assert "non_english" not in report.quality and [language for _, language in asr.calls] == ["en"]
    assert report.wpm is not None


def test_too_little_speech_to_tell_the_language_is_not_judged():
    assert gates.guess_language({"fr": 0.99}, speech_s=1.0) is None
    assert gates.guess_language(None, speech_s=30) is None  # an English-only model cannot tell


@pytest.mark.parametrize(
    ("asr", "expected"),
    [
        (FakeASR(prob=0.3), "mean probability of 0.30"),
        (FakeASR(avg_logprob=-1.4, prob=0.7), "log-probability was -1.40"),
    ],
)
def test_words_recognised_without_confidence_are_unclear_speech(asr, expected):
    x = answer(25)
    report = analyze_samples(x, asr)
    assert "unclear_speech" in report.quality and expected in report.quality_detail["unclear_speech"]
    assert report.mean_word_prob == asr.prob
    assert all(getattr(report, m) is None for m in WORD_MEASURES)
    assert "too_short" not in report.quality


def test_segments_whisper_judges_silent_are_dropped():
    words = words_over(0, 10)
    transcript = gates.Transcript(
        "en",
        (
            gates.Segment(0, 10, -0.3, 0.1, words[:10]),
            gates.Segment(10, 12, -1.5, 0.9, (Word("Thank", 10.5, 10.8, 0.2), Word("you.", 10.8, 11.0, 0.3))),
        ),
    )
    rec = gates.recognise(transcript)
    assert [w.word for w in rec.words] == [w.word for w in words[:10]]
    assert rec.silent_s == 2 and rec.decoded_s == 12 and gates.unclear_reason(rec) is None
    only_noise = gates.recognise(gates.Transcript("en", transcript.segments[1:]))
    assert only_noise.words == [] and "no speech in 2 of 2 s" in (gates.unclear_reason(only_noise) or "")


def test_a_few_confident_words_over_long_sound_are_unclear_speech():
    # Speech played backwards, decoded with beam search: one confident phrase for 37 s of sound.
    phrase = ["do", "you", "think", "it", "is", "better", "off", "if", "not"]
    words = tuple(Word(w, 1 + i, 1.5 + i, 0.9) for i, w in enumerate(phrase))
    rec = gates.recognise(gates.Transcript("en", (gates.Segment(0, 37, -0.5, 0.05, words),)))
    assert "only 9 words were recognised in 37 s" in (gates.unclear_reason(rec) or "")
    normal = tuple(Word("word", i * 0.5, i * 0.5 + 0.4, 0.9) for i in range(70))  # 120 per minute
    assert (
        gates.unclear_reason(gates.recognise(gates.Transcript("en", (gates.Segment(0, 35, -0.3, 0.05, normal),))))
        is None
    )


def test_faint_noise_with_hallucinated_words_is_not_scored():
    x = room(25, dbfs=-55) + np.concatenate([np.zeros(5 * SR), tone(0.3, amp=0.01), np.zeros(int(19.7 * SR))])
    report = analyze_samples(x.astype(np.float32), FakeASR(prob=0.2, avg_logprob=-1.2, no_speech=0.7))
    assert {"no_speech", "unclear_speech"} & set(report.quality)
    assert all(getattr(report, m) is None for m in WORD_MEASURES)


def test_rates_per_minute_need_twenty_seconds_of_speech_pace_does_not():
    short = answer(12)
    report = analyze_samples(short, FakeASR())
    assert report.wpm is not None and report.filler_count is not None
    for rate in ("filler_rate_per_min", "hedge_rate_per_min", "long_pause_rate_per_min"):
        assert getattr(report, rate) is None
        assert f"need {MIN_SPEECH_FOR_RATES_S:.0f} s" in report.cannot_measure[rate]
    long = talk(("gap", 1), ("say", 12), ("gap", 2.5), ("say", 12), ("gap", 1))
    report = analyze_samples(long, FakeASR())
    assert report.filler_rate_per_min is not None and report.hedge_rate_per_min == 0.0
    assert report.long_pause_rate_per_min == pytest.approx(1 / (report.duration_s / 60), abs=0.1)
