"""History and progress across a candidate's sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import get_args

from schemas.history import ProgressMetric
from services.gateway.history import progress, summary
from tests.unit.gateway_only import SETUP, gateway

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def answer(qid: str, attempt: int, status: str = "scored", **speech_vision) -> dict:
    return {
        "question_id": qid,
        "attempt": attempt,
        "status": status,
        "duration_s": speech_vision.pop("duration_s", 60.0),
        "speech": {
            "wpm": speech_vision.pop("wpm", 140.0),
            "filler_count": speech_vision.pop("fillers", 2),
            "long_pause_count": speech_vision.pop("pauses", 1),
        },
        "vision": {
            "eye_contact_ratio": speech_vision.pop("eye", 0.5),
            "frames_used": speech_vision.pop("frames", 20),
        },
    }


def session_doc(sid: str, days: int, status: str = "completed", answers=None, scores=None, result=None) -> dict:
    doc = {
        "_id": sid,
        "owner": "device:x",
        "created_at": (T0 + timedelta(days=days)).isoformat(),
        "request": {**SETUP, "session_id": sid},
        "status": status,
        "questions": [{"question_id": f"q{i}"} for i in range(1, 4)],
        "answers": answers or {},
        "inputs": {"job_description": None, "resume": None},
    }
    if scores is not None:
        doc["scores"] = scores
    if result is not None:
        doc["result"] = result
    return doc


SCORES = {"overall": 60.0, "communication": 70.0, "content": 50.0, "confidence": 65.0, "body_language": None}


def test_summary_counts_the_questions_the_result_is_based_on():
    answers = {"a1": answer("q1", 1), "a2": answer("q1", 2), "a3": answer("q2", 1, status="failed")}
    doc = session_doc("s1", 0, answers=answers, scores=SCORES)
    s = summary(doc)
    assert (s.questions_total, s.questions_answered) == (3, 1)
    assert s.scores is not None and s.scores.overall == 60.0 and s.scores.body_language is None
    named = session_doc("s1", 0, answers=answers, scores=SCORES, result={"answer_ids": ["a1"]})
    assert summary(named).questions_answered == 1


def test_progress_series_per_metric_oldest_first_with_gaps_where_not_measured():
    first = session_doc(
        "s1",
        0,
        answers={
            # Two attempts at q1: only the latest counts, as in the session score.
            "a1": answer("q1", 1, fillers=30, duration_s=60),
            "a2": answer("q1", 2, fillers=6, pauses=3, wpm=150, duration_s=120, eye=0.6, frames=30),
            "a3": answer("q2", 1, fillers=0, pauses=0, wpm=120, duration_s=60, eye=0.3, frames=10),
        },
        scores=SCORES,
    )
    second = session_doc(
        "s2",
        7,
        answers={"b1": answer("q1", 1, fillers=1, pauses=0, wpm=130, duration_s=60, eye=None)},
        scores={**SCORES, "overall": 72.0},
    )
    running = session_doc("s3", 9, status="ready", answers={"c1": answer("q1", 1)})
    p = progress([second, running, first])
    assert p.sessions == 2
    series = {m.metric: m for m in p.metrics}
    assert set(series) == set(get_args(ProgressMetric))  # every metric has a series
    assert [(pt.session_id, pt.value) for pt in series["overall"].points] == [("s1", 60.0), ("s2", 72.0)]
    assert series["body_language"].points == ()  # never measured: no point, not a zero
    # 6 fillers over 2 min + 0 over 1 min = 2.0 per minute (the first attempt's 30 fillers are not counted).
    assert [pt.value for pt in series["filler_rate"].points] == [2.0, 1.0]
    assert [pt.value for pt in series["long_pauses"].points] == [1.0, 0.0]
    # Pace weighted by answer length: (150*2 + 120*1) / 3 = 140.
    assert [pt.value for pt in series["pace"].points] == [140.0, 130.0]
    # Eye contact weighted by frames: (0.6*30 + 0.3*10) / 40 = 52.5 %; not measured in s2.
    assert [(pt.session_id, pt.value) for pt in series["eye_contact"].points] == [("s1", 52.5)]
    assert series["filler_rate"].better == "lower" and series["pace"].better == "in_band"
    assert series["eye_contact"].unit == "percent"


async def test_progress_endpoint_reads_the_callers_completed_sessions(tmp_path):
    async with gateway(tmp_path) as g, g.client() as browser:
        await browser.get("/api/me")
        created = (await browser.post("/api/sessions", json=SETUP)).json()
        sid = created["session_id"]
        doc = await g.infra.documents.get("sessions", sid)
        assert doc is not None
        await g.infra.documents.update(
            "sessions",
            sid,
            {"$set": {"status": "completed", "scores": SCORES, "answers": {"a1": answer("q1", 1, fillers=3)}}},
        )
        body = (await browser.get("/api/progress")).json()
        assert body["sessions"] == 1
        overall = next(m for m in body["metrics"] if m["metric"] == "overall")
        assert overall["points"] == [{"session_id": sid, "at": overall["points"][0]["at"], "value": 60.0}]
        listed = (await browser.get("/api/sessions")).json()["sessions"][0]
        assert listed["status"] == "completed" and listed["scores"]["overall"] == 60.0
