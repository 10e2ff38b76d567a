"""Builds the bus and storage adapters for the configured mode."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from runtime.bus.dispatch import RetryPolicy
from runtime.bus.port import Bus
from runtime.bus.processed import DocumentProcessedLog
from runtime.erasure import Erasure, GuardedObjectStore
from runtime.errors import Unavailable
from runtime.settings import Mode, PlatformSettings
from runtime.storage.documents import DocumentStore
from runtime.storage.objects import ObjectStore

ReadyCheck = Callable[[], Awaitable[None]]
"""Returns when a dependency answered; raises (``Unavailable``) when it did not."""


@dataclass
class Infrastructure:
    """The ports every service receives, and how to check each dependency for /readyz."""

    bus: Bus
    objects: ObjectStore
    documents: DocumentStore
    checks: dict[str, ReadyCheck] = field(default_factory=dict)
    erasure: Erasure | None = None
    """Tombstones and sweeps; the bus and ``objects`` already honour them."""


def _timed(name: str, timeout_s: float, probe: Callable[[], Awaitable[object]]) -> ReadyCheck:
    async def check() -> None:
        try:
            await asyncio.wait_for(probe(), timeout_s)
        except TimeoutError as exc:
            raise Unavailable(name, f"no answer within {timeout_s} s") from exc

    return check


@asynccontextmanager
async def open_infrastructure(settings: PlatformSettings, client_id: str) -> AsyncIterator[Infrastructure]:
    """Embedded: durable SQLite bus, local files, SQLite. Distributed: Kafka, S3, MongoDB."""
    retry = RetryPolicy(settings.retry_attempts, settings.retry_backoff_s)
    timeout = settings.ready_timeout_s
    if settings.mode is Mode.embedded:
        from runtime.bus.sqlite import SqliteBus
        from runtime.storage.crypto import Cipher, Keyring, private_dir, private_file
        from runtime.storage.localfs import LocalObjectStore
        from runtime.storage.sqlite import SqliteDocumentStore

        private_dir(settings.data_dir)
        cipher = Cipher(Keyring.open(settings.data_key_file, settings.data_dir)) if settings.encrypt_at_rest else None
        documents = SqliteDocumentStore(settings.data_dir / "documents.sqlite3")
        objects = LocalObjectStore(settings.data_dir / "objects", cipher)
        erasure = Erasure(documents, objects)
        private_file(settings.data_dir / "bus.sqlite3")  # it holds event payloads: owner only
        bus = SqliteBus(
            settings.data_dir / "bus.sqlite3",
            DocumentProcessedLog(documents),
            retry,
            shutdown_grace_s=settings.shutdown_grace_s,
            retention_s=settings.bus_retention_h * 3600,
            unavailable_wait_s=settings.unavailable_wait_s,
            erasure=erasure,
        )
        erasure.also(bus.forget)  # the bus log keeps event payloads (transcripts) until its retention
        checks = {
            "bus": _timed("bus", timeout, bus.ping),
            "objects": _timed("objects", timeout, objects.ping),
            "documents": _timed("documents", timeout, documents.ping),
        }
        try:
            yield Infrastructure(bus, GuardedObjectStore(objects, erasure), documents, checks, erasure)
        finally:
            bus.close()
            documents.close()
        return

    from runtime.bus.kafka import KafkaBus
    from runtime.storage.mongo import MongoDocumentStore
    from runtime.storage.s3 import S3ObjectStore

    mongo = MongoDocumentStore(
        settings.mongo_url.get_secret_value(), settings.mongo_db, timeout_ms=int(settings.documents_timeout_s * 1000)
    )
    s3 = S3ObjectStore(
        settings.s3_endpoint,
        settings.s3_access_key,
        settings.s3_secret_key.get_secret_value(),
        settings.s3_bucket,
        secure=settings.s3_secure,
        region=settings.s3_region,
        connect_timeout_s=settings.objects_timeout_s,
        read_timeout_s=settings.objects_read_timeout_s,
        sse=settings.s3_sse,
        sse_kms_key_id=settings.s3_sse_kms_key_id,
    )
    erasure = Erasure(mongo, s3)
    try:
        await mongo.ping()
        await s3.ensure_bucket()
        kafka = KafkaBus(
            settings.kafka_bootstrap,
            client_id=client_id,
            processed=DocumentProcessedLog(mongo),
            retry=retry,
            partitions=settings.kafka_partitions,
            session_timeout_ms=settings.kafka_session_timeout_ms,
            publish_timeout_s=settings.publish_timeout_s,
            unavailable_wait_s=settings.unavailable_wait_s,
            erasure=erasure,
        )
        checks = {
            "bus": lambda: kafka.ping(timeout),
            "objects": lambda: s3.ping(timeout),
            "documents": _timed("documents", timeout, mongo.ping),
        }
        yield Infrastructure(kafka, GuardedObjectStore(s3, erasure), mongo, checks, erasure)
    finally:
        await mongo.close()
