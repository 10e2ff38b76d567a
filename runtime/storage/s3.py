"""Object store on any S3 server (MinIO, versitygw, AWS) through the minio SDK.

The SDK is synchronous, so calls run in worker threads. Uploads stream through
a small bounded queue into multipart parts: memory stays at about one part
(``part_size``) however large the object is.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import queue
from collections.abc import AsyncIterable, AsyncIterator
from datetime import timedelta
from typing import Any

import urllib3
from minio import Minio
from minio.deleteobjects import DeleteObject
from minio.error import S3Error, ServerError
from minio.sse import Sse, SseKMS, SseS3

from runtime.errors import Unavailable
from runtime.storage.objects import CHUNK, ObjectInfo, ObjectNotFound, ObjectTooLarge

_END = object()


@contextlib.contextmanager
def _outage() -> Any:
    """Connection errors, timeouts and 5xx after the client's retries become :class:`Unavailable`."""
    try:
        yield
    except (urllib3.exceptions.HTTPError, ServerError, ConnectionError) as exc:
        raise Unavailable("objects", repr(exc)[:300]) from exc


class _QueueReader:
    """A blocking file-like ``read`` over chunks fed from the event loop."""

    def __init__(self) -> None:
        self.q: queue.Queue[Any] = queue.Queue(maxsize=4)
        self._buf = bytearray()
        self._done = False

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or len(self._buf) < size):
            item = self.q.get()
            if item is _END:
                self._done = True
            elif isinstance(item, BaseException):
                raise item
            else:
                self._buf += item
        n = len(self._buf) if size < 0 else min(size, len(self._buf))
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out


def server_side_encryption(mode: str, kms_key_id: str | None = None) -> Sse | None:
    """SSE for every write: ``s3`` (SSE-S3, AES256 with the server's keys), ``kms`` (SSE-KMS, needs TLS), ``none``."""
    if mode == "none":
        return None
    if mode == "s3":
        return SseS3()
    if mode == "kms":
        if not kms_key_id:
            raise ValueError("MI_S3_SSE=kms needs MI_S3_SSE_KMS_KEY_ID")
        return SseKMS(kms_key_id, {})
    raise ValueError(f"unknown MI_S3_SSE {mode!r}: none, s3 or kms")


class S3ObjectStore:
    """Implements :class:`runtime.storage.objects.ObjectStore` on an S3 bucket."""

    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        secure: bool = False,
        region: str = "us-east-1",
        part_size: int = 8 * 1024 * 1024,
        connect_timeout_s: float = 3.0,
        read_timeout_s: float = 30.0,
        sse: str = "none",
        sse_kms_key_id: str | None = None,
    ) -> None:
        # minio's default client waits minutes and retries 5 times; a store that is down must fail fast.
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=connect_timeout_s, read=read_timeout_s),
            maxsize=16,
            retries=urllib3.Retry(total=2, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
        )
        self.client = Minio(
            endpoint, access_key=access_key, secret_key=secret_key, secure=secure, region=region, http_client=http
        )
        self.bucket = bucket
        self.part_size = part_size
        self.sse = server_side_encryption(sse, sse_kms_key_id)

    async def ensure_bucket(self) -> None:
        """Create the bucket if it does not exist yet."""

        def make() -> None:
            if not self.client.bucket_exists(self.bucket):
                try:
                    self.client.make_bucket(self.bucket)
                except S3Error as exc:  # another instance won the race
                    if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                        raise

        with _outage():
            await asyncio.to_thread(make)

    async def ping(self, timeout_s: float) -> None:
        """Readiness: the bucket answers (one HEAD request)."""
        try:
            with _outage():
                await asyncio.wait_for(asyncio.to_thread(self.client.bucket_exists, self.bucket), timeout_s)
        except TimeoutError as exc:
            raise Unavailable("objects", f"no answer within {timeout_s} s") from exc

    async def put_stream(
        self, key: str, chunks: AsyncIterable[bytes], content_type: str, max_bytes: int | None = None
    ) -> int:
        reader = _QueueReader()
        upload = asyncio.create_task(
            asyncio.to_thread(
                self.client.put_object,
                self.bucket,
                key,
                reader,  # type: ignore[arg-type]  # minio only calls read()
                length=-1,
                part_size=self.part_size,
                content_type=content_type,
                sse=self.sse,
            )
        )
        size = 0

        async def feed(item: Any) -> bool:
            """Hand ``item`` to the upload thread; False if the upload already ended."""
            while not upload.done():
                try:
                    reader.q.put(item, timeout=0)  # never block the event loop
                    return True
                except queue.Full:
                    await asyncio.sleep(0.002)
            return False

        try:
            async for chunk in chunks:
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise ObjectTooLarge(max_bytes)
                if not await feed(chunk):
                    await upload  # raises the upload's own error
                    raise RuntimeError("upload ended before its input")
        except BaseException as exc:
            await feed(exc if isinstance(exc, Exception) else RuntimeError("upload cancelled"))
            upload_error: BaseException | None = None
            try:
                await upload
            except Exception as err:
                upload_error = err
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self._remove, key)
            if isinstance(upload_error, urllib3.exceptions.HTTPError | ServerError):
                raise Unavailable("objects", repr(upload_error)[:300]) from exc
            raise
        await feed(_END)
        with _outage():
            await upload
        return size

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        with _outage():
            await asyncio.to_thread(
                self.client.put_object,
                self.bucket,
                key,
                io.BytesIO(data),
                len(data),
                content_type=content_type,
                sse=self.sse,
            )

    async def stream(self, key: str, start: int = 0, length: int | None = None) -> AsyncIterator[bytes]:
        try:
            with _outage():
                resp = await asyncio.to_thread(
                    self.client.get_object, self.bucket, key, offset=start, length=length or 0
                )
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchBucket"):
                raise ObjectNotFound(key) from exc
            raise
        try:
            it = resp.stream(CHUNK)
            while True:
                with _outage():
                    chunk = await asyncio.to_thread(next, it, None)
                if chunk is None:
                    break
                yield chunk
        finally:
            resp.close()
            resp.release_conn()

    async def get_bytes(self, key: str) -> bytes:
        return b"".join([c async for c in self.stream(key)])

    async def stat(self, key: str) -> ObjectInfo:
        try:
            with _outage():
                st = await asyncio.to_thread(self.client.stat_object, self.bucket, key)
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchBucket", "NoSuchObject"):
                raise ObjectNotFound(key) from exc
            raise
        return ObjectInfo(key, st.size or 0, st.content_type or "application/octet-stream")

    async def delete_prefix(self, prefix: str) -> int:
        def delete() -> int:
            keys = [
                DeleteObject(o.object_name)
                for o in self.client.list_objects(self.bucket, prefix=prefix, recursive=True)
                if o.object_name
            ]
            errors = list(self.client.remove_objects(self.bucket, keys)) if keys else []
            if errors:
                raise RuntimeError(f"could not delete {len(errors)} objects under {prefix!r}: {errors[0]}")
            return len(keys)

        with _outage():
            return await asyncio.to_thread(delete)

    async def presign_get(self, key: str, expires_s: int = 3600) -> str | None:
        return await asyncio.to_thread(
            self.client.presigned_get_object, self.bucket, key, expires=timedelta(seconds=expires_s)
        )

    def _remove(self, key: str) -> None:
        with contextlib.suppress(S3Error):
            self.client.remove_object(self.bucket, key)
