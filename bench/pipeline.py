"""Benchmark: recorded answers through the real platform, upload to scored, as a candidate and an operator see it.

    .venv/bin/python -m bench.pipeline embedded --answers 4 --concurrency 1   # one at a time: latency
    .venv/bin/python -m bench.pipeline embedded --answers 4 --concurrency 4   # back to back: throughput, memory
    .venv/bin/python -m bench.pipeline distributed --replicas 1 --answers 6   # local stack, 1 process per stage
    .venv/bin/python -m bench.pipeline distributed --replicas 2 --answers 6   # ... 2 processes per stage

Each answer is a generated recording like the web UI's (VP8 + Opus WebM from
MediaRecorder: 640x360, 30 fps, a keyframe every 100 frames) with spoken
English (espeak-ng) over a real face, ``--seconds`` long (180 by default).
The platform runs as a user runs it: ``mockinterview up`` (embedded) or one
``mockinterview service NAME`` process per stage and replica on the local
stack (``deploy/local/stack.sh start``; settings from ``.stack/stack.env``).

The benchmark creates one session per answer, waits for its questions,
uploads the answers (at most ``--concurrency`` in flight), polls each session
until the answer is scored, then finishes the sessions and waits for their
results. It reports

- upload accepted -> scored, p50 / p95 / mean, by its own clock (202 received to
  "scored" seen) and from the platform's SLO histogram ``mi_answer_scored_seconds``
  (mean = sum / count, exact; quantiles interpolated in buckets), and whether the
  two means agree within 10 %;
- answers per minute (first upload to last score) and the same in 3-minute
  answers; consumer lag per group, its peak and whether it drained;
- per process: CPU seconds during the run (from /proc, and Prometheus'
  ``process_cpu_seconds_total`` where the process exports it), peak RSS (VmHWM);
  the stack's servers too (Kafka, S3, FerretDB, Triton with its model stubs);
- per stage: handler seconds (``mi_handler_duration_seconds``) and, where one
  process runs one stage (distributed), CPU seconds per answer.

A warm-up answer (10 s) runs first so models that load on first use are loaded.
``--json PATH`` also writes every number. CPU seconds are the load-independent
numbers; wall-clock times on a shared machine are not (the report prints the
load average before and after).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

REPO = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("MI_BENCH_CACHE", Path.home() / ".cache" / "mockinterview" / "bench"))
SETUP = {"role": "Software engineer", "interview_type": "behavioral", "level": "mid", "duration_min": 15}
STAGES = ("media", "speech", "vision", "feedback")
TICKS = os.sysconf("SC_CLK_TCK")
POLL_S = 0.2
REBALANCE_WAIT_S = 20.0
"""Distributed: how long to wait out a consumer-group rebalance when the groups cannot be described."""
# One client creates every session and upload here: the per-client quotas (#16) would throttle the benchmark.
UNLIMITED = {
    "MI_SESSION_CREATES_PER_MINUTE": "100000",
    "MI_UPLOADS_PER_MINUTE": "100000",
    "MI_SESSIONS_PER_PROFILE_PER_DAY": "100000",
}


# ---------------------------------------------------------------- recordings
def clip(seconds: float, size: tuple[int, int] = (640, 360), seed: int = 0) -> Path:
    """A cached answer recording: espeak-ng speech with fillers and pauses, a real face, MediaRecorder-like WebM."""
    from tests.fixtures import speech as fx
    from tests.fixtures.video import make_clip

    path = CACHE / f"answer-{seconds:g}s-{size[0]}x{size[1]}-{seed}.webm"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    import numpy as np

    parts, total, i = [], 0, 0
    while total < seconds * fx.RATE:
        voice, rate = fx.VOICES[(seed + i) % len(fx.VOICES)]
        samples, _ = fx.build(fx.random_script(seed * 100 + i, sentences=4), voice, rate)
        parts.append(samples)
        total += len(samples)
        i += 1
    speech = np.concatenate(parts)[: int(seconds * fx.RATE)]
    tmp = path.with_suffix(".tmp.webm")
    make_clip(tmp, seconds=seconds, size=size, speech=speech)
    tmp.rename(path)
    return path


# ---------------------------------------------------------------- processes
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def proc_cpu(pid: int) -> float:
    """User + system CPU seconds of one process (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def proc_status(pid: int, key: str) -> int:
    """A kB field of /proc/PID/status (VmHWM: peak RSS; VmRSS: current) in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    return 0


def group_members(pgid: int) -> list[int]:
    """Processes in a process group (a stack server and the helpers it started)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:
                pids.append(int(entry.name))
    return pids


@dataclass
class Watched:
    """A process (group) whose CPU and peak memory the report shows."""

    name: str
    pgid: int
    metrics_url: str | None = None
    stage: str | None = None
    cpu0: float = 0.0
    samples_rss: list[int] = field(default_factory=list)

    def cpu(self) -> float:
        total = 0.0
        for pid in group_members(self.pgid):
            with contextlib.suppress(OSError):
                total += proc_cpu(pid)
        return total

    def peak_rss(self) -> int:
        """Peak RSS of the group: the sum of each member's VmHWM (an upper bound when members peak apart)."""
        return self._status_sum("VmHWM")

    def rss(self) -> int:
        return self._status_sum("VmRSS")

    def _status_sum(self, name: str) -> int:
        """A /proc status field summed over the group's members (one that exits meanwhile counts 0)."""
        total = 0
        for pid in group_members(self.pgid):
            with contextlib.suppress(OSError):
                total += proc_status(pid, name)
        return total


class Platform:
    """The platform's processes, started like a user starts them, stopped at exit."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.env = env
        self.procs: list[subprocess.Popen[bytes]] = []
        self.watched: list[Watched] = []
        self.base_url = ""

    def start(self, name: str, args: list[str], extra: dict[str, str], stage: str | None, metrics: str | None) -> None:
        log = (self.workdir / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "mockinterview.cli", *args],
            cwd=REPO,
            env={**os.environ, **self.env, **extra, "PYTHONPATH": str(REPO)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs.append(proc)
        self.watched.append(Watched(name, proc.pid, metrics, stage))

    def wait_http(self, url: str, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            dead = [p for p in self.procs if p.poll() is not None]
            if dead:
                raise RuntimeError(f"a platform process exited ({dead[0].args}); logs in {self.workdir}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            time.sleep(0.3)
        raise TimeoutError(f"{url} did not answer in {timeout} s; logs in {self.workdir}")

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def stack_env(state: Path) -> dict[str, str]:
    path = state / "stack.env"
    if not path.exists():
        raise SystemExit(f"no {path}: start the local stack first (deploy/local/stack.sh start)")
    env = {}
    for line in path.read_text().splitlines():
        key, _, value = line.partition("=")
        if key:
            env[key] = value
    return env


def stack_servers(state: Path) -> list[Watched]:
    servers = []
    for pidfile in sorted((state / "pids").glob("*.pid")):
        with contextlib.suppress(OSError, ValueError):
            pid = int(pidfile.read_text())
            os.kill(pid, 0)
            servers.append(Watched(f"stack:{pidfile.stem}", pid))
    return servers


@contextlib.contextmanager
def embedded(workdir: Path) -> Iterator[Platform]:
    port = free_port()
    platform = Platform(workdir, {"MI_LOG_LEVEL": "INFO", **UNLIMITED})
    data = workdir / "data"
    platform.start("embedded", ["up", "--port", str(port), "--data-dir", str(data)], {}, None, None)
    platform.base_url = f"http://127.0.0.1:{port}"
    platform.watched[0].metrics_url = f"{platform.base_url}/metrics"
    try:
        platform.wait_http(f"{platform.base_url}/healthz")
        yield platform
    finally:
        platform.stop()


@contextlib.contextmanager
def distributed(workdir: Path, replicas: int, state: Path) -> Iterator[Platform]:
    run = uuid.uuid4().hex[:8]
    env = {
        **stack_env(state),
        "MI_MODE": "distributed",
        "MI_S3_BUCKET": f"bench-{run}",
        "MI_MONGO_DB": f"bench_{run}",
        "MI_METRICS_HOST": "127.0.0.1",
        **UNLIMITED,
    }
    platform = Platform(workdir, env)
    port, gport = free_port(), free_port()
    # The distributed gateway serves /metrics on its own port, off the public API (MI_METRICS_ON_API).
    gateway = {"MI_PORT": str(port), "MI_METRICS_PORT": str(gport)}
    platform.start("gateway", ["service", "gateway"], gateway, "gateway", f"http://127.0.0.1:{gport}/metrics")
    platform.base_url = f"http://127.0.0.1:{port}"
    health = [f"{platform.base_url}/healthz"]
    for name in ("questions", *STAGES):
        for i in range(1 if name == "questions" else replicas):
            mport = free_port()
            url = f"http://127.0.0.1:{mport}"
            platform.start(f"{name}-{i}", ["service", name], {"MI_METRICS_PORT": str(mport)}, name, f"{url}/metrics")
            health.append(f"{url}/healthz")
    try:
        for url in health:
            platform.wait_http(url)
        asyncio.run(wait_groups(env["MI_KAFKA_BOOTSTRAP"], {s: replicas for s in STAGES}))
        yield platform
    finally:
        platform.stop()


async def wait_groups(bootstrap: str, members: dict[str, int], within_s: float = 120) -> None:
    """Until each consumer group is stable with the expected members (each then owns its partitions)."""
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.errors import KafkaError

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        deadline = time.monotonic() + within_s
        while True:
            try:
                described = await admin.describe_consumer_groups(list(members))
            except (KafkaError, ValueError) as exc:
                # aiokafka 0.14 fails to decode Kafka 4.1's DescribeGroups answer ("Buffer underrun decoding
                # string"): wait out a rebalance instead (session timeout 10 s; the warm-up answer follows).
                print(f"consumer groups cannot be described ({exc!r}); waiting {REBALANCE_WAIT_S:.0f} s instead")
                await asyncio.sleep(REBALANCE_WAIT_S)
                return
            ok = {}
            for resp in described:
                for group in resp.groups:
                    # (error_code, group_id, state, protocol_type, protocol, members, ...)
                    ok[group[1]] = group[2] == "Stable" and len(group[5]) >= members[group[1]]
            if all(ok.get(g) for g in members):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"consumer groups not stable: {ok}")
            await asyncio.sleep(1)
    finally:
        await admin.close()


# ---------------------------------------------------------------- metrics
def scrape(url: str) -> dict[str, float]:
    """Every sample of a /metrics page, keyed 'name{label="v",...}' (labels sorted)."""
    text = httpx.get(url, timeout=10).text
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
            out[f"{s.name}{{{labels}}}"] = s.value
    return out


def select(samples: dict[str, float], name: str, **labels: str) -> dict[str, float]:
    """Samples of ``name`` whose labels include ``labels``."""
    want = [f'{k}="{v}"' for k, v in labels.items()]
    return {k: v for k, v in samples.items() if k.startswith(name + "{") and all(w in k for w in want)}


def delta(after: dict[str, float], before: dict[str, float]) -> dict[str, float]:
    return {k: v - before.get(k, 0.0) for k, v in after.items()}


def histogram(samples: dict[str, float], name: str, **labels: str) -> dict[str, Any]:
    """count, sum, mean and bucket-interpolated p50/p95 of one histogram (summed over other labels)."""
    count = sum(select(samples, f"{name}_count", **labels).values())
    total = sum(select(samples, f"{name}_sum", **labels).values())
    buckets: dict[float, float] = {}
    for key, value in select(samples, f"{name}_bucket", **labels).items():
        le = re.search(r'le="([^"]+)"', key)
        assert le is not None
        bound = math.inf if le[1] == "+Inf" else float(le[1])
        buckets[bound] = buckets.get(bound, 0.0) + value
    return {
        "count": count,
        "sum": total,
        "mean": total / count if count else None,
        "p50": bucket_quantile(0.5, buckets),
        "p95": bucket_quantile(0.95, buckets),
    }


def bucket_quantile(q: float, buckets: dict[float, float]) -> float | None:
    """Prometheus' histogram_quantile: linear interpolation inside the bucket holding the rank."""
    bounds = sorted(buckets)
    if not bounds or buckets[bounds[-1]] == 0:
        return None
    rank = q * buckets[bounds[-1]]
    lower, below = 0.0, 0.0
    for b in bounds:
        if buckets[b] >= rank:
            if math.isinf(b):
                return lower
            return lower + (b - lower) * ((rank - below) / max(buckets[b] - below, 1e-12))
        lower, below = b, buckets[b]
    return lower


# ---------------------------------------------------------------- the candidates
@dataclass
class Answer:
    session_id: str
    token: str
    question_id: str
    answer_id: str = ""
    sent: float = 0.0
    accepted: float = 0.0
    scored: float = 0.0
    status: str = ""
    finished: float = 0.0
    completed: float = 0.0

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def view(client: httpx.AsyncClient, a: Answer) -> dict[str, Any]:
    """The session as its owner sees it; a keep-alive connection the server just closed is retried."""
    for attempt in range(5):
        try:
            r = await client.get(f"/api/sessions/{a.session_id}", headers=a.auth)
            r.raise_for_status()
            return dict(r.json())
        except httpx.TransportError:
            if attempt == 4:
                raise
            await asyncio.sleep(POLL_S)
    raise AssertionError("unreachable")


async def new_session(client: httpx.AsyncClient) -> Answer:
    r = await client.post("/api/sessions", json=SETUP)
    r.raise_for_status()
    created = r.json()
    answer = Answer(created["session_id"], created["token"], "")
    async with asyncio.timeout(120):
        while True:
            seen = await view(client, answer)
            if seen["questions"]:
                answer.question_id = seen["questions"][0]["question_id"]
                return answer
            await asyncio.sleep(POLL_S)


async def spread_sessions(client: httpx.AsyncClient, count: int, partitions: int | None) -> list[Answer]:
    """``count`` sessions; on Kafka, ones whose keys spread evenly over the partitions (like many users do)."""
    if partitions is None:
        return list(await asyncio.gather(*(new_session(client) for _ in range(count))))
    from aiokafka.partitioner import DefaultPartitioner

    partitioner = DefaultPartitioner()
    per: dict[int, list[Answer]] = {}
    chosen: list[Answer] = []
    want = math.ceil(count / partitions)
    while len(chosen) < count:
        a = await new_session(client)
        p = partitioner(a.session_id.encode(), list(range(partitions)), list(range(partitions)))
        if len(per.setdefault(p, [])) < want:
            per[p].append(a)
            chosen.append(a)
    return chosen


async def answer_once(client: httpx.AsyncClient, a: Answer, video: bytes) -> None:
    url = f"/api/sessions/{a.session_id}/questions/{a.question_id}/answers"
    a.sent = time.perf_counter()
    r = await client.post(url, content=video, headers={**a.auth, "Content-Type": "video/webm"}, timeout=300)
    a.accepted = time.perf_counter()
    r.raise_for_status()
    a.answer_id = r.json()["answer_id"]
    async with asyncio.timeout(1800):
        while True:
            status = (await view(client, a))["answers"][a.answer_id]["status"]
            if status in ("scored", "failed"):
                a.scored, a.status = time.perf_counter(), status
                return
            await asyncio.sleep(POLL_S)


async def finish(client: httpx.AsyncClient, a: Answer) -> None:
    a.finished = time.perf_counter()
    (await client.post(f"/api/sessions/{a.session_id}/finish", headers=a.auth)).raise_for_status()
    async with asyncio.timeout(600):
        while True:
            if (await view(client, a))["status"] in ("completed", "failed"):
                a.completed = time.perf_counter()
                return
            await asyncio.sleep(POLL_S)


async def drive(base_url: str, videos: list[bytes], concurrency: int, partitions: int | None) -> list[Answer]:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        answers = await spread_sessions(client, len(videos), partitions)
        slots = asyncio.Semaphore(concurrency)

        async def one(a: Answer, video: bytes) -> None:
            async with slots:
                await answer_once(client, a, video)

        await asyncio.gather(*(one(a, v) for a, v in zip(answers, videos, strict=True)))
        await asyncio.gather(*(finish(client, a) for a in answers))
        return answers


def quantile(values: list[float], q: float) -> float:
    """Nearest-rank-with-interpolation quantile (statistics' 'inclusive' method)."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


# ---------------------------------------------------------------- one run
async def sample_lag(watched: list[Watched], stop: asyncio.Event, peaks: dict[str, float]) -> None:
    """Peak consumer lag per group and peak RSS per process, sampled every second while answers run."""
    while not stop.is_set():
        for w in watched:
            with contextlib.suppress(OSError):
                w.samples_rss.append(w.rss())
            if w.metrics_url is None:
                continue
            with contextlib.suppress(httpx.HTTPError):
                samples = await asyncio.to_thread(scrape, w.metrics_url)
                for key, value in select(samples, "mi_consumer_lag_messages").items():
                    group = re.search(r'group="([^"]+)"', key)
                    if group:
                        peaks[group[1]] = max(peaks.get(group[1], 0.0), value)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)


async def measured(platform: Platform, videos: list[bytes], concurrency: int, partitions: int | None) -> dict[str, Any]:
    stop = asyncio.Event()
    peaks: dict[str, float] = {}
    before = {w.name: scrape(w.metrics_url) for w in platform.watched if w.metrics_url}
    for w in platform.watched:
        w.cpu0 = w.cpu()
    cpu_wall0 = time.perf_counter()
    sampler = asyncio.create_task(sample_lag(platform.watched, stop, peaks))
    answers = await drive(platform.base_url, videos, concurrency, partitions)
    stop.set()
    await sampler
    wall = time.perf_counter() - cpu_wall0
    after = {w.name: scrape(w.metrics_url) for w in platform.watched if w.metrics_url}
    final_lag: dict[str, float] = {}
    for w in platform.watched:
        if w.name in after:
            for key, value in select(after[w.name], "mi_consumer_lag_messages").items():
                group = re.search(r'group="([^"]+)"', key)
                if group:
                    final_lag[group[1]] = final_lag.get(group[1], 0.0) + value
    return {
        "answers": answers,
        "wall": wall,
        "deltas": {name: delta(after[name], before[name]) for name in after},
        "cpu": {w.name: w.cpu() - w.cpu0 for w in platform.watched},
        "peak_lag": peaks,
        "final_lag": final_lag,
    }


def summarise(run: dict[str, Any], platform: Platform, seconds: float) -> dict[str, Any]:
    answers: list[Answer] = run["answers"]
    n = len(answers)
    latencies = sorted(a.scored - a.accepted for a in answers)
    completions = sorted(a.completed - a.finished for a in answers)
    span = max(a.scored for a in answers) - min(a.accepted for a in answers)
    gateway = run["deltas"][platform.watched[0].name]
    slo = histogram(gateway, "mi_answer_scored_seconds")
    slo_session = histogram(gateway, "mi_session_completed_seconds")
    own_mean = statistics.fmean(latencies)
    agree = slo["mean"] is not None and abs(slo["mean"] - own_mean) <= 0.10 * own_mean
    stages: dict[str, Any] = {}
    for stage in (*STAGES, "gateway", "questions"):
        seconds_in = {"count": 0.0, "sum": 0.0}
        for samples in run["deltas"].values():
            h = histogram(samples, "mi_handler_duration_seconds", group=stage)
            seconds_in["count"] += h["count"]
            seconds_in["sum"] += h["sum"]
        if seconds_in["count"]:
            stages[stage] = {"handler_s_per_answer": seconds_in["sum"] / n}
    per_process = {}
    for w in platform.watched:
        per_process[w.name] = {
            "cpu_s": round(run["cpu"][w.name], 2),
            "peak_rss_mb": round(w.peak_rss() / 2**20),
            "peak_rss_run_mb": round(max(w.samples_rss, default=0) / 2**20),
        }
        if w.stage in STAGES:
            stages.setdefault(w.stage, {}).setdefault("cpu_s_per_answer", 0.0)
            stages[w.stage]["cpu_s_per_answer"] += run["cpu"][w.name] / n
    total_cpu = sum(run["cpu"].values())
    return {
        "answers": n,
        "seconds_per_answer": seconds,
        "failed": sum(a.status != "scored" for a in answers),
        "latency_s": {
            "p50": quantile(latencies, 0.5),
            "p95": quantile(latencies, 0.95),
            "mean": own_mean,
            "max": latencies[-1],
        },
        "latency_per_3min_s": {"p50": quantile(latencies, 0.5) * 180 / seconds},
        "slo_metric": slo,
        "metric_agrees_within_10pct": agree,
        "session_completed_s": {"bench_p50": quantile(completions, 0.5), "metric": slo_session},
        "answers_per_min": 60 * n / span,
        "three_min_answers_per_min": 60 * n / span * seconds / 180,
        "wall_s": run["wall"],
        "cpu_s_total": total_cpu,
        "cpu_s_per_answer": total_cpu / n,
        "stages": stages,
        "processes": per_process,
        "peak_lag": run["peak_lag"],
        "final_lag": run["final_lag"],
    }


def render(label: str, r: dict[str, Any], load: tuple[str, str]) -> str:
    slo = r["slo_metric"]
    lines = [
        f"## {label}",
        f"load average before / after: {load[0]} / {load[1]}",
        f"answers: {r['answers']} x {r['seconds_per_answer']:g} s, failed {r['failed']}",
        "upload accepted -> scored (bench clock): p50 {p50:.1f} s, p95 {p95:.1f} s, mean {mean:.1f} s".format(
            **r["latency_s"]
        ),
        "  per 3 minutes of answer (p50): {:.1f} s".format(r["latency_per_3min_s"]["p50"]),
        "  mi_answer_scored_seconds: count {:.0f}, mean {}, p50 {}, p95 {} -> {} within 10 %".format(
            slo["count"],
            _s(slo["mean"]),
            _s(slo["p50"]),
            _s(slo["p95"]),
            "agrees" if r["metric_agrees_within_10pct"] else "DOES NOT agree",
        ),
        "finish -> session completed (bench p50): {:.1f} s; mi_session_completed_seconds mean {}".format(
            r["session_completed_s"]["bench_p50"], _s(r["session_completed_s"]["metric"]["mean"])
        ),
        f"throughput: {r['answers_per_min']:.2f} answers/min = {r['three_min_answers_per_min']:.2f} "
        "3-minute answers/min",
        f"CPU: {r['cpu_s_total']:.1f} s in all ({r['cpu_s_per_answer']:.1f} s per answer), wall {r['wall_s']:.1f} s",
        f"consumer lag peak {json.dumps(r['peak_lag'])}, at the end {json.dumps(r['final_lag'])}",
        "",
        "| stage | handler s per answer | CPU s per answer (its own processes) |",
        "| --- | --- | --- |",
    ]
    for stage, s in r["stages"].items():
        lines.append(f"| {stage} | {_s(s.get('handler_s_per_answer'))} | {_s(s.get('cpu_s_per_answer'))} |")
    lines += ["", "| process | CPU s | peak RSS MB (since start) | peak RSS MB (during run) |"]
    lines += ["| --- | --- | --- | --- |"]
    for name, p in r["processes"].items():
        lines.append(f"| {name} | {p['cpu_s']} | {p['peak_rss_mb']} | {p['peak_rss_run_mb']} |")
    return "\n".join(lines)


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# ---------------------------------------------------------------- timeline of one answer
@dataclass
class Span:
    group: str
    step: str
    start: float
    end: float
    cpu: float


class Recorder:
    """Spans of one answer's steps, relative to the upload accepted; CPU from the process clock."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.spans: list[Span] = []
        self.io: dict[tuple[str, str], list[float]] = {}

    def group(self) -> str:
        import structlog

        return str(structlog.contextvars.get_contextvars().get("group", "-"))

    def timed(self, step: str, fn: Any, group: str | None = None) -> Any:
        """Wrap a sync or async callable so each call becomes a span."""
        import functools
        import inspect

        rec = self

        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def awrapper(*a: Any, **kw: Any) -> Any:
                g = group or rec.group()
                w0, c0 = time.perf_counter(), time.process_time()
                try:
                    return await fn(*a, **kw)
                finally:
                    rec.spans.append(Span(g, step, w0 - rec.t0, time.perf_counter() - rec.t0, time.process_time() - c0))

            return awrapper

        @functools.wraps(fn)
        def wrapper(*a: Any, **kw: Any) -> Any:
            g = group or rec.group()
            w0, c0 = time.perf_counter(), time.process_time()
            try:
                return fn(*a, **kw)
            finally:
                rec.spans.append(Span(g, step, w0 - rec.t0, time.perf_counter() - rec.t0, time.process_time() - c0))

        return wrapper


class TimedPort:
    """A storage port whose calls add up per (stage, operation): the writes and reads of the timeline."""

    def __init__(self, inner: Any, kind: str, rec: Recorder) -> None:
        self._inner, self._kind, self._rec = inner, kind, rec

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name.startswith("_") or not callable(attr):
            return attr
        rec, kind = self._rec, self._kind
        import inspect

        if inspect.iscoroutinefunction(attr):

            async def call(*a: Any, **kw: Any) -> Any:
                w0 = time.perf_counter()
                try:
                    return await attr(*a, **kw)
                finally:
                    rec.io.setdefault((rec.group(), f"{kind}.{name}"), []).append(time.perf_counter() - w0)

            return call
        return attr


def patch_steps(rec: Recorder) -> list[tuple[Any, str, Any]]:
    """Time the named steps of each stage where they exist (module attributes looked up at call time)."""
    import importlib

    targets = [
        ("services.media.handlers", "_download", "media", "download upload"),
        ("services.speech.audio", "load_wav_bytes", "speech", "read WAV"),
        ("services.speech.audio", "analyze_audio", "speech", "levels + pauses"),
        ("services.speech.audio", "pitch_track", "speech", "pitch (Praat)"),
        ("services.speech.handlers", "build_report", "speech", "words, fillers, report"),
        ("services.vision.handlers", "aggregate", "vision", "aggregate evidence"),
        ("services.feedback.handlers", "analyze_content", "feedback", "content (MiniLM)"),
        ("services.feedback.handlers", "score_answer", "feedback", "scores"),
        ("services.feedback.handlers", "answer_feedback", "feedback", "feedback text"),
        ("services.feedback.handlers", "_report", "feedback", "read reports"),
        ("services.feedback.handlers", "_try_complete", "feedback", "session completion check"),
    ]
    undo = []
    for module_name, attr, group, step in targets:
        module = importlib.import_module(module_name)
        fn = getattr(module, attr, None)
        if fn is None:
            continue
        undo.append((module, attr, fn))
        setattr(module, attr, rec.timed(step, fn, group))
    # Adapters built inside the services' app.py: wrap their work methods.
    from services.media.adapters import pyav
    from services.speech.adapters import whisper
    from services.vision.adapters import local

    extract = pyav.PyAVExtractor.extract
    undo.append((pyav.PyAVExtractor, "extract", extract))
    pyav.PyAVExtractor.extract = rec.timed("probe, decode frames + audio, remux", extract, "media")  # type: ignore[method-assign]
    detect = local.InProcessLandmarks.detect
    undo.append((local.InProcessLandmarks, "detect", detect))
    local.InProcessLandmarks.detect = rec.timed("landmarks (face mesh + pose)", detect, "vision")  # type: ignore[method-assign]
    transcribe = whisper.WhisperTranscriber.transcribe
    undo.append((whisper.WhisperTranscriber, "transcribe", transcribe))
    whisper.WhisperTranscriber.transcribe = rec.timed("ASR (Whisper)", transcribe, "speech")  # type: ignore[method-assign]
    return undo


async def timeline(seconds: float, serial: bool) -> tuple[Recorder, float]:
    """One answer through the embedded platform in this process, every step timed."""
    from mockinterview import registry
    from runtime.bus.dispatch import Dispatcher
    from runtime.infra import open_infrastructure
    from runtime.runner import running
    from runtime.settings import Mode, PlatformSettings

    video = clip(seconds).read_bytes()
    warm = clip(10.0, seed=9).read_bytes()
    rec = Recorder()
    undo = patch_steps(rec)
    deliver = Dispatcher.deliver
    published: dict[str, float] = {}
    one_at_a_time = asyncio.Lock()

    async def timed_deliver(self: Any, sub: Any, topic: str, payload: bytes, key: bytes | None = None) -> Any:
        event_id = json.loads(payload).get("id", "")
        waited_from = published.get(event_id, time.perf_counter())
        async with one_at_a_time if serial else contextlib.nullcontext():
            w0, c0 = time.perf_counter(), time.process_time()
            short = topic.removeprefix("mi.").removesuffix(".v1")
            if w0 - waited_from > 0.001:
                rec.spans.append(Span(sub.group, f"queued ({short})", waited_from - rec.t0, w0 - rec.t0, 0.0))
            try:
                return await deliver(self, sub, topic, payload, key)
            finally:
                end, spent = time.perf_counter() - rec.t0, time.process_time() - c0
                rec.spans.append(Span(sub.group, f"handle {short}", w0 - rec.t0, end, spent))

    Dispatcher.deliver = timed_deliver  # type: ignore[method-assign]
    try:
        with tempfile.TemporaryDirectory(prefix="mi-timeline-") as tmp:
            overrides: dict[str, Any] = {"mode": Mode.embedded, "data_dir": Path(tmp)}
            async with open_infrastructure(PlatformSettings(**overrides), "bench") as infra:
                publish = infra.bus.publish

                async def timed_publish(event: Any) -> None:
                    published.setdefault(event.id, time.perf_counter())
                    await publish(event)

                infra.bus.publish = timed_publish  # type: ignore[method-assign]
                infra.objects = TimedPort(infra.objects, "objects", rec)  # type: ignore[assignment]
                infra.documents = TimedPort(infra.documents, "documents", rec)  # type: ignore[assignment]
                services = [registry.load(n).build(infra, **overrides)[1] for n in registry.SERVICE_NAMES]
                async with running(services, infra):
                    bus: Any = infra.bus  # the embedded bus: drain() waits until every group is idle
                    transport = httpx.ASGITransport(app=services[0].http_app)
                    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
                        for body in (warm, video):
                            a = await new_session(client)
                            await bus.drain()
                            rec.spans.clear()
                            rec.io.clear()
                            url = f"/api/sessions/{a.session_id}/questions/{a.question_id}/answers"
                            rec.t0 = time.perf_counter()
                            c0 = time.process_time()
                            r = await client.post(url, content=body, headers={**a.auth, "Content-Type": "video/webm"})
                            r.raise_for_status()
                            accepted = time.perf_counter() - rec.t0
                            rec.spans.append(Span("gateway", "upload (HTTP, store video)", 0.0, accepted, 0.0))
                            await bus.drain()
                            cpu = time.process_time() - c0
    finally:
        Dispatcher.deliver = deliver  # type: ignore[method-assign]
        for owner, attr, fn in undo:
            setattr(owner, attr, fn)
    return rec, cpu


def render_timeline(rec: Recorder, cpu: float, serial: bool) -> str:
    lines = [
        "| start s | end s | wall s | CPU s | stage | step |",
        "| ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for s in sorted(rec.spans, key=lambda s: (s.start, -s.end)):
        if s.end - s.start < 0.005 and not s.cpu:
            continue
        c = f"{s.cpu:.2f}" if serial and s.cpu else "-"
        lines.append(f"| {s.start:.2f} | {s.end:.2f} | {s.end - s.start:.2f} | {c} | {s.group} | {s.step} |")
    lines += ["", "| stage | storage calls | count | total s |", "| --- | --- | ---: | ---: |"]
    for (group, op), ds in sorted(rec.io.items()):
        lines.append(f"| {group} | {op} | {len(ds)} | {sum(ds):.2f} |")
    end = max((s.end for s in rec.spans), default=0.0)
    lines.append("")
    lines.append(f"upload accepted -> all handled: {end:.2f} s wall, {cpu:.2f} CPU s of this process")
    if not serial:
        lines.append("(stages overlap as in production; run with --serial for CPU seconds per step)")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["embedded", "distributed", "timeline"])
    parser.add_argument("--answers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=180.0, help="Length of each answer.")
    parser.add_argument("--concurrency", type=int, default=0, help="Answers in flight (default: all at once).")
    parser.add_argument("--replicas", type=int, default=1, help="Distributed: processes per stage.")
    parser.add_argument("--partitions", type=int, default=6, help="Distributed: MI_KAFKA_PARTITIONS of the topics.")
    parser.add_argument("--stack-state", type=Path, default=REPO / ".stack")
    parser.add_argument("--json", type=Path, help="Also write the numbers here.")
    parser.add_argument("--keep", action="store_true", help="Keep the work directory (logs, data).")
    parser.add_argument("--serial", action="store_true", help="Timeline: one handler at a time (exact CPU per step).")
    args = parser.parse_args()
    if args.mode == "timeline":
        from runtime.logging import configure_logging

        configure_logging("WARNING")
        load0 = loadavg()
        rec, cpu = asyncio.run(timeline(args.seconds, args.serial))
        print(f"## One {args.seconds:g} s answer, embedded, in this process (load average {load0} / {loadavg()})")
        print(render_timeline(rec, cpu, args.serial))
        return

    video = clip(args.seconds).read_bytes()
    videos = [video] * args.answers
    warmup = clip(10.0, seed=9).read_bytes()
    workdir = Path(tempfile.mkdtemp(prefix="mi-bench-"))
    concurrency = args.concurrency or args.answers
    try:
        if args.mode == "embedded":
            ctx = embedded(workdir)
            partitions = None
        else:
            ctx = distributed(workdir, args.replicas, args.stack_state)
            partitions = args.partitions
        with ctx as platform:
            if args.mode == "distributed":
                platform.watched += stack_servers(args.stack_state)
            asyncio.run(drive(platform.base_url, [warmup], 1, None))
            load0 = loadavg()
            run = asyncio.run(measured(platform, videos, concurrency, partitions))
            load1 = loadavg()
            result = summarise(run, platform, args.seconds)
        label = (
            f"{args.mode}{f', {args.replicas} process(es) per stage' if args.mode == 'distributed' else ''}, "
            f"{args.answers} answers, {concurrency} in flight"
        )
        result |= {"label": label, "load": [load0, load1], "nproc": os.cpu_count()}
        print(render(label, result, (load0, load1)))
        if args.json:
            args.json.write_text(json.dumps(result, indent=1, default=str))
    finally:
        if args.keep:
            print(f"work directory: {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
