"""Watchdog: past a stage's deadline, re-drive the causing event a bounded number of times, then fail 'timeout'."""

from datetime import UTC, datetime, timedelta

from runtime.bus import InMemoryBus, Subscription
from runtime.outbox import Effect, Outbox
from runtime.storage.sqlite import SqliteDocumentStore
from schemas import AnswerFailed, AnswerUploaded, Stage
from services.gateway.watchdog import Deadlines, Watchdog, assess
from tests.factories import answer_uploaded

D = Deadlines(questions_s=10, media_s=10, analysis_s=20, completion_s=10, redrives=2)
T0 = datetime(2030, 1, 1, tzinfo=UTC)


def entry(**kw):
    base = {
        "_id": "e1",
        "status": "sent",
        "sent_at": T0.isoformat(),
        "session_id": "s1",
        "watch": {"kind": "answer", "answer_id": "a1", "retry": 0},
    }
    return {**base, **kw}


def session(**answer):
    return {"_id": "s1", "status": "ready", "answers": {"a1": {"status": "uploaded", **answer}}}


def test_assess_follows_the_answer_through_its_stages():
    later = T0 + timedelta(seconds=11)
    assert assess(entry(), session(), T0 + timedelta(seconds=5), D).action == "wait"
    assert assess(entry(), session(), later, D).action == "redrive"
    assert assess(entry(), session(), later, D).stage is Stage.media
    assert assess(entry(redrives=2), session(), later, D).action == "timeout"
    assert assess(entry(status="pending"), session(), later, D).action == "wait"  # the relay's, not stuck
    analyzing = session(status="analyzing", analyzing_at=(T0 + timedelta(seconds=5)).isoformat(), speech={"x": 1})
    decision = assess(entry(), analyzing, T0 + timedelta(seconds=26), D)
    assert (decision.action, decision.stage) == ("redrive", Stage.vision)
    assert assess(entry(), analyzing, T0 + timedelta(seconds=24), D).action == "wait"
    for done in ("scored", "failed"):
        assert assess(entry(), session(status=done), later, D).action == "done"
    assert assess(entry(), session(retries=1), later, D).action == "done"  # superseded by a retry
    assert assess(entry(), None, later, D).action == "done"  # erased
    finish = entry(watch={"kind": "session", "stage": "completion"})
    finished = {**session(), "status": "finished"}
    assert assess(finish, finished, later, D).action == "wait"  # an answer is still in flight
    finished["answers"]["a1"]["status"] = "scored"
    assert (assess(finish, finished, later, D).action, assess(finish, finished, later, D).stage) == (
        "redrive",
        Stage.feedback,
    )


async def test_redrives_then_times_out_and_says_so(tmp_path):
    store = SqliteDocumentStore(tmp_path / "d.sqlite3")
    bus = InMemoryBus()
    uploads: list[str] = []
    failures: list[AnswerFailed] = []

    async def media(e: AnswerUploaded):  # a stage that never answers
        uploads.append(e.id)

    async def failed(e: AnswerFailed):
        failures.append(e)

    bus.subscribe(Subscription(AnswerUploaded, "media", media))
    bus.subscribe(Subscription(AnswerFailed, "sink", failed))
    await bus.start()
    outbox = Outbox(store, bus)
    event = answer_uploaded()
    await store.insert("sessions", "s1", {"status": "ready", "answers": {}})
    answer = {"question_id": "q1", "attempt": 1, "status": "uploaded"}
    await outbox.commit(
        [event],
        [Effect("update", "sessions", "s1", {"$set": {"answers.a1": answer}})],
        watch={"kind": "answer", "answer_id": "a1", "retry": 0},
    )
    dog = Watchdog(outbox, store, D)
    now = datetime.now(UTC)
    actions = []
    for step in range(1, 5):
        decisions = await dog.check(now + timedelta(seconds=11 * step))
        actions.append([d.action for _, d in decisions if _ == event.id])
        await bus.drain()
    await bus.stop()
    assert actions[:3] == [["redrive"], ["redrive"], ["timeout"]]
    assert uploads == [event.id] * 3  # the original delivery and two re-drives, same id
    doc = await store.get("sessions", "s1")
    assert doc["answers"]["a1"]["status"] == "failed"
    assert doc["answers"]["a1"]["error"]["reason"] == "timeout"
    assert [(f.data.stage, f.data.reason) for f in failures] == [(Stage.media, "timeout")]
    store.close()
