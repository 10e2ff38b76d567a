import asyncio

import pytest

from runtime.storage.mongo import MongoDocumentStore

pytestmark = pytest.mark.integration


async def test_concurrent_find_one_and_update_from_one_process_loses_nothing(mongo: MongoDocumentStore):
    async def join(i: int):
        return await mongo.update(
            "answers",
            "a1",
            {"$setOnInsert": {"created": True}, "$inc": {"parts": 1}, "$addToSet": {"seen": f"part{i}"}},
        )

    results = await asyncio.gather(*[join(i) for i in range(40)])
    doc = await mongo.get("answers", "a1")
    assert doc is not None
    assert doc["parts"] == 40 and len(doc["seen"]) == 40 and doc["created"] is True
    # Every caller saw a distinct post-update counter: exactly one saw the last part.
    assert sorted(r["parts"] for r in results) == list(range(1, 41))


async def test_insert_claim_is_exactly_once_across_clients(mongo: MongoDocumentStore, stack):
    # Separate clients stand in for separate consumer processes: FerretDB v1's
    # findAndModify is not atomic across them, a unique-_id insert is.
    others = [MongoDocumentStore(stack["MI_MONGO_URL"], mongo.db.name) for _ in range(4)]
    try:
        stores = [mongo, *others]
        wins = await asyncio.gather(
            *[stores[i % len(stores)].insert("claims", "answer-1/scored", {"by": i}) for i in range(40)]
        )
        assert wins.count(True) == 1
        winner = await mongo.get("claims", "answer-1/scored")
        assert winner is not None and wins[winner["by"]] is True
    finally:
        for store in others:
            await store.close()


async def test_crud_roundtrip(mongo: MongoDocumentStore):
    assert await mongo.insert("processed_events", "g:e1", {"group": "g"})
    assert not await mongo.insert("processed_events", "g:e1", {"group": "g"})
    await mongo.put("sessions", "s1", {"status": "ready", "nested": {"k": 1}})
    await mongo.put("sessions", "s2", {"status": "done"})
    assert [d["_id"] for d in await mongo.find("sessions", {"status": "ready"})] == ["s1"]
    assert await mongo.update("sessions", "nope", {"$set": {"x": 1}}, upsert=False) is None
    assert await mongo.delete("sessions", {"status": "done"}) == 1
    assert await mongo.get("sessions", "s2") is None
    s1 = await mongo.get("sessions", "s1")
    assert s1 is not None and s1["nested"] == {"k": 1}
