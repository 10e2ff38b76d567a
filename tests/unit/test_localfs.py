import pytest

from runtime.storage.localfs import LocalObjectStore
from runtime.storage.objects import ObjectNotFound, ObjectTooLarge
from tests.storage_contract import chunks, delete_prefix, stream_roundtrip


async def test_stream_roundtrip_range_and_delete(tmp_path):
    store = LocalObjectStore(tmp_path)
    await stream_roundtrip(store, 1000)
    await delete_prefix(store)


async def test_too_large_keeps_nothing_and_keys_are_confined(tmp_path):
    store = LocalObjectStore(tmp_path)
    with pytest.raises(ObjectTooLarge):
        await store.put_stream("big", chunks(5, 100), "application/octet-stream", max_bytes=250)
    with pytest.raises(ObjectNotFound):
        await store.stat("big")
    assert list(tmp_path.iterdir()) == []
    for bad in ("../escape", "/abs", ""):
        with pytest.raises(ValueError):
            await store.put_bytes(bad, b"x", "text/plain")
