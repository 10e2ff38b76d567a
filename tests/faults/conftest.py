"""The distributed platform behind Toxiproxy, started once for the fault suite."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.faults.harness import Client, Processes, Toxiproxy
from tests.processes import free_port, wait_http

SERVICES = ("gateway", "questions", "media", "speech", "vision", "feedback")
FAULTS_ENV = ("MI_TOXIPROXY_URL", "MI_FAULTS_KAFKA_LISTEN", "MI_FAULTS_KAFKA_UPSTREAM")


@dataclass
class Distributed:
    toxi: Toxiproxy
    procs: Processes
    client: Client
    kafka: str
    metrics: dict[str, int]

    def wait_healthy(self, name: str, timeout: float = 120) -> None:
        port = self.metrics[name]
        wait_http(f"http://127.0.0.1:{port}/healthz", self.procs.procs[name], timeout)


@pytest.fixture(scope="session")
def clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A short spoken answer with a face: 2.5 s WebM, the same bytes for every upload."""
    from tests.fixtures import speech as fx
    from tests.fixtures.video import make_clip

    voice, _ = fx.build([("say", "I reproduce the bug, read the logs, then add a regression test")])
    path = tmp_path_factory.mktemp("clip") / "answer.webm"
    return make_clip(path, seconds=max(len(voice) / 16_000 + 0.3, 2.0), size=(480, 270), speech=voice).read_bytes()


@pytest.fixture(scope="module")
def distributed(stack: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Distributed]:
    missing = [k for k in FAULTS_ENV if k not in stack]
    if missing:
        pytest.fail(f"toxiproxy or Kafka's faults listener missing ({missing}): restart kafka, start toxiproxy")
    toxi = Toxiproxy(stack["MI_TOXIPROXY_URL"])
    toxi.reset()
    kafka = toxi.proxy("kafka", stack["MI_FAULTS_KAFKA_LISTEN"], stack["MI_FAULTS_KAFKA_UPSTREAM"])
    s3 = toxi.proxy("s3", "127.0.0.1:0", stack["MI_S3_ENDPOINT"])
    mongo_up = stack["MI_MONGO_URL"].removeprefix("mongodb://").rstrip("/")
    mongo = toxi.proxy("mongo", "127.0.0.1:0", mongo_up)
    logs = tmp_path_factory.mktemp("fault-logs")
    gateway_port = free_port()
    env = {
        **stack,
        "MI_KAFKA_BOOTSTRAP": kafka,
        "MI_S3_ENDPOINT": s3,
        "MI_MONGO_URL": f"mongodb://{mongo}/",
        "MI_S3_BUCKET": f"faults-{uuid.uuid4().hex[:10]}",
        "MI_MONGO_DB": f"faults_{uuid.uuid4().hex[:10]}",
        "MI_KAFKA_PARTITIONS": "2",
        "MI_PORT": str(gateway_port),
        "MI_RETRY_BACKOFF_S": "0.2",
        "MI_LOG_LEVEL": "INFO",
        "MI_OUTBOX_GRACE_S": "5",
        "MI_WATCHDOG_INTERVAL_S": "5",
    }
    procs = Processes(env, logs)
    metrics = {"gateway": gateway_port}
    for name in SERVICES:
        if name == "gateway":
            procs.start(name, ["service", name])
        else:
            metrics[name] = free_port()
            procs.start(
                name, ["service", name], {"MI_METRICS_PORT": str(metrics[name]), "MI_METRICS_HOST": "127.0.0.1"}
            )
    client = Client(f"http://127.0.0.1:{gateway_port}")
    platform = Distributed(toxi, procs, client, stack["MI_KAFKA_BOOTSTRAP"], metrics)
    try:
        for name in SERVICES:
            platform.wait_healthy(name, timeout=240)
        yield platform
    finally:
        toxi.reset()
        procs.stop_all()
        print(f"fault-suite logs in {logs}")
