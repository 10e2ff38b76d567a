"""Processed-event log kept in the results store (idempotency on event id)."""

from __future__ import annotations

from datetime import UTC, datetime

from runtime.storage.documents import DocumentStore

COLLECTION = "processed_events"


class DocumentProcessedLog:
    """Implements :class:`runtime.bus.port.ProcessedLog` over any DocumentStore."""

    def __init__(self, store: DocumentStore) -> None:
        self._store = store

    async def seen(self, group: str, event_id: str) -> bool:
        return await self._store.get(COLLECTION, f"{group}:{event_id}") is not None

    async def mark(self, group: str, event_id: str) -> None:
        await self._store.insert(
            COLLECTION, f"{group}:{event_id}", {"group": group, "at": datetime.now(UTC).isoformat()}
        )
