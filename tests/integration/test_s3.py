import subprocess
import sys

import httpx
import pytest

from runtime.storage.objects import ObjectNotFound, ObjectTooLarge
from runtime.storage.s3 import S3ObjectStore
from tests.storage_contract import VIDEO, chunks, delete_prefix, stream_roundtrip

pytestmark = pytest.mark.integration


async def test_put_get_range_presign_delete(s3: S3ObjectStore):
    await stream_roundtrip(s3, 100_000)
    url = await s3.presign_get(VIDEO, expires_s=60)
    assert url is not None
    async with httpx.AsyncClient() as client:
        res = await client.get(url)
    assert res.status_code == 200 and len(res.content) == 300_000 and res.content[-1:] == b"\x02"
    await delete_prefix(s3)


async def test_bucket_is_created_idempotently(s3: S3ObjectStore):
    await s3.ensure_bucket()
    await s3.ensure_bucket()
    assert await s3.delete_prefix("nothing/") == 0


async def test_over_limit_upload_keeps_nothing(s3: S3ObjectStore):
    with pytest.raises(ObjectTooLarge):
        await s3.put_stream("too/big", chunks(20, 1024 * 1024), "video/webm", max_bytes=12 * 1024 * 1024)
    with pytest.raises(ObjectNotFound):
        await s3.stat("too/big")


STREAM_200MB = r"""
import asyncio, hashlib, resource, sys
from runtime.storage.s3 import S3ObjectStore

async def main(endpoint, access, secret, bucket):
    store = S3ObjectStore(endpoint, access, secret, bucket)
    await store.ensure_bucket()
    await store.put_bytes("big/warm", b"x", "text/plain")  # imports and connections warmed up
    baseline_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    block = bytes(range(256)) * 4096  # 1 MiB
    sent = hashlib.sha256()
    async def gen():
        for i in range(200):
            chunk = block[i % 256:] + block[:i % 256]
            sent.update(chunk)
            yield chunk
    size = await store.put_stream("big/200mb.bin", gen(), "application/octet-stream")
    got, n = hashlib.sha256(), 0
    async for chunk in store.stream("big/200mb.bin"):
        got.update(chunk); n += len(chunk)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(size, n, sent.hexdigest() == got.hexdigest(), round(peak_mb - baseline_mb))
    await store.delete_prefix("big/")

asyncio.run(main(*sys.argv[1:]))
"""


def test_200mb_object_streams_with_bounded_memory(s3: S3ObjectStore, stack):
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            STREAM_200MB,
            stack["MI_S3_ENDPOINT"],
            stack["MI_S3_ACCESS_KEY"],
            stack["MI_S3_SECRET_KEY"],
            s3.bucket,
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=True,
    )
    size, read, same, growth_mb = out.stdout.split()
    assert int(size) == int(read) == 200 * 1024 * 1024
    assert same == "True"
    # Peak RSS growth over the warmed-up process: buffering the object would
    # need over 200 MB; streaming stays at a few multipart parts.
    assert int(growth_mb) < 100, f"peak RSS grew {growth_mb} MB"
