"""Checks every object store must pass, shared by the local-directory and S3 tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from runtime.storage.objects import ObjectNotFound, ObjectStore

VIDEO = "s/1/video.webm"


async def chunks(n: int, size: int) -> AsyncIterator[bytes]:
    """``n`` chunks of ``size`` bytes, the i-th made of byte ``i``."""
    for i in range(n):
        yield bytes([i % 256]) * size


async def stream_roundtrip(store: ObjectStore, chunk: int) -> None:
    """Three chunks stored as a stream: size, type and a range across the first boundary come back."""
    size = await store.put_stream(VIDEO, chunks(3, chunk), "video/webm")
    assert size == 3 * chunk
    info = await store.stat(VIDEO)
    assert (info.size, info.content_type) == (3 * chunk, "video/webm")
    part = b"".join([c async for c in store.stream(VIDEO, start=chunk - 1, length=2)])
    assert part == b"\x00\x01"


async def delete_prefix(store: ObjectStore) -> None:
    """Deleting ``s/1/`` removes the video and a frame under it and keeps ``s/2/``."""
    await store.put_bytes("s/1/frames/0.jpg", b"jpg", "image/jpeg")
    await store.put_bytes("s/2/keep", b"k", "text/plain")
    assert await store.delete_prefix("s/1/") == 2
    with pytest.raises(ObjectNotFound):
        await store.stat(VIDEO)
    assert await store.get_bytes("s/2/keep") == b"k"
