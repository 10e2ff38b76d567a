"""Gateway handlers: HTTP commands in, events out; projections of events into sessions.

Routers stay thin: they parse, call one of these, publish what comes back.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any, Protocol

from schemas import (
    AnswerFailed,
    AnswerScored,
    AnswerUploaded,
    AnswerUploadedData,
    MediaExtracted,
    QuestionsGenerated,
    SessionCompleted,
    SessionFinished,
    SessionFinishedData,
    SessionRequested,
    SessionRequestedData,
    SpeechAnalyzed,
    VisionAnalyzed,
)

SOURCE = "mockinterview/gateway"


class Sessions(Protocol):
    async def add(self, session_id: str, doc: dict[str, Any]) -> None: ...

    async def get(self, session_id: str) -> dict[str, Any] | None: ...

    async def update(self, session_id: str, update: dict[str, Any]) -> dict[str, Any] | None: ...


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def owns(session: dict[str, Any] | None, token: str | None) -> bool:
    """True when ``token`` is the session's bearer token (constant-time)."""
    if session is None or not token:
        return False
    return hmac.compare_digest(session["token_sha256"], hash_token(token))


async def create_session(request: dict[str, Any], sessions: Sessions) -> tuple[str, str, SessionRequested]:
    """Store a new session and return (session id, bearer token, SessionRequested)."""
    session_id = uuid.uuid4().hex
    token = secrets.token_urlsafe(32)
    data = SessionRequestedData(session_id=session_id, **request)
    await sessions.add(
        session_id,
        {
            "token_sha256": hash_token(token),
            "request": data.model_dump(mode="json", exclude={"job_description", "resume"}),
            "status": "generating_questions",
            "questions": [],
            "answers": {},
            "attempts": {},
            "created_at": datetime.now(UTC).isoformat(),
        },
    )
    event = SessionRequested.new(data, source=SOURCE, sessionid=session_id)
    return session_id, token, event


async def record_upload(
    session: dict[str, Any],
    question_id: str,
    video_key: str,
    answer_id: str,
    content_type: str,
    size: int,
    sessions: Sessions,
) -> AnswerUploaded:
    """Register an uploaded answer as a new attempt and return AnswerUploaded."""
    session_id = session["_id"]
    after = await sessions.update(session_id, {"$inc": {f"attempts.{question_id}": 1}})
    assert after is not None
    attempt = int(after["attempts"][question_id])
    await sessions.update(
        session_id,
        {
            "$set": {
                f"answers.{answer_id}": {
                    "question_id": question_id,
                    "attempt": attempt,
                    "status": "uploaded",
                    "video_key": video_key,
                    "size_bytes": size,
                    "uploaded_at": datetime.now(UTC).isoformat(),
                }
            }
        },
    )
    data = AnswerUploadedData(
        session_id=session_id,
        answer_id=answer_id,
        question_id=question_id,
        attempt=attempt,
        video_key=video_key,
        content_type=content_type,
        size_bytes=size,
    )
    return AnswerUploaded.new(data, source=SOURCE, sessionid=session_id, answerid=answer_id)


async def finish_session(session: dict[str, Any], sessions: Sessions) -> SessionFinished:
    question_ids = tuple(q["question_id"] for q in session["questions"])
    answered = tuple(sorted({a["question_id"] for a in session["answers"].values()}))
    await sessions.update(session["_id"], {"$set": {"status": "finished"}})
    data = SessionFinishedData(session_id=session["_id"], question_ids=question_ids, answered_question_ids=answered)
    return SessionFinished.new(data, source=SOURCE, sessionid=session["_id"])


# ---------------------------------------------------------------- projections
async def on_questions_generated(event: QuestionsGenerated, sessions: Sessions) -> None:
    questions = [q.model_dump(mode="json") for q in event.data.questions]
    await sessions.update(event.sessionid, {"$set": {"questions": questions, "status": "ready"}})


async def on_media_extracted(event: MediaExtracted, sessions: Sessions) -> None:
    d = event.data
    await sessions.update(
        event.sessionid,
        {
            "$set": {
                f"answers.{d.answer_id}.status": "analyzing",
                f"answers.{d.answer_id}.playback_key": d.playback_key,
                f"answers.{d.answer_id}.duration_s": d.duration_s,
            }
        },
    )


async def on_speech_analyzed(event: SpeechAnalyzed, sessions: Sessions) -> None:
    d = event.data
    summary = d.model_dump(
        mode="json",
        include={
            "transcript",
            "wpm",
            "filler_count",
            "long_pause_count",
            "volume_dbfs",
            "quality",
            "report_key",
            "model",
        },
    )
    await sessions.update(event.sessionid, {"$set": {f"answers.{d.answer_id}.speech": summary}})


async def on_vision_analyzed(event: VisionAnalyzed, sessions: Sessions) -> None:
    d = event.data
    summary = d.model_dump(
        mode="json",
        include={"frames_used", "face_present_ratio", "eye_contact_ratio", "expressiveness", "quality", "report_key"},
    )
    await sessions.update(event.sessionid, {"$set": {f"answers.{d.answer_id}.vision": summary}})


async def on_answer_failed(event: AnswerFailed, sessions: Sessions) -> None:
    d = event.data
    if d.answer_id is None:
        update = {"$set": {"status": "failed", "error": d.model_dump(mode="json")}}
    else:
        update = {
            "$set": {
                f"answers.{d.answer_id}.status": "failed",
                f"answers.{d.answer_id}.error": {"stage": d.stage, "reason": d.reason, "message": d.message},
            }
        }
    await sessions.update(event.sessionid, update)


async def on_answer_scored(event: AnswerScored, sessions: Sessions) -> None:
    d = event.data
    await sessions.update(
        event.sessionid,
        {
            "$set": {
                f"answers.{d.answer_id}.status": "scored",
                f"answers.{d.answer_id}.scores": d.scores.model_dump(mode="json"),
                f"answers.{d.answer_id}.report_key": d.report_key,
            }
        },
    )


async def on_session_completed(event: SessionCompleted, sessions: Sessions) -> None:
    await sessions.update(
        event.sessionid,
        {
            "$set": {
                "status": "completed",
                "scores": event.data.scores.model_dump(mode="json"),
                "feedback_key": event.data.report_key,
            }
        },
    )
