"""Service-level indicators: what a candidate waits for, what fails, what is left unfinished.

Two parts, both observability only (nothing here changes a session):

- :class:`UploadOutcomes`, ASGI middleware around the upload route, counts every
  upload attempt by its HTTP outcome (``mi_uploads_total{outcome}``).
- :class:`SloRecorder`, its own consumer group (``slo``) in the gateway process,
  follows each answer and session through the events and observes the
  end-to-end times: upload accepted (the AnswerUploaded event's time) to
  AnswerScored, and candidate done (the later of SessionFinished and the last
  upload) to SessionCompleted. It keeps a few timestamps in the results store
  (``slo_answers``, ``slo_sessions``), so any gateway replica can close what
  another opened, erases them with the session, and sweeps sessions that never
  ended into ``abandoned`` / ``timed_out``, each counted once (a claim by insert).

The latency is measured where the candidate sees it: when the gateway consumes
the outcome, on the same clock family that stamped the upload.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from runtime import metrics
from runtime.bus.port import Subscription
from runtime.logging import get_logger
from runtime.storage.documents import DocumentStore
from runtime.tasks import background
from schemas import (
    AnswerFailed,
    AnswerScored,
    AnswerUploaded,
    SessionCompleted,
    SessionDeleted,
    SessionFinished,
    SessionRequested,
    Stage,
)

log = get_logger(__name__)

GROUP = "slo"
ANSWERS = "slo_answers"
SESSIONS = "slo_sessions"
CLAIMS = "slo_claims"

UPLOAD_ROUTE = re.compile(r"^/api/sessions/[^/]+/questions/[^/]+/answers/?$")
OUTCOMES = {
    202: "accepted",
    400: "bad_request",
    401: "not_found",
    403: "not_found",
    404: "not_found",
    409: "conflict",
    411: "bad_request",
    413: "too_large",
    415: "unsupported_type",
    422: "bad_request",
    429: "rate_limited",
    503: "unavailable",
}
"""HTTP status of an upload -> outcome label (anything else: ``error`` for 5xx, ``rejected`` for 4xx)."""


def upload_outcome(status: int | None) -> str:
    """The ``mi_uploads_total`` outcome of one upload request (None: the client went away first)."""
    if status is None:
        return "aborted"
    if status in OUTCOMES:
        return OUTCOMES[status]
    if 200 <= status < 300:
        return "accepted"
    return "error" if status >= 500 else "rejected"


class UploadOutcomes:
    """Pure ASGI middleware: counts answer uploads by outcome, whatever the route does inside."""

    def __init__(self, app: Any) -> None:
        self.app = app
        for outcome in {*OUTCOMES.values(), "error", "aborted"}:  # every series exists at 0: rates see the first one
            metrics.UPLOADS.labels(outcome)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not UPLOAD_ROUTE.match(scope["path"]):
            await self.app(scope, receive, send)
            return
        status: int | None = None

        async def tracking_send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except BaseException:
            metrics.UPLOADS.labels(upload_outcome(status or 500)).inc()
            raise
        metrics.UPLOADS.labels(upload_outcome(status)).inc()


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def seconds_between(start: datetime | None, end: datetime) -> float | None:
    """Elapsed seconds, or None when the start is unknown (the recorder was not running then)."""
    if start is None:
        return None
    return max((end - start).total_seconds(), 0.0)


def candidate_done(session: dict[str, Any]) -> datetime | None:
    """When the candidate stopped acting: the later of finishing and the last upload."""
    times = [t for t in (_time(session.get("finished_at")), _time(session.get("last_upload_at"))) if t]
    return max(times) if times else _time(session.get("started_at"))


def sweep_outcome(session: dict[str, Any], now: datetime, abandon_after_s: float) -> str | None:
    """``abandoned`` / ``timed_out`` for a session idle past the window, else None (still open)."""
    last = [_time(session.get(k)) for k in ("started_at", "last_upload_at", "finished_at")]
    latest = max((t for t in last if t), default=None)
    if latest is None or (now - latest).total_seconds() < abandon_after_s:
        return None
    return "timed_out" if session.get("finished_at") else "abandoned"


class SloRecorder:
    """Consumer group ``slo``: end-to-end latencies, failures by stage, session outcomes."""

    def __init__(
        self,
        documents: DocumentStore,
        abandon_after_s: float = 7200.0,
        sweep_s: float = 60.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._docs = documents
        self._abandon_after_s = abandon_after_s
        self._sweep_s = sweep_s
        self._now = clock
        self._task: asyncio.Task[None] | None = None
        for outcome in ("completed", "abandoned", "timed_out"):
            metrics.SESSIONS_ENDED.labels(outcome)

    @property
    def subscriptions(self) -> list[Subscription[Any]]:
        handlers: list[tuple[type[Any], Callable[[Any], Awaitable[None]]]] = [
            (SessionRequested, self.on_session_requested),
            (AnswerUploaded, self.on_answer_uploaded),
            (AnswerScored, self.on_answer_scored),
            (AnswerFailed, self.on_answer_failed),
            (SessionFinished, self.on_session_finished),
            (SessionCompleted, self.on_session_completed),
            (SessionDeleted, self.on_session_deleted),
        ]
        return [Subscription(event, GROUP, handler) for event, handler in handlers]

    @asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        """Run the abandoned-session sweep while the gateway runs."""
        async with background(self._sweep_forever(), "slo-sweep"):
            yield

    # ------------------------------------------------------------ handlers
    async def on_session_requested(self, event: SessionRequested) -> None:
        if await self._docs.insert(SESSIONS, event.sessionid, {"started_at": event.time.isoformat(), "open": True}):
            metrics.SESSIONS_STARTED.inc()

    async def on_answer_uploaded(self, event: AnswerUploaded) -> None:
        d = event.data
        at = event.time.isoformat()
        await self._docs.insert(ANSWERS, d.answer_id, {"session_id": d.session_id, "uploaded_at": at})
        await self._docs.update(SESSIONS, d.session_id, {"$max": {"last_upload_at": at}}, upsert=False)

    async def on_answer_scored(self, event: AnswerScored) -> None:
        answer = await self._docs.get(ANSWERS, event.data.answer_id)
        elapsed = seconds_between(_time((answer or {}).get("uploaded_at")), self._now())
        if elapsed is not None:
            metrics.ANSWER_SCORED_SECONDS.observe(elapsed)
            log.info("slo.answer_scored", seconds=round(elapsed, 3))
        await self._docs.delete(ANSWERS, {"_id": event.data.answer_id})

    async def on_answer_failed(self, event: AnswerFailed) -> None:
        d = event.data
        if d.answer_id is None:
            return
        metrics.ANSWERS_FAILED.labels(str(d.stage), d.reason).inc()
        if d.stage not in (Stage.speech, Stage.vision):  # terminal: no AnswerScored will follow
            await self._docs.delete(ANSWERS, {"_id": d.answer_id})

    async def on_session_finished(self, event: SessionFinished) -> None:
        await self._docs.update(
            SESSIONS, event.sessionid, {"$max": {"finished_at": event.time.isoformat()}}, upsert=False
        )

    async def on_session_completed(self, event: SessionCompleted) -> None:
        session = await self._docs.get(SESSIONS, event.sessionid)
        if session is None or not session.get("open", False):
            return  # unknown here, or already swept (counted once, as abandoned or timed out)
        if not await self._docs.insert(CLAIMS, f"ended:{event.sessionid}", {"outcome": "completed"}):
            return
        elapsed = seconds_between(candidate_done(session), self._now())
        if elapsed is not None:
            metrics.SESSION_COMPLETED_SECONDS.observe(elapsed)
            log.info("slo.session_completed", seconds=round(elapsed, 3))
        metrics.SESSIONS_ENDED.labels("completed").inc()
        await self._docs.update(SESSIONS, event.sessionid, {"$set": {"open": False}}, upsert=False)

    async def on_session_deleted(self, event: SessionDeleted) -> None:
        """Erasure: the timestamps go with the session (the counters hold no ids)."""
        await self._docs.delete(ANSWERS, {"session_id": event.sessionid})
        await self._docs.delete(SESSIONS, {"_id": event.sessionid})
        await self._docs.delete(CLAIMS, {"_id": f"ended:{event.sessionid}"})

    # ------------------------------------------------------------ sweep
    async def sweep(self) -> int:
        """Count open sessions idle past the abandon window as abandoned or timed out; returns how many."""
        now = self._now()
        ended = 0
        for session in await self._docs.find(SESSIONS, {"open": True}):
            outcome = sweep_outcome(session, now, self._abandon_after_s)
            if outcome is None:
                continue
            sid = session["_id"]
            if await self._docs.insert(CLAIMS, f"ended:{sid}", {"outcome": outcome}):
                metrics.SESSIONS_ENDED.labels(outcome).inc()
                log.info("slo.session_ended", session_id=sid, outcome=outcome)
                ended += 1
            await self._docs.update(SESSIONS, sid, {"$set": {"open": False}}, upsert=False)
        return ended

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self._sweep_s)
            try:
                await self.sweep()
            except Exception as exc:  # telemetry must never take the gateway down; next round retries
                log.warning("slo.sweep_failed", error=repr(exc))
