"""Session read model kept in the results store."""

from __future__ import annotations

from runtime.storage.documents import Doc, DocumentStore

COLLECTION = "sessions"


class SessionRepository:
    """Sessions as documents: questions, answers by id, per-question attempts."""

    def __init__(self, store: DocumentStore) -> None:
        self._store = store

    async def add(self, session_id: str, doc: Doc) -> None:
        if not await self._store.insert(COLLECTION, session_id, doc):
            raise ValueError(f"session {session_id} exists")

    async def get(self, session_id: str) -> Doc | None:
        return await self._store.get(COLLECTION, session_id)

    async def owned_by(self, owner: str, limit: int) -> list[Doc]:
        """Every session of one candidate (device profile or OIDC user)."""
        return await self._store.find(COLLECTION, {"owner": owner}, limit=limit)

    async def created_before(self, when: str, limit: int) -> list[Doc]:
        """Sessions created before ``when`` (ISO 8601, UTC)."""
        return await self._store.find(COLLECTION, {"created_at": {"$lt": when}}, limit=limit)

    async def delete(self, session_id: str) -> None:
        await self._store.delete(COLLECTION, {"_id": session_id})

    async def update(self, session_id: str, update: Doc) -> Doc | None:
        """Atomic update of an existing session; None if there is none."""
        return await self._store.update(COLLECTION, session_id, update, upsert=False)
