"""Audio evidence without a transcript: speech/silence timing, level, clipping, noise, pitch.

Pauses come from the signal (energy per 10 ms frame against the recording's own
noise floor), not from Whisper's word times, which drift into silences.
"""

from __future__ import annotations

import io
import itertools
import wave
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16_000
HOP_S = 0.01
FRAME_S = 0.02
MIN_PAUSE_S = 0.5
"""A silence inside the answer longer than this is a pause."""
LONG_PAUSE_S = 2.0
SPEECH_OVER_FLOOR_DB = 12.0
"""A frame is speech when this far above the noise floor (5th percentile of frame levels)."""
MIN_SPEECH_RUN_S = 0.06
CLIP_LEVEL = 0.999
CLIP_SHARE = 0.001
QUIET_DBFS = -35.0
NOISY_SNR_DB = 15.0
SILENT_DBFS = -55.0
DIGITAL_SILENCE_DBFS = -70.0
"""Loudest 1 % of frames below this: the device sent (near) zeros, e.g. a muted microphone.

A quiet room through a live microphone stays above it (measured: -60 dBFS and
up); quiet speech is far above it.
"""
CONDENSE_PAD_S = 0.2
"""Signal kept on each side of a speech run when silences are cut out before recognition."""


@dataclass(frozen=True)
class Span:
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class AudioEvidence:
    duration_s: float
    speech: list[Span]
    pauses: list[Span]
    speech_s: float
    level_dbfs: float | None
    """RMS level of the speech frames."""
    level_variation_db: float | None
    """Standard deviation of frame levels while speaking."""
    clipping_ratio: float
    snr_db: float | None
    pitch_median_hz: float | None = None
    pitch_range_hz: float | None = None
    """5th to 95th percentile of F0."""
    pitch_variation_st: float | None = None
    """Standard deviation of F0 in semitones around the median."""
    voiced_share: float = 0.0
    loud_dbfs: float = -120.0
    """99th percentile of the frame levels: what the loudest moments reach."""

    @property
    def noisy(self) -> bool:
        """Speech is too little above the background for the signal alone to find it."""
        return self.snr_db is not None and self.snr_db < NOISY_SNR_DB

    @property
    def digital_silence(self) -> bool:
        """The recording holds (near) zeros only: a muted or broken device, not a quiet speaker."""
        return self.loud_dbfs < DIGITAL_SILENCE_DBFS


def load_wav(path: Path) -> np.ndarray:
    """16 kHz mono 16-bit WAV as float32 in [-1, 1]."""
    return load_wav_bytes(path.read_bytes())


def load_wav_bytes(data: bytes) -> np.ndarray:
    with wave.open(io.BytesIO(data)) as wav:
        if wav.getframerate() != SAMPLE_RATE or wav.getnchannels() != 1 or wav.getsampwidth() != 2:
            raise ValueError("expected 16 kHz mono 16-bit WAV")
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), np.int16)
    return pcm.astype(np.float32) / 32768.0


def frame_levels(samples: np.ndarray) -> np.ndarray:
    """dBFS per 20 ms frame, every 10 ms."""
    hop, size = int(HOP_S * SAMPLE_RATE), int(FRAME_S * SAMPLE_RATE)
    if len(samples) < size:
        return np.full(1, -120.0)
    n = 1 + (len(samples) - size) // hop
    idx = np.arange(size)[None, :] + hop * np.arange(n)[:, None]
    rms = np.sqrt(np.mean(samples[idx] ** 2, axis=1))
    return 20 * np.log10(np.maximum(rms, 1e-6))


def analyze_audio(samples: np.ndarray) -> AudioEvidence:
    duration = len(samples) / SAMPLE_RATE
    levels = frame_levels(samples)
    floor = float(np.percentile(levels, 5))
    threshold = max(floor + SPEECH_OVER_FLOOR_DB, SILENT_DBFS)
    speech = _runs(levels > threshold, MIN_SPEECH_RUN_S)
    pauses = [
        Span(round(a.end, 3), round(b.start, 3)) for a, b in itertools.pairwise(speech) if b.start - a.end > MIN_PAUSE_S
    ]
    voiced = levels > threshold
    speech_levels = levels[voiced]
    clipping = float(np.mean(np.abs(samples) >= CLIP_LEVEL)) if len(samples) else 0.0
    level = None
    variation = None
    snr = None
    loud = float(np.percentile(levels, 95))
    if loud > SILENT_DBFS:
        # Spread between the loud and the quiet frames: speech over its own background.
        snr = round(loud - floor, 2)
    if speech_levels.size:
        rms = float(np.sqrt(np.mean(10 ** (speech_levels / 10))))
        level = round(20 * np.log10(max(rms, 1e-6)), 2)
        variation = round(float(np.std(speech_levels)), 2)
    return AudioEvidence(
        duration_s=round(duration, 3),
        speech=speech,
        pauses=pauses,
        speech_s=round(sum(s.duration for s in speech), 3),
        level_dbfs=level,
        level_variation_db=variation,
        clipping_ratio=round(clipping, 5),
        snr_db=snr,
        loud_dbfs=round(float(np.percentile(levels, 99)), 2),
    )


