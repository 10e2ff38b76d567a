"""The feedback service's join state, insert-only.

Every fact is its own document inserted under a unique id, because a unique
insert is the one operation atomic across processes on every backend
(FerretDB v1 included). Exactly-once decisions are claims: the first insert
wins, and the claim records which event won so a redelivery of that same
event can finish the job after a crash.
"""

from __future__ import annotations

from typing import Any

from runtime.storage.documents import DocumentStore


class FeedbackState:
    def __init__(self, store: DocumentStore) -> None:
        self._s = store

    async def remember(self, kind: str, doc_id: str, doc: dict[str, Any]) -> None:
        """Record a fact once (a repeat of the same fact is a no-op)."""
        await self._s.insert(f"fb_{kind}", doc_id, doc)

    async def get(self, kind: str, doc_id: str) -> dict[str, Any] | None:
        return await self._s.get(f"fb_{kind}", doc_id)

    async def find(self, kind: str, **where: Any) -> list[dict[str, Any]]:
        return await self._s.find(f"fb_{kind}", where)

    async def forget(self, session_id: str) -> None:
        """Erase every fact about a session (the candidate deleted it)."""
        for kind in ("uploads", "parts", "results", "judgements", "finished", "claims"):
            await self._s.delete(f"fb_{kind}", {"session_id": session_id})
        for kind in ("sessions", "questions", "finished"):
            await self._s.delete(f"fb_{kind}", {"_id": session_id})

    async def forget_failure(self, answer_id: str) -> None:
        """Before a retried analysis: drop an answer's failed result and failed parts (never a score)."""
        result = await self._s.get("fb_results", answer_id)
        if result is not None and result.get("status") == "failed":
            await self._s.delete("fb_results", {"_id": answer_id})
        for part in ("speech", "vision"):
            doc = await self._s.get("fb_parts", f"{answer_id}:{part}")
            if doc is not None and doc.get("failed"):
                await self._s.delete("fb_parts", {"_id": f"{answer_id}:{part}"})
        if result is None or result.get("status") == "failed":
            await self._s.delete("fb_claims", {"_id": f"score:{answer_id}"})

    async def claim(self, what: str, event_id: str, session_id: str | None = None) -> bool:
        """True for the first claimer of ``what``, and again for that same event if it is redelivered."""
        if await self._s.insert("fb_claims", what, {"by": event_id, "session_id": session_id}):
            return True
        existing = await self._s.get("fb_claims", what)
        return existing is not None and existing.get("by") == event_id


class StateJudgeCache:
    """LLM judgements cached in the join state, erased with their session (they quote the answer)."""

    def __init__(self, state: FeedbackState) -> None:
        self._state = state

    async def get(self, key: str) -> dict[str, Any] | None:
        doc = await self._state.get("judgements", key)
        return None if doc is None else dict(doc["judgement"])

    async def put(self, key: str, value: dict[str, Any], session_id: str | None) -> None:
        await self._state.remember("judgements", key, {"session_id": session_id, "judgement": value})
