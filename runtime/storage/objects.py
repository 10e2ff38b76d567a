"""Object-store port: videos, audio, frames and reports, addressed by key."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import Protocol

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    content_type: str


class ObjectNotFound(KeyError):
    """No object at that key."""


class ObjectStore(Protocol):
    """Streams bytes in and out without holding whole objects in memory."""

    async def put_stream(
        self, key: str, chunks: AsyncIterable[bytes], content_type: str, max_bytes: int | None = None
    ) -> int:
        """Store a stream; returns its size. Raises ``ObjectTooLarge`` past ``max_bytes``."""
        ...

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None: ...

    def stream(self, key: str, start: int = 0, length: int | None = None) -> AsyncIterator[bytes]:
        """Yield the object's bytes (optionally a byte range) in chunks."""
        ...

    async def get_bytes(self, key: str) -> bytes: ...

    async def stat(self, key: str) -> ObjectInfo: ...

    async def delete_prefix(self, prefix: str) -> int:
        """Delete every object under ``prefix``; returns how many."""
        ...

    async def presign_get(self, key: str, expires_s: int = 3600) -> str | None:
        """A time-limited URL for direct download, or None if the store has none."""
        ...


class ObjectTooLarge(ValueError):
    """The stream exceeded the size limit; nothing was kept."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"object exceeds the {limit}-byte limit")
        self.limit = limit
