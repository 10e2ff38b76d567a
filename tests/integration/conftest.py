"""Fixtures on the real local stack (the ``stack`` fixture lives in tests/conftest.py)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from runtime.settings import Mode
from runtime.storage.mongo import MongoDocumentStore
from runtime.storage.s3 import S3ObjectStore


async def start_groups_at_end(bootstrap: str, groups: dict[str, set[str]], partitions: int) -> None:
    """Commit fresh consumer groups at the current end of their topics.

    A new group otherwise starts at the earliest offset and first reads every event that earlier tests left
    on the shared topics (thousands after the fault suite: minutes of dedupe round trips on a busy machine).
    """
    from aiokafka import AIOKafkaConsumer, TopicPartition

    from runtime.bus.kafka import KafkaBus

    topics = set().union(*groups.values())
    await KafkaBus(bootstrap, client_id="test-offsets", partitions=partitions).ensure_topics(topics)
    for group, wanted in groups.items():
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
        await consumer.start()
        try:
            cluster = await consumer._client.fetch_all_metadata()
            parts = [TopicPartition(t, p) for t in wanted for p in sorted(cluster.partitions_for_topic(t) or ())]
            assert parts, f"no partitions for {wanted}"
            consumer.assign(parts)
            await consumer.commit(await consumer.end_offsets(parts))
        finally:
            await consumer.stop()


def distributed_overrides(stack: dict[str, str], name: str, suffix: str, **extra: Any) -> dict[str, Any]:
    """Platform settings of a distributed run on the local stack, in a bucket and database of its own."""
    return {
        "mode": Mode.distributed,
        "kafka_bootstrap": stack["MI_KAFKA_BOOTSTRAP"],
        "s3_endpoint": stack["MI_S3_ENDPOINT"],
        "s3_access_key": stack["MI_S3_ACCESS_KEY"],
        "s3_secret_key": stack["MI_S3_SECRET_KEY"],
        "s3_bucket": f"{name}-{suffix}",
        "mongo_url": stack["MI_MONGO_URL"],
        "mongo_db": f"{name}_{suffix}",
        "triton_url": stack["MI_TRITON_URL"],
        **extra,
    }


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
