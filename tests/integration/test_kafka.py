"""The bus on real Kafka: flow, redelivery after a crash, DLQ, external clients."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import jsonschema
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from runtime.bus.dispatch import RetryPolicy
from runtime.bus.kafka import KafkaBus
from runtime.bus.port import Subscription
from runtime.bus.processed import DocumentProcessedLog
from schemas import QuestionsGenerated, SessionRequested, dlq_for, topic_for
from services.questions.adapters.bank import QuestionBank
from services.questions.handlers import generate_questions
from tests.factories import session_requested

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.1)


async def test_two_stage_flow_through_kafka(kafka, mongo):
    bus = KafkaBus(kafka, client_id="it-flow", processed=DocumentProcessedLog(mongo))
    bank = QuestionBank.load()
    request = session_requested()
    got: list[QuestionsGenerated] = []

    async def questions(event: SessionRequested):
        return await generate_questions(event, bank, 3)

    async def sink(event: QuestionsGenerated):
        if event.sessionid == request.sessionid:
            got.append(event)

    bus.subscribe(Subscription(SessionRequested, unique("questions"), questions))
    bus.subscribe(Subscription(QuestionsGenerated, unique("sink"), sink))
    await bus.start()
    try:
        await bus.publish(request)
        await wait_for(lambda: got)
    finally:
        await bus.stop()
    [event] = got
    assert event.causationid == request.id and len(event.data.questions) == 5


async def test_consumer_killed_mid_message_is_redelivered(kafka, tmp_path):
    group = unique("crashy")
    request = session_requested()
    producer = KafkaBus(kafka, client_id="it-producer")
    await producer.start()
    await producer.publish(request)
    await producer.stop()

    marker = tmp_path / "marker"
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.kafka_worker", kafka, group, request.sessionid, str(marker)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        start_new_session=True,
    )
    try:
        await wait_for(marker.exists, timeout=90)
        assert marker.read_text() == request.id
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # no graceful close, no commit
        worker.wait(timeout=10)

    redelivered: list[str] = []

    async def handle(event: SessionRequested) -> None:
        if event.sessionid == request.sessionid:
            redelivered.append(event.id)

    bus = KafkaBus(kafka, client_id="it-survivor", session_timeout_ms=6000)
    bus.subscribe(Subscription(SessionRequested, group, handle))
    await bus.start()
    try:
        await wait_for(lambda: redelivered, timeout=90)
    finally:
        await bus.stop()
    assert redelivered[0] == request.id


async def read_topic(kafka: str, topic: str, match, timeout: float = 60.0):
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka,
        auto_offset_reset="earliest",
        group_id=unique("reader"),
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        async with asyncio.timeout(timeout):
            async for record in consumer:
                if match(record):
                    return record
    finally:
        await consumer.stop()
    return None


async def test_poison_message_ends_in_dlq_after_retries(kafka):
    group = unique("fragile")
    request = session_requested()
    tries: list[int] = []

    async def broken(event: SessionRequested) -> None:
        if event.sessionid == request.sessionid:
            tries.append(1)
            raise RuntimeError("model exploded")

    bus = KafkaBus(kafka, client_id="it-dlq", retry=RetryPolicy(attempts=3, backoff_s=0.05))
    bus.subscribe(Subscription(SessionRequested, group, broken))
    await bus.start()
    try:
        await bus.publish(request)
        # A message that is not even a valid event goes straight to the DLQ.
        producer = AIOKafkaProducer(bootstrap_servers=kafka)
        await producer.start()
        garbage = json.dumps({"garbage": request.sessionid}).encode()
        await producer.send_and_wait(topic_for(SessionRequested), garbage, key=b"x")
        await producer.stop()
        topic = topic_for(SessionRequested)
        letter = await read_topic(kafka, dlq_for(topic), lambda r: request.id.encode() in r.value)
        invalid = await read_topic(kafka, dlq_for(topic), lambda r: r.value == garbage)
    finally:
        await bus.stop()
    assert len(tries) == 3
    assert letter is not None and invalid is not None
    headers = {k: v.decode() for k, v in letter.headers}
    assert "model exploded" in headers["x-error"]
    assert headers["x-error-type"] == "RuntimeError"
    assert headers["x-attempts"] == "3"
    assert headers["x-original-topic"] == topic and headers["x-consumer-group"] == group
    assert letter.key == request.sessionid.encode()
    assert SessionRequested.model_validate_json(letter.value).id == request.id
    assert dict((k, v.decode()) for k, v in invalid.headers)["x-error-type"] == "ValidationError"
    assert invalid.key == b"x"


async def test_kcat_reads_an_event_that_matches_the_committed_schema(kafka):
    kcat = shutil.which("kcat")
    assert kcat, "kcat must be installed (deploy/local/stack.sh install does it)"
    request = session_requested()
    bus = KafkaBus(kafka, client_id="it-kcat")
    await bus.start()
    try:
        await bus.publish(request)
    finally:
        await bus.stop()
    topic = topic_for(SessionRequested)
    out = subprocess.run(
        [kcat, "-C", "-b", kafka, "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%k\t%s\n"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    lines = [line for line in out.splitlines() if request.id in line]
    assert len(lines) == 1
    key, value = lines[0].split("\t", 1)
    assert key == request.sessionid
    schema = json.loads((REPO / "schemas/json/session.requested.v1.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(json.loads(value))
    with pytest.raises(jsonschema.ValidationError):
        broken = json.loads(value)
        broken["data"]["duration_min"] = 20
        jsonschema.Draft202012Validator(schema).validate(broken)
