"""Fault-injection harness: Toxiproxy in front of Kafka, S3 and MongoDB, services as processes, and the counts.

An answer is *lost* when it was accepted (202) but is neither scored nor failed
when the wait ends, *duplicated* when two different AnswerScored events exist
for its attempt (or two SessionCompleted for its session), *stuck* when it was
not scored or failed within ``DEADLINE_S`` of the fault's end.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.processes import REPO, free_port, wait_http

DEADLINE_S = 150.0
"""Every answer in flight must be scored (or failed) within this many seconds of the fault's end."""
SETUP = {"role": "Backend engineer", "interview_type": "technical", "level": "mid", "duration_min": 15}
RESULTS = REPO / "artifacts" / "faults.json"


# ------------------------------------------------------------------ toxiproxy
class Toxiproxy:
    """Minimal client of Toxiproxy's HTTP API."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=10)

    def proxy(self, name: str, listen: str, upstream: str) -> str:
        """(Re)create a proxy; returns the address it listens on."""
        self.http.delete(f"/proxies/{name}")
        res = self.http.post("/proxies", json={"name": name, "listen": listen, "upstream": upstream, "enabled": True})
        res.raise_for_status()
        return str(res.json()["listen"])

    def enable(self, name: str, on: bool) -> None:
        self.http.post(f"/proxies/{name}", json={"enabled": on}).raise_for_status()

    def latency(self, name: str, ms: int) -> None:
        """Delay every response by ``ms``: each round trip over the link takes ``ms`` longer."""
        body = {"name": "latency", "type": "latency", "stream": "downstream", "attributes": {"latency": ms}}
        self.http.post(f"/proxies/{name}/toxics", json=body).raise_for_status()

    def reset(self) -> None:
        """Every proxy enabled, every toxic removed."""
        self.http.post("/reset").raise_for_status()


# ------------------------------------------------------------------ processes
@dataclass
class Processes:
    """Platform processes started with ``mockinterview``; each can be SIGKILLed and restarted."""

    env: dict[str, str]
    logs: Path
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    args: dict[str, list[str]] = field(default_factory=dict)
    extra_env: dict[str, dict[str, str]] = field(default_factory=dict)
    starts: Counter[str] = field(default_factory=Counter)

    def start(self, name: str, args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        self.args[name], self.extra_env[name] = args, env or {}
        self.starts[name] += 1
        log = (self.logs / f"{name}.{self.starts[name]}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "mockinterview.cli", *args],
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO), **self.env, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs[name] = proc
        return proc

    def kill(self, name: str) -> None:
        """SIGKILL: no drain, no cleanup, as an OOM kill or a node failure."""
        proc = self.procs[name]
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def restart(self, name: str) -> subprocess.Popen[bytes]:
        self.kill(name)
        return self.start(name, self.args[name], self.extra_env[name])

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


# ------------------------------------------------------------------ candidates
@dataclass
class Candidate:
    session_id: str
    auth: dict[str, str]
    questions: list[str] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)


class Client:
    """A candidate's side of the API, synchronous."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = httpx.Client(base_url=base, timeout=30)

    def new_session(self) -> Candidate:
        res = self.http.post("/api/sessions", json=SETUP)
        res.raise_for_status()
        body = res.json()
        return Candidate(body["session_id"], {"Authorization": f"Bearer {body['token']}"})

    def session(self, c: Candidate) -> dict[str, Any]:
        res = self.http.get(f"/api/sessions/{c.session_id}", headers=c.auth)
        res.raise_for_status()
        return dict(res.json())

    def wait_ready(self, c: Candidate, timeout: float = 120) -> None:
        doc = poll(lambda: self.session(c), lambda d: d["status"] == "ready", timeout, "questions")
        c.questions = [q["question_id"] for q in doc["questions"]]

    def upload(self, c: Candidate, question_id: str, clip: bytes) -> httpx.Response:
        res = self.http.post(
            f"/api/sessions/{c.session_id}/questions/{question_id}/answers",
            content=clip,
            headers={**c.auth, "Content-Type": "video/webm"},
        )
        if res.status_code == 202:
            c.answers.append(res.json()["answer_id"])
        return res

    def finish(self, c: Candidate) -> None:
        self.http.post(f"/api/sessions/{c.session_id}/finish", headers=c.auth).raise_for_status()


