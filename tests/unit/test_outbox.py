"""Outbox: a state change and its events commit together; the relay repairs any crash after the commit."""

import asyncio

import pytest

from runtime.bus import InMemoryBus, Subscription
from runtime.errors import Unavailable
from runtime.outbox import Effect, Outbox
from runtime.storage.sqlite import SqliteDocumentStore
from schemas import SessionRequested
from tests.buses import running
from tests.factories import session_requested


class DownBus(InMemoryBus):
    """A bus that refuses every message while ``down``."""

    def __init__(self) -> None:
        super().__init__()
        self.down = True

    async def publish(self, event):
        if self.down:
            raise Unavailable("bus", "broker stopped")
        await super().publish(event)


@pytest.fixture
def store(tmp_path):
    s = SqliteDocumentStore(tmp_path / "d.sqlite3")
    yield s
    s.close()


def test_effects_must_be_idempotent():
    with pytest.raises(ValueError, match="idempotent"):
        Effect("update", "sessions", "s1", {"$inc": {"n": 1}})


async def test_commit_applies_effects_and_publishes(store):
    bus = InMemoryBus()
    seen: list[str] = []

    async def sink(e: SessionRequested):
        seen.append(e.id)

    async with running(bus, Subscription(SessionRequested, "sink", sink)):
        outbox = Outbox(store, bus)
        event = session_requested()
        assert await outbox.commit([event], [Effect("insert", "sessions", event.sessionid, {"status": "new"})])
        assert not await outbox.commit([event])  # the same entry again: nothing new
    assert seen == [event.id]
    assert (await store.get("sessions", event.sessionid))["status"] == "new"
    assert (await store.get("outbox", event.id))["status"] == "sent"


async def test_bus_down_answers_at_once_and_relays_when_it_is_back(store):
    bus = DownBus()
    outbox = Outbox(store, bus, poll_s=0.05, inline_s=0.5)
    event = session_requested()
    await outbox.commit([event], [Effect("insert", "sessions", event.sessionid, {"status": "new"})])
    assert (await store.get("sessions", event.sessionid))["status"] == "new"  # recorded, not yet published
    assert [e["_id"] for e in await outbox.pending()] == [event.id]
    await outbox.start()
    await asyncio.sleep(0.3)
    bus.down = False
    for _ in range(100):
        if not await outbox.pending():
            break
        await asyncio.sleep(0.05)
    await outbox.stop()
    assert await outbox.pending() == []


async def test_a_crash_after_the_commit_is_finished_by_the_relay_after_restart(store):
    event = session_requested()
    # The process died right after the unique insert: effects not applied, nothing published.
    await store.insert(
        "outbox",
        event.id,
        {
            "status": "pending",
            "applied": False,
            "session_id": event.sessionid,
            "created_at": "2020-01-01T00:00:00+00:00",
            "events": [{"type": event.type, "json": event.model_dump_json()}],
            "effects": [Effect("insert", "sessions", event.sessionid, {"status": "new"}).as_doc()],
            "watch": None,
            "watch_done": True,
        },
    )
    bus = InMemoryBus()
    seen: list[str] = []

    async def sink(e: SessionRequested):
        seen.append(e.id)

    async with running(bus, Subscription(SessionRequested, "sink", sink)):
        assert await Outbox(store, bus).relay_pending() == 1
    assert seen == [event.id]
    assert (await store.get("sessions", event.sessionid))["status"] == "new"
