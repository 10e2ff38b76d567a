"""From per-frame evidence to the answer's body-language report.

Frames without a usable face are left out of face metrics; with too few usable
frames, face metrics are ``None`` ("cannot measure") and the report says why.
Each sampled frame stands for the span halfway to its neighbours, which is
how "looking away" segments get their start and end times.
"""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass, field
from typing import Any

from services.vision.evidence import FrameEvidence

MIN_USABLE_FRAMES = 3
MIN_USABLE_SHARE = 0.3
ISSUE_SHARE = 0.5
"""A per-frame issue becomes an answer-level quality flag above this share of frames."""


@dataclass(frozen=True)
class Segment:
    start: float
    end: float


@dataclass
class VisionReport:
    frames_total: int
    frames_used: int
    face_present_ratio: float | None
    eye_contact_ratio: float | None
    looking_away: list[Segment]
    head_movement_deg: float | None
    """Standard deviation of yaw and pitch across usable frames (mean of the two)."""
    posture: dict[str, Any]
    expressiveness: float | None
    """Variation of mouth and brow geometry across frames, x100 (0 = a still face)."""
    smile_ratio: float | None
    movement: float | None
    """Median nose displacement between consecutive samples, in face heights per second."""
    quality: list[str]
    cannot_measure: dict[str, str] = field(default_factory=dict)
    frames: list[dict[str, object]] = field(default_factory=list)


def _share(values: list[bool]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 4) if values else None


def aggregate(evidence: list[FrameEvidence], duration_s: float) -> VisionReport:
    frames = sorted(evidence, key=lambda e: e.t)
    total = len(frames)
    usable = [e for e in frames if e.usable]
    enough = len(usable) >= MIN_USABLE_FRAMES and len(usable) >= MIN_USABLE_SHARE * max(total, 1)
    quality = sorted(
        {
            issue
            for issue in {i for e in frames for i in e.issues}
            if sum(issue in e.issues for e in frames) > ISSUE_SHARE * total
        }
    )
    if total and not enough:
        quality.append("too_few_usable_frames")
    cannot: dict[str, str] = {}
    if not enough:
        reason = (
            "no frames were sampled"
            if not total
            else f"a usable face was visible in {len(usable)} of {total} sampled frames"
        )
        for key in ("eye_contact_ratio", "head_movement_deg", "expressiveness", "smile_ratio", "movement"):
            cannot[key] = reason

    posture = _posture(frames)
    report = VisionReport(
        frames_total=total,
        frames_used=len(usable),
        face_present_ratio=_share([e.face for e in frames]),
        eye_contact_ratio=None,
        looking_away=[],
        head_movement_deg=None,
        posture=posture,
        expressiveness=None,
        smile_ratio=None,
        movement=None,
        quality=quality,
        cannot_measure=cannot,
        frames=[e.as_dict() for e in frames],
    )
    if not enough:
        return report
    report.eye_contact_ratio = _share([bool(e.eye_contact) for e in usable])
    report.looking_away = _away_segments(frames, duration_s)
    yaw = [e.yaw_deg for e in usable if e.yaw_deg is not None]
    pitch = [e.pitch_deg for e in usable if e.pitch_deg is not None]
    report.head_movement_deg = round((statistics.pstdev(yaw) + statistics.pstdev(pitch)) / 2, 3)
    features = [
        [e.mouth_width_ratio for e in usable],
        [e.mouth_open_ratio for e in usable],
        [e.brow_raise_ratio for e in usable],
    ]
    report.expressiveness = round(100 * sum(statistics.pstdev([v for v in f if v is not None]) for f in features), 3)
    report.smile_ratio = _share([bool(e.smiling) for e in usable])
    report.movement = _movement(usable)
    return report


def _away_segments(frames: list[FrameEvidence], duration_s: float) -> list[Segment]:
    """Spans where the candidate was not looking at the camera (face missing counts as away)."""
    segments: list[Segment] = []
    for i, e in enumerate(frames):
        if e.usable and e.eye_contact:
            continue
        if not e.usable and e.face:  # a face too dark/blurred to read: unknown, not "away"
            continue
        start = 0.0 if i == 0 else (frames[i - 1].t + e.t) / 2
        end = duration_s if i == len(frames) - 1 else (e.t + frames[i + 1].t) / 2
        if segments and abs(segments[-1].end - start) < 1e-6:
            segments[-1] = Segment(segments[-1].start, round(end, 3))
        else:
            segments.append(Segment(round(start, 3), round(end, 3)))
    return segments


def _movement(usable: list[FrameEvidence]) -> float | None:
    speeds = []
    for a, b in itertools.pairwise(usable):
        if a.nose_x is None or a.nose_y is None or b.nose_x is None or b.nose_y is None:
            continue
        if not a.face_height or b.t <= a.t:
            continue
        dist = ((b.nose_x - a.nose_x) ** 2 + (b.nose_y - a.nose_y) ** 2) ** 0.5
        speeds.append(dist / a.face_height / (b.t - a.t))
    return _median(speeds)


def _posture(frames: list[FrameEvidence]) -> dict[str, Any]:
    with_face = [e for e in frames if e.face]
    checked = [e for e in frames if e.shoulders_visible is not None]
    shoulders = [e for e in checked if e.shoulders_visible]
    return {
        "frames_with_pose": len(checked),
        "shoulders_visible_ratio": _share([bool(e.shoulders_visible) for e in checked]),
        "shoulder_tilt_deg": _median([abs(e.shoulder_tilt_deg) for e in shoulders if e.shoulder_tilt_deg is not None]),
        "uprightness": _median([e.uprightness for e in shoulders if e.uprightness is not None]),
        "face_height_ratio": _median([e.face_height for e in with_face if e.face_height is not None]),
        "centered_ratio": _share([bool(e.centered) for e in with_face]),
        "in_frame_ratio": _share([bool(e.in_frame) for e in with_face]),
    }
