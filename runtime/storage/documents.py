"""Results-store port: JSON documents by collection and id.

Only what FerretDB v1 supports is used: no transactions, change streams or
$lookup. ``insert`` of a unique id is the one operation atomic across
processes on every backend, so exactly-once decisions (e.g. "this answer is
scored") are claims made by insert.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Protocol

Doc = dict[str, Any]

COLLECTION_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
UPDATE_OPERATORS = ("$set", "$setOnInsert", "$unset", "$inc", "$max", "$min", "$push", "$addToSet")


class DocumentStore(Protocol):
    """Documents keyed by ``_id`` within named collections."""

    async def get(self, collection: str, doc_id: str) -> Doc | None: ...

    async def put(self, collection: str, doc_id: str, doc: Doc) -> None:
        """Insert or replace the whole document."""
        ...

    async def insert(self, collection: str, doc_id: str, doc: Doc) -> bool:
        """Insert if absent; False when a document with that id exists.

        Atomic on every backend (a unique ``_id``): the primitive for claims.
        """
        ...

    async def update(self, collection: str, doc_id: str, update: Doc, upsert: bool = True) -> Doc | None:
        """Apply update operators (find-one-and-update); returns the document after it.

        Atomic per document within a process for every adapter, and across
        processes on SQLite and MongoDB, but not on FerretDB v1: where several
        processes race for exactly-once, claim with ``insert`` instead.
        """
        ...

    async def find(self, collection: str, where: Doc | None = None, limit: int = 1000) -> list[Doc]:
        """Documents whose (dotted) fields equal the values in ``where`` (or meet its
        ``QUERY_OPERATORS`` conditions)."""
        ...

    async def delete(self, collection: str, where: Doc) -> int: ...

    async def collections(self) -> list[str]:
        """Names of the collections that exist (erasure sweeps them all)."""
        ...


def check_collection(name: str) -> str:
    if not COLLECTION_NAME.match(name):
        raise ValueError(f"invalid collection name {name!r}")
    return name


def check_update(update: Doc) -> None:
    unknown = set(update) - set(UPDATE_OPERATORS)
    if unknown:
        raise ValueError(f"unsupported update operators: {sorted(unknown)}")


def get_path(doc: Doc, path: str) -> Any:
    cur: Any = doc
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def _parent(doc: Doc, path: str) -> tuple[Doc, str]:
    *parents, leaf = path.split(".")
    cur = doc
    for part in parents:
        cur = cur.setdefault(part, {})
        if not isinstance(cur, dict):
            raise ValueError(f"cannot traverse non-object at {part!r} in {path!r}")
    return cur, leaf


def apply_update(doc: Doc, update: Doc, inserted: bool) -> Doc:
    """Apply MongoDB update operators to a copy of ``doc`` (for stores without them)."""
    check_update(update)
    out = copy.deepcopy(doc)
    for op, fields in update.items():
        if op == "$setOnInsert" and not inserted:
            continue
        for path, value in fields.items():
            parent, leaf = _parent(out, path)
            current = parent.get(leaf)
            if op in ("$set", "$setOnInsert"):
                parent[leaf] = copy.deepcopy(value)
            elif op == "$unset":
                parent.pop(leaf, None)
            elif op == "$inc":
                parent[leaf] = (current or 0) + value
            elif op == "$max":
                parent[leaf] = value if current is None or value > current else current
            elif op == "$min":
                parent[leaf] = value if current is None or value < current else current
            elif op in ("$push", "$addToSet"):
                items = list(current or [])
                values = value["$each"] if isinstance(value, dict) and "$each" in value else [value]
                for v in values:
                    if op == "$push" or v not in items:
                        items.append(copy.deepcopy(v))
                parent[leaf] = items
    return out


QUERY_OPERATORS = ("$lt", "$lte", "$gt", "$gte", "$ne", "$in")


def _compare(value: Any, op: str, operand: Any) -> bool:
    if op == "$ne":
        return bool(value != operand)
    if op == "$in":
        return value in operand
    if value is None or type(value) is not type(operand):  # MongoDB compares within a type only
        return False
    return bool(
        {"$lt": value < operand, "$lte": value <= operand, "$gt": value > operand, "$gte": value >= operand}[op]
    )


def _matches_field(value: Any, cond: Any) -> bool:
    if isinstance(cond, dict) and cond and all(k in QUERY_OPERATORS for k in cond):
        return all(_compare(value, op, operand) for op, operand in cond.items())
    return bool(value == cond)


def matches(doc: Doc, where: Doc | None) -> bool:
    """MongoDB's filter semantics for what this port uses: equality of (dotted) fields and
    the comparison operators in ``QUERY_OPERATORS`` (``{"created_at": {"$lt": "2025-..."}}``)."""
    return all(_matches_field(get_path(doc, k), v) for k, v in (where or {}).items())
