"""Feedback service: joins speech + vision per answer, scores it, completes sessions.

Exactly one AnswerScored per answer attempt and one SessionCompleted per
session, under concurrent consumers and redelivery (see adapters/state.py).
"""

from __future__ import annotations

import hashlib
from typing import Any, Protocol, TypeVar

from runtime.errors import NotYet
from runtime.llm import LLMClient
from runtime.storage.objects import ObjectStore
from schemas import (
    AnswerFailed,
    AnswerScored,
    AnswerScoredData,
    AnswerSummary,
    AnswerUploaded,
    Event,
    Question,
    QuestionsGenerated,
    Scores,
    SessionCompleted,
    SessionCompletedData,
    SessionDeleted,
    SessionFinished,
    SessionRequested,
    SpeechAnalyzed,
    Stage,
    VisionAnalyzed,
    keys,
)
from schemas.reports import AnswerFeedback, Basis, SpeechReport, VisionReport
from services.feedback.assess import ContentJudge, assess_answer
from services.feedback.text import session_feedback

SOURCE = "mockinterview/feedback"
R = TypeVar("R", SpeechReport, VisionReport)
PARTS = ("speech", "vision")


class NotReady(NotYet):
    """An event this one depends on has not been processed yet; the bus retries."""


class State(Protocol):
    async def remember(self, kind: str, doc_id: str, doc: dict[str, Any]) -> None: ...
    async def get(self, kind: str, doc_id: str) -> dict[str, Any] | None: ...
    async def find(self, kind: str, **where: Any) -> list[dict[str, Any]]: ...
    async def claim(self, what: str, event_id: str, session_id: str | None = None) -> bool: ...
    async def forget(self, session_id: str) -> None: ...
    async def forget_failure(self, answer_id: str) -> None: ...


async def on_session_requested(event: SessionRequested, state: State) -> None:
    d = event.data
    doc = {"session_id": d.session_id, "level": d.level, "role": d.role, "type": d.interview_type}
    await state.remember("sessions", d.session_id, doc)


async def on_questions_generated(event: QuestionsGenerated, state: State) -> None:
    questions = [q.model_dump(mode="json") for q in event.data.questions]
    await state.remember("questions", event.sessionid, {"session_id": event.sessionid, "questions": questions})


async def on_answer_uploaded(event: AnswerUploaded, state: State) -> None:
    d = event.data
    if event.causationid is not None:
        # A retry of a failed analysis (the gateway's retry delivers the same attempt again, caused by the
        # original upload): drop the failure facts so the new run's parts and score can be recorded.
        await state.forget_failure(d.answer_id)
    await state.remember(
        "uploads", d.answer_id, {"session_id": d.session_id, "question_id": d.question_id, "attempt": d.attempt}
    )


async def on_part(
    event: SpeechAnalyzed | VisionAnalyzed,
    state: State,
    objects: ObjectStore,
    judge: ContentJudge,
    llm: LLMClient | None = None,
) -> list[AnswerScored | SessionCompleted]:
    d = event.data
    part = "speech" if isinstance(event, SpeechAnalyzed) else "vision"
    await state.remember("parts", f"{d.answer_id}:{part}", {"session_id": d.session_id, "report_key": d.report_key})
    return await _try_score(event, state, objects, judge, llm)


async def on_answer_failed(
    event: AnswerFailed, state: State, objects: ObjectStore, judge: ContentJudge, llm: LLMClient | None = None
) -> list[AnswerScored | SessionCompleted]:
    d = event.data
    if d.answer_id is None or d.stage in (Stage.gateway, Stage.questions):
        return []
    if d.stage is Stage.feedback and (d.reason != "timeout" or await state.get("results", d.answer_id) is not None):
        # This stage's own processing_error is not final (the other part or a re-drive may still score the
        # answer); the watchdog's timeout is, so the session can complete.
        return []
    if d.stage in (Stage.speech, Stage.vision):  # the other part can still be scored
        await state.remember("parts", f"{d.answer_id}:{d.stage}", {"session_id": d.session_id, "failed": d.reason})
        return await _try_score(event, state, objects, judge, llm)
    await state.remember(
        "results",
        d.answer_id,
        {"session_id": d.session_id, "question_id": d.question_id, "status": "failed", "reason": d.reason},
    )
    return list(await _try_complete(event, state, objects))


async def on_session_deleted(event: SessionDeleted, state: State) -> None:
    await state.forget(event.sessionid)


async def on_session_finished(event: SessionFinished, state: State, objects: ObjectStore) -> list[SessionCompleted]:
    sid, gen = event.sessionid, event.data.generation
    # One fact per finish generation (a reopened session finishes again); generation 1 keeps its old id.
    await state.remember("finished", sid if gen == 1 else f"{sid}:{gen}", {"session_id": sid, "generation": gen})
    return await _try_complete(event, state, objects)


