"""HTTP API of the gateway: thin routers over ``handlers``."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Path, Request, status
from pydantic import BaseModel, ConfigDict, Field

from runtime.storage.objects import ObjectTooLarge
from schemas import keys
from schemas.events import InterviewSetup
from schemas.reports import SessionStatus, SessionView
from schemas.scoring import SCORING, ScoringTable
from services.gateway import handlers, lifecycle, views
from services.gateway.auth import PrincipalDep, bearer_token
from services.gateway.deps import ObjectsDep, OutboxDep, QuotasDep, SessionDep, SessionsDep, SettingsDep

VIDEO_TYPES = {"video/webm": ".webm", "video/mp4": ".mp4"}


class SessionCreate(InterviewSetup):
    model_config = ConfigDict(extra="forbid")


class SessionCreated(BaseModel):
    session_id: str
    token: str


class AnswerAccepted(BaseModel):
    answer_id: str
    attempt: int


class RetryAccepted(BaseModel):
    answer_id: str
    attempt: int
    status: str = Field(description="The answer's status after the request: 'uploaded' when a new delivery began.")
    retry: int = Field(description="How many times the analysis was retried (0: never).")


router = APIRouter(prefix="/api", tags=["sessions"])
UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {"description": "A dependency is down; nothing was accepted. Retry after Retry-After seconds."}
}


@router.post(
    "/sessions",
    status_code=status.HTTP_201_CREATED,
    responses={
        401: {"description": "Sign-in needed (MI_AUTH_MODE=oidc)"},
        429: {"description": "Rate or quota"},
        **UNAVAILABLE,
    },
)
async def create_session(
    request: Request,
    body: SessionCreate,
    outbox: OutboxDep,
    quotas: QuotasDep,
    principal: PrincipalDep,
    settings: SettingsDep,
) -> SessionCreated:
    """Create an interview session owned by the caller (device profile or signed-in user).

    The returned token also opens this one session (API clients without an identity).
    With MI_AUTH_MODE=oidc an identity is required.
    """
    if principal is None and settings.auth_mode == "oidc":
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in first", {"WWW-Authenticate": "Bearer"})
    owner = principal.owner if principal else None
    profile = await quotas.check_create(request, owner)
    session_id, token, _ = await handlers.create_session(body.model_dump(), outbox, owner, profile)
    return SessionCreated(session_id=session_id, token=token)


@router.get("/scoring", tags=["scoring"])
async def scoring_table() -> ScoringTable:
    """The metric table every score and feedback sentence comes from: bands, targets, texts, verdict words."""
    return SCORING


@router.get("/sessions/{session_id}")
async def read_session(session: SessionDep) -> SessionView:
    """Questions, status and per-answer status of a session (criteria only after a question is scored)."""
    return views.session_view(session)


async def _sniffed(request: Request, content_type: str) -> AsyncIterator[bytes]:
    """The request body, rejected early unless its first bytes match ``content_type``."""
    head = b""
    sniffed = False
    async for chunk in request.stream():
        if sniffed:
            yield chunk
            continue
        head += chunk
        if len(head) < 12:
            continue
        sniffed = True
        is_webm = head.startswith(b"\x1a\x45\xdf\xa3")
        is_mp4 = head[4:8] == b"ftyp"
        if not ((content_type == "video/webm" and is_webm) or (content_type == "video/mp4" and is_mp4)):
            raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, f"body is not a {content_type} file")
        yield head
    if not sniffed:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "empty or truncated upload")


UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "description": "The recording itself as the raw body (not a form), streamed; WebM or MP4.",
        "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in VIDEO_TYPES},
    }
}


class SessionState(BaseModel):
    """Where the session stands after finish or reopen."""

    status: SessionStatus
    generation: int = Field(default=1, ge=1, description="1, plus one per reopen.")


@router.post(
    "/sessions/{session_id}/questions/{question_id}/answers",
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        408: {"description": "The body stalled"},
        409: {"description": "The session takes no answers now (finished: reopen it first)"},
        413: {"description": "Too large"},
        415: {"description": "Not WebM/MP4"},
        **UNAVAILABLE,
    },
    openapi_extra=UPLOAD_BODY,
)
async def upload_answer(
    request: Request,
    session: SessionDep,
    question_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")],
    sessions: SessionsDep,
    outbox: OutboxDep,
    objects: ObjectsDep,
    settings: SettingsDep,
    quotas: QuotasDep,
    content_type: Annotated[str, Header()] = "",
    content_length: Annotated[int | None, Header()] = None,
) -> AnswerAccepted:
    """Upload one recorded answer (raw WebM/MP4 body); each upload is a new attempt."""
    if question_id not in {q["question_id"] for q in session["questions"]}:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "question not found in this session")
    lifecycle.check_upload(session)
    media_type = content_type.split(";")[0].strip().lower()
    if media_type not in VIDEO_TYPES:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "send video/webm or video/mp4")
    if content_length is not None and content_length > settings.max_upload_bytes:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "video exceeds the upload limit")
    quota_left = await quotas.check_upload(request, session, question_id)
    if content_length is not None and content_length > quota_left:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "video exceeds what is left of the storage quota")
    answer_id = uuid.uuid4().hex
    folder = keys.answer_prefix(session["_id"], answer_id)
    key = keys.video_key(session["_id"], answer_id, VIDEO_TYPES[media_type])
    try:
        size = await objects.put_stream(
            key, _sniffed(request, media_type), media_type, max_bytes=min(settings.max_upload_bytes, quota_left)
        )
    except BaseException as exc:
        # A rejected, stalled or cut-off upload leaves nothing behind, folder included.
        await objects.delete_prefix(folder)
        if isinstance(exc, ObjectTooLarge):
            what = "the upload limit" if exc.limit == settings.max_upload_bytes else "the storage quota left"
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"video exceeds {what}") from exc
        raise
    event = await handlers.record_upload(session, question_id, key, answer_id, media_type, size, sessions, outbox)
    return AnswerAccepted(answer_id=answer_id, attempt=event.data.attempt)


@router.post("/sessions/{session_id}/finish", status_code=status.HTTP_202_ACCEPTED, responses={409: {}, **UNAVAILABLE})
async def finish_session(session: SessionDep, outbox: OutboxDep) -> SessionState:
    """End the interview; unanswered questions are reported as such. Repeating it changes nothing."""
    current = await lifecycle.finish(session, outbox)
    return SessionState(status=current, generation=lifecycle.generation(session))


@router.post("/sessions/{session_id}/reopen", responses={409: {}})
async def reopen_session(session: SessionDep, sessions: SessionsDep) -> SessionState:
    """Take answers again after finish (e.g. practise a question again); the next finish recomputes the result.

    Idempotent: on a session that already takes answers it changes nothing.
    """
    current, gen = await lifecycle.reopen(session, sessions)
    return SessionState(status=current, generation=gen)


@router.post(
    "/sessions/{session_id}/answers/{answer_id}/retry",
    status_code=status.HTTP_202_ACCEPTED,
    responses={404: {"description": "No such answer"}, 409: {"description": "Already scored"}, **UNAVAILABLE},
)
async def retry_analysis(
    session: SessionDep,
    answer_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
    outbox: OutboxDep,
) -> RetryAccepted:
    """Analyse a failed answer again from its stored recording (same attempt, no new upload).

    Idempotent: repeating the request while the new analysis runs starts nothing more.
    """
    if answer_id not in session["answers"]:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "answer not found in this session")
    try:
        return RetryAccepted(**await handlers.retry_analysis(session, answer_id, outbox))
    except handlers.NotRetryable as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc


class Claimed(BaseModel):
    session_id: str


@router.post("/sessions/{session_id}/claim", responses={409: {"description": "Owned by someone else"}})
async def claim_session(
    request: Request,
    session_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
    sessions: SessionsDep,
    principal: PrincipalDep,
) -> Claimed:
    """Move a session that only its bearer token opens (created before identities, or by an API client)
    into the caller's history; the token in ``Authorization`` proves the right to it."""
    session = await sessions.get(session_id)
    if principal is None or not handlers.owns(session, bearer_token(request)):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "session not found")
    assert session is not None
    if session.get("owner") not in (None, principal.owner):
        raise HTTPException(status.HTTP_409_CONFLICT, "this session already belongs to another profile")
    await sessions.update(session_id, {"$set": {"owner": principal.owner}})
    return Claimed(session_id=session_id)
