"""`kill -9` of `mockinterview up` with ten answers being analysed, then a restart on the same data dir.

The durable embedded bus resumes every pending and in-flight delivery: every answer ends scored, once.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

from tests.faults.harness import (
    DEADLINE_S,
    Client,
    Outcome,
    Processes,
    duplicates_in,
    record,
    watch_answers,
)
from tests.processes import free_port, wait_http


def bus_events(data: Path) -> list[dict]:
    with sqlite3.connect(data / "bus.sqlite3") as db:
        rows = db.execute(
            "SELECT payload FROM messages "
            "WHERE event_type LIKE '%answer.scored' OR event_type LIKE '%session.completed'"
        ).fetchall()
    return [json.loads(r[0]) for r in rows]


def test_sigkill_and_restart_of_the_embedded_process(tmp_path: Path, clip: bytes):
    port = free_port()
    data = tmp_path / "data"
    procs = Processes({"MI_RETRY_BACKOFF_S": "0.2"}, tmp_path)
    args = ["up", "--port", str(port), "--data-dir", str(data)]
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/healthz", procs.start("up", args), timeout=240)
        client = Client(base)
        candidates = [client.new_session() for _ in range(2)]
        for c in candidates:
            client.wait_ready(c)
        for c in candidates:
            for qid in c.questions[:5]:
                assert client.upload(c, qid, clip).status_code == 202
            client.finish(c)
        statuses = [client.session(c)["answers"][a]["status"] for c in candidates for a in c.answers]
        flying = sum(1 for s in statuses if s not in ("scored", "failed"))
        procs.kill("up")  # mid-analysis: no drain, no shutdown hooks
        healed = time.monotonic()
        wait_http(f"{base}/healthz", procs.start("up", args), timeout=240)
        status, recovery, stuck = watch_answers(client, candidates, healed)
        answers = {a for c in candidates for a in c.answers}
        outcome = Outcome(
            scenario="SIGKILL + restart of the embedded process",
            in_flight=flying,
            scored=sum(1 for s in status.values() if s == "scored"),
            failed=sum(1 for s in status.values() if s == "failed"),
            lost=sum(1 for s in status.values() if s not in ("scored", "failed")),
            duplicated=duplicates_in(bus_events(data), answers, {c.session_id for c in candidates}),
            stuck=stuck,
            recovery_s=round(recovery, 1),
            note="after the restart",
        )
        record(outcome)
        assert flying >= 8, statuses  # the kill really hit answers in flight
        assert (outcome.lost, outcome.duplicated, outcome.stuck, outcome.failed) == (0, 0, 0, 0), outcome
        assert outcome.scored == 10 and recovery < DEADLINE_S
        for c in candidates:
            assert client.session(c)["status"] == "completed"
    finally:
        procs.stop_all()
