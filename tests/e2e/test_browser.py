"""End to end in headless Chromium: set up, record two answers, finish, read the results. Both modes."""

import os
import uuid

import pytest

from tests.e2e.flow import run_interview
from tests.processes import free_port, mockinterview, wait_http

WORDS = {"pipelines", "reliable", "design", "carefully"}


def check(result: dict[str, str]) -> None:
    assert result["answers"] == "2"
    overall = result["overall"].split()[0]
    assert overall.isdigit() and 0 < int(overall) <= 100
    assert "cannot measure" not in result["categories"].split("\n")[1]  # content is measured
    spoken = {w.strip(".,").lower() for w in result["transcripts"].split()}
    assert spoken & WORDS, result["transcripts"]


def test_interview_in_the_embedded_mode(browser, tmp_path):
    port = free_port()
    with mockinterview("up", "--port", str(port), "--data-dir", str(tmp_path / "data"), log=tmp_path / "up.log") as p:
        wait_http(f"http://127.0.0.1:{port}/healthz", p, timeout=120)
        check(run_interview(browser, f"http://127.0.0.1:{port}/", "embedded"))


@pytest.mark.integration
def test_interview_in_the_distributed_mode(browser, stack, tmp_path):
    env = {
        **stack,
        "MI_S3_BUCKET": f"e2e-{uuid.uuid4().hex[:8]}",
        "MI_MONGO_DB": f"e2e_{uuid.uuid4().hex[:8]}",
        "MI_PORT": str(free_port()),
        "MI_METRICS_HOST": "127.0.0.1",
        "MI_LOG_JSON": "true",
    }
    names = ("gateway", "questions", "media", "vision", "speech", "feedback")
    from contextlib import ExitStack

    with ExitStack() as procs:
        started = {}
        for name in names:
            extra = {} if name == "gateway" else {"MI_METRICS_PORT": str(free_port())}
            started[name] = (
                procs.enter_context(mockinterview("service", name, env={**env, **extra}, log=tmp_path / f"{name}.log")),
                extra,
            )
        wait_http(f"http://127.0.0.1:{env['MI_PORT']}/healthz", started["gateway"][0], timeout=120)
        for name in names[1:]:
            proc, extra = started[name]
            wait_http(f"http://127.0.0.1:{extra['MI_METRICS_PORT']}/healthz", proc, timeout=180)
        check(run_interview(browser, f"http://127.0.0.1:{env['MI_PORT']}/", "distributed"))
    assert os.path.exists(tmp_path / "vision.log")