def poll(read: Callable[[], Any], done: Callable[[Any], bool], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = read()
            if done(last):
                return last
        except httpx.HTTPError as exc:  # the gateway itself may be down in a scenario
            last = repr(exc)
        time.sleep(0.5)
    raise AssertionError(f"{what}: not done within {timeout} s; last: {str(last)[:500]}")


# ------------------------------------------------------------------ outcome
@dataclass
class Outcome:
    scenario: str
    in_flight: int
    scored: int
    failed: int
    lost: int
    duplicated: int
    stuck: int
    recovery_s: float
    within_s: float = DEADLINE_S
    note: str = ""

    def row(self) -> dict[str, Any]:
        return self.__dict__.copy()


def watch_answers(
    client: Client, candidates: list[Candidate], healed_at: float, deadline_s: float = DEADLINE_S
) -> tuple[dict[str, str], float, int]:
    """Poll until every answer is terminal and every session completed (or ``deadline_s`` + 30 s pass).

    Returns (final status per answer, seconds from ``healed_at`` to the last answer becoming terminal,
    answers not terminal within ``deadline_s`` of ``healed_at``).
    """
    status: dict[str, str] = {}
    terminal_at: dict[str, float] = {}
    end = healed_at + deadline_s + 30
    while time.monotonic() < end:
        complete = True
        for c in candidates:
            try:
                doc = client.session(c)
            except httpx.HTTPError:
                complete = False
                continue
            for aid in c.answers:
                st = doc["answers"].get(aid, {}).get("status", "missing")
                status[aid] = st
                if st in ("scored", "failed") and aid not in terminal_at:
                    terminal_at[aid] = time.monotonic()
            complete = complete and doc["status"] in ("completed", "failed")
        if complete and all(s in ("scored", "failed") for s in status.values()):
            break
        time.sleep(0.5)
    last = max(terminal_at.values(), default=healed_at)
    stuck = sum(1 for aid in status if terminal_at.get(aid, float("inf")) - healed_at > deadline_s)
    return status, max(last - healed_at, 0.0), stuck


def duplicates_in(events: list[dict[str, Any]], answers: set[str], sessions: set[str]) -> int:
    """Distinct AnswerScored ids beyond one per (answer, attempt), plus SessionCompleted beyond one per session."""
    scored: dict[tuple[str, int], set[str]] = {}
    completed: dict[str, set[str]] = {}
    for e in events:
        d = e["data"]
        if e["type"].endswith("answer.scored") and d["answer_id"] in answers:
            scored.setdefault((d["answer_id"], d["attempt"]), set()).add(e["id"])
        elif e["type"].endswith("session.completed") and d["session_id"] in sessions:
            completed.setdefault(d["session_id"], set()).add(e["id"])
    return sum(len(v) - 1 for v in scored.values()) + sum(len(v) - 1 for v in completed.values())


def kafka_events(bootstrap: str, topics: list[str]) -> list[dict[str, Any]]:
    """Every message on ``topics`` from the beginning, decoded."""
    from aiokafka import AIOKafkaConsumer

    async def read() -> list[dict[str, Any]]:
        consumer = AIOKafkaConsumer(*topics, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None)
        await consumer.start()
        out: list[dict[str, Any]] = []
        try:
            while True:
                batch = await consumer.getmany(timeout_ms=2000)
                if not batch:
                    break
                out += [json.loads(m.value) for records in batch.values() for m in records]
        finally:
            await consumer.stop()
        return out

    return asyncio.run(read())


def record(outcome: Outcome) -> None:
    """Add a scenario's counts to artifacts/faults.json (the README table is made from it)."""
    RESULTS.parent.mkdir(exist_ok=True)
    rows = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    rows[outcome.scenario] = outcome.row()
    RESULTS.write_text(json.dumps(rows, indent=2))


def table(rows: dict[str, dict[str, Any]]) -> str:
    """The README's fault table."""
    head = "| scenario | in flight | scored | failed | lost | duplicated | stuck | all scored (s) | bound (s) |\n"
    head += "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
    return head + "".join(
        f"| {r['scenario']} | {r['in_flight']} | {r['scored']} | {r['failed']} | {r['lost']} | "
        f"{r['duplicated']} | {r['stuck']} | {r['recovery_s']:.0f} {r['note']} | {r['within_s']:.0f} |\n"
        for r in rows.values()
    )


if __name__ == "__main__":
    print(table(json.loads(RESULTS.read_text())), end="")


@contextmanager
def timed(limit_s: float) -> Iterator[Callable[[], float]]:
    started = time.monotonic()
    yield lambda: time.monotonic() - started
    assert time.monotonic() - started < limit_s


__all__ = ["free_port", "wait_http"]
