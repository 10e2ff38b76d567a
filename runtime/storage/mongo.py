"""Results store on MongoDB (or FerretDB) through PyMongo's AsyncMongoClient.

FerretDB v1 runs findAndModify as query-then-write with no transaction, so
concurrent updates of one document lose writes (measured: 40 concurrent $inc
left 5-10). This adapter therefore serialises updates of a document within
the process; across processes only ``insert`` (unique ``_id``) is atomic on
FerretDB v1, and cross-process exactly-once logic must claim through it.
"""

from __future__ import annotations

import asyncio
import functools
import weakref
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

from pymongo import AsyncMongoClient, ReturnDocument
from pymongo.errors import ConnectionFailure, DuplicateKeyError, PyMongoError

from runtime.errors import Unavailable
from runtime.storage.documents import Doc, check_collection, check_update

P = ParamSpec("P")
R = TypeVar("R")


def _unavailable_on_outage(fn: Callable[P, Coroutine[Any, Any, R]]) -> Callable[P, Coroutine[Any, Any, R]]:
    """Turn "the server did not answer in time" into :class:`Unavailable`; other errors stay what they are."""

    @functools.wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await fn(*args, **kwargs)
        except PyMongoError as exc:
            if isinstance(exc, ConnectionFailure) or getattr(exc, "timeout", False):
                raise Unavailable("documents", repr(exc)[:300]) from exc
            raise

    return wrapper


class MongoDocumentStore:
    """Implements :class:`runtime.storage.documents.DocumentStore` on MongoDB."""

    def __init__(self, url: str, database: str, timeout_ms: int = 3_000) -> None:
        # Short, client-side timeouts (no server-side maxTimeMS, which FerretDB v1 handles unevenly): a store
        # that is down fails a call within about ``timeout_ms`` instead of hanging a request or a delivery.
        self.client: AsyncMongoClient[Doc] = AsyncMongoClient(
            url,
            serverSelectionTimeoutMS=timeout_ms,
            connectTimeoutMS=timeout_ms,
            socketTimeoutMS=max(timeout_ms * 3, 10_000),
            tz_aware=True,
        )
        self.db = self.client[database]
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def _lock(self, collection: str, doc_id: str) -> asyncio.Lock:
        key = f"{collection}/{doc_id}"
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock

    @_unavailable_on_outage
    async def ping(self) -> None:
        await self.client.admin.command("ping")

    async def close(self) -> None:
        await self.client.close()

    @_unavailable_on_outage
    async def get(self, collection: str, doc_id: str) -> Doc | None:
        return await self.db[check_collection(collection)].find_one({"_id": doc_id})

    @_unavailable_on_outage
    async def put(self, collection: str, doc_id: str, doc: Doc) -> None:
        await self.db[check_collection(collection)].replace_one({"_id": doc_id}, {**doc, "_id": doc_id}, upsert=True)

    @_unavailable_on_outage
    async def insert(self, collection: str, doc_id: str, doc: Doc) -> bool:
        try:
            await self.db[check_collection(collection)].insert_one({**doc, "_id": doc_id})
        except DuplicateKeyError:
            return False
        return True

    @_unavailable_on_outage
    async def update(self, collection: str, doc_id: str, update: Doc, upsert: bool = True) -> Doc | None:
        check_update(update)
        coll = self.db[check_collection(collection)]
        async with self._lock(collection, doc_id):
            try:
                return await coll.find_one_and_update(
                    {"_id": doc_id}, update, upsert=upsert, return_document=ReturnDocument.AFTER
                )
            except DuplicateKeyError:
                # Concurrent upserts of a new id from another process: one
                # inserted, this one lost the race; apply it as a plain update.
                return await coll.find_one_and_update(
                    {"_id": doc_id}, update, upsert=upsert, return_document=ReturnDocument.AFTER
                )

    @_unavailable_on_outage
    async def find(self, collection: str, where: Doc | None = None, limit: int = 1000) -> list[Doc]:
        cursor = self.db[check_collection(collection)].find(where or {}).limit(limit)
        return await cursor.to_list(length=limit)

    @_unavailable_on_outage
    async def delete(self, collection: str, where: Doc) -> int:
        result = await self.db[check_collection(collection)].delete_many(where)
        return result.deleted_count

    async def collections(self) -> list[str]:
        return sorted(await self.db.list_collection_names())
