"""Load test: N concurrent candidates create a session, upload short answers, finish, and wait for results.

    .venv/bin/python -m bench.load --mode embedded --candidates 50 --answers 1
    set -a; . .stack/stack.env; set +a
    .venv/bin/python -m bench.load --mode distributed --candidates 50 --answers 1

``embedded`` starts ``mockinterview up`` on a fresh data dir; ``distributed`` starts one process per service
against the local stack (fresh bucket and database). ``--base URL`` drives a platform that already runs.
Prints (and with ``--json`` writes) errors, p50/p95 latency per API call, and the time until every result is in.
Every candidate is an asyncio task with its own connection; polls are 1 s apart, as the web UI's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.processes import REPO, free_port, wait_http

SETUP = {"role": "Backend engineer", "interview_type": "technical", "level": "mid", "duration_min": 15}
SERVICES = ("gateway", "questions", "media", "speech", "vision", "feedback")


@dataclass
class Stats:
    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    done_at: list[float] = field(default_factory=list)
    scored: int = 0
    failed: int = 0
    failures: list[Any] = field(default_factory=list)

    def summary(self, started: float, candidates: int, answers: int) -> dict[str, Any]:
        def pct(values: list[float], q: float) -> float:
            ordered = sorted(values)
            return round(ordered[min(int(q * len(ordered)), len(ordered) - 1)] * 1000, 1) if ordered else 0.0

        return {
            "candidates": candidates,
            "answers": candidates * answers,
            "errors": len(self.errors),
            "error_samples": self.errors[:5],
            "scored": self.scored,
            "failed": self.failed,
            "failure_samples": self.failures[:5],
            "latency_ms": {
                k: {"n": len(v), "p50": pct(v, 0.5), "p95": pct(v, 0.95), "mean": round(statistics.mean(v) * 1000, 1)}
                for k, v in sorted(self.latency.items())
            },
            "all_results_s": round(max(self.done_at) - started, 1) if len(self.done_at) == candidates else None,
        }


async def call(stats: Stats, name: str, client: httpx.AsyncClient, method: str, url: str, **kw: Any) -> httpx.Response:
    started = time.monotonic()
    res = await client.request(method, url, **kw)
    stats.latency[name].append(time.monotonic() - started)
    if res.status_code >= 400:
        stats.errors.append(f"{name} {res.status_code} {res.text[:200]}")
        res.raise_for_status()
    return res


async def candidate(base: str, clip: bytes, answers: int, stats: Stats, timeout_s: float) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        try:
            body = (await call(stats, "create session", client, "POST", "/api/sessions", json=SETUP)).json()
            auth = {"Authorization": f"Bearer {body['token']}"}
            url = f"/api/sessions/{body['session_id']}"
            deadline = time.monotonic() + timeout_s
            while True:
                doc = (await call(stats, "read session", client, "GET", url, headers=auth)).json()
                if doc["status"] == "ready":
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError("questions not ready")
                await asyncio.sleep(1)
            for q in doc["questions"][:answers]:
                await call(
                    stats,
                    "upload answer",
                    client,
                    "POST",
                    f"{url}/questions/{q['question_id']}/answers",
                    content=clip,
                    headers={**auth, "Content-Type": "video/webm"},
                )
            await call(stats, "finish", client, "POST", f"{url}/finish", headers=auth)
            while True:
                doc = (await call(stats, "read session", client, "GET", url, headers=auth)).json()
                terminal = all(a["status"] in ("scored", "failed") for a in doc["answers"].values())
                if doc["status"] in ("completed", "failed") and terminal:
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError(f"results not in; status {doc['status']}")
                await asyncio.sleep(1)
            states = [a["status"] for a in doc["answers"].values()]
            stats.scored += states.count("scored")
            stats.failed += len(states) - states.count("scored")
            stats.failures += [a.get("error") for a in doc["answers"].values() if a["status"] != "scored"]
            stats.done_at.append(time.monotonic())
        except (httpx.HTTPError, TimeoutError, KeyError) as exc:
            stats.errors.append(repr(exc)[:200])


async def run(base: str, clip: bytes, candidates: int, answers: int, timeout_s: float) -> dict[str, Any]:
    stats = Stats()
    started = time.monotonic()
    await asyncio.gather(*(candidate(base, clip, answers, stats, timeout_s) for _ in range(candidates)))
    return stats.summary(started, candidates, answers)


def make_answer_clip(out: Path) -> bytes:
    from tests.fixtures import speech as fx
    from tests.fixtures.video import make_clip

    voice, _ = fx.build([("say", "I reproduce the bug, read the logs, then add a regression test")])
    return make_clip(out, seconds=max(len(voice) / 16_000 + 0.3, 2.0), size=(480, 270), speech=voice).read_bytes()


@contextmanager
def platform(mode: str, workdir: Path) -> Any:
    """Start the platform; yields the gateway's base URL."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO), "MI_LOG_LEVEL": "WARNING"}
    procs: list[subprocess.Popen[bytes]] = []

    def start(args: list[str], extra: dict[str, str], name: str) -> subprocess.Popen[bytes]:
        log = (workdir / f"{name}.log").open("wb")
        cmd = [sys.executable, "-m", "mockinterview.cli", *args]
        proc = subprocess.Popen(
            cmd, cwd=REPO, env={**env, **extra}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        procs.append(proc)
        return proc

    try:
        if mode == "embedded":
            proc = start(["up", "--port", str(port), "--data-dir", str(workdir / "data")], {}, "up")
            wait_http(f"http://127.0.0.1:{port}/readyz", proc, 300)
        else:
            shared = {
                "MI_PORT": str(port),
                "MI_S3_BUCKET": f"load-{uuid.uuid4().hex[:10]}",
                "MI_MONGO_DB": f"load_{uuid.uuid4().hex[:10]}",
            }
            ports = {}
            for name in SERVICES:
                extra = dict(shared)
                if name != "gateway":
                    ports[name] = free_port()
                    extra |= {"MI_METRICS_PORT": str(ports[name]), "MI_METRICS_HOST": "127.0.0.1"}
                start(["service", name], extra, name)
            wait_http(f"http://127.0.0.1:{port}/readyz", procs[0], 300)
            for i, name in enumerate(SERVICES[1:], start=1):
                wait_http(f"http://127.0.0.1:{ports[name]}/readyz", procs[i], 300)
        yield f"http://127.0.0.1:{port}"
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=("embedded", "distributed"), default="embedded")
    parser.add_argument("--base", help="Drive a platform already running at this URL.")
    parser.add_argument("--candidates", type=int, default=50)
    parser.add_argument("--answers", type=int, default=1, help="Answers each candidate uploads.")
    parser.add_argument("--timeout", type=float, default=900, help="Per candidate, seconds.")
    parser.add_argument("--json", type=Path, help="Also write the summary here.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mi-load-") as tmp:
        work = Path(tmp)
        clip = make_answer_clip(work / "answer.webm")
        if args.base:
            summary = asyncio.run(run(args.base, clip, args.candidates, args.answers, args.timeout))
        else:
            with platform(args.mode, work) as base:
                summary = asyncio.run(run(base, clip, args.candidates, args.answers, args.timeout))
    summary |= {"mode": "external" if args.base else args.mode, "load_average": os.getloadavg()}
    print(json.dumps(summary, indent=2))
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    if summary["errors"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
