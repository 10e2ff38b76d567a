"""Durable in-process bus for the embedded mode: a SQLite log plus committed offsets per consumer group.

``publish`` appends the message to the log and returns once it is committed
(WAL: a process crash, ``kill -9`` included, loses nothing that returned).
Each (topic, consumer group) has one worker that reads the log past the
group's committed offset, runs the delivery middleware, and commits the offset
only after the handler ran and its outputs were appended -- the Kafka adapter's
contract, so a restart resumes every pending and in-flight delivery (the
in-flight one is redelivered and skipped or replayed by event id).

``stop`` drains: workers finish the message they hold, up to a deadline, and
take no new one; what is left stays in the log for the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from runtime import metrics
from runtime.bus.dispatch import Dispatcher, RetryPolicy
from runtime.bus.port import DeadLetter, E, ErasureCheck, ProcessedLog, Subscription, wire
from runtime.logging import get_logger
from schemas import Event, SessionDeleted

log = get_logger(__name__)
T = TypeVar("T")

SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  topic TEXT NOT NULL,
  key BLOB,
  event_id TEXT,
  event_type TEXT,
  payload BLOB NOT NULL,
  published_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_topic ON messages (topic, seq);
CREATE TABLE IF NOT EXISTS offsets (
  topic TEXT NOT NULL,
  grp TEXT NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (topic, grp)
);
CREATE TABLE IF NOT EXISTS dead_letters (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  topic TEXT NOT NULL,
  grp TEXT NOT NULL,
  key BLOB,
  payload BLOB NOT NULL,
  error TEXT NOT NULL,
  error_type TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  failed_at REAL NOT NULL
);
"""

BATCH = 32
PRUNE_EVERY = 500


