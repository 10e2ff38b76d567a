"""Outages, a slow network and crashes with about ten answers in flight, on the real stack behind Toxiproxy.

Each scenario uploads 10 answers (2 sessions x 5 questions) and finishes both sessions, injects its fault while
they are being analysed, heals it, then counts answers lost, duplicated and stuck (tests/faults/harness.py).
Every count must be zero, and every answer must be scored. The counts go to artifacts/faults.json, from which
the README's fault table is made.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable

import httpx
import pytest

from schemas import topic_for
from schemas.events import AnswerScored, SessionCompleted
from tests.faults.conftest import Distributed
from tests.faults.harness import DEADLINE_S, Candidate, Outcome, duplicates_in, kafka_events, record, watch_answers

pytestmark = pytest.mark.integration
OUTAGE_S = 30.0


def start_answers(d: Distributed, clip: bytes, sessions: int = 2, per_session: int = 5) -> list[Candidate]:
    candidates = [d.client.new_session() for _ in range(sessions)]
    for c in candidates:
        d.client.wait_ready(c)
    for c in candidates:
        for qid in c.questions[:per_session]:
            res = d.client.upload(c, qid, clip)
            assert res.status_code == 202, res.text
        d.client.finish(c)
    return candidates


def in_flight(d: Distributed, candidates: list[Candidate]) -> int:
    n = 0
    for c in candidates:
        doc = d.client.session(c)
        n += sum(1 for aid in c.answers if doc["answers"][aid]["status"] not in ("scored", "failed"))
    return n


def conclude(
    d: Distributed,
    name: str,
    candidates: list[Candidate],
    flying: int,
    healed: float,
    note: str,
    within_s: float = DEADLINE_S,
) -> Outcome:
    status, recovery, stuck = watch_answers(d.client, candidates, healed, within_s)
    answers = {a for c in candidates for a in c.answers}
    events = kafka_events(d.kafka, [topic_for(AnswerScored), topic_for(SessionCompleted)])
    outcome = Outcome(
        scenario=name,
        in_flight=flying,
        scored=sum(1 for s in status.values() if s == "scored"),
        failed=sum(1 for s in status.values() if s == "failed"),
        lost=sum(1 for s in status.values() if s not in ("scored", "failed")),
        duplicated=duplicates_in(events, answers, {c.session_id for c in candidates}),
        stuck=stuck,
        recovery_s=round(recovery, 1),
        within_s=within_s,
        note=note,
    )
    record(outcome)
    assert (outcome.lost, outcome.duplicated, outcome.stuck, outcome.failed) == (0, 0, 0, 0), outcome
    assert outcome.scored == len(answers) == 10
    for c in candidates:
        assert d.client.session(c)["status"] == "completed"
    return outcome


def outage(d: Distributed, clip: bytes, name: str, proxy: str, probe: Callable[[], None], note: str) -> None:
    candidates = start_answers(d, clip)
    flying = in_flight(d, candidates)
    d.toxi.enable(proxy, False)
    try:
        time.sleep(2)
        probe()
        time.sleep(max(OUTAGE_S - 2 - 0, 0))
    finally:
        d.toxi.enable(proxy, True)
    conclude(d, name, candidates, flying, time.monotonic(), note)


def test_kafka_stopped(distributed: Distributed, clip: bytes):
    d = distributed
    late: list[tuple[int, float, str]] = []

    def probe() -> None:
        started = time.monotonic()
        res = d.client.http.post("/api/sessions", json={**_setup()})
        late.append((res.status_code, time.monotonic() - started, res.text))

    outage(
        d,
        clip,
        "Kafka stopped 30 s",
        "kafka",
        probe,
        "after Kafka is back",
    )
    status, took, body = late[0]
    assert status == 201 and took < 10, (status, took, body)
    created = json.loads(body)
    c = Candidate(created["session_id"], {"Authorization": f"Bearer {created['token']}"})
    d.client.wait_ready(c, timeout=DEADLINE_S)  # delivered once Kafka was back


def test_s3_unreachable(distributed: Distributed, clip: bytes):
    d = distributed
    extra = d.client.new_session()
    d.client.wait_ready(extra)
    refused: list[tuple[int, float]] = []

    def probe() -> None:
        started = time.monotonic()
        res = d.client.upload(extra, extra.questions[0], clip)
        refused.append((res.status_code, time.monotonic() - started))

    outage(
        d,
        clip,
        "S3 unreachable 30 s",
        "s3",
        probe,
        "after S3 is back",
    )
    assert refused[0][0] == 503 and refused[0][1] < 10, refused
    assert d.client.session(extra)["answers"] == {}


def test_mongodb_unreachable(distributed: Distributed, clip: bytes):
    d = distributed
    refused: list[tuple[int, float, str | None]] = []

    def probe() -> None:
        started = time.monotonic()
        res = d.client.http.post("/api/sessions", json=_setup())
        refused.append((res.status_code, time.monotonic() - started, res.headers.get("retry-after")))

    outage(
        d,
        clip,
        "MongoDB unreachable 30 s",
        "mongo",
        probe,
        "after MongoDB is back",
    )
    status, took, retry_after = refused[0]
    assert status == 503 and took < 5 and retry_after is not None, refused
    assert d.client.http.get("/readyz").status_code == 200


def test_latency_500ms_on_every_link(distributed: Distributed, clip: bytes):
    d = distributed
    for proxy in ("kafka", "s3", "mongo"):
        d.toxi.latency(proxy, 500)
    try:
        started = time.monotonic()
        candidates = start_answers(d, clip)
        flying = in_flight(d, candidates)
        # Every store call and every Kafka request pays the delay: the bound covers the whole run, not a recovery.
        note = "from the first request"
        conclude(d, "500 ms latency on every link", candidates, flying, started, note, within_s=2 * DEADLINE_S)
    finally:
        d.toxi.reset()


def _consumed(d: Distributed, name: str) -> float:
    try:
        text = httpx.get(f"http://127.0.0.1:{d.metrics[name]}/metrics", timeout=2).text
    except httpx.HTTPError:
        return 0.0
    pattern = r'^mi_events_consumed_total\{group="' + name + r'"[^}]*\} (\S+)'
    return sum(float(v) for v in re.findall(pattern, text, re.M))


def test_sigkill_each_service_mid_message(distributed: Distributed, clip: bytes):
    d = distributed
    candidates = start_answers(d, clip)
    flying = in_flight(d, candidates)
    for name in ("media", "speech", "vision", "feedback"):
        deadline = time.monotonic() + 20
        while _consumed(d, name) < 1 and time.monotonic() < deadline:
            time.sleep(0.1)  # kill it while it works on a message
        d.procs.restart(name)
    # The gateway between an upload's commit and its projection updates; questions while a session waits.
    late = d.client.new_session()
    d.procs.restart("questions")
    d.procs.restart("gateway")
    healed = time.monotonic()
    for name in ("questions", "gateway", "media", "speech", "vision", "feedback"):
        d.wait_healthy(name)
    d.client.wait_ready(late, timeout=DEADLINE_S)
    conclude(d, "SIGKILL of each service mid-message", candidates, flying, healed, "after the restarts")


def _setup() -> dict[str, object]:
    from tests.faults.harness import SETUP

    return dict(SETUP)
