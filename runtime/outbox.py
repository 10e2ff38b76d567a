"""Transactional outbox: a state change and the events it announces are committed together.

A command (create a session, record an upload, finish, retry) calls
:meth:`Outbox.commit` with its events and the state changes ("effects") they
announce. ``commit`` first stores one outbox entry by unique insert under the
first event's id -- the commit point, atomic on every document store,
FerretDB v1 included, which has no multi-document transactions -- then applies
the effects, marks the entry applied, and hands it to the relay, which
publishes the events and marks the entry sent.

Crash anywhere after the insert and the relay (of this process after a
restart, or of another instance after ``outbox_grace_s``) finishes the job:
effects that were not marked applied are applied again (only idempotent
operators are allowed), then the events are published -- at-least-once, under
their fixed ids, which consumers deduplicate. Effects always land before the
events go out, so a re-applied effect can never undo what a consumer of the
event already changed. Crash (or a store outage) before the insert and nothing
was recorded: the caller gets the error and may retry.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from runtime.bus.port import Bus
from runtime.errors import Unavailable
from runtime.logging import get_logger
from runtime.metrics import OUTBOX_PENDING, OUTBOX_RELAYED
from runtime.storage.documents import Doc, DocumentStore
from runtime.tasks import cancel
from schemas import EVENT_BY_TYPE, Event

log = get_logger(__name__)

COLLECTION = "outbox"
IDEMPOTENT_OPERATORS = frozenset({"$set", "$setOnInsert", "$unset", "$max", "$min", "$addToSet"})
SENT_RETENTION = timedelta(hours=1)


@dataclass(frozen=True)
class Effect:
    """One idempotent state change: ``insert`` (if absent), ``update`` (operators) or ``delete`` of a document."""

    op: Literal["insert", "update", "delete"]
    collection: str
    doc_id: str
    body: Doc = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.op == "update" and not set(self.body) <= IDEMPOTENT_OPERATORS:
            # $inc or $push applied twice would count twice: not allowed in a replayable effect.
            raise ValueError(f"outbox effects must be idempotent; got {sorted(set(self.body))}")

    def as_doc(self) -> Doc:
        # The body is kept as JSON text: MongoDB-wire stores refuse keys that start with "$" or hold dots.
        return {"op": self.op, "collection": self.collection, "doc_id": self.doc_id, "body": json.dumps(self.body)}

    @classmethod
    def from_doc(cls, doc: Doc) -> Effect:
        return cls(doc["op"], doc["collection"], doc["doc_id"], json.loads(doc.get("body") or "{}"))

    async def apply(self, store: DocumentStore) -> None:
        if self.op == "insert":
            await store.insert(self.collection, self.doc_id, self.body)
        elif self.op == "update":
            await store.update(self.collection, self.doc_id, self.body, upsert=False)
        else:
            await store.delete(self.collection, {"_id": self.doc_id})


class Outbox:
    """Commit point for state changes plus events, and the relay that publishes them."""

    def __init__(
        self,
        store: DocumentStore,
        bus: Bus,
        poll_s: float = 2.0,
        grace_s: float = 10.0,
        owner: str = "gateway",
        inline_s: float = 1.0,
    ) -> None:
        self._store = store
        self._bus = bus
        self._poll_s = poll_s
        self._grace_s = grace_s
        self._owner = owner
        self._inline_s = inline_s
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._inflight: set[asyncio.Task[None]] = set()
        self._started = datetime.now(UTC)

    async def commit(self, events: Sequence[Event], effects: Sequence[Effect] = (), watch: Doc | None = None) -> bool:
        """Record ``effects`` and ``events`` together; False when this very entry was committed before.

        Returns once the entry is stored (and, unless the store failed in between, its effects applied):
        from then on the events will be published. They are published at once when the bus takes them
        within ``inline_s``, otherwise by the relay. Raises (``Unavailable`` for an outage) when nothing
        was recorded. ``watch`` marks the entry for the watchdog (what to follow until it is done).
        """
        if not events:
            raise ValueError("an outbox entry announces at least one event")
        entry_id = events[0].id
        entry = {
            "status": "pending",
            "applied": False,
            "owner": self._owner,
            "session_id": events[0].sessionid,
            "created_at": datetime.now(UTC).isoformat(),
            "events": [{"type": e.type, "json": e.model_dump_json()} for e in events],
            "effects": [e.as_doc() for e in effects],
            "watch": watch,
            "watch_done": watch is None,
        }
        if not await self._store.insert(COLLECTION, entry_id, entry):
            return False
        try:
            await self._apply(entry_id, list(effects))
        except Unavailable:
            # Committed: the relay applies the effects when the store is back. The caller's answer stands.
            log.warning("outbox.effects_deferred", entry=entry_id)
            return True
        # Publish now, but answer the caller after ``inline_s`` at most: a slow publish goes on in the
        # background (never cancelled half-way, which would publish the entry twice), a failed one is queued.
        task = asyncio.create_task(self._relay_or_queue(entry_id))
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)
        await asyncio.wait({task}, timeout=self._inline_s)
        return True

    async def _relay_or_queue(self, entry_id: str) -> None:
        try:
            await self.relay(entry_id)
        except Exception as exc:  # the bus is down: the relay keeps trying, the caller was answered
            log.warning("outbox.publish_deferred", entry=entry_id, error=repr(exc)[:200])
            self._queue.put_nowait(entry_id)

    async def _apply(self, entry_id: str, effects: list[Effect]) -> None:
        for effect in effects:
            await effect.apply(self._store)
        await self._store.update(COLLECTION, entry_id, {"$set": {"applied": True}}, upsert=False)

    # ------------------------------------------------------------ relay
    async def start(self) -> None:
        """Start the relay: this process's fresh entries at once, every other pending one after the grace period."""
        self._started = datetime.now(UTC)
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        await cancel(self._task)
        self._task = None

    async def relay(self, entry_id: str) -> bool:
        """Publish one entry (applying its effects first if needed) and mark it sent; False if already sent."""
        entry = await self._store.get(COLLECTION, entry_id)
        if entry is None or entry["status"] == "sent":
            return False
        if not entry.get("applied"):
            await self._apply(entry_id, [Effect.from_doc(e) for e in entry["effects"]])
        for raw in entry["events"]:
            await self._bus.publish(EVENT_BY_TYPE[raw["type"]].model_validate_json(raw["json"]))
        await self._store.update(
            COLLECTION, entry_id, {"$set": {"status": "sent", "sent_at": datetime.now(UTC).isoformat()}}, upsert=False
        )
        OUTBOX_RELAYED.inc()
        return True

    async def publish(self, event: Event) -> None:
        """Publish one event again (the watchdog's re-drive; consumers deduplicate it by id)."""
        await self._bus.publish(event)

    async def pending(self) -> list[Doc]:
        """Entries not yet published (oldest first)."""
        docs = await self._store.find(COLLECTION, {"status": "pending"}, limit=500)
        return sorted(docs, key=lambda d: d["created_at"])

    async def relay_pending(self, min_age_s: float = 0.0) -> int:
        """Relay every pending entry at least ``min_age_s`` old; returns how many were published."""
        now = datetime.now(UTC)
        done = 0
        entries = await self.pending()
        OUTBOX_PENDING.set(len(entries))
        for entry in entries:
            if (now - datetime.fromisoformat(entry["created_at"])).total_seconds() < min_age_s:
                continue
            if await self.relay(entry["_id"]):
                done += 1
        return done

    async def forget(self, session_id: str) -> int:
        """Erase a deleted session's entries that were already sent (they hold its events' payloads)."""
        return await self._store.delete(COLLECTION, {"session_id": session_id, "status": "sent"})

    async def watched(self, limit: int = 1000) -> list[Doc]:
        """Entries the watchdog still follows."""
        return await self._store.find(COLLECTION, {"watch_done": False}, limit=limit)

    async def set_watch(self, entry_id: str, fields: Doc) -> None:
        """Record the watchdog's progress on an entry (``redrives``, ``acted_at``, ``watch_done``)."""
        await self._store.update(COLLECTION, entry_id, {"$set": fields}, upsert=False)

    async def _run(self) -> None:
        backoff = 0.5
        sweep_due = 0.0
        loop = asyncio.get_running_loop()
        first = True
        while True:
            entry_id: str | None = None
            try:
                try:
                    entry_id = await asyncio.wait_for(self._queue.get(), self._poll_s)
                except TimeoutError:
                    # Idle: take over what is pending. At start-up everything pending is a crash's leftover.
                    await self.relay_pending(0.0 if first else self._grace_s)
                    first = False
                    if loop.time() >= sweep_due:
                        await self._sweep()
                        sweep_due = loop.time() + 600
                else:
                    await self.relay(entry_id)
                backoff = 0.5
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the bus or the store is down: keep everything, try again later
                log.warning("outbox.relay_failed", entry=entry_id, error=repr(exc)[:300], retry_in_s=backoff)
                if entry_id is not None:
                    self._queue.put_nowait(entry_id)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def _sweep(self) -> None:
        """Delete entries sent more than an hour ago that the watchdog no longer follows."""
        cutoff = (datetime.now(UTC) - SENT_RETENTION).isoformat()
        sent = await self._store.find(COLLECTION, {"status": "sent", "watch_done": True}, limit=1000)
        old = [d for d in sent if d["sent_at"] < cutoff]
        for doc in old:
            await self._store.delete(COLLECTION, {"_id": doc["_id"]})


def entry_events(entry: Doc) -> list[Any]:
    """The events an outbox entry announces (for operations tooling and tests)."""
    return [EVENT_BY_TYPE[raw["type"]].model_validate_json(raw["json"]) for raw in entry["events"]]
