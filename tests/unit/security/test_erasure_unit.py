"""Finding 1 at the unit level: tombstones, the bus guard, the guarded object store, the sweep."""

import asyncio
import pathlib

import pytest

from runtime.bus import InMemoryBus, RetryPolicy, Subscription
from runtime.bus.processed import DocumentProcessedLog
from runtime.erasure import TOMBSTONES, Erasure, GuardedObjectStore, SessionErased, session_of
from runtime.storage.localfs import LocalObjectStore
from runtime.storage.sqlite import SqliteDocumentStore
from schemas import QuestionsGenerated, SessionDeleted, SessionDeletedData, SessionRequested
from tests.buses import collect, running
from tests.factories import session_requested


@pytest.fixture
def stores(tmp_path):
    docs = SqliteDocumentStore(tmp_path / "d.sqlite3")
    objects = LocalObjectStore(tmp_path / "objects")
    yield docs, objects, Erasure(docs, objects)
    docs.close()


def _bus(docs, erasure, attempts=3):
    return InMemoryBus(DocumentProcessedLog(docs), RetryPolicy(attempts, 0.0), erasure)


async def _left(docs, sid: str) -> list[str]:
    found = []
    for collection in await docs.collections():
        if collection == TOMBSTONES:
            continue
        for doc in await docs.find(collection):
            if sid in repr(doc):
                found.append(f"{collection}/{doc['_id']}")
    return found


def test_session_of_key():
    assert session_of("sessions/abc123/answers/x/video.webm") == "abc123"
    assert session_of("other/abc/x") is None
    assert session_of("sessions/") is None


async def test_work_for_an_erased_session_is_not_started(stores):
    docs, _, erasure = stores
    bus = _bus(docs, erasure)
    calls: list[SessionRequested] = []
    async with running(bus, Subscription(SessionRequested, "g", collect(calls))):
        event = session_requested()
        await erasure.tombstone(event.sessionid)
        await bus.publish(event)
    assert calls == []
    assert await docs.find("processed_events") == []


async def test_handler_running_during_the_delete_has_its_outputs_dropped_and_writes_swept(stores):
    docs, objects, erasure = stores
    bus = _bus(docs, erasure)
    guarded = GuardedObjectStore(objects, erasure)
    started, release = asyncio.Event(), asyncio.Event()
    downstream = []

    async def stage(event: SessionRequested):
        sid = event.sessionid
        await guarded.put_bytes(f"sessions/{sid}/early.json", b"{}", "application/json")
        await docs.insert("stage_state", "x" + sid, {"session_id": sid, "transcript": "secret"})
        started.set()
        await release.wait()  # the delete happens here
        await docs.insert("stage_state", "y" + sid, {"session_id": sid, "transcript": "late"})
        return QuestionsGenerated.caused_by(event, _questions(sid), source="t")

    async def next_stage(event: QuestionsGenerated):
        downstream.append(event)

    async with running(
        bus, Subscription(SessionRequested, "stage", stage), Subscription(QuestionsGenerated, "next", next_stage)
    ):
        event = session_requested()
        sid = event.sessionid
        await bus.publish(event)
        await started.wait()
        await erasure.tombstone(sid)
        await erasure.sweep(sid)
        release.set()
    assert downstream == []
    assert await _left(docs, sid) == []
    assert not (objects.root / "sessions" / sid).exists()


async def test_a_write_refused_for_an_erased_session_is_neither_retried_nor_dead_lettered(stores):
    docs, objects, erasure = stores
    bus = _bus(docs, erasure, attempts=4)
    guarded = GuardedObjectStore(objects, erasure)
    calls = []

    async def stage(event: SessionRequested):
        calls.append(1)
        await guarded.put_bytes(f"sessions/{event.sessionid}/x", b"x", "text/plain")

    bus.subscribe(Subscription(SessionRequested, "stage", stage))
    event = session_requested()
    await bus.start()
    try:
        # Tombstoned after the pre-check: the handler starts, its write is refused.
        real = erasure.drop_if_erased
        checks = []

        async def late(session_id, where):
            checks.append(where)
            if where == "before_handler":
                await erasure.tombstone(session_id)
                return False
            return await real(session_id, where)

        erasure.drop_if_erased = late  # type: ignore[method-assign]
        await bus.publish(event)
        await bus.drain()
    finally:
        await bus.stop()
    assert calls == [1]
    assert bus.dead_letters == []
    assert "failed_handler" in checks


