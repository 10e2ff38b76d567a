"""Results, playback, live progress, export and erasure of a session."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Header, HTTPException, Path, Request, Response, status
from fastapi.responses import StreamingResponse

from runtime.storage.objects import ObjectNotFound, ObjectStore
from schemas import Model
from schemas.reports import (
    AnswerFeedback,
    AnswerReport,
    Basis,
    SessionFeedback,
    SessionResults,
    SpeechReport,
    VisionReport,
)
from services.gateway import views
from services.gateway.deps import ErasureDep, ObjectsDep, OutboxDep, SessionDep, SessionsDep
from services.gateway.erasure import erase_session
from services.gateway.export import archive_stream

router = APIRouter(prefix="/api", tags=["results"])
AnswerId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
SSE_POLL_S = 1.0
SSE_MAX_S = 1800
M = TypeVar("M", bound=Model)


def _answer(session: dict[str, Any], answer_id: str) -> dict[str, Any]:
    answer = session["answers"].get(answer_id)
    if answer is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "answer not found in this session")
    return answer


async def _read(objects: ObjectStore, key: str | None, model: type[M]) -> M | None:
    """The stored report at ``key``, or None when it is not there (yet, or any more)."""
    if not key:
        return None
    try:
        return model.model_validate_json(await objects.get_bytes(key))
    except ObjectNotFound:
        return None


VIDEO = {"content": {t: {"schema": {"type": "string", "format": "binary"}} for t in ("video/webm", "video/mp4")}}


@router.get(
    "/sessions/{session_id}/answers/{answer_id}/video",
    response_class=StreamingResponse,
    responses={
        200: {"description": "The whole recording.", **VIDEO},
        206: {"description": "The requested byte range.", **VIDEO},
        416: {"description": "The range lies outside the recording."},
    },
)
async def answer_video(
    session: SessionDep,
    answer_id: AnswerId,
    objects: ObjectsDep,
    range_: Annotated[str | None, Header(alias="range")] = None,
) -> Response:
    """The recording (the seekable copy once media extraction made it), with HTTP range requests."""
    answer = _answer(session, answer_id)
    key = answer.get("playback_key") or answer["video_key"]
    try:
        info = await objects.stat(key)
    except ObjectNotFound as exc:  # a rejected upload is deleted with its folder
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no recording kept for this answer") from exc
    start, end = 0, info.size - 1
    if range_:
        match = RANGE.match(range_.strip())
        if not match or (not match[1] and not match[2]):
            raise HTTPException(status.HTTP_416_RANGE_NOT_SATISFIABLE, "bad Range header")
        if match[1]:
            start = int(match[1])
            end = min(int(match[2]), info.size - 1) if match[2] else info.size - 1
        else:  # suffix range: the last N bytes
            start = max(info.size - int(match[2]), 0)
        if start > end or start >= info.size:
            return Response(status_code=416, headers={"Content-Range": f"bytes */{info.size}"})
    headers = {"Accept-Ranges": "bytes", "Content-Length": str(end - start + 1), "Cache-Control": "private"}
    if range_:
        headers["Content-Range"] = f"bytes {start}-{end}/{info.size}"
    return StreamingResponse(
        objects.stream(key, start, end - start + 1),
        status_code=206 if range_ else 200,
        media_type=info.content_type,
        headers=headers,
    )


@router.get("/sessions/{session_id}/answers/{answer_id}/report")
async def answer_report(session: SessionDep, answer_id: AnswerId, objects: ObjectsDep) -> AnswerReport:
    """Speech, vision and feedback reports of one answer (null where not produced yet or not measurable)."""
    answer = _answer(session, answer_id)
    return AnswerReport(
        answer_id=answer_id,
        question_id=answer["question_id"],
        attempt=answer["attempt"],
        status=answer["status"],
        error=answer.get("error"),
        speech=await _read(objects, (answer.get("speech") or {}).get("report_key"), SpeechReport),
        vision=await _read(objects, (answer.get("vision") or {}).get("report_key"), VisionReport),
        feedback=await _read(objects, answer.get("report_key"), AnswerFeedback),
    )


@router.get("/sessions/{session_id}/results")
async def session_results(session: SessionDep, objects: ObjectsDep) -> SessionResults:
    """Session scores and feedback across answers, once the session is completed."""
    result = session.get("result")
    return SessionResults(
        status=session["status"],
        scores=session.get("scores"),
        # "Based on N of M questions": an answer scored after Finish is in once the result is recomputed.
        based_on=Basis(**{k: result[k] for k in ("questions_answered", "questions_total")}) if result else None,
        feedback=await _read(objects, session.get("feedback_key"), SessionFeedback),
        answers=views.answer_results(session),
    )


@router.get(
    "/sessions/{session_id}/events",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "Server-Sent Events: `event: session` with the status as JSON in `data`; "
            "`event: deleted` when the session is erased.",
            "content": {
                "text/event-stream": {
                    "schema": {
                        "type": "object",
                        "properties": {"event": {"type": "string"}, "data": {"type": "string"}},
                    }
                }
            },
        }
    },
)
async def session_events(request: Request, session: SessionDep, sessions: SessionsDep) -> StreamingResponse:
    """Server-Sent Events: the session's status and per-answer status, whenever they change."""
    sid = session["_id"]

    async def stream() -> AsyncIterator[str]:
        last = None
        for _ in range(int(SSE_MAX_S / SSE_POLL_S)):
            if await request.is_disconnected():
                return
            doc = await sessions.get(sid)
            if doc is None:
                yield "event: deleted\ndata: {}\n\n"
                return
            view = {
                "status": doc["status"],
                "answers": {aid: a["status"] for aid, a in doc["answers"].items()},
                "questions": len(doc["questions"]),
            }
            if view != last:
                last = view
                yield f"event: session\ndata: {json.dumps(view)}\n\n"
            else:
                yield ": keep-alive\n\n"
            await asyncio.sleep(SSE_POLL_S)

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


@router.get(
    "/sessions/{session_id}/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/zip": {}}, "description": "A zip archive"}},
)
async def export_session(session: SessionDep, objects: ObjectsDep) -> StreamingResponse:
    """Everything about the session as one zip: inputs (setup, job description, résumé), recordings, reports."""
    size, chunks = await archive_stream(session, objects)
    return StreamingResponse(
        chunks,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="interview-{session["_id"]}.zip"',
            "Content-Length": str(size),
            "Cache-Control": "private, no-store",
        },
    )


@router.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_session(session: SessionDep, erasure: ErasureDep, outbox: OutboxDep) -> Response:
    """Erase videos, audio, frames, reports and results for good, including what a running analysis writes later.

    Other products erase their copies on the ``SessionDeleted`` event.
    """
    await erase_session(session["_id"], erasure, outbox)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
