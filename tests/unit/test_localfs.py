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


async def test_two_sweeps_of_one_session_at_once_both_finish(tmp_path):
    # The delete's sweep and the bus's sweep after a handler can run together: a folder the other one has
    # just removed must not fail the walk (it once raised FileNotFoundError and the DELETE failed).
    import asyncio

    store = LocalObjectStore(tmp_path)
    for round_ in range(20):
        sid = f"s{round_}"
        for a in range(30):
            for name in ("video.webm", "audio.wav", "frames/0001.jpg", "frames/0002.jpg"):
                await store.put_bytes(f"sessions/{sid}/answers/{a}/{name}", b"x", "application/octet-stream")
        counts = await asyncio.gather(*(store.delete_prefix(f"sessions/{sid}/") for _ in range(3)))
        assert sum(counts) >= 30 * 4  # each sweep counts a folder before removing it: every object is counted
        assert not (tmp_path / "sessions" / sid).exists()
