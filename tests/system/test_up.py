"""`mockinterview up`: the embedded platform in one process, as a user starts it."""

import json
import os
import subprocess
import sys
import time

import httpx

from tests.processes import REPO, free_port, mockinterview, wait_http

WEBM = b"\x1a\x45\xdf\xa3" + b"\x00" * 4096

SETUP = {"role": "Product manager", "interview_type": "behavioral", "level": "entry", "duration_min": 15}


def test_up_serves_ui_health_and_a_whole_flow(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {"MI_PORT": str(port), "MI_DATA_DIR": str(tmp_path / "data")}  # settings, as a deployment sets them
    with mockinterview("up", env=env, log=tmp_path / "up.log") as proc:
        wait_http(f"{base}/healthz", proc)
        assert health(env).returncode == 0  # the images' probe finds the gateway from the same settings
        page = httpx.get(base + "/")
        assert page.status_code == 200 and "<title>Mock Interview</title>" in page.text
        assert httpx.get(base + "/app.js").status_code == 200
        created = httpx.post(base + "/api/sessions", json=SETUP)
        assert created.status_code == 201
        sid, token = created.json()["session_id"], created.json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        session = {}
        for _ in range(100):
            session = httpx.get(f"{base}/api/sessions/{sid}", headers=auth).json()
            if session["status"] == "ready":
                break
            time.sleep(0.1)
        assert len(session["questions"]) == 5
        assert {q["type"] for q in session["questions"]} <= {"behavioral", "situational"}
        qid = session["questions"][0]["question_id"]
        up = httpx.post(
            f"{base}/api/sessions/{sid}/questions/{qid}/answers",
            content=WEBM,
            headers={**auth, "Content-Type": "video/webm"},
        )
        assert up.status_code == 202
        with httpx.stream("GET", f"{base}/api/sessions/{sid}/events", headers=auth, timeout=10) as events:
            assert events.headers["content-type"].startswith("text/event-stream")
            first = next(line for line in events.iter_lines() if line.startswith("data: "))
        view = json.loads(first[6:])
        assert view["questions"] == 5 and up.json()["answer_id"] in view["answers"]
        metrics = httpx.get(base + "/metrics").text
        assert 'mi_events_published_total{topic="mi.session.requested.v1"}' in metrics
    assert health(env).returncode == 1  # stopped: unhealthy
    log = (tmp_path / "up.log").read_text()
    assert '"event": "event.handled"' in log  # structlog JSON lines with ids bound
    assert f'"session_id": "{sid}"' in log
    assert (tmp_path / "data" / "documents.sqlite3").exists()


def health(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mockinterview.cli", "health", "gateway", "--ready"],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
