"""The durable embedded bus: nothing published is lost across a crash; SIGTERM drains, then leaves the rest."""

import asyncio
from pathlib import Path

from runtime.bus import RetryPolicy, Subscription
from runtime.bus.processed import DocumentProcessedLog
from runtime.bus.sqlite import SqliteBus
from runtime.errors import Unavailable
from runtime.storage.sqlite import SqliteDocumentStore
from schemas import QuestionsGenerated, SessionRequested, topic_for
from services.questions.adapters.bank import QuestionBank
from services.questions.handlers import generate_questions
from tests.factories import session_requested


def make(tmp_path: Path, store: SqliteDocumentStore, **kw) -> SqliteBus:
    return SqliteBus(tmp_path / "bus.sqlite3", DocumentProcessedLog(store), RetryPolicy(2, 0.0), **kw)


async def start_with(bus: SqliteBus, handler, count: int) -> list[SessionRequested]:
    """Starts ``bus`` with ``handler`` in group g and publishes ``count`` new requests to it."""
    bus.subscribe(Subscription(SessionRequested, "g", handler))
    await bus.start()
    events = [session_requested() for _ in range(count)]
    for e in events:
        await bus.publish(e)
    return events


async def restart(tmp_path: Path, store: SqliteDocumentStore, handler) -> None:
    """The next start of the process: a bus on the same log delivers what was left to ``handler``, then stops."""
    bus = make(tmp_path, store)
    bus.subscribe(Subscription(SessionRequested, "g", handler))
    await bus.start()
    await asyncio.wait_for(bus.drain(), 10)
    await bus.stop()
    bus.close()


async def test_messages_published_before_a_crash_are_delivered_after_restart(tmp_path):
    store = SqliteDocumentStore(tmp_path / "d.sqlite3")
    entered = asyncio.Event()

    async def hangs(event: SessionRequested):
        entered.set()
        await asyncio.sleep(3600)

    first = make(tmp_path, store)
    events = await start_with(first, hangs, 3)
    await asyncio.wait_for(entered.wait(), 5)
    for task in first._workers:  # the process dies: no drain, no offset commit
        task.cancel()
    await asyncio.gather(*first._workers, return_exceptions=True)
    first.close()

    handled: list[str] = []

    async def works(event: SessionRequested):
        handled.append(event.id)

    await restart(tmp_path, store, works)
    store.close()
    assert handled == [e.id for e in events]  # the in-flight one first, in order, each once


async def test_stop_lets_the_delivery_in_flight_finish_and_keeps_the_queue(tmp_path):
    store = SqliteDocumentStore(tmp_path / "d.sqlite3")
    started = asyncio.Event()
    handled: list[str] = []

    async def slow(event: SessionRequested):
        started.set()
        await asyncio.sleep(0.3)
        handled.append(event.id)

    bus = make(tmp_path, store, shutdown_grace_s=5)
    events = await start_with(bus, slow, 3)
    await asyncio.wait_for(started.wait(), 5)
    await bus.stop()  # SIGTERM: finish the one in hand, take no new one
    bus.close()
    assert handled == [events[0].id]

    await restart(tmp_path, store, slow)
    store.close()
    assert handled == [e.id for e in events]


async def test_stop_past_the_deadline_leaves_the_message_for_the_next_start(tmp_path):
    store = SqliteDocumentStore(tmp_path / "d.sqlite3")
    started = asyncio.Event()
    calls: list[str] = []

    async def stuck(event: SessionRequested):
        calls.append(event.id)
        started.set()
        await asyncio.sleep(3600)

    bus = make(tmp_path, store, shutdown_grace_s=0.1)
    [event] = await start_with(bus, stuck, 1)
    await asyncio.wait_for(started.wait(), 5)
    await asyncio.wait_for(bus.stop(), 5)
    bus.close()

    async def quick(e: SessionRequested):
        calls.append(e.id)

    await restart(tmp_path, store, quick)
    store.close()
    assert calls == [event.id, event.id]


async def test_a_duplicate_replays_what_its_first_handling_published(tmp_path):
    store = SqliteDocumentStore(tmp_path / "d.sqlite3")
    bank = QuestionBank.load()
    received: list[QuestionsGenerated] = []
    runs = 0

    async def questions(event: SessionRequested):
        nonlocal runs
        runs += 1
        return await generate_questions(event, bank, 3)

    async def sink(event: QuestionsGenerated):
        received.append(event)

    bus = make(tmp_path, store)
    bus.subscribe(Subscription(SessionRequested, "questions", questions))
    bus.subscribe(Subscription(QuestionsGenerated, "sink", sink))
    await bus.start()
    request = session_requested()
    await bus.publish(request)
    await bus.drain()
    await bus.publish(request)  # a re-drive of the same event
    await bus.drain()
    await bus.stop()
    assert runs == 1  # handled once ...
    assert len(bus.messages(topic_for(QuestionsGenerated))) == 2  # ... its output published again, same id
    assert len({e.id for e in received}) == 1 and len(received) == 1  # and deduplicated downstream
    bus.close()
    store.close()


async def test_an_outage_does_not_spend_retries_or_dead_letter(tmp_path):
    store = SqliteDocumentStore(tmp_path / "d.sqlite3")
    calls = 0

    async def flaky(event: SessionRequested):
        nonlocal calls
        calls += 1
        if calls <= 4:  # more outages than the 2 attempts the policy allows for real errors
            raise Unavailable("objects", "connection refused")

    bus = make(tmp_path, store)
    bus.subscribe(Subscription(SessionRequested, "g", flaky))
    await bus.start()
    await bus.publish(session_requested())
    await asyncio.wait_for(bus.drain(), 30)
    await bus.stop()
    assert calls == 5 and bus.dead_letters == []
    bus.close()
    store.close()


async def test_a_dependency_not_yet_processed_is_waited_for_then_fails(tmp_path):
    from runtime.errors import NotYet

    store = SqliteDocumentStore(tmp_path / "d.sqlite3")
    calls = {"late": 0, "never": 0}

    async def late(event: SessionRequested):
        calls["late"] += 1
        if calls["late"] <= 3:  # more than the 2 attempts, within the wait: no dead letter
            raise NotYet("upload not recorded yet")

    bus = make(tmp_path, store, unavailable_wait_s=1.5)
    bus.subscribe(Subscription(SessionRequested, "late", late))
    await bus.start()
    await bus.publish(session_requested())
    await asyncio.wait_for(bus.drain(), 30)
    await bus.stop()
    assert calls["late"] == 4 and bus.dead_letters == []
    bus.close()

    async def never(event: SessionRequested):
        calls["never"] += 1
        raise NotYet("upload never recorded")

    other = SqliteBus(tmp_path / "bus2.sqlite3", DocumentProcessedLog(store), RetryPolicy(2, 0.0), unavailable_wait_s=1)
    other.subscribe(Subscription(SessionRequested, "never", never))
    await other.start()
    await other.publish(session_requested())
    await asyncio.wait_for(other.drain(), 30)
    await other.stop()
    assert [d.error_type for d in other.dead_letters] == ["NotYet"]  # bounded: past the wait it is a failure
    other.close()
    store.close()
