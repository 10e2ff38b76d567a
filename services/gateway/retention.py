"""Retention: sessions past ``MI_RETENTION_DAYS``, and abandoned ones, are erased on a schedule.

*Expired*: created more than ``retention_days`` ago, whatever its state.
*Abandoned*: never completed, and nothing happened to it (creation, an upload)
for ``abandoned_days``. Each is erased the same way as a candidate's own
delete (every object under the session's prefix, its documents, and
``SessionDeleted`` so the other services drop theirs), logged with its reason
and counted in ``mi_retention_sessions_deleted_total{reason}``.

The gateway runs the cleanup every ``retention_interval_s``; with several
gateway replicas, one run per interval happens: the run claims its interval
with a unique insert. ``mockinterview cleanup`` runs it once (a cron job).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

from prometheus_client import Counter, Gauge

from runtime.logging import get_logger
from runtime.storage.documents import DocumentStore

log = get_logger(__name__)

RUNS = "retention_runs"
BATCH = 1000
"""Sessions looked at per run; the rest wait for the next run."""
FIRST_RUN_AFTER_S = 60.0
"""The first run waits this long after start: out of the way of start-up, yet soon after a restart."""

DELETED = Counter(
    "mi_retention_sessions_deleted_total", "Sessions erased by the retention cleanup, by reason.", ["reason"]
)
RUN_OUTCOMES = Counter("mi_retention_runs_total", "Retention cleanup runs, by outcome.", ["outcome"])
LAST_RUN = Gauge("mi_retention_last_run_timestamp_seconds", "When the retention cleanup last finished.")
for _reason in ("expired", "abandoned"):
    DELETED.labels(_reason)
for _outcome in ("ok", "failed", "skipped"):
    RUN_OUTCOMES.labels(_outcome)

Reason = Literal["expired", "abandoned"]
Doc = dict[str, Any]


@dataclass(frozen=True)
class Policy:
    retention_days: float
    abandoned_days: float


def last_activity(doc: Doc) -> datetime:
    """Creation or the latest upload, whichever is later."""
    times = [doc["created_at"], *(a.get("uploaded_at") for a in (doc.get("answers") or {}).values())]
    return max(datetime.fromisoformat(t) for t in times if t)


def reason_to_erase(doc: Doc, now: datetime, policy: Policy) -> Reason | None:
    """Why this session must go now, or None to keep it."""
    if datetime.fromisoformat(doc["created_at"]) <= now - timedelta(days=policy.retention_days):
        return "expired"
    if doc.get("status") != "completed" and last_activity(doc) <= now - timedelta(days=policy.abandoned_days):
        return "abandoned"
    return None


class SweptSessions(Protocol):
    """What the cleanup needs from the sessions repository."""

    async def created_before(self, when: str, limit: int) -> list[Doc]: ...


Erase = Callable[[str], Awaitable[None]]


async def sweep(
    sessions: SweptSessions, erase: Erase, policy: Policy, now: datetime | None = None
) -> list[tuple[str, Reason]]:
    """Erase every session due for deletion; returns (session id, reason) for each."""
    now = now or datetime.now(UTC)
    horizon = now - timedelta(days=min(policy.retention_days, policy.abandoned_days))
    erased: list[tuple[str, Reason]] = []
    for doc in await sessions.created_before(horizon.isoformat(), BATCH):
        reason = reason_to_erase(doc, now, policy)
        if reason is None:
            continue
        await erase(doc["_id"])
        DELETED.labels(reason).inc()
        age_days = (now - datetime.fromisoformat(doc["created_at"])).total_seconds() / 86400
        log.info("retention.session_erased", session_id=doc["_id"], reason=reason, age_days=round(age_days, 2))
        erased.append((doc["_id"], reason))
    return erased


async def claim_run(store: DocumentStore, interval_s: float, now: datetime | None = None) -> bool:
    """True for the one replica that runs the cleanup in this interval."""
    now = now or datetime.now(UTC)
    bucket = math.floor(now.timestamp() / interval_s)
    return await store.insert(RUNS, f"{int(interval_s)}:{bucket}", {"at": now.isoformat()})


async def run_once(
    sessions: SweptSessions, erase: Erase, policy: Policy, cleanup: Callable[[], Awaitable[int]] | None = None
) -> list[tuple[str, Reason]]:
    """One cleanup run, logged and counted: sessions, then expired sign-ins (``cleanup``)."""
    started = time.monotonic()
    try:
        erased = await sweep(sessions, erase, policy)
        other = await cleanup() if cleanup is not None else 0
    except Exception:
        RUN_OUTCOMES.labels("failed").inc()
        log.exception("retention.run_failed")
        raise
    RUN_OUTCOMES.labels("ok").inc()
    LAST_RUN.set_to_current_time()
    log.info(
        "retention.run",
        sessions_erased=len(erased),
        other_records_erased=other,
        seconds=round(time.monotonic() - started, 3),
    )
    return erased


async def scheduler(
    store: DocumentStore,
    sessions: SweptSessions,
    erase: Erase,
    policy: Policy,
    interval_s: float,
    cleanup: Callable[[], Awaitable[int]] | None = None,
    first_after_s: float = FIRST_RUN_AFTER_S,
) -> None:
    """Run the cleanup every ``interval_s`` until cancelled; the first run ``first_after_s`` after start."""
    await asyncio.sleep(first_after_s)
    while True:
        try:
            if await claim_run(store, interval_s):
                await run_once(sessions, erase, policy, cleanup)
            else:
                RUN_OUTCOMES.labels("skipped").inc()
        except asyncio.CancelledError:
            raise
        except Exception:  # logged in run_once; the next interval tries again
            log.warning("retention.will_retry", in_seconds=interval_s)
        await asyncio.sleep(interval_s)
