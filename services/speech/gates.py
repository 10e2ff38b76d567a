"""Can this recording support a verdict? Language, recognition confidence and how much speech there is.

A transcript the recogniser was unsure of, or one of another language forced
into English words, must not be scored: these functions turn the recogniser's
own evidence (language probabilities, word probabilities, no-speech
probability, average log-probability) into quality flags with their numbers.
Thresholds were calibrated on ``tests.fixtures.speech.gate_cases(held_out=False)``
(other voices, texts and noise than the held-out set the README reports).
"""

from __future__ import annotations

from dataclasses import dataclass

from services.speech.text import Word

ENGLISH = "en"
NON_ENGLISH_MIN_PROB = 0.3
"""The most likely language is not English and at least this likely ..."""
ENGLISH_MAX_PROB = 0.15
"""... and English at most this likely: an accent must not read as another language."""
MIN_SPEECH_FOR_LANGUAGE_S = 4.0
"""Below this, language probabilities are a guess; the recording is treated as English."""

SILENT_SEGMENT_NO_SPEECH = 0.6
SILENT_SEGMENT_LOGPROB = -1.0
"""Whisper's own rule: a segment this likely to be no speech, decoded this poorly, is not speech."""
REPETITIVE_COMPRESSION = 2.4
"""Whisper's own rule: text that gzip compresses this well is a decoding loop ("and I, and I, and I"),
the usual hallucination over noise; measured here with high word probabilities, so only this catches it."""
NO_SPEECH_PROB = 0.5
"""Mean no-speech probability at or above this: what was decoded from the sound was not speech."""
UNCLEAR_WORD_PROB = 0.55
"""Mean word probability below this: the words are guesses."""
UNCLEAR_AVG_LOGPROB = -0.9
"""Duration-weighted average token log-probability below this: the decoder was guessing."""
UNCLEAR_DROPPED_SHARE = 0.5
"""Share of the recognised audio judged no speech or a loop above this: mostly not speech."""
UNCLEAR_MIN_WPM = 40.0
"""Fewer words per minute of decoded sound than this: most of the sound did not become words (speech
played backwards gave 29 with beam search, a short phrase and a loop the compression rule missed);
answers run at 100-200, and a slow, pausing speaker stays far above."""
MIN_DECODED_FOR_WPM_S = 10.0
"""Below this much decoded sound, a low word rate is not evidence."""


@dataclass(frozen=True)
class Segment:
    """One decoded stretch, with the recogniser's own confidence."""

    start: float
    end: float
    avg_logprob: float
    no_speech_prob: float
    words: tuple[Word, ...]
    compression_ratio: float = 1.0

    @property
    def silent(self) -> bool:
        return self.no_speech_prob > SILENT_SEGMENT_NO_SPEECH and self.avg_logprob < SILENT_SEGMENT_LOGPROB

    @property
    def repetitive(self) -> bool:
        return self.compression_ratio > REPETITIVE_COMPRESSION

    @property
    def rejected(self) -> bool:
        """Not speech, or not a transcription of it: its words are dropped."""
        return self.silent or self.repetitive


@dataclass(frozen=True)
class Transcript:
    """What a recogniser heard, in ``language``, segment by segment."""

    language: str
    segments: tuple[Segment, ...]
    language_probabilities: dict[str, float] | None = None
    """How likely each spoken language is, over the whole audio (``None``: the model cannot tell)."""


@dataclass(frozen=True)
class Recognition:
    """The words to keep and the evidence for how far to trust them."""

    words: list[Word]
    mean_word_prob: float | None
    avg_logprob: float | None
    no_speech_prob: float | None
    silent_s: float
    """Seconds of decoded segments judged to be no speech (their words are dropped)."""
    repetitive_s: float
    """Seconds of decoded segments whose text is a decoding loop (their words are dropped)."""
    decoded_s: float

    @property
    def rejected_s(self) -> float:
        return self.silent_s + self.repetitive_s

    @property
    def mostly_rejected(self) -> bool:
        """Most of what was decoded was no speech or a loop: the sound is not an answer in any language."""
        return self.decoded_s > 0 and self.rejected_s / self.decoded_s > UNCLEAR_DROPPED_SHARE


