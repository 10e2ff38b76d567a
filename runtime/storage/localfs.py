"""Object store on a local directory, for the embedded mode."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path

from runtime.storage.objects import CHUNK, ObjectInfo, ObjectNotFound, ObjectTooLarge

_META = ".meta.json"


class LocalObjectStore:
    """Implements :class:`runtime.storage.objects.ObjectStore` under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    async def ping(self) -> None:
        """Readiness: the directory exists (or can be made) and is writable."""
        from runtime.errors import Unavailable

        def check() -> None:
            self.root.mkdir(parents=True, exist_ok=True)
            if not os.access(self.root, os.W_OK):
                raise Unavailable("objects", f"{self.root} is not writable")

        await asyncio.to_thread(check)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not key or key.startswith("/") or not path.is_relative_to(self.root.resolve()):
            raise ValueError(f"invalid object key {key!r}")
        return path

    async def put_stream(
        self, key: str, chunks: AsyncIterable[bytes], content_type: str, max_bytes: int | None = None
    ) -> int:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
        size = 0
        try:
            with tmp.open("wb") as fh:
                async for chunk in chunks:
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise ObjectTooLarge(max_bytes)
                    await asyncio.to_thread(fh.write, chunk)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        path.with_name(path.name + _META).write_text(json.dumps({"content_type": content_type}))
        return size

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        async def one() -> AsyncIterator[bytes]:
            yield data

        await self.put_stream(key, one(), content_type)

    async def stream(self, key: str, start: int = 0, length: int | None = None) -> AsyncIterator[bytes]:
        path = self._path(key)
        if not path.is_file():
            raise ObjectNotFound(key)
        remaining = length if length is not None else path.stat().st_size - start
        with path.open("rb") as fh:
            fh.seek(start)
            while remaining > 0:
                chunk = await asyncio.to_thread(fh.read, min(CHUNK, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
                yield chunk

    async def get_bytes(self, key: str) -> bytes:
        return b"".join([c async for c in self.stream(key)])

    async def stat(self, key: str) -> ObjectInfo:
        path = self._path(key)
        if not path.is_file():
            raise ObjectNotFound(key)
        meta = path.with_name(path.name + _META)
        content_type = json.loads(meta.read_text())["content_type"] if meta.exists() else "application/octet-stream"
        return ObjectInfo(key, path.stat().st_size, content_type)

    async def delete_prefix(self, prefix: str) -> int:
        """Delete under ``prefix``, walking only the folder the prefix names (never the whole store)."""
        return await asyncio.to_thread(self._delete_prefix, prefix)

    def _delete_prefix(self, prefix: str) -> int:
        base = self.root.resolve()
        head, _, partial = prefix.rpartition("/")
        folder = (base / head).resolve() if head else base
        if not folder.is_relative_to(base) or not folder.is_dir():
            return 0
        count = 0
        for entry in list(folder.iterdir()):
            if not entry.name.startswith(partial):
                continue
            if entry.is_dir() and not entry.is_symlink():
                count += sum(1 for p in entry.rglob("*") if p.is_file() and _counts(p))
                shutil.rmtree(entry, ignore_errors=True)
            else:
                count += _counts(entry)
                entry.unlink(missing_ok=True)
        # A prefix naming a folder ("sessions/<id>/") takes the folder, and parents it leaves empty, with it.
        while folder != base and not partial:
            try:
                folder.rmdir()
            except OSError:  # not empty (or already gone): stop pruning
                break
            folder = folder.parent
        return count

    async def presign_get(self, key: str, expires_s: int = 3600) -> str | None:
        return None  # served through the gateway instead


def _counts(path: Path) -> int:
    """1 for a stored object, 0 for its metadata or a partial upload."""
    return 0 if path.name.endswith((_META, ".part")) else 1
