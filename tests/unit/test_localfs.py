import pytest

from runtime.storage.localfs import LocalObjectStore
from runtime.storage.objects import ObjectNotFound, ObjectTooLarge


async def chunks(n: int, size: int):
    for i in range(n):
        yield bytes([i % 256]) * size


async def test_stream_roundtrip_range_and_delete(tmp_path):
    store = LocalObjectStore(tmp_path)
    size = await store.put_stream("s/1/video.webm", chunks(3, 1000), "video/webm")
    assert size == 3000
    info = await store.stat("s/1/video.webm")
    assert (info.size, info.content_type) == (3000, "video/webm")
    part = b"".join([c async for c in store.stream("s/1/video.webm", start=999, length=2)])
    assert part == b"\x00\x01"
    await store.put_bytes("s/1/frames/0.jpg", b"jpg", "image/jpeg")
    await store.put_bytes("s/2/x", b"x", "text/plain")
    assert await store.delete_prefix("s/1/") == 2
    with pytest.raises(ObjectNotFound):
        await store.stat("s/1/video.webm")
    assert await store.get_bytes("s/2/x") == b"x"


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
