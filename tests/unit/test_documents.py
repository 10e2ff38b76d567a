import asyncio

import pytest

from runtime.storage.documents import apply_update, matches
from runtime.storage.sqlite import SqliteDocumentStore


def test_apply_update_operators():
    doc = {"_id": "x", "n": 1, "tags": ["a"], "nested": {"v": 5}}
    out = apply_update(
        doc,
        {
            "$inc": {"n": 2, "fresh": 1},
            "$addToSet": {"tags": {"$each": ["a", "b"]}},
            "$push": {"log": "e1"},
            "$set": {"nested.w": 1},
            "$max": {"nested.v": 3},
            "$min": {"nested.v2": 4},
            "$setOnInsert": {"created": True},
            "$unset": {"gone": ""},
        },
        inserted=False,
    )
    assert out == {
        "_id": "x",
        "n": 3,
        "fresh": 1,
        "tags": ["a", "b"],
        "log": ["e1"],
        "nested": {"v": 5, "w": 1, "v2": 4},
    }
    assert doc["n"] == 1  # input untouched
    assert apply_update({}, {"$setOnInsert": {"c": 1}}, inserted=True) == {"c": 1}
    with pytest.raises(ValueError):
        apply_update({}, {"$where": {}}, inserted=True)


def test_matches_dotted_paths():
    assert matches({"a": {"b": 1}}, {"a.b": 1})
    assert not matches({"a": {"b": 1}}, {"a.b": 2})
    assert matches({"a": 1}, None)


async def test_sqlite_store_crud_and_atomic_concurrent_updates(tmp_path):
    store = SqliteDocumentStore(tmp_path / "d.sqlite3")
    try:
        assert await store.insert("things", "t1", {"k": "v"})
        assert not await store.insert("things", "t1", {"k": "other"})
        assert (await store.get("things", "t1")) == {"_id": "t1", "k": "v"}
        await asyncio.gather(
            *[store.update("counters", "c", {"$inc": {"n": 1}, "$addToSet": {"seen": i % 5}}) for i in range(50)]
        )
        doc = await store.get("counters", "c")
        assert doc is not None and doc["n"] == 50 and sorted(doc["seen"]) == [0, 1, 2, 3, 4]
        assert await store.update("counters", "missing", {"$inc": {"n": 1}}, upsert=False) is None
        await store.put("things", "t2", {"k": "w", "group": "g"})
        assert [d["_id"] for d in await store.find("things", {"group": "g"})] == ["t2"]
        assert await store.delete("things", {"k": "v"}) == 1
        assert await store.get("things", "t1") is None
        with pytest.raises(ValueError):
            await store.get("bad name; drop", "x")
    finally:
        store.close()
