"""The same services as separate processes on Kafka, S3 and FerretDB."""

import time
import uuid

import httpx
import pytest

from tests.processes import free_port, mockinterview, wait_http

pytestmark = pytest.mark.integration
WEBM = b"\x1a\x45\xdf\xa3" + b"\x00" * 4096

SETUP = {"role": "SRE", "interview_type": "technical", "level": "senior", "duration_min": 15}


def test_services_in_separate_processes_complete_the_flow(stack, tmp_path):
    env = {
        **stack,
        "MI_S3_BUCKET": f"dist-{uuid.uuid4().hex[:10]}",
        "MI_MONGO_DB": f"dist_{uuid.uuid4().hex[:10]}",
        "MI_PORT": str(free_port()),
        "MI_KAFKA_PARTITIONS": "3",
    }
    gateway = f"http://127.0.0.1:{env['MI_PORT']}"
    media_metrics = free_port()
    with (
        mockinterview("service", "gateway", env=env, log=tmp_path / "gateway.log") as gw,
        mockinterview(
            "service", "questions", env={**env, "MI_METRICS_PORT": str(free_port())}, log=tmp_path / "questions.log"
        ),
        mockinterview(
            "service",
            "media",
            env={**env, "MI_METRICS_PORT": str(media_metrics), "MI_METRICS_HOST": "127.0.0.1"},
            log=tmp_path / "media.log",
        ) as media,
    ):
        wait_http(f"{gateway}/healthz", gw)
        wait_http(f"http://127.0.0.1:{media_metrics}/healthz", media)
        created = httpx.post(gateway + "/api/sessions", json=SETUP).json()
        auth = {"Authorization": f"Bearer {created['token']}"}
        url = f"{gateway}/api/sessions/{created['session_id']}"

        def poll(check, timeout=90):
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                doc = httpx.get(url, headers=auth).json()
                if check(doc):
                    return doc
                time.sleep(0.3)
            raise AssertionError(f"timed out; last: {doc}")

        session = poll(lambda d: d["status"] == "ready")
        qid = session["questions"][0]["question_id"]
        answer = httpx.post(
            f"{url}/questions/{qid}/answers", content=WEBM, headers={**auth, "Content-Type": "video/webm"}
        ).json()
        session = poll(lambda d: d["answers"][answer["answer_id"]]["status"] == "failed")
        assert session["answers"][answer["answer_id"]]["error"]["stage"] == "media"
        assert session["answers"][answer["answer_id"]]["error"]["reason"] == "unreadable_container"
        metrics = httpx.get(f"http://127.0.0.1:{media_metrics}/metrics").text
        assert 'mi_events_consumed_total{group="media",topic="mi.answer.uploaded.v1"}' in metrics
        assert "mi_handler_duration_seconds_bucket" in metrics
