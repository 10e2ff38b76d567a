"""Gateway handlers: HTTP commands in, events out; projections of events into sessions.

Routers stay thin: they parse and call one of these. A command's state change
and the events it announces are committed together through the outbox
(``Commit``): no dual write between the document store and the bus.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from runtime.erasure import SessionErased
from runtime.outbox import Effect
from runtime.storage.documents import Doc
from runtime.storage.objects import ObjectStore
from schemas import (
    AnswerFailed,
    AnswerScored,
    AnswerUploaded,
    AnswerUploadedData,
    Event,
    MediaExtracted,
    QuestionsGenerated,
    SessionRequested,
    SessionRequestedData,
    SpeechAnalyzed,
    Stage,
    VisionAnalyzed,
    keys,
)

SOURCE = "mockinterview/gateway"
SESSIONS = "sessions"  # the session read model's collection (adapters/sessions.py)
_IDS = uuid.UUID("5d1c2f0e-8f5b-4d7e-9a0c-3b6e2f1a9c47")


class Commit(Protocol):
    """The outbox port: store state changes and the events announcing them as one commit."""

    async def commit(
        self, events: Sequence[Event], effects: Sequence[Effect] = (), watch: dict[str, Any] | None = None
    ) -> bool: ...


class Sessions(Protocol):
    async def add(self, session_id: str, doc: dict[str, Any]) -> None: ...

    async def get(self, session_id: str) -> dict[str, Any] | None: ...

    async def update(self, session_id: str, update: dict[str, Any]) -> dict[str, Any] | None: ...


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def owns(session: dict[str, Any] | None, token: str | None) -> bool:
    """True when ``token`` is the session's bearer token (constant-time)."""
    if session is None or not token or not session.get("token_sha256"):
        return False
    return hmac.compare_digest(session["token_sha256"], hash_token(token))


def may_access(session: dict[str, Any] | None, owner: str | None, token: str | None) -> bool:
    """The session's owner (device profile or OIDC user), or whoever holds its bearer token."""
    if session is None:
        return False
    if owner is not None and session.get("owner") == owner:
        return True
    return owns(session, token)


async def create_session(
    request: dict[str, Any], outbox: Commit, owner: str | None = None, profile: str | None = None
) -> tuple[str, str, SessionRequested]:
    """Store a new session with its SessionRequested; return (session id, bearer token, the event).

    ``owner`` (a device profile or OIDC user) finds it in their history; the
    bearer token keeps working for API clients that have no identity.
    ``profile`` owns the session's quota (``services/gateway/quotas.py``).
    """
    session_id = uuid.uuid4().hex
    token = secrets.token_urlsafe(32)
    data = SessionRequestedData(session_id=session_id, **request)
    doc: dict[str, Any] = {
        "token_sha256": hash_token(token),
        "owner": owner,
        "request": data.model_dump(mode="json", exclude={"job_description", "resume"}),
        # The candidate's inputs stay with the session: shown back, exported, erased with it.
        "inputs": {"job_description": data.job_description, "resume": data.resume},
        "status": "generating_questions",
        "questions": [],
        "answers": {},
        "attempts": {},
        "created_at": datetime.now(UTC).isoformat(),
        "profile": profile,
        "generation": 1,
        "stored_bytes": 0,
    }
    event = SessionRequested.new(data, source=SOURCE, sessionid=session_id)
    await outbox.commit(
        [event], [Effect("insert", SESSIONS, session_id, doc)], watch={"kind": "session", "stage": "questions"}
    )
    return session_id, token, event


async def record_upload(
    session: dict[str, Any],
    question_id: str,
    video_key: str,
    answer_id: str,
    content_type: str,
    size: int,
    sessions: Sessions,
    outbox: Commit,
) -> AnswerUploaded:
    """Register an uploaded answer as a new attempt, with its AnswerUploaded, and return the event."""
    session_id = session["_id"]
    # Reserve the attempt number first ($inc cannot be replayed, so it is not part of the commit):
    # a failure after this leaves a gap in the numbering, never a half-recorded answer.
    after = await sessions.update(session_id, {"$inc": {f"attempts.{question_id}": 1, "stored_bytes": size}})
    if after is None:  # deleted while the body streamed
        raise SessionErased(session_id)
    attempt = int(after["attempts"][question_id])
    data = AnswerUploadedData(
        session_id=session_id,
        answer_id=answer_id,
        question_id=question_id,
        attempt=attempt,
        video_key=video_key,
        content_type=content_type,
        size_bytes=size,
    )
    event = AnswerUploaded.new(data, source=SOURCE, sessionid=session_id, answerid=answer_id)
    answer = data.model_dump(exclude={"session_id", "answer_id"}) | {
        "status": "uploaded",
        "uploaded_at": datetime.now(UTC).isoformat(),
        "upload_event_id": event.id,
    }
    await outbox.commit(
        [event],
        [Effect("update", SESSIONS, session_id, {"$set": {f"answers.{answer_id}": answer}})],
        watch={"kind": "answer", "answer_id": answer_id, "retry": 0},
    )
    return event


class NotRetryable(ValueError):
    """The answer is scored: there is nothing to retry."""


