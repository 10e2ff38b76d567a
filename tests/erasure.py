"""What is left of a session in the stores: the check behind every erasure test."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from runtime.erasure import TOMBSTONES


def sqlite_leftovers(path: Path, sid: str) -> list[str]:
    """Rows of any table (tombstones aside) whose id or document mentions the session."""
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        found = []
        for table in tables:
            if table == TOMBSTONES:
                continue
            for row_id, doc in conn.execute(f'SELECT id, doc FROM "{table}"'):
                if sid in row_id or sid in doc:
                    found.append(f"{table}/{row_id}")
        return found
    finally:
        conn.close()


def bus_leftovers(path: Path, sid: str) -> list[str]:
    """Messages and dead letters of the embedded bus log that carry the session (SessionDeleted aside)."""
    from schemas import SessionDeleted

    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT seq, event_type, key, payload FROM messages").fetchall()
        found = [
            f"messages/{seq}:{etype}"
            for seq, etype, key, payload in rows
            if etype != SessionDeleted.TYPE and (sid.encode() in (key or b"") or sid.encode() in (payload or b""))
        ]
        dead = conn.execute("SELECT id, key, payload FROM dead_letters").fetchall()
        found += [f"dead_letters/{i}" for i, key, payload in dead if sid.encode() in (key or b"") + (payload or b"")]
        return found
    finally:
        conn.close()


def file_leftovers(root: Path, sid: str) -> list[str]:
    """Files or folders whose path names the session."""
    return [str(p.relative_to(root)) for p in root.rglob("*") if sid in str(p)] if root.exists() else []


async def mongo_leftovers(db: Any, sid: str) -> list[str]:
    """Documents of any collection (tombstones aside) that mention the session anywhere."""
    found = []
    for name in await db.list_collection_names():
        if name == TOMBSTONES:
            continue
        async for doc in db[name].find({}):
            if sid in repr(doc):
                found.append(f"{name}/{doc['_id']}")
    return found


def s3_leftovers(client: Any, bucket: str, sid: str) -> list[str]:
    return [o.object_name for o in client.list_objects(bucket, prefix="", recursive=True) if sid in o.object_name]