async def _try_score(
    event: Event, state: State, objects: ObjectStore, judge: ContentJudge, llm: LLMClient | None
) -> list[AnswerScored | SessionCompleted]:
    aid = event.answerid
    assert aid is not None
    parts = {p: await state.get("parts", f"{aid}:{p}") for p in PARTS}
    if any(v is None for v in parts.values()):
        return []  # the other part will complete the join
    upload = await state.get("uploads", aid)
    session = await state.get("sessions", event.sessionid)
    questions = await state.get("questions", event.sessionid)
    if upload is None or session is None or questions is None:
        raise NotReady(f"upload/session/questions of answer {aid} not recorded yet")
    question = next(
        (Question.model_validate(q) for q in questions["questions"] if q["question_id"] == upload["question_id"]), None
    )
    if question is None:
        raise NotReady(f"question {upload['question_id']} unknown")
    if not await state.claim(f"score:{aid}", event.id, event.sessionid):
        return []
    speech = await _report(objects, parts["speech"], SpeechReport)
    vision = await _report(objects, parts["vision"], VisionReport)
    card, text = await assess_answer(speech, vision, question, session["level"], judge, llm, event.sessionid)
    report_key = keys.feedback_report_key(event.sessionid, aid)
    body = AnswerFeedback(question=question, card=card, feedback=text)
    await objects.put_bytes(report_key, body.model_dump_json().encode(), "application/json")
    scores = card.scores
    await state.remember(
        "results",
        aid,
        {
            "session_id": event.sessionid,
            "question_id": upload["question_id"],
            "attempt": upload["attempt"],
            "status": "scored",
            "scores": scores.model_dump(),
            "report_key": report_key,
        },
    )
    scored = AnswerScored.caused_by(
        event,
        AnswerScoredData(
            session_id=event.sessionid,
            answer_id=aid,
            question_id=upload["question_id"],
            attempt=upload["attempt"],
            scores=scores,
            confidence_level=card.confidence_level,
            report_key=report_key,
        ),
        source=SOURCE,
    )
    return [scored, *await _try_complete(event, state, objects)]


async def _report(objects: ObjectStore, part: dict[str, Any] | None, model: type[R]) -> R | None:
    if part is None or part.get("failed"):
        return None
    return model.model_validate_json(await objects.get_bytes(part["report_key"]))


async def _try_complete(event: Event, state: State, objects: ObjectStore) -> list[SessionCompleted]:
    sid = event.sessionid
    questions = await state.get("questions", sid)
    if questions is None:
        return []
    uploads = {u["_id"]: u for u in await state.find("uploads", session_id=sid)}
    results = {r["_id"]: r for r in await state.find("results", session_id=sid)}
    if any(aid not in results for aid in uploads):
        return []  # an answer is still being analysed
    qids = [q["question_id"] for q in questions["questions"]]
    latest: dict[str, dict[str, Any]] = {}
    for aid, r in results.items():
        if r["status"] == "scored" and r["attempt"] >= latest.get(r["question_id"], {}).get("attempt", 0):
            latest[r["question_id"]] = {**r, "answer_id": aid}
    # The latest finish decides: its generation's result is computed once (0: not finished, auto-complete).
    generation = max((int(f.get("generation", 1)) for f in await state.find("finished", session_id=sid)), default=0)
    if not generation and set(qids) - set(latest):
        return []
    # One completion per generation (a reopened session's next finish starts one) and per set of answers the
    # result is based on: an answer scored after the session completed (uploaded during Finish) changes the
    # set, so the result is computed again.
    answer_set = hashlib.sha256(",".join(sorted(r["answer_id"] for r in latest.values())).encode()).hexdigest()[:16]
    if not await state.claim(f"complete:{sid}:{generation}:{answer_set}", event.id, sid):
        return []
    answers = [
        AnswerSummary(answer_id=r["answer_id"], question_id=q, attempt=r["attempt"], scores=Scores(**r["scores"]))
        for q, r in latest.items()
    ]
    totals = {
        k: [a.scores.model_dump()[k] for a in answers if a.scores.model_dump()[k] is not None]
        for k in Scores.model_fields
    }
    overall = Scores(**{k: round(sum(v) / len(v), 1) if v else None for k, v in totals.items()})
    cards = [AnswerFeedback.model_validate_json(await objects.get_bytes(r["report_key"])).card for r in latest.values()]
    report_key = keys.session_feedback_key(sid)
    basis = Basis(questions_answered=len(latest), questions_total=len(qids))
    report = session_feedback(cards, overall).model_copy(update={"based_on": basis})
    await objects.put_bytes(report_key, report.model_dump_json().encode(), "application/json")
    data = SessionCompletedData(
        session_id=sid,
        answers=tuple(answers),
        scores=overall,
        report_key=report_key,
        unanswered_question_ids=tuple(q for q in qids if q not in latest),
        generation=max(generation, 1),
    )
    return [SessionCompleted.caused_by(event, data, source=SOURCE)]
