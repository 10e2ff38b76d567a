"""The speech report: transcript-based and signal-based delivery metrics, quality-gated.

When the audio cannot support a number (silence, too little speech, noise),
the number is ``None`` and ``cannot_measure`` says why. Never a made-up value.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from schemas.reports import Hit, Pitch, Span, SpeechReport, TimedWord
from services.speech import audio as au
from services.speech import text as tx

MIN_SPEECH_FOR_RATE_S = 5.0
MIN_WORDS_FOR_RATE = 8
MONOTONE_ST = 2.0
"""F0 standard deviation below this many semitones reads as monotone."""
VOICED_GAP_S = (0.15, 1.5)
VOICED_GAP_SHARE = 0.5


def build_report(
    words: list[tx.Word], ev: au.AudioEvidence, f0: np.ndarray, model: str, voiced_gaps: bool = True
) -> SpeechReport:
    quality: list[str] = []
    cannot: dict[str, str] = {}
    lexical = tx.lexical(words)
    noisy = ev.snr_db is not None and ev.snr_db < au.NOISY_SNR_DB
    # In noise the signal cannot tell speech from background; the words' span can.
    speech_s = (words[-1].end - words[0].start if words else 0.0) if noisy else ev.speech_s
    if not words and (ev.speech_s < 0.5 or noisy):
        quality.append("no_speech")
    if ev.clipping_ratio > au.CLIP_SHARE:
        quality.append("clipped")
    if ev.level_dbfs is not None and ev.level_dbfs < au.QUIET_DBFS:
        quality.append("too_quiet")
    if noisy:
        quality.append("noisy")
    short = speech_s < MIN_SPEECH_FOR_RATE_S or len(lexical) < MIN_WORDS_FOR_RATE
    if short and "no_speech" not in quality:
        quality.append("too_short")

    def gate(names: tuple[str, ...], reason: str) -> None:
        for n in names:
            cannot.setdefault(n, reason)

    if "no_speech" in quality:
        gate(
            (
                "wpm",
                "speaking_wpm",
                "articulation_wpm",
                "filler_count",
                "filler_rate_per_min",
                "pauses",
                "pitch_hz",
                "volume_dbfs",
                "vocabulary_richness",
            ),
            "no speech was detected",
        )
    if short:
        gate(
            ("wpm", "speaking_wpm", "articulation_wpm", "filler_rate_per_min"),
            f"only {speech_s:.1f} s of speech / {len(lexical)} words; rates need {MIN_SPEECH_FOR_RATE_S:.0f} s",
        )
    if noisy:
        gate(
            ("pauses", "pitch_hz", "articulation_wpm"), f"background noise: speech is only {ev.snr_db:.0f} dB above it"
        )

    pause_starts = [p.start for p in ev.pauses]
    pause_ends = [p.end for p in ev.pauses]
    fillers = tx.find_fillers(words, pause_starts, pause_ends)
    if voiced_gaps and not noisy:
        fillers += _voiced_gaps(words, ev, f0, fillers)
    fillers.sort(key=lambda h: h.start)

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
        repetitions=_hits(tx.find_repetitions(words)),
        hedges=_hits(tx.find_hedges(words)),
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
