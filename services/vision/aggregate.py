"""From per-frame evidence to the answer's body-language report.

Frames without a usable face are left out of face metrics; with too few usable
frames, face metrics are ``None`` ("cannot measure") and the report says why.
Each sampled frame stands for the span halfway to its neighbours, which is
how "looking away" segments get their start and end times.
"""

from __future__ import annotations

import itertools
import statistics

from schemas.reports import FrameDescription, FrameEvidence, Posture, VisionReport
from schemas.reports import Span as Segment

MIN_USABLE_FRAMES = 3
MIN_USABLE_SHARE = 0.3
ISSUE_SHARE = 0.5
"""A per-frame issue becomes an answer-level quality flag above this share of frames."""


def _share(values: list[bool]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 4) if values else None


def aggregate(
    evidence: list[FrameEvidence],
    duration_s: float,
    models: tuple[str, ...] = (),
    descriptions: tuple[FrameDescription, ...] = (),
) -> VisionReport:
    """The answer's report from its sampled frames (``models``/``descriptions``: provenance, VLM notes)."""
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

    base = VisionReport(
        models=models,
        frames_total=total,
        frames_used=len(usable),
        face_present_ratio=_share([e.face for e in frames]),
        posture=_posture(frames),
        quality=tuple(quality),
        cannot_measure=cannot,
        frames=tuple(frames),
        descriptions=descriptions,
    )
    if not enough:
        return base
    yaw = [e.yaw_deg for e in usable if e.yaw_deg is not None]
    pitch = [e.pitch_deg for e in usable if e.pitch_deg is not None]
    features = [
        [e.mouth_width_ratio for e in usable],
        [e.mouth_open_ratio for e in usable],
        [e.brow_raise_ratio for e in usable],
    ]
    return VisionReport(
        **dict(base)
        | {
            "eye_contact_ratio": _share([bool(e.eye_contact) for e in usable]),
            "looking_away": tuple(_away_segments(frames, duration_s)),
            "head_movement_deg": round((statistics.pstdev(yaw) + statistics.pstdev(pitch)) / 2, 3),
            "expressiveness": round(100 * sum(statistics.pstdev([v for v in f if v is not None]) for f in features), 3),
            "smile_ratio": _share([bool(e.smiling) for e in usable]),
            "movement": _movement(usable),
        }
    )


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
            segments[-1] = Segment(start=segments[-1].start, end=round(end, 3))
        else:
            segments.append(Segment(start=round(start, 3), end=round(end, 3)))
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


def _posture(frames: list[FrameEvidence]) -> Posture:
    with_face = [e for e in frames if e.face]
    checked = [e for e in frames if e.shoulders_visible is not None]
    shoulders = [e for e in checked if e.shoulders_visible]
    return Posture(
        frames_with_pose=len(checked),
        shoulders_visible_ratio=_share([bool(e.shoulders_visible) for e in checked]),
        shoulder_tilt_deg=_median([abs(e.shoulder_tilt_deg) for e in shoulders if e.shoulder_tilt_deg is not None]),
        uprightness=_median([e.uprightness for e in shoulders if e.uprightness is not None]),
        face_height_ratio=_median([e.face_height for e in with_face if e.face_height is not None]),
        centered_ratio=_share([bool(e.centered) for e in with_face]),
        in_frame_ratio=_share([bool(e.in_frame) for e in with_face]),
    )
