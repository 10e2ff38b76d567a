"""Gateway commands under outages: 503 + Retry-After with nothing recorded; retry analysis of a failed answer."""

from runtime.errors import Unavailable
from schemas import AnswerUploaded, topic_for
from tests.conftest import Platform
from tests.unit.test_gateway_api import WEBM, new_session

SETUP = {"role": "Data engineer", "interview_type": "technical", "level": "senior", "duration_min": 15}


async def test_document_store_down_answers_503_and_records_nothing(platform: Platform, monkeypatch):
    docs = platform.infra.documents
    before = await docs.find("sessions")

    async def down(*args, **kwargs):
        raise Unavailable("documents", "connection refused")

    for name in ("get", "insert", "update", "put", "find"):
        monkeypatch.setattr(docs, name, down)
    res = await platform.client.post("/api/sessions", json=SETUP)
    assert res.status_code == 503
    assert res.headers["retry-after"] == "5"
    assert res.json()["dependency"] == "documents"
    monkeypatch.undo()
    assert await docs.find("sessions") == before
    assert await docs.find("outbox") == []


async def test_bus_down_still_accepts_and_delivers_later(platform: Platform, monkeypatch):
    bus = platform.bus
    real = bus.publish

    async def down(event):
        raise Unavailable("bus", "broker stopped")

    monkeypatch.setattr(bus, "publish", down)
    res = await platform.client.post("/api/sessions", json=SETUP)
    assert res.status_code == 201  # committed to the outbox
    outbox = platform.app.state.outbox
    assert len(await outbox.pending()) == 1
    monkeypatch.setattr(bus, "publish", real)
    await outbox.relay_pending()  # (the background relay may get there first: either way it is sent once back)
    assert await outbox.pending() == []
    await bus.drain()
    auth = {"Authorization": f"Bearer {res.json()['token']}"}
    session = (await platform.client.get(f"/api/sessions/{res.json()['session_id']}", headers=auth)).json()
    assert session["status"] == "ready"


async def test_retry_delivers_the_same_attempt_again_once(platform: Platform):
    sid, auth, session = await new_session(platform)
    qid = session["questions"][0]["question_id"]
    up = await platform.client.post(
        f"/api/sessions/{sid}/questions/{qid}/answers", content=WEBM, headers={**auth, "Content-Type": "video/webm"}
    )
    aid = up.json()["answer_id"]
    await platform.bus.drain()
    url = f"/api/sessions/{sid}/answers/{aid}/retry"
    doc = (await platform.client.get(f"/api/sessions/{sid}", headers=auth)).json()
    assert doc["answers"][aid]["status"] == "failed"  # not a real video: media fails it
    first = await platform.client.post(url, headers=auth)
    second = await platform.client.post(url, headers=auth)  # a double click: no second delivery
    assert first.status_code == second.status_code == 202
    assert first.json() == {"answer_id": aid, "attempt": 1, "status": "uploaded", "retry": 1}
    assert second.json()["retry"] == 1
    await platform.bus.drain()
    uploads = [
        AnswerUploaded.model_validate_json(p)
        for p in platform.bus.messages(topic_for(AnswerUploaded))  # type: ignore[union-attr]
    ]
    mine = [u for u in uploads if u.data.answer_id == aid]
    assert len({u.id for u in mine}) == 2  # the upload and one retry
    assert all(u.data.attempt == 1 and u.data.video_key == mine[0].data.video_key for u in mine)
    doc = (await platform.client.get(f"/api/sessions/{sid}", headers=auth)).json()
    assert doc["answers"][aid]["status"] == "failed" and doc["answers"][aid]["retries"] == 1
    missing = await platform.client.post(f"/api/sessions/{sid}/answers/{'0' * 32}/retry", headers=auth)
    assert missing.status_code == 404
    other = await platform.client.post(url)
    assert other.status_code == 401  # owner only: no Bearer token at all


async def test_readyz_names_the_dependency_that_is_down(platform: Platform, monkeypatch):
    platform.app.state.ready_checks = platform.infra.checks
    ok = await platform.client.get("/readyz")
    assert ok.status_code == 200
    assert ok.json() == {"status": "ready", "checks": {"bus": "ok", "objects": "ok", "documents": "ok"}}

    async def down():
        raise Unavailable("documents", "connection refused")

    monkeypatch.setattr(platform.infra.documents, "ping", down)
    platform.app.state.ready_checks = {**platform.infra.checks, "documents": down}
    res = await platform.client.get("/readyz")
    assert res.status_code == 503 and res.headers["retry-after"]
    assert res.json()["checks"]["documents"] == "down: connection refused"
    assert res.json()["checks"]["bus"] == "ok"
