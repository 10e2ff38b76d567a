"""Event builders shared by tests."""

from __future__ import annotations

import uuid

from schemas import InterviewType, Level, SessionRequested, SessionRequestedData


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
