"""Generates the committed contract files: JSON Schema per event and per report, AsyncAPI, and docs/scoring.md.

``mockinterview contract --check`` fails when the committed files drift from
the pydantic models (CI runs it through the test suite).
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI

from mockinterview import registry
from runtime.bus.memory import InMemoryBus
from runtime.infra import Infrastructure
from runtime.settings import Mode
from runtime.storage.localfs import LocalObjectStore
from runtime.storage.sqlite import SqliteDocumentStore
from schemas import ALL_EVENTS, ALL_REPORTS, SCHEMA_VERSION, Event, topic_for
from services.feedback import scoring_doc

SCHEMAS_DIR = Path(__file__).resolve().parent.parent / "schemas"
DOCS_DIR = SCHEMAS_DIR.parent / "docs"
SCHEMA_ID_BASE = "https://mockinterview.dev/schemas/"


def event_schemas() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema of each event (envelope + data)."""
    out: dict[str, dict[str, Any]] = {}
    for cls in ALL_EVENTS:
        name = f"{cls.TYPE.removeprefix('dev.mockinterview.')}.v{SCHEMA_VERSION}.schema.json"
        schema = cls.model_json_schema(mode="serialization")
        out[name] = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": SCHEMA_ID_BASE + name,
            "x-topic": topic_for(cls),
            **schema,
        }
    return out


def report_schemas() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema of each stored report and API response (``schemas.reports``)."""
    out: dict[str, dict[str, Any]] = {}
    for cls in ALL_REPORTS:
        kebab = re.sub(r"(?<!^)(?=[A-Z])", "-", cls.__name__).lower()
        name = f"report.{kebab}.v{SCHEMA_VERSION}.schema.json"
        out[name] = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": SCHEMA_ID_BASE + name,
            **cls.model_json_schema(mode="serialization"),
        }
    return out


def asyncapi_document() -> dict[str, Any]:
    """AsyncAPI 3.0 of every service's subscriptions and published events (FastStream)."""
    broker = KafkaBroker("kafka:9092")
    with tempfile.TemporaryDirectory() as tmp:
        docs = SqliteDocumentStore(Path(tmp) / "docs.sqlite3")
        infra = Infrastructure(InMemoryBus(), LocalObjectStore(Path(tmp)), docs)
        try:
            for name in registry.SERVICE_NAMES:
                _, service = registry.load(name).build(infra, mode=Mode.embedded, data_dir=Path(tmp))
                for sub in service.subscriptions:
                    _document_subscriber(broker, name, sub.event)
                for cls in service.produces:
                    broker.publisher(
                        topic_for(cls),
                        schema=cls,
                        title=f"{name}:{topic_for(cls)}:publish",
                        description=f"{name} publishes {cls.__name__} (key: session id).",
                    )
        finally:
            docs.close()
    spec = AsyncAPI(
        broker,
        title="Mock Interview events",
        version=f"{SCHEMA_VERSION}.0.0",
        description="Typed events between the Mock Interview services. Kafka key = session id; "
        "failed messages go to <topic>.dlq with x-error headers.",
        schema_version="3.0.0",
    )
    return json.loads(spec.to_specification().to_json())


def _document_subscriber(broker: KafkaBroker, group: str, cls: type[Event]) -> None:
    async def handler(event: cls) -> None:  # type: ignore[valid-type]
        """Documentation-only subscriber: FastStream reads the annotation."""

    handler.__annotations__["event"] = cls
    broker.subscriber(
        topic_for(cls),
        group_id=group,
        title=f"{group}:{topic_for(cls)}",
        description=f"Consumer group {group!r} handles {cls.__name__}.",
    )(handler)


def render() -> dict[Path, str]:
    files = {
        SCHEMAS_DIR / "json" / name: json.dumps(schema, indent=2, sort_keys=True) + "\n"
        for name, schema in (event_schemas() | report_schemas()).items()
    }
    files[SCHEMAS_DIR / "asyncapi.json"] = json.dumps(asyncapi_document(), indent=2, sort_keys=True) + "\n"
    files[DOCS_DIR / "scoring.md"] = scoring_doc.render()  # generated from the metric table
    return files


def drift() -> list[Path]:
    """Committed contract files that differ from what the models generate."""
    expected = render()
    stale = [p for p, text in expected.items() if not p.exists() or p.read_text() != text]
    extra = [p for p in (SCHEMAS_DIR / "json").glob("*.json") if p not in expected]
    return stale + extra


def write() -> list[Path]:
    (SCHEMAS_DIR / "json").mkdir(exist_ok=True)
    for p in (SCHEMAS_DIR / "json").glob("*.json"):
        p.unlink()
    files = render()
    for path, text in files.items():
        path.write_text(text)
    return sorted(files)
