"""Fixtures on the real local stack (the ``stack`` fixture lives in tests/conftest.py)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from runtime.storage.mongo import MongoDocumentStore
from runtime.storage.s3 import S3ObjectStore


@pytest.fixture
def kafka(stack: dict[str, str]) -> str:
    return stack["MI_KAFKA_BOOTSTRAP"]


@pytest.fixture
async def s3(stack: dict[str, str]) -> AsyncIterator[S3ObjectStore]:
    store = S3ObjectStore(
        stack["MI_S3_ENDPOINT"],
        stack["MI_S3_ACCESS_KEY"],
        stack["MI_S3_SECRET_KEY"],
        bucket=f"test-{uuid.uuid4().hex[:12]}",
    )
    await store.ensure_bucket()
    yield store


@pytest.fixture
async def mongo(stack: dict[str, str]) -> AsyncIterator[MongoDocumentStore]:
    store = MongoDocumentStore(stack["MI_MONGO_URL"], f"test_{uuid.uuid4().hex[:12]}")
    await store.ping()
    yield store
    await store.client.drop_database(store.db.name)
    await store.close()
