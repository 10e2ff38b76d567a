import pytest

from runtime.storage.objects import ObjectNotFound
from schemas import keys
from tests.conftest import Platform

WEBM = b"\x1a\x45\xdf\xa3" + b"\x00" * 2048
MP4 = b"\x00\x00\x00\x18ftypisom" + b"\x00" * 2048
SETUP = {"role": "Data engineer", "interview_type": "technical", "level": "senior", "duration_min": 15}


async def new_session(platform: Platform) -> tuple[str, dict[str, str], dict]:
    res = await platform.client.post("/api/sessions", json=SETUP)
    assert res.status_code == 201, res.text
    body = res.json()
    auth = {"Authorization": f"Bearer {body['token']}"}
    await platform.bus.drain()  # questions service answers SessionRequested
    session = (await platform.client.get(f"/api/sessions/{body['session_id']}", headers=auth)).json()
    return body["session_id"], auth, session


async def test_create_session_generates_questions(platform: Platform):
    sid, _, session = await new_session(platform)
    assert session["session_id"] == sid
    assert session["status"] == "ready"
    assert len(session["questions"]) == 5
    assert all(q["type"] == "technical" for q in session["questions"])
    assert "token_sha256" not in session
    # Nothing answered yet: reading the criteria aloud would game the content score.
    for q in session["questions"]:
        assert q["criteria"] is q["outline"] is q["rubric"] is q["misconceptions"] is None


async def test_openapi_declares_typed_responses(platform: Platform):
    doc = (await platform.client.get("/openapi.json")).json()

    def schema(path: str, method: str = "get", code: str = "200") -> str:
        return doc["paths"][path][method]["responses"][code]["content"]["application/json"]["schema"]["$ref"]

    assert schema("/api/sessions/{session_id}").endswith("/SessionView")
    assert schema("/api/sessions/{session_id}/answers/{answer_id}/report").endswith("/AnswerReport")
    assert schema("/api/sessions/{session_id}/results").endswith("/SessionResults")
    assert schema("/api/sessions", "post", "201").endswith("/SessionCreated")
    report = doc["components"]["schemas"]["AnswerReport"]["properties"]
    assert {"speech", "vision", "feedback"} <= set(report)
    assert "wpm" in doc["components"]["schemas"]["SpeechReport"]["properties"]


@pytest.mark.parametrize(
    "bad",
    [
        {},
        {**SETUP, "duration_min": 20},
        {**SETUP, "level": "guru"},
        {**SETUP, "role": ""},
        {**SETUP, "unexpected": 1},
        {**SETUP, "resume": "x" * 20_001},
    ],
)
async def test_create_session_rejects_bad_input(platform: Platform, bad):
    res = await platform.client.post("/api/sessions", json=bad)
    assert res.status_code == 422


async def test_sessions_are_private_to_their_token(platform: Platform):
    sid, auth, _ = await new_session(platform)
    _, other, _ = await new_session(platform)
    assert (await platform.client.get(f"/api/sessions/{sid}")).status_code == 401  # no Bearer token at all
    for headers in (other, {"Authorization": "Bearer nope"}):
        res = await platform.client.get(f"/api/sessions/{sid}", headers=headers)
        assert res.status_code == 404
    assert (await platform.client.get("/api/sessions/" + "0" * 32, headers=auth)).status_code == 404
    assert (await platform.client.get("/api/sessions/not-an-id", headers=auth)).status_code == 422


async def test_upload_publishes_answer_and_failure_is_visible(platform: Platform):
    sid, auth, session = await new_session(platform)
    qid = session["questions"][0]["question_id"]
    url = f"/api/sessions/{sid}/questions/{qid}/answers"
    first = await platform.client.post(url, content=WEBM, headers={**auth, "Content-Type": "video/webm"})
    second = await platform.client.post(url, content=MP4, headers={**auth, "Content-Type": "video/mp4"})
    assert (first.status_code, second.status_code) == (202, 202)
    assert (first.json()["attempt"], second.json()["attempt"]) == (1, 2)
    await platform.bus.drain()
    session = (await platform.client.get(f"/api/sessions/{sid}", headers=auth)).json()
    answer = session["answers"][first.json()["answer_id"]]
    assert answer["question_id"] == qid and answer["size_bytes"] == len(WEBM)
    # Right magic bytes, no real video behind them: media says why, nothing hangs.
    assert answer["status"] == "failed"
    assert answer["error"]["stage"] == "media" and answer["error"]["reason"] == "unreadable_container"
    # An upload the media stage cannot read is not kept (issue #16: garbage behind magic bytes filled the disk).
    with pytest.raises(ObjectNotFound):
        await platform.infra.objects.get_bytes(keys.video_key(sid, first.json()["answer_id"], ".webm"))


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (WEBM, "video/mp4", 415),  # declared MP4, bytes are WebM
        (b"plain text, not a video", "video/webm", 415),
        (WEBM, "text/plain", 415),
        (b"", "video/webm", 400),
        (b"\x1a\x45\xdf\xa3" + b"\x00" * (2 * 1024 * 1024), "video/webm", 413),  # over the 2 MiB test limit
    ],
)
async def test_upload_rejects_bad_videos(platform: Platform, content, content_type, status):
    sid, auth, session = await new_session(platform)
    qid = session["questions"][0]["question_id"]
    res = await platform.client.post(
        f"/api/sessions/{sid}/questions/{qid}/answers",
        content=content,
        headers={**auth, "Content-Type": content_type},
    )
    assert res.status_code == status, res.text
    assert res.json()["detail"]
    session = (await platform.client.get(f"/api/sessions/{sid}", headers=auth)).json()
    assert session["answers"] == {}


async def test_upload_to_unknown_question_or_foreign_session(platform: Platform):
    sid, auth, session = await new_session(platform)
    _, other, _ = await new_session(platform)
    headers = {"Content-Type": "video/webm"}
    res = await platform.client.post(
        f"/api/sessions/{sid}/questions/q99/answers", content=WEBM, headers={**auth, **headers}
    )
    assert res.status_code == 404
    qid = session["questions"][0]["question_id"]
    res = await platform.client.post(
        f"/api/sessions/{sid}/questions/{qid}/answers", content=WEBM, headers={**other, **headers}
    )
    assert res.status_code == 404


async def test_health_metrics_and_ui(platform: Platform):
    assert (await platform.client.get("/healthz")).json() == {"status": "ok"}
    metrics = (await platform.client.get("/metrics")).text
    assert "mi_events_published_total" in metrics
    page = await platform.client.get("/")
    assert page.status_code == 200 and "Mock Interview" in page.text


async def test_the_scoring_table_is_served_for_the_ui(platform: Platform):
    from schemas.scoring import SCORING

    res = await platform.client.get("/api/scoring")
    assert res.status_code == 200
    body = res.json()
    assert body["verdicts"] == {"strong": SCORING.verdicts.strong, "solid": SCORING.verdicts.solid}
    assert body["long_pause_s"] == SCORING.long_pause_s
    assert [m["id"] for m in body["metrics"]] == [m.id for m in SCORING.metrics]
