"""A retried analysis starts clean: failure facts go, a score never does."""

from runtime.storage.sqlite import SqliteDocumentStore
from services.feedback.adapters.state import FeedbackState


async def test_forget_failure_drops_failed_facts_and_the_unused_claim(tmp_path):
    store = SqliteDocumentStore(tmp_path / "d.sqlite3")
    state = FeedbackState(store)
    await state.remember("results", "a1", {"session_id": "s", "status": "failed", "reason": "timeout"})
    await state.remember("parts", "a1:speech", {"session_id": "s", "failed": "timeout"})
    await state.remember("parts", "a1:vision", {"session_id": "s", "report_key": "k"})
    assert await state.claim("score:a1", "e1")
    await state.forget_failure("a1")
    assert await state.get("results", "a1") is None
    assert await state.get("parts", "a1:speech") is None
    assert await state.get("parts", "a1:vision") is not None  # a good part is kept
    assert await state.claim("score:a1", "e2")  # the new run may score

    await state.remember("results", "a2", {"session_id": "s", "status": "scored"})
    assert await state.claim("score:a2", "e3")
    await state.forget_failure("a2")
    assert (await state.get("results", "a2"))["status"] == "scored"
    assert not await state.claim("score:a2", "e4")
    store.close()
