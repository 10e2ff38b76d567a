"""Embedded document store: one SQLite file, a table per collection, JSON text.

Updates run inside ``BEGIN IMMEDIATE`` so concurrent writers (tasks or
processes) serialise and ``update`` stays atomic, as on MongoDB.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from runtime.storage.documents import Doc, apply_update, check_collection, matches


class SqliteDocumentStore:
    """Implements :class:`runtime.storage.documents.DocumentStore` on SQLite."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # created private; SQLite's -wal/-shm follow it
        os.chmod(path, 0o600)
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._lock = threading.Lock()
        self._tables: set[str] = set()
        # Its own thread: store calls never queue behind model inference in the default executor.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-docs")

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        # Under the lock: a worker thread still finishing a query must not see the connection vanish (segfault).
        with self._lock:
            self._conn.close()

    async def ping(self) -> None:
        """Readiness: the file answers a query."""
        await self._call(lambda: self._conn.execute("SELECT 1").fetchone())

    def _table(self, collection: str) -> str:
        name = check_collection(collection)
        if name not in self._tables:
            self._conn.execute(f'CREATE TABLE IF NOT EXISTS "{name}" (id TEXT PRIMARY KEY, doc TEXT NOT NULL)')
            # Lookups and erasure sweeps by session go through this index.
            self._conn.execute(f'CREATE INDEX IF NOT EXISTS "{name}_session" ON "{name}" ({_SESSION_ID})')
            self._tables.add(name)
        return f'"{name}"'

    def _run(self, fn: Any, *args: Any) -> Any:
        with self._lock:
            return fn(*args)

    async def _call(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._run, fn, *args)

    async def get(self, collection: str, doc_id: str) -> Doc | None:
        def get() -> Doc | None:
            row = self._conn.execute(f"SELECT doc FROM {self._table(collection)} WHERE id = ?", (doc_id,)).fetchone()
            return json.loads(row[0]) if row else None

        return await self._call(get)

    async def put(self, collection: str, doc_id: str, doc: Doc) -> None:
        body = json.dumps({**doc, "_id": doc_id})
        await self._call(
            lambda: self._conn.execute(
                f"INSERT OR REPLACE INTO {self._table(collection)} (id, doc) VALUES (?, ?)", (doc_id, body)
            ),
        )

    async def insert(self, collection: str, doc_id: str, doc: Doc) -> bool:
        body = json.dumps({**doc, "_id": doc_id})

        def insert() -> bool:
            cur = self._conn.execute(
                f"INSERT OR IGNORE INTO {self._table(collection)} (id, doc) VALUES (?, ?)", (doc_id, body)
            )
            return cur.rowcount == 1

        return await self._call(insert)

    async def update(self, collection: str, doc_id: str, update: Doc, upsert: bool = True) -> Doc | None:
        def update_one() -> Doc | None:
            table = self._table(collection)
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                row = self._conn.execute(f"SELECT doc FROM {table} WHERE id = ?", (doc_id,)).fetchone()
                if row is None and not upsert:
                    self._conn.execute("COMMIT")
                    return None
                current = json.loads(row[0]) if row else {"_id": doc_id}
                new = apply_update(current, update, inserted=row is None)
                self._conn.execute(f"INSERT OR REPLACE INTO {table} (id, doc) VALUES (?, ?)", (doc_id, json.dumps(new)))
                self._conn.execute("COMMIT")
                return new
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

        return await self._call(update_one)

    async def find(self, collection: str, where: Doc | None = None, limit: int = 1000) -> list[Doc]:
        def find() -> list[Doc]:
            clause, args = _prefilter(where)
            rows = self._conn.execute(
                f"SELECT doc FROM {self._table(collection)}{clause} ORDER BY rowid", args
            ).fetchall()
            docs = (json.loads(r[0]) for r in rows)
            return [d for d in docs if matches(d, where)][:limit]

        return await self._call(find)

    async def delete(self, collection: str, where: Doc) -> int:
        def delete() -> int:
            table = self._table(collection)
            clause, args = _prefilter(where)
            rows = self._conn.execute(f"SELECT id, doc FROM {table}{clause}", args).fetchall()
            ids = [(r[0],) for r in rows if matches(json.loads(r[1]), where)]
            self._conn.executemany(f"DELETE FROM {table} WHERE id = ?", ids)
            return len(ids)

        return await self._call(delete)

    async def collections(self) -> list[str]:
        def names() -> list[str]:
            rows = self._conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall()
            return [r[0] for r in rows]

        return await self._call(names)


_SESSION_ID = "json_extract(doc, '$.session_id')"
_PATH = re.compile(r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$")


def _prefilter(where: Doc | None) -> tuple[str, tuple[Any, ...]]:
    """A SQL WHERE narrowing rows by the string equalities in ``where`` (``matches`` still decides).

    Lets SQLite skip non-matching rows without parsing them in Python: an
    erasure sweep over a large collection is one scan in C, not a JSON parse per row.
    """
    parts: list[str] = []
    args: list[Any] = []
    for path, value in (where or {}).items():
        if not isinstance(value, str) or not _PATH.match(path):
            continue
        if path == "_id":
            parts.append("id = ?")
        elif path == "session_id":
            parts.append(f"{_SESSION_ID} = ?")  # literal, so the index applies
        else:
            parts.append("json_extract(doc, ?) = ?")
            args.append("$." + path)
        args.append(value)
    return (" WHERE " + " AND ".join(parts), tuple(args)) if parts else ("", ())
