"""Integration tests run against the real local stack (deploy/local/stack.sh).

Settings come from MI_* variables or the stack's ``.stack/stack.env``. Without
them the tests are skipped locally, but fail under CI: CI must never skip them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from runtime.storage.mongo import MongoDocumentStore
from runtime.storage.s3 import S3ObjectStore

REPO = Path(__file__).resolve().parents[2]
REQUIRED = ("MI_KAFKA_BOOTSTRAP", "MI_S3_ENDPOINT", "MI_MONGO_URL", "MI_TRITON_URL")


def _stack_env() -> dict[str, str]:
    env: dict[str, str] = {}
    path = Path(os.environ.get("MI_STACK_STATE", REPO / ".stack")) / "stack.env"
    if path.exists():
        for line in path.read_text().splitlines():
            key, _, value = line.partition("=")
            if key:
                env[key] = value
    env.update({k: v for k, v in os.environ.items() if k.startswith("MI_")})
    return env


@pytest.fixture(scope="session")
def stack() -> dict[str, str]:
    env = _stack_env()
    missing = [k for k in REQUIRED if k not in env]
    if missing:
        message = f"local stack not running (missing {missing}); run deploy/local/stack.sh start"
        if os.environ.get("CI") or os.environ.get("MI_REQUIRE_STACK"):
            pytest.fail(message)
        pytest.skip(message)
    return env


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
