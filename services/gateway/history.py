"""The caller's sessions and their progress across sessions.

Computed from the session documents the gateway already projects (scores per
session, speech and vision summaries per answer), so listing reads no report
from object storage. A session's speech/vision numbers come from the answers
its result is based on (the latest scored attempt of each question).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status

from schemas import Scores
from schemas.history import MetricSeries, Progress, ProgressMetric, ProgressPoint, SessionList, SessionSummary
from schemas.reports import SessionSetup
from services.gateway.auth import PrincipalDep
from services.gateway.deps import SessionsDep

Doc = dict[str, Any]
MAX_SESSIONS = 5000
"""Most sessions one caller's history is computed from."""


def basis(doc: Doc) -> list[Doc]:
    """The answers a session's result is based on: the ones SessionCompleted named, else the
    latest scored attempt of each question."""
    answers: dict[str, Doc] = doc.get("answers") or {}
    named = (doc.get("result") or {}).get("answer_ids")
    if named is not None:
        return [answers[a] for a in named if a in answers]
    latest: dict[str, Doc] = {}
    for a in answers.values():
        if a.get("status") == "scored" and a.get("attempt", 0) >= latest.get(a["question_id"], {}).get("attempt", 0):
            latest[a["question_id"]] = a
    return list(latest.values())


def summary(doc: Doc) -> SessionSummary:
    req = doc["request"]
    scores = doc.get("scores")
    return SessionSummary(
        session_id=doc["_id"],
        created_at=doc["created_at"],
        **{name: req[name] for name in SessionSetup.model_fields},
        status=doc["status"],
        scores=Scores(**scores) if scores else None,
        questions_total=len(doc.get("questions") or ()),
        questions_answered=len({a["question_id"] for a in basis(doc)}),
        has_job_description=bool((doc.get("inputs") or {}).get("job_description")),
    )


def _weighted(
    answers: Iterable[Doc], value: Callable[[Doc], float | None], weight: Callable[[Doc], float]
) -> float | None:
    pairs = [(v, weight(a)) for a in answers if (v := value(a)) is not None and weight(a) > 0]
    total = sum(w for _, w in pairs)
    return sum(v * w for v, w in pairs) / total if total else None


def _minutes(a: Doc) -> float:
    return float(a.get("duration_s") or 0) / 60


def _rate(answers: list[Doc], field: str) -> float | None:
    """Events per minute of answer, over the answers where they were counted."""
    counted = [a for a in answers if (a.get("speech") or {}).get(field) is not None and _minutes(a) > 0]
    minutes = sum(_minutes(a) for a in counted)
    return sum(a["speech"][field] for a in counted) / minutes if minutes else None


def _score(key: str) -> Callable[[Doc, list[Doc]], float | None]:
    return lambda doc, _: (doc.get("scores") or {}).get(key)


METRICS: tuple[tuple[ProgressMetric, str, str, str, Callable[[Doc, list[Doc]], float | None]], ...] = (
    ("overall", "Overall score", "score", "higher", _score("overall")),
    ("communication", "Communication", "score", "higher", _score("communication")),
    ("content", "Content", "score", "higher", _score("content")),
    ("confidence", "Confidence", "score", "higher", _score("confidence")),
    ("body_language", "Body language", "score", "higher", _score("body_language")),
    ("filler_rate", "Filler words per minute", "per_minute", "lower", lambda _, a: _rate(a, "filler_count")),
    (
        "pace",
        "Pace (words per minute)",
        "wpm",
        "in_band",
        lambda _, answers: _weighted(answers, lambda a: (a.get("speech") or {}).get("wpm"), _minutes),
    ),
    ("long_pauses", "Long pauses per minute", "per_minute", "lower", lambda _, a: _rate(a, "long_pause_count")),
    (
        "eye_contact",
        "Eye contact (% of frames)",
        "percent",
        "higher",
        lambda _, answers: _percent(
            _weighted(
                answers,
                lambda a: (a.get("vision") or {}).get("eye_contact_ratio"),
                lambda a: float((a.get("vision") or {}).get("frames_used") or 0),
            )
        ),
    ),
)


def _percent(ratio: float | None) -> float | None:
    return None if ratio is None else ratio * 100


def progress(docs: Iterable[Doc]) -> Progress:
    """Per-metric series over the completed sessions, oldest first."""
    completed = sorted((d for d in docs if d.get("status") == "completed"), key=lambda d: d["created_at"])
    series = []
    for metric, label, unit, better, compute in METRICS:
        points = []
        for doc in completed:
            value = compute(doc, basis(doc))
            if value is not None:
                points.append(ProgressPoint(session_id=doc["_id"], at=doc["created_at"], value=round(value, 2)))
        series.append(MetricSeries(metric=metric, label=label, unit=unit, better=better, points=tuple(points)))
    return Progress(sessions=len(completed), metrics=tuple(series))


router = APIRouter(prefix="/api", tags=["history"])


async def _owned(sessions: SessionsDep, principal: PrincipalDep) -> list[Doc]:
    if principal is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "no identity: open the app or sign in first")
    return await sessions.owned_by(principal.owner, MAX_SESSIONS)


@router.get("/sessions", responses={401: {"description": "No device profile or sign-in"}})
async def list_sessions(
    sessions: SessionsDep,
    principal: PrincipalDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[datetime | None, Query(description="Only sessions created before this (paging).")] = None,
) -> SessionList:
    """The caller's sessions, newest first: date, role, scores, status, how many questions were answered."""
    docs = sorted(await _owned(sessions, principal), key=lambda d: d["created_at"], reverse=True)
    if before is not None:
        before = before if before.tzinfo else before.replace(tzinfo=UTC)
        docs = [d for d in docs if datetime.fromisoformat(d["created_at"]) < before]
    page = docs[:limit]
    more = len(docs) > limit
    return SessionList(
        sessions=tuple(summary(d) for d in page), next_before=page[-1]["created_at"] if more and page else None
    )


@router.get("/progress", responses={401: {"description": "No device profile or sign-in"}})
async def read_progress(sessions: SessionsDep, principal: PrincipalDep) -> Progress:
    """Per-metric series (overall and category scores, filler rate, pace, long pauses, eye contact) across
    the caller's completed sessions, oldest first."""
    return progress(await _owned(sessions, principal))
