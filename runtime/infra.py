"""Builds the bus and storage adapters for the configured mode."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from runtime.bus.dispatch import RetryPolicy
from runtime.bus.memory import InMemoryBus
from runtime.bus.port import Bus
from runtime.bus.processed import DocumentProcessedLog
from runtime.settings import Mode, PlatformSettings
from runtime.storage.documents import DocumentStore
from runtime.storage.objects import ObjectStore


@dataclass
class Infrastructure:
    """The ports every service receives."""

    bus: Bus
    objects: ObjectStore
    documents: DocumentStore


@asynccontextmanager
async def open_infrastructure(settings: PlatformSettings, client_id: str) -> AsyncIterator[Infrastructure]:
    """Embedded: in-process bus, local files, SQLite. Distributed: Kafka, S3, MongoDB."""
    retry = RetryPolicy(settings.retry_attempts, settings.retry_backoff_s)
    if settings.mode is Mode.embedded:
        from runtime.storage.localfs import LocalObjectStore
        from runtime.storage.sqlite import SqliteDocumentStore

        documents = SqliteDocumentStore(settings.data_dir / "documents.sqlite3")
        objects = LocalObjectStore(settings.data_dir / "objects")
        try:
            yield Infrastructure(InMemoryBus(DocumentProcessedLog(documents), retry), objects, documents)
        finally:
            documents.close()
        return

    from runtime.bus.kafka import KafkaBus
    from runtime.storage.mongo import MongoDocumentStore
    from runtime.storage.s3 import S3ObjectStore

    mongo = MongoDocumentStore(settings.mongo_url.get_secret_value(), settings.mongo_db)
    s3 = S3ObjectStore(
        settings.s3_endpoint,
        settings.s3_access_key,
        settings.s3_secret_key.get_secret_value(),
        settings.s3_bucket,
        secure=settings.s3_secure,
        region=settings.s3_region,
    )
    try:
        await mongo.ping()
        await s3.ensure_bucket()
        bus = KafkaBus(
            settings.kafka_bootstrap,
            client_id=client_id,
            processed=DocumentProcessedLog(mongo),
            retry=retry,
            partitions=settings.kafka_partitions,
            session_timeout_ms=settings.kafka_session_timeout_ms,
        )
        yield Infrastructure(bus, s3, mongo)
    finally:
        await mongo.close()
