"""Nothing waits forever: find answers and sessions stuck in a stage past its deadline.

The watchdog follows the outbox entries the gateway's commands wrote with a
``watch`` (an upload, a retry, a new session, a finish). Past the stage's
deadline it re-publishes the entry's events -- the causing event, same id:
stages that already did their part replay their outputs (runtime/bus/dispatch.py),
so the re-drive reaches the stage that did not -- at most ``redrives`` times,
each followed by a full deadline. Then it commits an AnswerFailed with reason
``timeout`` naming the stage, which the session projection and the feedback
service both record, so the session can still complete.

``assess`` is the pure decision; ``Watchdog`` does the I/O. With several gateway
instances, each re-drive round and the timeout are claimed by unique insert,
so exactly one instance acts.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from runtime.logging import get_logger
from runtime.metrics import WATCHDOG_ACTIONS
from runtime.outbox import Effect, Outbox, entry_events
from runtime.storage.documents import DocumentStore
from runtime.tasks import cancel
from schemas import AnswerFailed, Stage
from services.gateway.handlers import SESSIONS, SOURCE

log = get_logger(__name__)
CLAIMS = "watchdog_claims"


@dataclass(frozen=True)
class Deadlines:
    """How long each stage may take, and how often its cause is re-published first (``MI_DEADLINE_*`` settings)."""

    questions_s: float
    media_s: float
    analysis_s: float
    completion_s: float
    redrives: int


@dataclass(frozen=True)
class Decision:
    action: Literal["done", "wait", "redrive", "timeout"]
    stage: Stage | None = None
    deadline_s: float = 0.0


def _ts(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def assess(entry: dict[str, Any], session: dict[str, Any] | None, now: datetime, d: Deadlines) -> Decision:
    """What to do about one watched entry, given the session it concerns as it is now."""
    watch = entry.get("watch") or {}
    if session is None:
        return Decision("done")  # erased
    if entry.get("status") != "sent":
        return Decision("wait")  # not published yet: the relay owns it (an outage is not a stuck stage)
    stage: Stage
    if watch.get("kind") == "answer":
        answer = session.get("answers", {}).get(watch.get("answer_id"))
        if answer is None or int(answer.get("retries", 0)) != int(watch.get("retry", 0)):
            return Decision("done")  # gone, or superseded by a newer retry that has its own entry
        status = answer.get("status")
        if status in ("scored", "failed"):
            return Decision("done")
        if status == "uploaded":
            stage, deadline, began = Stage.media, d.media_s, None
        else:
            missing = [s for s in (Stage.speech, Stage.vision) if not answer.get(str(s))]
            stage = missing[0] if missing else Stage.feedback
            deadline, began = d.analysis_s, _ts(answer.get("analyzing_at"))
    elif watch.get("stage") == "questions":
        if session.get("status") != "generating_questions":
            return Decision("done")
        stage, deadline, began = Stage.questions, d.questions_s, None
    else:  # a finished session waiting for its results
        if session.get("status") != "finished":
            return Decision("done")
        if any(a.get("status") in ("uploaded", "analyzing") for a in session.get("answers", {}).values()):
            return Decision("wait")  # its answers are still being analysed: their own watches cover them
        stage, deadline, began = Stage.feedback, d.completion_s, None
    marks = [_ts(entry.get("sent_at")), _ts(entry.get("acted_at")), began]
    since = max(m for m in marks if m is not None)
    if (now - since).total_seconds() < deadline:
        return Decision("wait", stage, deadline)
    if int(entry.get("redrives", 0)) < d.redrives:
        return Decision("redrive", stage, deadline)
    return Decision("timeout", stage, deadline)


class Watchdog:
    def __init__(self, outbox: Outbox, store: DocumentStore, deadlines: Deadlines, interval_s: float = 10.0) -> None:
        self._outbox = outbox
        self._store = store
        self._d = deadlines
        self._interval_s = interval_s
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="watchdog")

    async def stop(self) -> None:
        await cancel(self._task)
        self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval_s)
            try:
                await self.check()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a store outage: look again next round
                log.warning("watchdog.check_failed", error=repr(exc)[:300])

    async def check(self, now: datetime | None = None) -> list[tuple[str, Decision]]:
        """One pass over every watched entry; returns what was decided for each (for tests and logs)."""
        now = now or datetime.now(UTC)
        sessions: dict[str, dict[str, Any] | None] = {}
        decisions = []
        for entry in await self._outbox.watched():
            sid = entry["session_id"]
            if sid not in sessions:
                sessions[sid] = await self._store.get(SESSIONS, sid)
            decision = assess(entry, sessions[sid], now, self._d)
            decisions.append((entry["_id"], decision))
            if decision.action == "done":
                await self._outbox.set_watch(entry["_id"], {"watch_done": True})
            elif decision.action == "redrive":
                await self._redrive(entry, decision, now)
            elif decision.action == "timeout":
                await self._time_out(entry, decision)
        return decisions

    async def _claim(self, what: str) -> bool:
        return await self._store.insert(CLAIMS, what, {"at": datetime.now(UTC).isoformat()})

    async def _redrive(self, entry: dict[str, Any], decision: Decision, now: datetime) -> None:
        n = int(entry.get("redrives", 0)) + 1
        if not await self._claim(f"{entry['_id']}:redrive:{n}"):
            return
        events = entry_events(entry)
        log.warning(
            "watchdog.redrive",
            entry=entry["_id"],
            session_id=entry["session_id"],
            stage=decision.stage,
            redrive=n,
            deadline_s=decision.deadline_s,
        )
        WATCHDOG_ACTIONS.labels(str(decision.stage), "redrive").inc()
        await self._outbox.set_watch(entry["_id"], {"redrives": n, "acted_at": now.isoformat()})
        for event in events:
            await self._outbox.publish(event)

    async def _time_out(self, entry: dict[str, Any], decision: Decision) -> None:
        assert decision.stage is not None
        if not await self._claim(f"{entry['_id']}:timeout"):
            await self._outbox.set_watch(entry["_id"], {"watch_done": True})
            return
        cause = entry_events(entry)[0]
        message = (
            f"The {decision.stage} stage did not finish within {decision.deadline_s:g} s "
            f"(re-sent {entry.get('redrives', 0)} times); retry the analysis."
        )
        failed = AnswerFailed.because(cause, decision.stage, "timeout", message, source=SOURCE)
        error = {"stage": str(decision.stage), "reason": "timeout", "message": message}
        if cause.answerid is not None:
            update = {"$set": {f"answers.{cause.answerid}.status": "failed", f"answers.{cause.answerid}.error": error}}
        else:
            update = {"$set": {"status": "failed", "error": failed.data.model_dump(mode="json")}}
        log.error("watchdog.timeout", entry=entry["_id"], session_id=cause.sessionid, answer_id=cause.answerid, **error)
        WATCHDOG_ACTIONS.labels(str(decision.stage), "timeout").inc()
        await self._outbox.commit([failed], [Effect("update", SESSIONS, cause.sessionid, update)])
        await self._outbox.set_watch(entry["_id"], {"watch_done": True})
