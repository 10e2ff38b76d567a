"""The speech report: transcript-based and signal-based delivery metrics, quality-gated.

When the audio cannot support a number (silence, too little speech, noise),
the number is ``None`` and ``cannot_measure`` says why. Never a made-up value.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from schemas.reports import SPEECH_REFUSING_FLAGS, Hit, Pitch, Span, SpeechReport, TimedWord
from services.speech import audio as au
from services.speech import gates
from services.speech import text as tx

MIN_SOUND_S = 0.3

MIN_SPEECH_FOR_PACE_S = 5.0
MIN_WORDS_FOR_PACE = 8
MIN_SPEECH_FOR_RATES_S = 20.0
"""Events per minute (fillers, hedges, long pauses) need this much speech: one filler in 10 s is not "6 a minute"."""
MONOTONE_ST = 2.0
"""F0 standard deviation below this many semitones reads as monotone."""
VOICED_GAP_S = (0.15, 1.5)
VOICED_GAP_SHARE = 0.5
REFUSED = SPEECH_REFUSING_FLAGS
WORD_MEASURES = (
    "wpm",
    "speaking_wpm",
    "articulation_wpm",
    "filler_count",
    "filler_rate_per_min",
    "hedge_rate_per_min",
    "vocabulary_richness",
    "i_we_ratio",
)
LANGUAGE_NAMES = {
    "es": "Spanish",
    "de": "German",
    "fr": "French",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
    "pl": "Polish",
    "ru": "Russian",
    "uk": "Ukrainian",
    "tr": "Turkish",
    "ar": "Arabic",
    "hi": "Hindi",
    "zh": "Chinese",
    "ja": "Japanese",
    "ko": "Korean",
    "sv": "Swedish",
    "da": "Danish",
    "no": "Norwegian",
    "fi": "Finnish",
    "cy": "Welsh",
}


def build_report(
    heard: gates.Heard, ev: au.AudioEvidence, f0: np.ndarray, model: str, voiced_gaps: bool = True
) -> SpeechReport:
    """Every measurement of one answer, with quality flags (and why) and ``None`` where it cannot be trusted."""
    rec, lang = heard.recognition, heard.language
    words = rec.words if rec else []
    quality: list[str] = []
    detail: dict[str, str] = {}
    cannot: dict[str, str] = {}

    def flag(name: str, why: str) -> None:
        quality.append(name)
        detail[name] = why

    lexical = tx.lexical(words)
    # In noise the signal cannot tell speech from background; the words' span can.
    speech_s = (words[-1].end - words[0].start if words else 0.0) if ev.noisy else ev.speech_s
    if ev.digital_silence:
        flag("no_speech", "the recording is silent")
        flag(
            "digital_silence",
            f"the recording holds digital silence (its loudest moments reach {ev.loud_dbfs:.0f} dBFS): "
            "the microphone was muted or sent nothing",
        )
    elif not words and rec is not None and not gates.judged_no_speech(rec):
        # Sound was decoded, but only into loops or guesses: it is speech nobody could make out.
        flag("unclear_speech", gates.unclear_reason(rec) or "no words could be made out")
    elif not words:
        heard_s = f" in {ev.speech_s:.1f} s of sound" if ev.speech_s >= MIN_SOUND_S else ""
        flag("no_speech", f"no words were recognised{heard_s}")
    if lang is not None and lang.non_english and words and rec is not None and not rec.mostly_rejected:
        name = LANGUAGE_NAMES.get(lang.code, f"language '{lang.code}'")
        flag(
            "non_english",
            f"the answer sounds like {name} (probability {lang.probability:.2f}, "
            f"English {lang.english_probability:.2f}); only English answers are analysed",
        )
    unclear = gates.unclear_reason(rec) if rec is not None and words else None
    if unclear and "unclear_speech" not in quality:
        flag("unclear_speech", unclear)
    if ev.clipping_ratio > au.CLIP_SHARE:
        flag("clipped", f"{100 * ev.clipping_ratio:.2f} % of samples are clipped")
    if ev.level_dbfs is not None and ev.level_dbfs < au.QUIET_DBFS:
        flag("too_quiet", f"speech level {ev.level_dbfs:.0f} dBFS (below {au.QUIET_DBFS:.0f})")
    if ev.noisy:
        flag("noisy", f"speech is only {ev.snr_db:.0f} dB above the background (below {au.NOISY_SNR_DB:.0f})")
    refused = next((f for f in REFUSED if f in quality), None)
    short = speech_s < MIN_SPEECH_FOR_PACE_S or len(lexical) < MIN_WORDS_FOR_PACE
    if short and refused is None:
        flag("too_short", f"only {speech_s:.1f} s of speech / {len(lexical)} words")

    def gate(names: tuple[str, ...], reason: str) -> None:
        for n in names:
            cannot.setdefault(n, reason)

    if refused is not None:
        gate(WORD_MEASURES, detail[refused])
    if "no_speech" in quality:
        gate(("pauses", "long_pause_rate_per_min", "pitch_hz", "volume_dbfs"), detail["no_speech"])
    if short:
        gate(
            ("wpm", "speaking_wpm", "articulation_wpm"),
            f"only {speech_s:.1f} s of speech / {len(lexical)} words; pace needs {MIN_SPEECH_FOR_PACE_S:.0f} s "
            f"and {MIN_WORDS_FOR_PACE} words",
        )
    if speech_s < MIN_SPEECH_FOR_RATES_S:
        gate(
            ("filler_rate_per_min", "hedge_rate_per_min", "long_pause_rate_per_min"),
            f"only {speech_s:.1f} s of speech; rates per minute need {MIN_SPEECH_FOR_RATES_S:.0f} s",
        )
    if ev.noisy:
        gate(
            ("pauses", "long_pause_rate_per_min", "pitch_hz", "articulation_wpm"),
            f"background noise: speech is only {ev.snr_db:.0f} dB above it",
        )
    # The transcript stays as evidence of what was heard; nothing counts words that cannot be trusted.
    counted = [] if refused else words
    lexical = tx.lexical(counted)
    pause_starts = [p.start for p in ev.pauses]
    pause_ends = [p.end for p in ev.pauses]
    fillers = tx.find_fillers(counted, pause_starts, pause_ends)
    if voiced_gaps and not ev.noisy and not refused:
        fillers += _voiced_gaps(words, ev, f0, fillers)
    fillers.sort(key=lambda h: h.start)
    hedges = tx.find_hedges(counted)

    minutes = ev.duration_s / 60
    span = (words[-1].end - words[0].start) / 60 if words else 0.0
    ev_pitch = au.with_pitch(ev, f0)
    long_pauses = [p for p in ev.pauses if p.duration > au.LONG_PAUSE_S]
    if ev_pitch.pitch_median_hz is None:
        cannot.setdefault("pitch_hz", "less than 1 s of voiced speech")
    report = SpeechReport(
        duration_s=ev.duration_s,
        speech_s=ev.speech_s,
        transcript=" ".join(w.word.strip() for w in words),
        words=tuple(TimedWord(word=w.word.strip(), start=w.start, end=w.end, prob=w.prob) for w in words),
        wpm=_rate(len(lexical), minutes),
        speaking_wpm=_rate(len(lexical), span),
        articulation_wpm=_rate(len(lexical), ev.speech_s / 60),
        fillers=_hits(fillers),
        filler_count=len(fillers),
        filler_rate_per_min=_rate(len(fillers), minutes),
        pauses=tuple(Span(start=p.start, end=p.end) for p in ev.pauses),
        long_pause_count=len(long_pauses),
        longest_pause_s=round(max((p.duration for p in ev.pauses), default=0.0), 3),
        repetitions=_hits(tx.find_repetitions(counted)),
        hedges=_hits(hedges),
        vocabulary_richness=tx.mattr(lexical),
        i_we_ratio=tx.i_we_ratio(lexical),
        volume_dbfs=ev.level_dbfs,
        volume_variation_db=ev.level_variation_db,
        clipping_ratio=ev.clipping_ratio,
        snr_db=ev.snr_db,
        pitch_hz=Pitch(median=ev_pitch.pitch_median_hz, range=ev_pitch.pitch_range_hz),
        pitch_variation_st=ev_pitch.pitch_variation_st,
        monotone=None if ev_pitch.pitch_variation_st is None else ev_pitch.pitch_variation_st < MONOTONE_ST,
        quality=tuple(quality),
        cannot_measure=cannot,
        model=model,
        hedge_rate_per_min=_rate(len(hedges), minutes),
        long_pause_rate_per_min=_rate(len(long_pauses), minutes),
        quality_detail=detail,
        language=lang.code if lang else None,
        language_probability=lang.probability if lang else None,
        english_probability=lang.english_probability if lang else None,
        mean_word_prob=rec.mean_word_prob if rec else None,
        avg_logprob=rec.avg_logprob if rec else None,
        no_speech_prob=rec.no_speech_prob if rec else None,
        loudest_dbfs=ev.loud_dbfs,
        recognised_s=heard.recognised_s,
    )
    return _apply_gates(report, cannot)


def _hits(hits: list[tx.Hit]) -> tuple[Hit, ...]:
    return tuple(Hit(text=h.text, start=h.start, end=h.end, kind=h.kind) for h in hits)


def _rate(count: int, minutes: float) -> float | None:
    return round(count / minutes, 1) if minutes > 0 else None


# A gated measurement and the fields derived from it.
_GATED: dict[str, dict[str, Any]] = {
    "pitch_hz": {"pitch_hz": Pitch(), "pitch_variation_st": None, "monotone": None},
    "pauses": {"pauses": None, "long_pause_count": None, "longest_pause_s": None},
}


def _apply_gates(report: SpeechReport, cannot: dict[str, str]) -> SpeechReport:
    """Null every measurement named in ``cannot`` (and what is derived from it)."""
    update: dict[str, Any] = {}
    for name in cannot:
        if name not in SpeechReport.model_fields:
            raise KeyError(f"cannot_measure names no report field: {name}")
        update |= _GATED.get(name, {name: None})
    return SpeechReport(**dict(report) | update)


def _voiced_gaps(words: list[tx.Word], ev: au.AudioEvidence, f0: np.ndarray, fillers: list[tx.Hit]) -> list[tx.Hit]:
    """Voiced sounds with no transcribed word over them: fillers Whisper left out.

    Whisper often writes a filler but times it after the pause that follows
    it; a gap whose nearest transcribed neighbour is such a filler is that
    same filler, not another one.
    """
    hits = []
    lo, hi = VOICED_GAP_S
    for span in ev.speech:
        if not lo <= span.duration <= hi:
            continue
        if any(w.start < span.end - 0.05 and w.end > span.start + 0.05 for w in words):
            continue
        frames = f0[int(span.start / au.HOP_S) : int(span.end / au.HOP_S)]
        if not frames.size or float(np.mean(frames > 0)) < VOICED_GAP_SHARE:
            continue
        before = [w for w in words if w.end <= span.start + 0.05]
        after = [w for w in words if w.start >= span.end - 0.05]
        neighbours = ([before[-1]] if before else []) + ([after[0]] if after else [])
        if any(tx.is_filler_token(w.word) for w in neighbours):
            continue
        hits.append(tx.Hit("(um)", span.start, span.end, "voiced_gap"))
    return hits
