"""Service-level metrics: end-to-end latencies, uploads by outcome, failures by stage, session outcomes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, HTTPException
from prometheus_client import REGISTRY

from runtime.storage.sqlite import SqliteDocumentStore
from schemas import events as ev
from services.gateway.slo import SloRecorder, UploadOutcomes, sweep_outcome, upload_outcome
from tests.conftest import Platform
from tests.fixtures import speech as fx
from tests.fixtures.video import make_clip

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
SID, AID = "a" * 32, "b" * 32


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def store(tmp_path: Path):
    docs = SqliteDocumentStore(tmp_path / "docs.sqlite3")
    yield docs
    docs.close()


def requested(at: datetime) -> ev.SessionRequested:
    data = ev.SessionRequestedData(session_id=SID, role="dev", interview_type="technical", level="mid", duration_min=15)
    return ev.SessionRequested.new(data, source="test", sessionid=SID).model_copy(update={"time": at})


def uploaded(at: datetime, answer_id: str = AID) -> ev.AnswerUploaded:
    data = ev.AnswerUploadedData(
        session_id=SID,
        answer_id=answer_id,
        question_id="q1",
        attempt=1,
        video_key="k",
        content_type="video/webm",
        size_bytes=1,
    )
    return ev.AnswerUploaded.new(data, source="test", sessionid=SID, answerid=answer_id).model_copy(update={"time": at})


def scored(cause: ev.AnswerUploaded) -> ev.AnswerScored:
    data = ev.AnswerScoredData(
        session_id=SID,
        answer_id=cause.data.answer_id,
        question_id="q1",
        attempt=1,
        scores=ev.Scores(overall=50),
        confidence_level="medium",
        report_key="r",
    )
    return ev.AnswerScored.caused_by(cause, data, source="test")


def finished(at: datetime) -> ev.SessionFinished:
    data = ev.SessionFinishedData(session_id=SID, question_ids=("q1",), answered_question_ids=("q1",))
    return ev.SessionFinished.new(data, source="test", sessionid=SID).model_copy(update={"time": at})


def completed(cause: ev.SessionFinished) -> ev.SessionCompleted:
    data = ev.SessionCompletedData(session_id=SID, answers=(), scores=ev.Scores())
    return ev.SessionCompleted.caused_by(cause, data, source="test")


async def test_answer_latency_runs_from_upload_accepted_to_scored_once(store):
    clock = Clock()
    slo = SloRecorder(store, clock=clock)
    count0, sum0 = sample("mi_answer_scored_seconds_count"), sample("mi_answer_scored_seconds_sum")
    await slo.on_session_requested(requested(T0))
    up = uploaded(T0 + timedelta(seconds=5))
    await slo.on_answer_uploaded(up)
    clock.now = T0 + timedelta(seconds=17.5)
    await slo.on_answer_scored(scored(up))
    assert sample("mi_answer_scored_seconds_count") - count0 == 1
    assert sample("mi_answer_scored_seconds_sum") - sum0 == pytest.approx(12.5)
    assert sample("mi_answer_scored_seconds_bucket", le="15.0") - sample("mi_answer_scored_seconds_bucket", le="10.0")
    # The same answer again (a replay the processed log missed): its start is gone, nothing is observed.
    await slo.on_answer_scored(scored(up))
    assert sample("mi_answer_scored_seconds_count") - count0 == 1


async def test_session_wait_runs_from_the_later_of_finish_and_last_upload(store):
    clock = Clock()
    slo = SloRecorder(store, clock=clock)
    sum0, ended0 = sample("mi_session_completed_seconds_sum"), sample("mi_sessions_ended_total", outcome="completed")
    await slo.on_session_requested(requested(T0))
    fin = finished(T0 + timedelta(seconds=60))
    await slo.on_session_finished(fin)
    await slo.on_answer_uploaded(uploaded(T0 + timedelta(seconds=90)))  # an upload landing after Finish
    clock.now = T0 + timedelta(seconds=100)
    await slo.on_session_completed(completed(fin))
    await slo.on_session_completed(completed(fin))  # redelivered: counted once
    assert sample("mi_session_completed_seconds_sum") - sum0 == pytest.approx(10)
    assert sample("mi_sessions_ended_total", outcome="completed") - ended0 == 1


async def test_idle_sessions_are_swept_once_as_abandoned_or_timed_out(store):
    clock = Clock()
    slo, other_replica = SloRecorder(store, abandon_after_s=3600, clock=clock), SloRecorder(store, clock=clock)
    abandoned0 = sample("mi_sessions_ended_total", outcome="abandoned")
    timed_out0 = sample("mi_sessions_ended_total", outcome="timed_out")
    await slo.on_session_requested(requested(T0))
    clock.now = T0 + timedelta(seconds=3599)
    assert await slo.sweep() == 0
    clock.now = T0 + timedelta(seconds=3601)
    assert await slo.sweep() + await other_replica.sweep() == 1
    assert sample("mi_sessions_ended_total", outcome="abandoned") - abandoned0 == 1
    # Results arriving after the sweep do not count the session twice.
    completed0 = sample("mi_sessions_ended_total", outcome="completed")
    await slo.on_session_completed(completed(finished(T0)))
    assert sample("mi_sessions_ended_total", outcome="completed") == completed0
    assert sample("mi_sessions_ended_total", outcome="timed_out") == timed_out0
    assert sweep_outcome({"started_at": T0.isoformat(), "finished_at": T0.isoformat()}, clock.now, 60) == "timed_out"


async def test_failures_are_counted_by_stage_and_reason_and_erasure_removes_timestamps(store):
    slo = SloRecorder(store)
    await slo.on_session_requested(requested(T0))
    up = uploaded(T0)
    await slo.on_answer_uploaded(up)
    before = sample("mi_answers_failed_total", stage="media", reason="truncated")
    failed = ev.AnswerFailed.because(up, ev.Stage.media, "truncated", "cut off", source="test")
    await slo.on_answer_failed(failed)
    assert sample("mi_answers_failed_total", stage="media", reason="truncated") - before == 1
    assert await store.get("slo_answers", AID) is None  # terminal: no score will follow
    await slo.on_answer_uploaded(uploaded(T0, "c" * 32))
    await slo.on_session_deleted(
        ev.SessionDeleted.new(ev.SessionDeletedData(session_id=SID), source="t", sessionid=SID)
    )
    assert await store.find("slo_answers") == [] and await store.find("slo_sessions") == []


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(202, "accepted"), (413, "too_large"), (415, "unsupported_type"), (429, "rate_limited"), (500, "error")],
)
async def test_uploads_are_counted_by_http_outcome(status, outcome):
    app = FastAPI()

    @app.post("/api/sessions/{sid}/questions/{qid}/answers", status_code=202)
    async def upload() -> dict[str, str]:
        if status != 202:
            raise HTTPException(status, "no")
        return {}

    @app.post("/api/sessions")
    async def other() -> dict[str, str]:
        return {}

    wrapped = UploadOutcomes(app)
    before = sample("mi_uploads_total", outcome=outcome)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=wrapped), base_url="http://gw") as client:
        await client.post("/api/sessions/s/questions/q/answers", content=b"x")
        await client.post("/api/sessions")  # not an upload: not counted
    assert sample("mi_uploads_total", outcome=outcome) - before == 1
    assert upload_outcome(None) == "aborted" and upload_outcome(418) == "rejected"


async def test_the_embedded_platform_records_an_answer_end_to_end(platform: Platform, tmp_path):
    setup = {"role": "Data engineer", "interview_type": "technical", "level": "mid", "duration_min": 15}
    created = (await platform.client.post("/api/sessions", json=setup)).json()
    auth = {"Authorization": f"Bearer {created['token']}"}
    sid = created["session_id"]
    await platform.bus.drain()
    question = (await platform.client.get(f"/api/sessions/{sid}", headers=auth)).json()["questions"][0]
    voice, _ = fx.build([("say", "I reproduce the issue first and then read the logs")])
    clip = make_clip(tmp_path / "a.webm", seconds=len(voice) / 16_000 + 0.5, speech=voice).read_bytes()
    count0 = sample("mi_answer_scored_seconds_count")
    accepted0, rejected0 = (
        sample("mi_uploads_total", outcome="accepted"),
        sample("mi_uploads_total", outcome="unsupported_type"),
    )
    url = f"/api/sessions/{sid}/questions/{question['question_id']}/answers"
    bad = await platform.client.post(url, content=clip, headers={**auth, "Content-Type": "image/png"})
    assert bad.status_code == 415
    up = await platform.client.post(url, content=clip, headers={**auth, "Content-Type": "video/webm"})
    assert up.status_code == 202
    await platform.bus.drain()
    assert sample("mi_answer_scored_seconds_count") - count0 == 1
    assert sample("mi_uploads_total", outcome="accepted") - accepted0 == 1
    assert sample("mi_uploads_total", outcome="unsupported_type") - rejected0 == 1
    ended0 = sample("mi_sessions_ended_total", outcome="completed")
    await platform.client.post(f"/api/sessions/{sid}/finish", headers=auth)
    await platform.bus.drain()
    assert sample("mi_sessions_ended_total", outcome="completed") - ended0 == 1
