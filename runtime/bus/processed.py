"""Processed-event log kept in the results store (idempotency on event id).

Each entry also keeps the events its handling published, so a redelivered or
re-driven event re-publishes them under the same ids (see dispatch.py), and
the session id, so erasing a session erases them too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from runtime.storage.documents import DocumentStore
from schemas import EVENT_BY_TYPE, Event

COLLECTION = "processed_events"


class DocumentProcessedLog:
    """Implements :class:`runtime.bus.port.ProcessedLog` over any DocumentStore."""

    def __init__(self, store: DocumentStore) -> None:
        self._store = store

    async def seen(self, group: str, event_id: str) -> bool:
        return await self._store.get(COLLECTION, f"{group}:{event_id}") is not None

    async def mark(
        self, group: str, event_id: str, outputs: Sequence[Event] = (), session_id: str | None = None
    ) -> None:
        session_ids = {session_id} if session_id is not None else {o.sessionid for o in outputs}
        await self._store.insert(
            COLLECTION,
            f"{group}:{event_id}",
            {
                "group": group,
                "at": datetime.now(UTC).isoformat(),
                # Erasure sweeps the record with the rest of its session (it holds the outputs' data).
                "session_id": session_ids.pop() if len(session_ids) == 1 else None,
                "outputs": [{"type": o.type, "json": o.model_dump_json()} for o in outputs],
            },
        )

    async def outputs(self, group: str, event_id: str) -> list[Event]:
        doc = await self._store.get(COLLECTION, f"{group}:{event_id}")
        if doc is None:
            return []
        return [EVENT_BY_TYPE[o["type"]].model_validate_json(o["json"]) for o in doc.get("outputs", [])]

    async def forget(self, session_id: str) -> int:
        """Erase what the log keeps of a deleted session's events (transcripts and scores among them)."""
        return await self._store.delete(COLLECTION, {"session_id": session_id})