class SqliteBus:
    """Implements :class:`runtime.bus.port.Bus` on a SQLite file, inside one event loop."""

    def __init__(
        self,
        path: Path,
        processed: ProcessedLog | None = None,
        retry: RetryPolicy | None = None,
        shutdown_grace_s: float = 20.0,
        retention_s: float = 24 * 3600,
        unavailable_wait_s: float = 60.0,
        poll_s: float = 1.0,
        erasure: ErasureCheck | None = None,
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode survives any process crash; only a power cut can lose the last commits.
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(SCHEMA)
        self._lock = threading.Lock()
        # Its own thread: appends and offset commits never queue behind model inference in the default executor.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-bus")
        self._subs: dict[str, dict[str, Subscription[Event]]] = defaultdict(dict)
        self._wake: dict[tuple[str, str], asyncio.Event] = {}
        self._workers: list[asyncio.Task[None]] = []
        self._stopping = False
        self._grace_s = shutdown_grace_s
        self._retention_s = retention_s
        self._poll_s = poll_s
        self._commits = 0
        self._pending = 0  # messages not yet committed by some subscribed group, for drain()
        self._idle = asyncio.Event()
        self._idle.set()
        self._dispatcher = Dispatcher(
            self.publish, self._dead_letter, processed, retry, unavailable_wait_s=unavailable_wait_s, erasure=erasure
        )

    # ------------------------------------------------------------ port
    def subscribe(self, subscription: Subscription[E]) -> None:
        topic = Dispatcher.claim(self._subs, subscription)
        self._wake[(topic, subscription.group)] = asyncio.Event()

    async def publish(self, event: Event) -> None:
        topic, payload = wire(event)
        row = (topic, event.sessionid.encode(), event.id, event.type, payload, time.time())
        await self._db(
            lambda: self._conn.execute(
                "INSERT INTO messages (topic, key, event_id, event_type, payload, published_at) VALUES (?,?,?,?,?,?)",
                row,
            )
        )
        metrics.EVENTS_PUBLISHED.labels(topic).inc()
        for group in self._subs.get(topic, {}):
            self._add_pending(1)
            self._wake[(topic, group)].set()

    async def start(self) -> None:
        self._stopping = False

        def init() -> int:
            backlog = 0
            for topic, groups in self._subs.items():
                head = self._conn.execute("SELECT COALESCE(MAX(seq), 0) FROM messages").fetchone()[0]
                for group in groups:
                    # A group seen for the first time starts at the head: it owes nothing published before it existed.
                    self._conn.execute(
                        "INSERT OR IGNORE INTO offsets (topic, grp, seq) VALUES (?,?,?)", (topic, group, head)
                    )
                    backlog += self._conn.execute(
                        "SELECT COUNT(*) FROM messages WHERE topic = ? AND seq > "
                        "(SELECT seq FROM offsets WHERE topic = ? AND grp = ?)",
                        (topic, topic, group),
                    ).fetchone()[0]
            return int(backlog)

        backlog = await self._db(init)
        if backlog:
            log.info("bus.resuming", pending=backlog, path=str(self.path))
        self._add_pending(backlog)
        await self._prune()
        for topic, groups in self._subs.items():
            for group, sub in groups.items():
                self._workers.append(asyncio.create_task(self._work(sub, topic), name=f"{group}:{topic}"))

    async def stop(self) -> None:
        """Let in-flight deliveries finish (up to the grace period), then stop; the log keeps the rest."""
        self._stopping = True
        for wake in self._wake.values():
            wake.set()
        if self._workers:
            _, late = await asyncio.wait(self._workers, timeout=self._grace_s)
            if late:
                log.warning("bus.stop_deadline", unfinished=[t.get_name() for t in late], grace_s=self._grace_s)
            for task in late:
                task.cancel()
            for task in self._workers:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._workers.clear()

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        self._conn.close()

    async def ping(self) -> None:
        """Readiness: the log answers and no consumer worker has died."""
        from runtime.errors import Unavailable

        dead = [t.get_name() for t in self._workers if t.done()]
        if dead and not self._stopping:
            raise Unavailable("bus", f"consumer workers stopped: {', '.join(dead)}")
        await self._db(lambda: self._conn.execute("SELECT 1").fetchone())

    async def drain(self) -> None:
        """Wait until every message (and what it causes) is handled by every group."""
        await self._idle.wait()

    # ------------------------------------------------------------ reading the log (operations, tests)
    def messages(self, topic: str) -> list[bytes]:
        """Payloads still in the log for ``topic``, oldest first."""
        with self._lock:
            rows = self._conn.execute("SELECT payload FROM messages WHERE topic = ? ORDER BY seq", (topic,)).fetchall()
        return [bytes(r[0]) for r in rows]

    @property
    def dead_letters(self) -> list[DeadLetter]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT topic, grp, payload, error, error_type, attempts, key FROM dead_letters ORDER BY id"
            ).fetchall()
        return [DeadLetter(r[0], r[1], bytes(r[2]), r[3], r[4], r[5], r[6]) for r in rows]

    # ------------------------------------------------------------ internals
    async def _db(self, fn: Callable[[], T]) -> T:
        def locked() -> T:
            with self._lock:
                return fn()

        return await asyncio.get_running_loop().run_in_executor(self._executor, locked)

    def _add_pending(self, n: int) -> None:
        self._pending += n
        if self._pending > 0:
            self._idle.clear()
        else:
            self._pending = 0
            self._idle.set()

    async def _work(self, sub: Subscription[Event], topic: str) -> None:
        group = sub.group
        wake = self._wake[(topic, group)]
        while not self._stopping:
            wake.clear()
            rows: list[Any] = await self._db(
                lambda: self._conn.execute(
                    "SELECT seq, payload, key FROM messages WHERE topic = ? AND seq > "
                    "(SELECT seq FROM offsets WHERE topic = ? AND grp = ?) ORDER BY seq LIMIT ?",
                    (topic, topic, group, BATCH),
                ).fetchall()
            )
            if not rows:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), self._poll_s)
                continue
            for seq, payload, key in rows:
                if self._stopping:
                    return
                try:
                    if payload:  # empty: erased with its session, nothing to deliver
                        await self._dispatcher.deliver(sub, topic, bytes(payload), key)
                except Exception:
                    # Infrastructure failure (the processed log or a dependency stayed down): leave the
                    # offset where it is, as an uncommitted Kafka offset, and try this message again.
                    log.exception("delivery.failed_retrying", topic=topic, group=group)
                    await asyncio.sleep(1)
                    break
                await self._commit(topic, group, int(seq))
                self._add_pending(-1)
                self._commits += 1
                if self._commits % PRUNE_EVERY == 0:
                    await self._prune()

    async def forget(self, session_id: str) -> int:
        """Erase a deleted session's data from the log: its messages keep their place (offsets and
        pending counts stay right) but lose payload, key and event id; its dead letters go.

        ``SessionDeleted`` itself is kept until the retention: consumers still need it. A worker
        skips an emptied message; one it had already read is dropped by the erasure guard.
        """
        key = session_id.encode()

        def forget() -> int:
            cur = self._conn.execute(
                "UPDATE messages SET payload = X'', key = NULL, event_id = NULL WHERE key = ? AND event_type IS NOT ?",
                (key, SessionDeleted.TYPE),
            )
            dead = self._conn.execute("DELETE FROM dead_letters WHERE key = ?", (key,))
            return int(cur.rowcount) + int(dead.rowcount)

        return await self._db(forget)

    async def _commit(self, topic: str, group: str, seq: int) -> None:
        def commit() -> None:
            self._conn.execute("UPDATE offsets SET seq = ? WHERE topic = ? AND grp = ?", (seq, topic, group))

        await self._db(commit)

    async def _prune(self) -> None:
        """Delete messages every subscribed group committed and older than the retention."""
        cutoff = time.time() - self._retention_s
        subs = {t: list(g) for t, g in self._subs.items()}

        def prune() -> None:
            for topic in {r[0] for r in self._conn.execute("SELECT DISTINCT topic FROM messages")}:
                groups = subs.get(topic, [])
                if groups:
                    marks = ",".join("?" * len(groups))
                    low = self._conn.execute(
                        f"SELECT MIN(seq) FROM offsets WHERE topic = ? AND grp IN ({marks})", (topic, *groups)
                    ).fetchone()[0]
                else:
                    low = None  # nobody here consumes it: only the retention applies
                if low is None and groups:
                    continue
                self._conn.execute(
                    "DELETE FROM messages WHERE topic = ? AND published_at < ? AND (? IS NULL OR seq <= ?)",
                    (topic, cutoff, low, low),
                )

        await self._db(prune)

    async def _dead_letter(self, letter: DeadLetter) -> None:
        row = (
            letter.topic,
            letter.group,
            letter.key,
            letter.payload,
            letter.error[:2000],
            letter.error_type,
            letter.attempts,
            time.time(),
        )
        await self._db(
            lambda: self._conn.execute(
                "INSERT INTO dead_letters (topic, grp, key, payload, error, error_type, attempts, failed_at) "
                "VALUES (?,?,?,?,?,?,?,?)",
                row,
            )
        )