async def retry_analysis(session: dict[str, Any], answer_id: str, outbox: Commit) -> dict[str, Any]:
    """Deliver a failed answer's recording again (same answer, same attempt, no new upload).

    Idempotent: while a delivery is under way (or after it succeeded) a repeat changes nothing. The new
    delivery's AnswerUploaded has an id derived from (answer, retry number) and is caused by the original.
    """
    sid = session["_id"]
    answer = session["answers"][answer_id]
    retries = int(answer.get("retries", 0))
    if answer["status"] == "scored":
        raise NotRetryable("the answer is already scored")
    if answer["status"] != "failed":
        return {"answer_id": answer_id, "attempt": answer["attempt"], "status": answer["status"], "retry": retries}
    retry = retries + 1
    data = AnswerUploadedData(
        session_id=sid,
        answer_id=answer_id,
        question_id=answer["question_id"],
        attempt=answer["attempt"],
        video_key=answer["video_key"],
        content_type=answer.get("content_type") or _content_type(answer["video_key"]),
        size_bytes=answer.get("size_bytes", 0),
    )
    event_id = str(uuid.uuid5(_IDS, f"{answer_id}/retry/{retry}"))
    event = AnswerUploaded(
        id=event_id,
        source=SOURCE,
        type=AnswerUploaded.TYPE,
        subject=answer_id,
        sessionid=sid,
        answerid=answer_id,
        correlationid=event_id,
        causationid=answer.get("upload_event_id"),
        data=data,
    )
    now = datetime.now(UTC).isoformat()
    prefix = f"answers.{answer_id}"
    effect = {
        "$set": {f"{prefix}.status": "uploaded", f"{prefix}.retries": retry, f"{prefix}.retried_at": now},
        "$unset": {f"{prefix}.error": "", f"{prefix}.analyzing_at": ""},
    }
    await outbox.commit(
        [event],
        [Effect("update", SESSIONS, sid, effect)],
        watch={"kind": "answer", "answer_id": answer_id, "retry": retry},
    )
    return {"answer_id": answer_id, "attempt": answer["attempt"], "status": "uploaded", "retry": retry}


def _content_type(video_key: str) -> str:
    return "video/mp4" if video_key.endswith(".mp4") else "video/webm"


# ---------------------------------------------------------------- projections
def answer_update(answer_id: str, **fields: Any) -> Doc:
    """The update that sets ``fields`` on one answer of a session document."""
    return {"$set": {f"answers.{answer_id}.{name}": value for name, value in fields.items()}}


async def on_questions_generated(event: QuestionsGenerated, sessions: Sessions) -> None:
    questions = [q.model_dump(mode="json") for q in event.data.questions]
    await sessions.update(event.sessionid, {"$set": {"questions": questions, "status": "ready"}})


async def on_media_extracted(event: MediaExtracted, sessions: Sessions) -> None:
    d = event.data
    at = datetime.now(UTC).isoformat()
    update = answer_update(
        d.answer_id, status="analyzing", analyzing_at=at, playback_key=d.playback_key, duration_s=d.duration_s
    )
    await sessions.update(event.sessionid, update)


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
    await sessions.update(event.sessionid, answer_update(d.answer_id, speech=summary))


async def on_vision_analyzed(event: VisionAnalyzed, sessions: Sessions) -> None:
    d = event.data
    summary = d.model_dump(
        mode="json",
        include={"frames_used", "face_present_ratio", "eye_contact_ratio", "expressiveness", "quality", "report_key"},
    )
    await sessions.update(event.sessionid, answer_update(d.answer_id, vision=summary))


async def on_answer_failed(event: AnswerFailed, sessions: Sessions, objects: ObjectStore | None = None) -> None:
    d = event.data
    if objects is not None and d.stage is Stage.media and d.answer_id is not None and d.reason in UNUSABLE_UPLOAD:
        await _discard_upload(event.sessionid, d.answer_id, sessions, objects)
    if d.answer_id is None:
        update = {"$set": {"status": "failed", "error": d.model_dump(mode="json")}}
    else:
        error = {"stage": d.stage, "reason": d.reason, "message": d.message}
        update = answer_update(d.answer_id, status="failed", error=error)
    await sessions.update(event.sessionid, update)


async def on_answer_scored(event: AnswerScored, sessions: Sessions) -> None:
    d = event.data
    scores = d.scores.model_dump(mode="json")
    await sessions.update(
        event.sessionid, answer_update(d.answer_id, status="scored", scores=scores, report_key=d.report_key)
    )


UNUSABLE_UPLOAD = frozenset(
    {
        "empty_file",
        "unreadable_container",
        "truncated",
        "no_video_stream",
        "no_audio_stream",
        "unsupported_codec",
        "too_long",
        "too_short",
        "too_large",
    }
)
"""Media failures that condemn the recording itself (a processing error or timeout keeps it for a retry)."""


async def _discard_upload(session_id: str, answer_id: str, sessions: Sessions, objects: ObjectStore) -> None:
    """An upload the media stage could not use is deleted with its folder, and leaves the storage quota."""
    doc = await sessions.get(session_id)
    answer = (doc or {}).get("answers", {}).get(answer_id)
    await objects.delete_prefix(keys.answer_prefix(session_id, answer_id))
    if answer is not None and not answer.get("discarded"):
        await sessions.update(
            session_id,
            {
                "$inc": {"stored_bytes": -int(answer.get("size_bytes", 0))},
                "$set": {f"answers.{answer_id}.discarded": True},
            },
        )
