"""Builders of real contract instances (events and reports) shared by tests."""

from __future__ import annotations

import uuid
from typing import Any

from schemas import InterviewType, Level, Scores, SessionRequested, SessionRequestedData
from schemas.reports import Evidence, Posture, ScoreCard, SpeechReport, VisionReport


def session_requested(session_id: str | None = None, duration: int = 15) -> SessionRequested:
    sid = session_id or uuid.uuid4().hex
    data = SessionRequestedData(
        session_id=sid,
        role="Data engineer",
        interview_type=InterviewType.mixed,
        level=Level.mid,
        duration_min=duration,  # type: ignore[arg-type]
    )
    return SessionRequested.new(data, source="tests", sessionid=sid)


def speech_report(transcript: str = "I designed the pipeline and tested it carefully.", **kw: Any) -> SpeechReport:
    """A clean one-minute answer at a good pace; override any field."""
    base: dict[str, Any] = {
        "model": "fake-asr",
        "duration_s": 60.0,
        "speech_s": 50.0,
        "transcript": transcript,
        "wpm": 140.0,
        "filler_count": 1,
        "filler_rate_per_min": 1.0,
        "pauses": (),
        "long_pause_count": 0,
        "volume_dbfs": -20.0,
        "pitch_variation_st": 3.5,
    }
    return SpeechReport(**base | kw)


def vision_report(**kw: Any) -> VisionReport:
    """Good eye contact and posture over twelve usable frames; override any field."""
    base: dict[str, Any] = {
        "models": ("fake-landmarks",),
        "frames_total": 12,
        "frames_used": 12,
        "face_present_ratio": 1.0,
        "eye_contact_ratio": 0.85,
        "movement": 0.05,
        "posture": Posture(shoulder_tilt_deg=2.0, uprightness=0.6, centered_ratio=1.0, face_height_ratio=0.3),
    }
    return VisionReport(**base | kw)


def score_card(*evidence: Evidence, **scores: float) -> ScoreCard:
    """A card with the given evidence and category scores."""
    return ScoreCard(scores=Scores(**scores), confidence_level="medium", evidence=evidence)


def evidence(metric: str, value: float, score: int, category: str = "communication", **kw: Any) -> Evidence:
    return Evidence(
        category=category, metric=metric, value=value, target=kw.pop("target", "a target"), score=score, **kw
    )  # type: ignore[arg-type]