async def test_session_deleted_itself_is_delivered(stores):
    docs, _, erasure = stores
    bus = _bus(docs, erasure)
    got: list[SessionDeleted] = []
    async with running(bus, Subscription(SessionDeleted, "g", collect(got))):
        await erasure.tombstone("s1")
        await bus.publish(SessionDeleted.new(SessionDeletedData(session_id="s1"), source="t", sessionid="s1"))
    assert [e.sessionid for e in got] == ["s1"]


async def test_guarded_store_refuses_then_removes_late_writes(stores):
    _, objects, erasure = stores
    guarded = GuardedObjectStore(objects, erasure)
    await guarded.put_bytes("sessions/a/x", b"x", "text/plain")
    await erasure.tombstone("a")
    with pytest.raises(SessionErased):
        await guarded.put_bytes("sessions/a/y", b"y", "text/plain")
    assert not (objects.root / "sessions" / "a" / "y").exists()

    async def slow():
        yield b"1"
        await erasure.tombstone("b")  # deleted while the upload streams
        yield b"2"

    with pytest.raises(SessionErased):
        await guarded.put_stream("sessions/b/video.webm", slow(), "video/webm")
    assert not (objects.root / "sessions" / "b").exists()
    await guarded.put_bytes("elsewhere/z", b"z", "text/plain")  # keys outside sessions are not guarded


async def test_sweep_takes_every_collection_and_keeps_the_tombstone(stores):
    docs, objects, erasure = stores
    await objects.put_bytes("sessions/s1/answers/a/video.webm", b"v", "video/webm")
    await objects.put_bytes("sessions/s2/answers/a/video.webm", b"v", "video/webm")
    await docs.insert("sessions", "s1", {"status": "ready"})
    await docs.insert("sessions", "s2", {"status": "ready"})
    await docs.insert("fb_results", "a1", {"session_id": "s1"})
    await docs.insert("processed_events", "g:e1", {"group": "g", "session_id": "s1"})
    await docs.insert("some_future_outbox", "o1", {"session_id": "s1", "payload": "..."})
    await erasure.tombstone("s1")
    swept = await erasure.sweep("s1")
    assert swept.objects == 1 and swept.documents == 4
    assert await _left(docs, "s1") == []
    assert await docs.get("sessions", "s2") is not None
    assert await docs.get(TOMBSTONES, "s1") is not None
    assert (await erasure.sweep("s1")).documents == 0  # idempotent


async def test_delete_prefix_walks_only_the_named_folder(tmp_path, monkeypatch):
    store = LocalObjectStore(tmp_path)
    for i in range(20):
        await store.put_bytes(f"sessions/other{i}/answers/a/video.webm", b"v", "video/webm")
    await store.put_bytes("sessions/target/answers/a/video.webm", b"v", "video/webm")
    await store.put_bytes("sessions/target/answers/a/frames/0.jpg", b"j", "image/jpeg")
    listed = []
    real_iterdir, real_rglob = pathlib.Path.iterdir, pathlib.Path.rglob
    monkeypatch.setattr(pathlib.Path, "iterdir", lambda self: listed.append(self) or real_iterdir(self))
    monkeypatch.setattr(pathlib.Path, "rglob", lambda self, p: listed.append(self) or real_rglob(self, p))
    assert await store.delete_prefix("sessions/target/") == 2
    root = tmp_path.resolve()
    assert all(p.resolve().is_relative_to(root / "sessions" / "target") for p in listed), listed
    assert not (tmp_path / "sessions" / "target").exists()
    assert len(list((tmp_path / "sessions").iterdir())) == 20


async def test_delete_prefix_of_a_folder_removes_the_folder(tmp_path):
    store = LocalObjectStore(tmp_path)
    await store.put_bytes("sessions/s/answers/a/video.webm", b"v", "video/webm")
    await store.put_bytes("sessions/s/answers/b/video.webm", b"v", "video/webm")
    assert await store.delete_prefix("sessions/s/answers/a/") == 1
    assert not (tmp_path / "sessions" / "s" / "answers" / "a").exists()
    assert (tmp_path / "sessions" / "s" / "answers" / "b" / "video.webm").exists()


def _questions(sid):
    from schemas import Question, QuestionsGeneratedData

    q = Question(question_id="q1", index=0, text="Why?", type="technical", expected_duration_s=60)
    return QuestionsGeneratedData(session_id=sid, questions=(q,), generator="t")
