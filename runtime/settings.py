"""Settings base class: every service's ``config.py`` subclasses it.

Read from ``MI_*`` environment variables (and an optional ``.env`` file).
Nothing reads the environment anywhere else.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

MAX_UPLOAD_BYTES = 100 * 1024 * 1024
"""Largest answer video, by default: the gateway refuses more and media re-checks (MI_MAX_UPLOAD_BYTES)."""


class Mode(StrEnum):
    embedded = "embedded"
    """One process, in-process bus, local files, SQLite document store."""
    distributed = "distributed"
    """Kafka, S3, MongoDB and Triton from the settings below."""


class PlatformSettings(BaseSettings):
    """Infrastructure settings shared by every service."""

    model_config = SettingsConfigDict(env_prefix="MI_", env_file=".env", extra="ignore")

    mode: Mode = Mode.embedded
    data_dir: Path = Field(default=Path(".data"), description="Embedded mode: files and documents.")
    encrypt_at_rest: bool = Field(
        default=True, description="Embedded mode: encrypt recordings and reports (AES-256-GCM) with the data key."
    )
    data_key_file: Path | None = Field(
        default=None,
        description="Embedded mode: keyring of the data key, outside data_dir "
        "(default ~/.config/mockinterview/data-keys.json, created on first run).",
    )

    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_partitions: int = Field(default=6, ge=1, description="Partitions for topics this app creates.")
    kafka_session_timeout_ms: int = 10_000

    s3_endpoint: str = "127.0.0.1:9000"
    s3_access_key: str = "minioadmin"
    s3_secret_key: SecretStr = SecretStr("minioadmin")
    s3_secure: bool = False
    s3_region: str = "us-east-1"
    s3_bucket: str = "mockinterview"
    s3_sse: Literal["none", "s3", "kms"] = Field(
        default="none",
        description="Server-side encryption of every object: s3 (SSE-S3), kms (SSE-KMS, needs TLS) or none.",
    )
    s3_sse_kms_key_id: str | None = Field(default=None, description="The KMS key for MI_S3_SSE=kms.")

    mongo_url: SecretStr = SecretStr("mongodb://127.0.0.1:27017/")
    mongo_db: str = "mockinterview"

    triton_url: str = "127.0.0.1:8001"

    llm_provider: Literal["none", "groq", "openai"] = Field(
        default="none",
        description="none: deterministic text; groq: GROQ_API_KEY; openai: any compatible URL.",
    )
    llm_base_url: str = "https://api.openai.com/v1"
    llm_model: str = "llama-3.3-70b-versatile"
    llm_api_key: SecretStr | None = Field(default=None, description="Falls back to GROQ_API_KEY for groq.")
    groq_api_key: SecretStr | None = Field(
        default=None, validation_alias="GROQ_API_KEY", description="Groq's own variable name, read as is."
    )
    llm_timeout_s: float = 60.0

    max_upload_bytes: int = Field(
        default=MAX_UPLOAD_BYTES, gt=0, description="Largest answer video: the gateway refuses more, media too."
    )

    retry_attempts: int = Field(default=4, ge=1, description="Handler tries before dead-lettering.")
    retry_backoff_s: float = Field(default=0.5, ge=0, description="First retry delay; doubles each try.")
    unavailable_wait_s: float = Field(
        default=60.0,
        gt=0,
        description="How long one delivery waits out a dependency outage before it is handed back for redelivery.",
    )

    publish_timeout_s: float = Field(default=5.0, gt=0, description="Longest wait for the bus to take one message.")
    documents_timeout_s: float = Field(default=3.0, gt=0, description="Document store: connect/select timeout.")
    objects_timeout_s: float = Field(default=3.0, gt=0, description="Object store: connect timeout.")
    objects_read_timeout_s: float = Field(default=30.0, gt=0, description="Object store: longest wait for bytes.")
    ready_timeout_s: float = Field(default=2.0, gt=0, description="/readyz: per-dependency check timeout.")

    outbox_poll_s: float = Field(default=2.0, gt=0, description="Outbox relay: how often pending entries are read.")
    outbox_grace_s: float = Field(
        default=10.0, ge=0, description="Outbox relay: age before another process's pending entry is taken over."
    )
    shutdown_grace_s: float = Field(
        default=20.0, ge=0, description="SIGTERM: how long in-flight deliveries may finish; the rest wait for restart."
    )
    bus_retention_h: float = Field(default=24.0, gt=0, description="Embedded bus: hours consumed messages are kept.")

    blas_threads: int = Field(
        default=1, ge=0, description="OpenBLAS threads (numpy); 0 leaves its default (one per core). runtime/tuning.py"
    )
    malloc_arena_max: int = Field(
        default=2, ge=0, description="glibc malloc arenas; 0 leaves its default (8 per core). runtime/tuning.py"
    )

    log_level: str = "INFO"
    log_json: bool = True
    metrics_port: int = Field(default=9400, description="Distributed mode: /metrics and /healthz port.")
    metrics_host: str = "0.0.0.0"
