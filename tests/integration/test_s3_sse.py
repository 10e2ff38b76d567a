"""Server-side encryption settings against the local S3 server (versitygw).

versitygw v1.8.0 (posix backend) accepts the SSE-S3 request header but does not
encrypt or report it, and answers NotImplemented to bucket encryption: what is
tested here is that every write carries the header and still works. Encryption
itself is the S3 server's (AWS S3, or MinIO with a KMS configured).
"""

import uuid

import pytest

from runtime.storage.s3 import S3ObjectStore

pytestmark = pytest.mark.integration


async def test_sse_s3_writes_carry_the_header_and_round_trip(stack, monkeypatch):
    store = S3ObjectStore(
        stack["MI_S3_ENDPOINT"],
        stack["MI_S3_ACCESS_KEY"],
        stack["MI_S3_SECRET_KEY"],
        bucket=f"sse-{uuid.uuid4().hex[:10]}",
        sse="s3",
    )
    await store.ensure_bucket()
    sse_by_object: dict[str, bool] = {}
    real = store.client._url_open

    def spy(method, region, **kwargs):
        name = kwargs.get("object_name")
        if method in ("PUT", "POST") and name:
            header = (kwargs.get("headers") or {}).get("X-Amz-Server-Side-Encryption") == "AES256"
            sse_by_object[name] = sse_by_object.get(name, False) or header
        return real(method, region, **kwargs)

    monkeypatch.setattr(store.client, "_url_open", spy)

    async def chunks():
        yield b"a" * 100
        yield b"b" * 100

    await store.put_bytes("sessions/s/answers/a/speech.json", b"{}", "application/json")
    await store.put_stream("sessions/s/answers/a/video.webm", chunks(), "video/webm")
    assert await store.get_bytes("sessions/s/answers/a/video.webm") == b"a" * 100 + b"b" * 100
    # The single PUT, and the multipart upload's initiation, ask for SSE-S3.
    assert sse_by_object == {"sessions/s/answers/a/speech.json": True, "sessions/s/answers/a/video.webm": True}
    await store.delete_prefix("sessions/")
