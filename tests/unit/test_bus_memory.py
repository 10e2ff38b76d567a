from pathlib import Path

from runtime import metrics
from runtime.bus import InMemoryBus, RetryPolicy, Subscription
from runtime.bus.processed import DocumentProcessedLog
from runtime.storage.sqlite import SqliteDocumentStore
from schemas import AnswerFailed, QuestionsGenerated, SessionRequested, Stage, topic_for
from services.questions.adapters.bank import QuestionBank
from services.questions.handlers import generate_questions
from tests.buses import running
from tests.factories import session_requested


def make_bus(tmp_path: Path, attempts: int = 3) -> tuple[InMemoryBus, SqliteDocumentStore]:
    store = SqliteDocumentStore(tmp_path / "d.sqlite3")
    return InMemoryBus(DocumentProcessedLog(store), RetryPolicy(attempts, 0.0)), store


async def test_two_stage_flow_returns_are_published(tmp_path):
    bus, store = make_bus(tmp_path)
    bank = QuestionBank.load()
    received: list[QuestionsGenerated] = []

    async def questions(event: SessionRequested):
        return await generate_questions(event, bank, 3)

    async def sink(event: QuestionsGenerated):
        received.append(event)

    async with running(
        bus, Subscription(SessionRequested, "questions", questions), Subscription(QuestionsGenerated, "sink", sink)
    ):
        request = session_requested(duration=15)
        await bus.publish(request)
    store.close()
    assert len(received) == 1
    out = received[0]
    assert out.causationid == request.id and out.correlationid == request.correlationid
    assert len(out.data.questions) == 5  # 15 min / 3 min per question
    assert len({q.text for q in out.data.questions}) == 5


async def test_redelivered_event_is_handled_once(tmp_path):
    bus, store = make_bus(tmp_path)
    calls: list[str] = []

    async def handler(event: SessionRequested):
        calls.append(event.id)

    async with running(bus, Subscription(SessionRequested, "g", handler)):
        event = session_requested()
        await bus.publish(event)
        await bus.publish(event)  # at-least-once delivery may repeat it
    store.close()
    assert calls == [event.id]


async def test_failing_handler_retries_then_dead_letters(tmp_path):
    bus, store = make_bus(tmp_path, attempts=3)
    attempts: list[int] = []

    async def broken(event: SessionRequested):
        attempts.append(1)
        raise RuntimeError("boom")

    topic = topic_for(SessionRequested)
    before = metrics.DLQ_MESSAGES.labels(topic, "broken")._value.get()
    async with running(bus, Subscription(SessionRequested, "broken", broken)):
        await bus.publish(session_requested())
    store.close()
    assert len(attempts) == 3
    [letter] = bus.dead_letters
    assert (letter.topic, letter.group, letter.attempts, letter.error_type) == (topic, "broken", 3, "RuntimeError")
    assert "boom" in letter.error
    assert metrics.DLQ_MESSAGES.labels(topic, "broken")._value.get() == before + 1


async def test_a_stage_that_gives_up_reports_the_answer_as_failed(tmp_path):
    bus, store = make_bus(tmp_path, attempts=2)
    failures: list[AnswerFailed] = []

    async def broken(event: SessionRequested):
        raise TimeoutError("triton did not answer")

    async def sink(event: AnswerFailed):
        failures.append(event)

    async with running(
        bus, Subscription(SessionRequested, "questions", broken), Subscription(AnswerFailed, "sink", sink)
    ):
        request = session_requested()
        await bus.publish(request)
    store.close()
    [failed] = failures
    assert (failed.data.stage, failed.data.reason) == ("questions", "processing_error")
    assert failed.causationid == request.id and failed.sessionid == request.sessionid
    assert len(bus.dead_letters) == 1


async def test_invalid_message_goes_to_dlq_without_calling_handler(tmp_path):
    bus, store = make_bus(tmp_path)
    called = []

    async def handler(event: SessionRequested):
        called.append(event)

    async with running(bus, Subscription(SessionRequested, "g", handler)):
        bus._enqueue(bus._queues[(topic_for(SessionRequested), "g")], b'{"not": "an event"}')
    store.close()
    assert called == []
    assert bus.dead_letters[0].error_type == "ValidationError"


async def test_a_handler_cannot_publish_an_event_its_annotation_does_not_name(tmp_path):
    bus, store = make_bus(tmp_path, attempts=1)
    published: list[AnswerFailed] = []

    async def sneaky(event: SessionRequested) -> QuestionsGenerated:
        return AnswerFailed.because(event, Stage.questions, "oops", "not declared", source="t")  # type: ignore[return-value]

    async def sink(event: AnswerFailed) -> None:
        published.append(event)

    async with running(bus, Subscription(SessionRequested, "sneaky", sneaky), Subscription(AnswerFailed, "sink", sink)):
        await bus.publish(session_requested())
    store.close()
    assert not published
    [letter] = bus.dead_letters
    assert letter.error_type == "TypeError" and "does not name" in letter.error
