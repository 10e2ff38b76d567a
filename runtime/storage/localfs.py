"""Object store on a local directory, for the embedded mode."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Iterator
from pathlib import Path

from runtime.storage.crypto import MAGIC, Cipher, private_dir
from runtime.storage.objects import CHUNK, ObjectInfo, ObjectNotFound, ObjectTooLarge

_META = ".meta.json"


class LocalObjectStore:
    """Implements :class:`runtime.storage.objects.ObjectStore` under ``root``.

    Files are 600 and folders 700. With a ``cipher`` every object is
    encrypted (``runtime/storage/crypto.py``); objects written before
    encryption was switched on stay readable.
    """

    def __init__(self, root: Path, cipher: Cipher | None = None) -> None:
        self.root = root
        self.cipher = cipher

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
        private_dir(path.parent)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
        size = 0
        seal = self.cipher.encryptor() if self.cipher is not None else None
        try:
            with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as fh:
                if seal is not None:
                    fh.write(seal.start())
                async for chunk in chunks:
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise ObjectTooLarge(max_bytes)
                    await asyncio.to_thread(fh.write, seal.update(chunk) if seal is not None else chunk)
                if seal is not None:
                    fh.write(seal.finish())
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        meta = path.with_name(path.name + _META)
        with os.fdopen(os.open(meta, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as fh:
            fh.write(json.dumps({"content_type": content_type}))
        return size

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        async def one() -> AsyncIterator[bytes]:
            yield data

        await self.put_stream(key, one(), content_type)

    def _encrypted(self, path: Path) -> bool:
        if self.cipher is None:
            return False
        with path.open("rb") as fh:
            return fh.read(len(MAGIC)) == MAGIC

    async def stream(self, key: str, start: int = 0, length: int | None = None) -> AsyncIterator[bytes]:
        path = self._path(key)
        if not path.is_file():
            raise ObjectNotFound(key)
        if self.cipher is not None and await asyncio.to_thread(self._encrypted, path):
            pieces = self.cipher.decrypt_range(path, start, length)
            while True:
                piece = await asyncio.to_thread(next, pieces, None)
                if piece is None:
                    return
                yield piece
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
        return ObjectInfo(key, await asyncio.to_thread(self._size, path), content_type)

    def _size(self, path: Path) -> int:
        size = path.stat().st_size
        if self.cipher is None or not self._encrypted(path):
            return size
        with path.open("rb") as fh:
            return self.cipher.plain_size(self.cipher.read_header(fh), size)

    def keys(self) -> Iterator[str]:
        """Every stored object's key (for re-encryption after a key rotation)."""
        base = self.root.resolve()
        for path in base.rglob("*"):
            if path.is_file() and _counts(path):
                yield path.relative_to(base).as_posix()

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
        try:
            entries = list(folder.iterdir())
        except FileNotFoundError:  # a concurrent sweep of the same session took it
            return 0
        for entry in entries:
            if not entry.name.startswith(partial):
                continue
            if entry.is_dir() and not entry.is_symlink():
                # os.walk, not rglob: a folder another sweep removes mid-walk is skipped, not an error.
                count += sum(_counts(Path(d, f)) for d, _, files in os.walk(entry) for f in files)
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
