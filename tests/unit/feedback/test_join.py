import asyncio

import pytest

from runtime.storage.localfs import LocalObjectStore
from runtime.storage.sqlite import SqliteDocumentStore
from schemas import events as ev
from schemas.reports import SessionFeedback
from services.feedback import handlers as h
from services.feedback.adapters.state import FeedbackState
from services.feedback.assess import OfflineJudge
from services.feedback.content import EmbeddingJudge
from services.questions.adapters.bank import QuestionBank
from services.questions.handlers import generate_questions
from tests.factories import analyzed, answer_uploaded, session_requested
from tests.fakes import FakeEmbedder

JUDGE = OfflineJudge(EmbeddingJudge(FakeEmbedder()))


@pytest.fixture
async def world(tmp_path):
    store = SqliteDocumentStore(tmp_path / "d.sqlite3")
    objects = LocalObjectStore(tmp_path / "objects")
    request = session_requested(duration=15)
    questions = await generate_questions(request, QuestionBank.load(), 3)
    state = FeedbackState(store)
    await h.on_session_requested(request, state)
    await h.on_questions_generated(questions, state)
    yield state, objects, request, questions
    store.close()


async def answer(state, objects, request, qid: str, aid: str, attempt: int = 1):
    up = answer_uploaded(request.sessionid, aid, qid, attempt)
    await h.on_answer_uploaded(up, state)
    speech, vision = await analyzed(objects, up)
    return up, speech, vision


async def test_concurrent_and_repeated_parts_score_once_and_complete_once(world):
    state, objects, request, questions = world
    qids = [q.question_id for q in questions.data.questions]
    out: list = []
    for i, qid in enumerate(qids):
        _, speech, vision = await answer(state, objects, request, qid, f"a{i}")
        # both parts, each delivered three times, all at once
        deliveries = [h.on_part(e, state, objects, JUDGE) for e in (speech, vision) * 3]
        for result in await asyncio.gather(*deliveries):
            out += result
    # The same delivery racing with itself may return its output twice, with the
    # same (deterministic) event id, which every consumer dedupes: one event per answer.
    scored = {e.id: e for e in out if isinstance(e, ev.AnswerScored)}.values()
    completed = list({e.id: e for e in out if isinstance(e, ev.SessionCompleted)}.values())
    assert sorted(e.data.answer_id for e in scored) == [f"a{i}" for i in range(len(qids))]
    assert len(completed) == 1
    assert completed[0].data.unanswered_question_ids == ()
    assert completed[0].data.scores.overall is not None
    session_report = SessionFeedback.model_validate_json(await objects.get_bytes(completed[0].data.report_key))
    assert session_report.scores == completed[0].data.scores and session_report.next_steps is not None


async def test_redelivery_of_the_winning_event_after_a_crash_still_scores(world):
    state, objects, request, questions = world
    qid = questions.data.questions[0].question_id
    _, speech, vision = await answer(state, objects, request, qid, "a1")
    await h.on_part(speech, state, objects, JUDGE)
    first = await h.on_part(vision, state, objects, JUDGE)  # wins the claim, "crashes" before publishing
    again = await h.on_part(vision, state, objects, JUDGE)  # same event redelivered
    other = await h.on_part(speech, state, objects, JUDGE)  # the other part, redelivered: no second score
    assert [e.id for e in first if isinstance(e, ev.AnswerScored)] == [
        e.id for e in again if isinstance(e, ev.AnswerScored)
    ]
    assert not [e for e in other if isinstance(e, ev.AnswerScored)]


async def test_finishing_early_completes_with_unanswered_questions_and_failures(world):
    state, objects, request, questions = world
    qs = [q.question_id for q in questions.data.questions]
    _, speech, vision = await answer(state, objects, request, qs[0], "a1")
    up2, _, _ = await answer(state, objects, request, qs[1], "a2")
    await h.on_part(speech, state, objects, JUDGE)
    await h.on_part(vision, state, objects, JUDGE)
    finished = ev.SessionFinished.new(
        ev.SessionFinishedData(
            session_id=request.sessionid, question_ids=tuple(qs), answered_question_ids=(qs[0], qs[1])
        ),
        source="t",
        sessionid=request.sessionid,
    )
    assert await h.on_session_finished(finished, state, objects) == []  # a2 still in analysis
    failed = ev.AnswerFailed.because(up2, ev.Stage.media, "truncated", "cut off", source="t")
    [completed] = await h.on_answer_failed(failed, state, objects, JUDGE)
    assert isinstance(completed, ev.SessionCompleted)
    assert completed.data.unanswered_question_ids == tuple(qs[1:])
    assert [a.answer_id for a in completed.data.answers] == ["a1"]


async def test_a_failed_vision_part_still_scores_the_speech(world):
    state, objects, request, questions = world
    up, speech, _ = await answer(state, objects, request, questions.data.questions[0].question_id, "a1")
    failed = ev.AnswerFailed.because(up, ev.Stage.vision, "processing_error", "triton down", source="t")
    await h.on_answer_failed(failed, state, objects, JUDGE)
    [scored, *_] = await h.on_part(speech, state, objects, JUDGE)
    assert isinstance(scored, ev.AnswerScored)
    assert scored.data.scores.body_language is None and scored.data.scores.communication is not None