def _runs(mask: np.ndarray, min_len_s: float) -> list[Span]:
    """Contiguous True runs of at least ``min_len_s`` as time spans."""
    spans: list[Span] = []
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    for start, end in zip(edges[::2], edges[1::2], strict=True):
        t0, t1 = start * HOP_S, end * HOP_S + (FRAME_S - HOP_S)
        if t1 - t0 >= min_len_s:
            spans.append(Span(round(t0, 3), round(t1, 3)))
    return spans


def pitch_track(samples: np.ndarray) -> np.ndarray:
    """F0 per 10 ms (0 where unvoiced), from Praat's autocorrelation method via parselmouth."""
    import parselmouth

    if len(samples) < SAMPLE_RATE // 4:
        return np.zeros(0)
    sound = parselmouth.Sound(samples.astype(np.float64), sampling_frequency=SAMPLE_RATE)
    pitch = sound.to_pitch(time_step=HOP_S, pitch_floor=75.0, pitch_ceiling=500.0)
    return np.asarray(pitch.selected_array["frequency"], dtype=np.float64)


def with_pitch(evidence: AudioEvidence, f0: np.ndarray, min_voiced_s: float = 1.0) -> AudioEvidence:
    voiced = f0[f0 > 0]
    share = float(voiced.size / f0.size) if f0.size else 0.0
    if voiced.size * HOP_S < min_voiced_s:
        return replace(evidence, voiced_share=round(share, 3))
    median = float(np.median(voiced))
    semitones = 12 * np.log2(voiced / median)
    return replace(
        evidence,
        pitch_median_hz=round(median, 1),
        pitch_range_hz=round(float(np.percentile(voiced, 95) - np.percentile(voiced, 5)), 1),
        pitch_variation_st=round(float(np.std(semitones)), 2),
        voiced_share=round(share, 3),
    )


@dataclass(frozen=True)
class Condensed:
    """The speech of a recording with long silences cut out, and the way back to its times.

    Recognition costs time per second of audio whatever it holds; the signal
    already says where the silences are, so they need not be recognised.
    """

    samples: np.ndarray
    pieces: tuple[tuple[float, float], ...]
    """(start in the condensed audio, start in the original) of each kept piece, in order."""

    @property
    def duration_s(self) -> float:
        return len(self.samples) / SAMPLE_RATE

    def original_time(self, t: float) -> float:
        """Where a time of the condensed audio lies in the original recording."""
        offset = 0.0
        for condensed_start, original_start in self.pieces:
            if condensed_start > t:
                break
            offset = original_start - condensed_start
        return round(t + offset, 3)


def condense(samples: np.ndarray, speech: list[Span], pad_s: float = CONDENSE_PAD_S) -> Condensed:
    """Keep each speech run with ``pad_s`` of its surroundings; silences longer than that are shortened."""
    duration = len(samples) / SAMPLE_RATE
    merged: list[list[float]] = []
    for span in speech:
        start, end = max(0.0, span.start - pad_s), min(duration, span.end + pad_s)
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    if not merged:
        return Condensed(samples[:0], ())
    parts, pieces, at = [], [], 0.0
    for start, end in merged:
        a, b = round(start * SAMPLE_RATE), round(end * SAMPLE_RATE)
        parts.append(samples[a:b])
        pieces.append((round(at, 4), round(a / SAMPLE_RATE, 4)))
        at += (b - a) / SAMPLE_RATE
    return Condensed(np.concatenate(parts), tuple(pieces))


WINDOW_S = 30.0
"""Whisper hears 30 s at a time: every window costs the same, full or not."""
QUIET_CUT_SEARCH_S = 4.0


def windows(clip: Condensed, max_s: float = WINDOW_S) -> list[tuple[float, float]]:
    """Cut ``clip`` into few windows of at most ``max_s``, each at least two thirds full but the last.

    Cuts fall on a join between pieces (a shortened silence) when one is in
    the window's last third, else on the quietest moment of its last seconds,
    so that a cut rarely splits a word.
    """
    joins = [start for start, _ in clip.pieces[1:]]
    out: list[tuple[float, float]] = []
    start = 0.0
    while clip.duration_s - start > max_s:
        lo, hi = start + max_s * 2 / 3, start + max_s
        inside = [j for j in joins if lo <= j <= hi]
        cut = inside[-1] if inside else _quietest(clip.samples, hi - QUIET_CUT_SEARCH_S, hi)
        out.append((round(start, 3), round(cut, 3)))
        start = cut
    if clip.duration_s > start:
        out.append((round(start, 3), round(clip.duration_s, 3)))
    return out


def _quietest(samples: np.ndarray, t0: float, t1: float) -> float:
    a, b = int(t0 * SAMPLE_RATE), int(t1 * SAMPLE_RATE)
    levels = frame_levels(samples[a:b])
    return round(t0 + int(np.argmin(levels)) * HOP_S, 3)
