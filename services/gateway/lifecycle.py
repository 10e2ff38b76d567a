"""The session's state machine: which command is allowed in which status, and what it changes.

::

    generating_questions --QuestionsGenerated--> ready --finish--> finished --SessionCompleted--> completed
                                                   ^                   |                              |
                                                   +------reopen-------+------------reopen------------+

- ``finish`` on a ``finished`` or ``completed`` session changes nothing and
  publishes nothing (idempotent): a second click can never send a completed
  session back to "analysing".
- An upload is accepted only while the session is ``ready``; after finish it
  is refused with 409 until the session is explicitly reopened.
- ``reopen`` moves a finished/completed session back to ``ready`` and starts a
  new *generation*; on a ``ready`` session it changes nothing. The next finish
  carries the new generation, so the feedback service recomputes the session
  result (its one-shot completion claim is per generation) from the latest
  attempt of each question, and a late completion of an older generation
  cannot mark the reopened session completed.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import HTTPException, status

from runtime.outbox import Effect
from schemas import SessionCompleted, SessionFinished, SessionFinishedData
from services.gateway.handlers import _IDS, SESSIONS, SOURCE, Commit, Sessions

OPEN = "ready"
ENDED = ("finished", "completed")


def generation(session: dict[str, Any]) -> int:
    """The session's generation: 1, plus one per reopen."""
    return int(session.get("generation", 1))


def check_upload(session: dict[str, Any]) -> None:
    """409 unless the session takes answers now."""
    current = session["status"]
    if current in ENDED:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"the session is {current}; reopen it (POST /api/sessions/{{id}}/reopen) to answer again",
        )
    if current != OPEN:
        raise HTTPException(status.HTTP_409_CONFLICT, f"the session is {current} and takes no answers")


def finished_event(session: dict[str, Any], gen: int) -> SessionFinished:
    """The generation's SessionFinished, with an id fixed by (session, generation): a repeat is the same event."""
    sid = session["_id"]
    question_ids = tuple(q["question_id"] for q in session["questions"])
    answered = tuple(sorted({a["question_id"] for a in session["answers"].values()}))
    data = SessionFinishedData(
        session_id=sid, question_ids=question_ids, answered_question_ids=answered, generation=gen
    )
    fixed = str(uuid.uuid5(_IDS, f"{sid}/finished" if gen == 1 else f"{sid}/finished/{gen}"))
    event = SessionFinished.new(data, source=SOURCE, sessionid=sid)
    return event.model_copy(update={"id": fixed, "correlationid": fixed})


async def finish(session: dict[str, Any], outbox: Commit) -> str:
    """End the interview (through the outbox: state change and event in one commit); returns the status.

    Nothing is committed or published when the session has already ended.
    """
    current = session["status"]
    if current in ENDED:
        return str(current)
    if current != OPEN:
        raise HTTPException(status.HTTP_409_CONFLICT, f"the session is {current}; it cannot be finished yet")
    effect = {"$set": {"status": "finished", "finished_at": datetime.now(UTC).isoformat()}}
    await outbox.commit(
        [finished_event(session, generation(session))],
        [Effect("update", SESSIONS, session["_id"], effect)],
        watch={"kind": "session", "stage": "completion"},
    )
    return "finished"


async def reopen(session: dict[str, Any], sessions: Sessions) -> tuple[str, int]:
    """Take answers again after finish; returns (status, generation). Idempotent on an open session."""
    current = session["status"]
    if current == OPEN:
        return current, generation(session)
    if current not in ENDED:
        raise HTTPException(status.HTTP_409_CONFLICT, f"the session is {current}; only an ended session reopens")
    # $max, not $inc: two racing reopens of one generation agree on the next one.
    after = await sessions.update(
        session["_id"], {"$set": {"status": OPEN}, "$max": {"generation": generation(session) + 1}}
    )
    return OPEN, generation(after or session)


async def on_session_completed(event: SessionCompleted, sessions: Sessions) -> None:
    """The session's result, unless the session was reopened since that generation finished.

    A later SessionCompleted of the same generation (answers that arrived after Finish) replaces it.
    """
    doc = await sessions.get(event.sessionid)
    if doc is None or generation(doc) != event.data.generation:
        return
    d = event.data
    answered = len({a.question_id for a in d.answers})
    await sessions.update(
        event.sessionid,
        {
            "$set": {
                "status": "completed",
                "scores": d.scores.model_dump(mode="json"),
                "feedback_key": d.report_key,
                "result": {
                    "answer_ids": [a.answer_id for a in d.answers],
                    "unanswered_question_ids": list(d.unanswered_question_ids),
                    "questions_answered": answered,
                    "questions_total": answered + len(d.unanswered_question_ids),
                    "completed_at": event.time.isoformat(),
                },
            }
        },
    )
