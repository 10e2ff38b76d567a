"""The candidate's history and progress, as the gateway serves them (``GET /api/sessions``, ``/api/progress``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from schemas.envelope import Model
from schemas.events import InterviewType, Level, Scores

ProgressMetric = Literal[
    "overall",
    "communication",
    "content",
    "confidence",
    "body_language",
    "filler_rate",
    "pace",
    "long_pauses",
    "eye_contact",
]


class SessionSummary(Model):
    """One past or running session, as the history lists it."""

    session_id: str
    created_at: datetime
    role: str
    interview_type: InterviewType
    level: Level
    duration_min: int
    status: str = Field(description="generating_questions, ready, finished, completed, failed, ...")
    scores: Scores | None = Field(default=None, description="Session scores once completed.")
    questions_total: int = Field(ge=0)
    questions_answered: int = Field(ge=0, description="Questions whose answer the scores are based on.")
    has_job_description: bool = False


class SessionList(Model):
    """The caller's sessions, newest first."""

    sessions: tuple[SessionSummary, ...]
    next_before: datetime | None = Field(
        default=None, description="More are older than this: pass it as ?before= for the next page."
    )


class ProgressPoint(Model):
    session_id: str
    at: datetime = Field(description="When the session was created.")
    value: float


class MetricSeries(Model):
    """One metric across the caller's completed sessions, oldest first; sessions where it
    could not be measured have no point."""

    metric: ProgressMetric
    label: str
    unit: Literal["score", "per_minute", "wpm", "percent"]
    better: Literal["higher", "lower", "in_band"] = Field(description="Which direction is an improvement.")
    points: tuple[ProgressPoint, ...]


class Progress(Model):
    sessions: int = Field(ge=0, description="Completed sessions the series are drawn from.")
    metrics: tuple[MetricSeries, ...]
