"""End to end in headless Chromium, both modes: the candidate's journey (tests/e2e/flow.py)."""

from __future__ import annotations

import os
import uuid
from contextlib import ExitStack

import pytest

from tests.e2e.flow import Journey, run_journey
from tests.processes import free_port, mockinterview, wait_http

WORDS = {"pipelines", "reliable", "design", "carefully"}


def check(j: Journey) -> None:
    assert j.answers == 2
    overall = j.overall.split()[0]
    assert overall.isdigit() and 0 < int(overall) <= 100, j.overall
    spoken = {w.strip(".,").lower() for w in j.transcripts.split()}
    assert spoken & WORDS, j.transcripts


@pytest.mark.timeout(900)
def test_candidate_journey_in_the_embedded_mode(browser, tmp_path):
    port = free_port()
    with mockinterview("up", "--port", str(port), "--data-dir", str(tmp_path / "data"), log=tmp_path / "up.log") as p:
        wait_http(f"http://127.0.0.1:{port}/healthz", p, timeout=120)
        context = browser.new_context()
        check(run_journey(context, f"http://127.0.0.1:{port}/", "embedded"))
        context.close()


@pytest.mark.integration
@pytest.mark.timeout(900)
def test_candidate_journey_in_the_distributed_mode(browser, stack, tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    env = {
        **stack,
        "MI_S3_BUCKET": f"e2e-{uuid.uuid4().hex[:8]}",
        "MI_MONGO_DB": f"e2e_{uuid.uuid4().hex[:8]}",
        "MI_PORT": str(port),
        "MI_METRICS_HOST": "127.0.0.1",
        "MI_LOG_JSON": "true",
    }
    names = ("gateway", "questions", "media", "vision", "speech", "feedback")
    with ExitStack() as procs:
        started = {}
        for name in names:
            extra = {} if name == "gateway" else {"MI_METRICS_PORT": str(free_port())}
            started[name] = (
                procs.enter_context(mockinterview("service", name, env={**env, **extra}, log=tmp_path / f"{name}.log")),
                extra,
            )
        wait_http(f"http://127.0.0.1:{port}/healthz", started["gateway"][0], timeout=120)
        for name in names[1:]:
            proc, extra = started[name]
            wait_http(f"http://127.0.0.1:{extra['MI_METRICS_PORT']}/healthz", proc, timeout=180)
        context = browser.new_context()
        check(run_journey(context, base, "distributed"))
        context.close()
    assert os.path.exists(tmp_path / "vision.log")