def recognise(transcript: Transcript) -> Recognition:
    """Drop segments Whisper itself judges silent or looping; summarise the confidence of the rest."""
    kept = [s for s in transcript.segments if not s.rejected]
    words = [w for s in kept for w in s.words]
    decoded = sum(_length(s) for s in transcript.segments)
    silent = sum(_length(s) for s in transcript.segments if s.silent)
    repetitive = sum(_length(s) for s in transcript.segments if s.repetitive and not s.silent)
    return Recognition(
        words=words,
        mean_word_prob=round(sum(w.prob for w in words) / len(words), 3) if words else None,
        avg_logprob=_weighted([(s.avg_logprob, s.end - s.start) for s in kept]),
        no_speech_prob=_weighted([(s.no_speech_prob, s.end - s.start) for s in transcript.segments]),
        silent_s=round(silent, 2),
        repetitive_s=round(repetitive, 2),
        decoded_s=round(decoded, 2),
    )


def _length(s: Segment) -> float:
    return max(s.end - s.start, 0.0)


def judged_no_speech(rec: Recognition) -> bool:
    """The recogniser itself thinks the sound it decoded was not speech (or nothing was decoded)."""
    return rec.decoded_s == 0 or rec.no_speech_prob is None or rec.no_speech_prob >= NO_SPEECH_PROB


def unclear_reason(rec: Recognition) -> str | None:
    """Why the words cannot be trusted, or ``None`` when they can."""
    if rec.mostly_rejected:
        what = "heard no speech" if rec.silent_s >= rec.repetitive_s else "only produced repeating text"
        return f"the recogniser {what} in {rec.rejected_s:.0f} of {rec.decoded_s:.0f} s of sound"
    if rec.decoded_s >= MIN_DECODED_FOR_WPM_S and (wpm := 60 * len(rec.words) / rec.decoded_s) < UNCLEAR_MIN_WPM:
        return (
            f"only {len(rec.words)} words were recognised in {rec.decoded_s:.0f} s of sound ({wpm:.0f} per minute, "
            f"below {UNCLEAR_MIN_WPM:.0f}): most of the sound was not recognisable speech"
        )
    if rec.mean_word_prob is not None and rec.mean_word_prob < UNCLEAR_WORD_PROB:
        return (
            f"the words were recognised with a mean probability of {rec.mean_word_prob:.2f} "
            f"(below {UNCLEAR_WORD_PROB:.2f}): speech too unclear to transcribe reliably"
        )
    if rec.avg_logprob is not None and rec.avg_logprob < UNCLEAR_AVG_LOGPROB:
        return (
            f"the recogniser's average log-probability was {rec.avg_logprob:.2f} "
            f"(below {UNCLEAR_AVG_LOGPROB:.2f}): speech too unclear to transcribe reliably"
        )
    return None


@dataclass(frozen=True)
class LanguageGuess:
    """The most likely spoken language and how sure the recogniser is."""

    code: str
    probability: float
    english_probability: float
    top: tuple[tuple[str, float], ...]

    @property
    def non_english(self) -> bool:
        return (
            self.code != ENGLISH
            and self.probability >= NON_ENGLISH_MIN_PROB
            and self.english_probability <= ENGLISH_MAX_PROB
        )


def guess_language(probabilities: dict[str, float] | None, speech_s: float) -> LanguageGuess | None:
    """The language decision from a recogniser's probabilities; ``None`` when it cannot tell."""
    if not probabilities or speech_s < MIN_SPEECH_FOR_LANGUAGE_S:
        return None
    ranked = sorted(probabilities.items(), key=lambda kv: -kv[1])
    code, prob = ranked[0]
    return LanguageGuess(
        code=code,
        probability=round(prob, 3),
        english_probability=round(probabilities.get(ENGLISH, 0.0), 3),
        top=tuple((c, round(p, 3)) for c, p in ranked[:3]),
    )


def _weighted(pairs: list[tuple[float, float]]) -> float | None:
    total = sum(max(w, 0.0) for _, w in pairs)
    if total <= 0:
        return None
    return round(sum(v * max(w, 0.0) for v, w in pairs) / total, 3)


@dataclass(frozen=True)
class Heard:
    """What recognition made of a recording: the trusted words and the evidence to judge them."""

    recognition: Recognition | None
    """``None`` when nothing was worth recognising (silence, a muted device)."""
    language: LanguageGuess | None
    recognised_s: float = 0.0
    """Seconds of audio given to the recogniser after long silences were cut out."""
