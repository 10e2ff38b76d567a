"""A real Prometheus scrapes a service of the local stack: stage metrics appear, the DLQ alert fires."""

import json
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from schemas import SessionRequested, topic_for
from tests.processes import free_port, mockinterview, wait_http

pytestmark = pytest.mark.integration
RULES = Path(__file__).resolve().parents[2] / "deploy" / "prometheus" / "rules" / "mockinterview.yml"


async def test_stage_metrics_are_scraped_and_a_dead_letter_fires_the_alert(stack, tmp_path):
    prometheus = shutil.which("prometheus")
    if prometheus is None:
        pytest.fail("prometheus is required (Debian's prometheus package; deploy/local/stack.sh install)")
    metrics_port, prom_port = free_port(), free_port()
    env = {
        **stack,
        "MI_METRICS_PORT": str(metrics_port),
        "MI_METRICS_HOST": "127.0.0.1",
        "MI_MONGO_DB": f"prom_{uuid.uuid4().hex[:8]}",
        "MI_S3_BUCKET": f"prom-{uuid.uuid4().hex[:8]}",
    }
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        f"rule_files: ['{RULES}']\n"
        f"scrape_configs: [{{job_name: services, static_configs: [{{targets: ['127.0.0.1:{metrics_port}']}}]}}]\n"
    )
    with mockinterview("service", "questions", env=env, log=tmp_path / "questions.log") as svc:
        wait_http(f"http://127.0.0.1:{metrics_port}/healthz", svc, timeout=120)
        with (tmp_path / "prometheus.log").open("wb") as log:
            prom = subprocess.Popen(
                [
                    prometheus,
                    f"--config.file={config}",
                    f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                    f"--web.listen-address=127.0.0.1:{prom_port}",
                ],
                stdout=log,
                stderr=log,
            )
        try:
            base = f"http://127.0.0.1:{prom_port}/api/v1"
            wait_http(f"http://127.0.0.1:{prom_port}/-/ready", prom, timeout=60)
            # Publish only once Prometheus holds the DLQ series at 0: increase() needs the step from 0 to 1.
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                zero = httpx.get(f"{base}/query", params={"query": "mi_dlq_messages_total"}).json()["data"]["result"]
                if zero and zero[0]["value"][1] == "0":
                    break
                time.sleep(0.5)
            time.sleep(2)
            producer = AIOKafkaProducer(bootstrap_servers=stack["MI_KAFKA_BOOTSTRAP"])
            await producer.start()
            await producer.send_and_wait(topic_for(SessionRequested), b'{"not": "an event"}', key=b"poison")
            await producer.stop()
            firing, series, dlq = [], [], []
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and not firing:
                series = httpx.get(f"{base}/query", params={"query": "mi_events_consumed_total"}).json()["data"][
                    "result"
                ]
                dlq = httpx.get(f"{base}/query", params={"query": "mi_dlq_messages_total"}).json()["data"]["result"]
                alerts = httpx.get(f"{base}/alerts").json()["data"]["alerts"]
                firing = [a for a in alerts if a["labels"]["alertname"] == "MIDeadLetters" and a["state"] == "firing"]
                time.sleep(1)
        finally:
            prom.terminate()
            prom.wait(timeout=30)
    assert any(s["metric"].get("group") == "questions" for s in series), json.dumps(series)[:500]
    assert firing, ([d["value"] for d in dlq], (tmp_path / "questions.log").read_text()[-3000:])
    assert firing[0]["labels"]["topic"] == topic_for(SessionRequested)
