"""Erasure that is final: tombstones, a guard every stage passes through, and a sweep.

Deleting a session writes a **tombstone** first. From then on:

- the bus middleware (``runtime/bus/dispatch.py``) checks the tombstone
  before a handler runs (the work is dropped), after it ran (its outputs are
  dropped, not published, and what it wrote is swept) and after the event is
  marked processed (closing the race with a delete that lands in between);
  a handler that fails for an erased session is neither retried nor
  dead-lettered;
- the object store is wrapped (:class:`GuardedObjectStore`): a write under a
  tombstoned session's prefix is refused before it starts, and one that was
  already streaming when the delete came is removed when it ends;
- the **sweep** removes everything stored for the session: every object under
  its prefix and, in every collection of the results store, every document
  whose ``session_id`` (or ``_id``) is the session's (sessions, feedback
  state, claims, processed-event records, and anything added later that
  follows the convention below).

Convention for every document that is about a session: carry the session id
in a top-level ``session_id`` field (or be keyed by it). The sweep needs no
list of collections, so new stores (an outbox, a history) are erased without
changes here.

Tombstones hold only the random session id and the time; they are kept so
that a message redelivered any time later is still dropped.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from prometheus_client import Counter

from runtime.logging import get_logger
from runtime.storage.documents import DocumentStore
from runtime.storage.objects import ObjectInfo, ObjectStore
from schemas.keys import session_prefix

log = get_logger(__name__)

TOMBSTONES = "tombstones"
_SESSION_KEY = re.compile(r"^sessions/([0-9A-Za-z_-]{1,64})/")

ERASED_DROPS = Counter(
    "mi_erasure_dropped_total",
    "Work dropped because its session was erased, by where it was caught.",
    ["where"],
)
SWEPT = Counter("mi_erasure_swept_total", "Objects and documents removed by erasure sweeps.", ["kind"])


def session_of(key: str) -> str | None:
    """The session an object key belongs to (the inverse of ``schemas.keys.session_prefix``), or None."""
    match = _SESSION_KEY.match(key)
    return match.group(1) if match else None


class SessionErased(Exception):
    """The session was deleted: the current work must be dropped, not retried."""

    def __init__(self, session_id: str) -> None:
        super().__init__(f"session {session_id} was erased")
        self.session_id = session_id


@dataclass(frozen=True)
class Swept:
    objects: int
    documents: int


class Erasure:
    """Tombstones and sweeps over the platform's two stores."""

    def __init__(self, documents: DocumentStore, objects: ObjectStore) -> None:
        self.documents = documents
        self.objects = objects
        self._erased: set[str] = set()  # tombstones are forever: positives can be cached
        self._also: list[Callable[[str], Awaitable[int]]] = []

    def also(self, sweeper: Callable[[str], Awaitable[int]]) -> None:
        """Sweep another store too (e.g. the embedded bus log): ``sweeper(session_id)`` returns how many it removed."""
        self._also.append(sweeper)

    async def tombstone(self, session_id: str) -> None:
        """Mark the session erased (idempotent). Written before anything is deleted."""
        await self.documents.insert(TOMBSTONES, session_id, {"erased_at": datetime.now(UTC).isoformat()})
        self._erased.add(session_id)

    async def is_erased(self, session_id: str) -> bool:
        if session_id in self._erased:
            return True
        if await self.documents.get(TOMBSTONES, session_id) is not None:
            self._erased.add(session_id)
            return True
        return False

    async def sweep(self, session_id: str) -> Swept:
        """Delete every object and document of the session (the tombstone stays). Idempotent."""
        objects = await self.objects.delete_prefix(session_prefix(session_id))
        documents = 0
        collections = [c for c in await self.documents.collections() if c != TOMBSTONES]
        # Documents that point at the session go first, the ones keyed by it (the session itself) last:
        # if a sweep is cut short, the session is still there and deleting it again finishes the job.
        for collection in collections:
            documents += await self.documents.delete(collection, {"session_id": session_id})
        for collection in collections:
            documents += await self.documents.delete(collection, {"_id": session_id})
        for sweeper in self._also:
            documents += await sweeper(session_id)
        SWEPT.labels("objects").inc(objects)
        SWEPT.labels("documents").inc(documents)
        if objects or documents:
            log.info("erasure.swept", session_id=session_id, objects=objects, documents=documents)
        return Swept(objects, documents)

    async def drop_if_erased(self, session_id: str, where: str) -> bool:
        """True (after sweeping what the work may have written) when the session is erased."""
        if not await self.is_erased(session_id):
            return False
        ERASED_DROPS.labels(where).inc()
        await self.sweep(session_id)
        return True


class GuardedObjectStore:
    """An :class:`ObjectStore` that refuses writes for erased sessions.

    Checked before a write starts and again when it has finished (a write that
    was streaming while the session was deleted is removed, then refused).
    """

    def __init__(self, inner: ObjectStore, erasure: Erasure) -> None:
        self.inner = inner
        self.erasure = erasure

    async def _check(self, key: str) -> None:
        sid = session_of(key)
        if sid is not None and await self.erasure.is_erased(sid):
            ERASED_DROPS.labels("object_write").inc()
            raise SessionErased(sid)

    async def _after(self, key: str) -> None:
        sid = session_of(key)
        if sid is not None and await self.erasure.is_erased(sid):
            ERASED_DROPS.labels("object_write").inc()
            await self.erasure.sweep(sid)
            raise SessionErased(sid)

    async def put_stream(
        self, key: str, chunks: AsyncIterable[bytes], content_type: str, max_bytes: int | None = None
    ) -> int:
        await self._check(key)
        try:
            size = await self.inner.put_stream(key, chunks, content_type, max_bytes)
        except Exception:
            await self._after(key)  # the delete removed the half-written file: the session is gone, not a 500
            raise
        await self._after(key)
        return size

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        await self._check(key)
        try:
            await self.inner.put_bytes(key, data, content_type)
        except Exception:
            await self._after(key)
            raise
        await self._after(key)

    def stream(self, key: str, start: int = 0, length: int | None = None) -> AsyncIterator[bytes]:
        return self.inner.stream(key, start, length)

    async def get_bytes(self, key: str) -> bytes:
        return await self.inner.get_bytes(key)

    async def stat(self, key: str) -> ObjectInfo:
        return await self.inner.stat(key)

    async def delete_prefix(self, prefix: str) -> int:
        return await self.inner.delete_prefix(prefix)

    async def presign_get(self, key: str, expires_s: int = 3600) -> str | None:
        return await self.inner.presign_get(key, expires_s)

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)  # adapter extras (ensure_bucket, root, ...)
