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
