"""Finding 2: limits on sessions, attempts, uploads, bytes and request rate; rejected uploads keep nothing."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import httpx
import pytest

from runtime.infra import Infrastructure
from services.gateway.quotas import TokenBucket
from tests.conftest import Platform
from tests.unit.gateway_only import gateway
from tests.unit.security.test_http_hardening import service_questions

SETUP = {"role": "Data engineer", "interview_type": "technical", "level": "mid", "duration_min": 15}
WEBM = b"\x1a\x45\xdf\xa3" + b"\x00" * 4096


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_token_bucket_allows_the_rate_and_says_when_to_retry():
    clock = Clock()
    bucket = TokenBucket(6, clock)  # one every 10 s, bursts of 6
    assert [bucket.take("a") for _ in range(6)] == [0.0] * 6
    assert bucket.take("a") == pytest.approx(10.0)
    assert bucket.take("b") == 0.0  # per key
    clock.t = 10.0
    assert bucket.take("a") == 0.0


def test_token_bucket_memory_is_bounded():
    clock = Clock()
    bucket = TokenBucket(6, clock, max_keys=100)
    for i in range(1000):
        clock.t += 1
        bucket.take(f"k{i}")
    assert len(bucket._state) <= 100


@asynccontextmanager
async def quota_gateway(tmp_path, **limits) -> AsyncIterator[tuple[Infrastructure, httpx.AsyncClient]]:
    """The gateway alone with these limits, and an API client."""
    keys = tmp_path.parent / f"{tmp_path.name}.keys.json"
    async with gateway(tmp_path, data_key_file=keys, **limits) as gw, gw.client() as client:
        yield gw.infra, client


async def new_session(client, infra):
    res = await client.post("/api/sessions", json=SETUP)
    assert res.status_code == 201, res.text
    sid = res.json()["session_id"]
    await service_questions(infra, sid)
    return sid, {"Authorization": f"Bearer {res.json()['token']}"}


async def upload(client, sid: str, auth: dict[str, str], question_id: str = "q1") -> httpx.Response:
    """Posts the small recording (WEBM) as an answer to ``question_id``."""
    url = f"/api/sessions/{sid}/questions/{question_id}/answers"
    return await client.post(url, content=WEBM, headers={**auth, "Content-Type": "video/webm"})


async def test_session_creation_is_rate_limited_per_client(tmp_path):
    async with quota_gateway(tmp_path, session_creates_per_minute=3) as (_, client):
        codes = [(await client.post("/api/sessions", json=SETUP)).status_code for _ in range(4)]
        assert codes == [201, 201, 201, 429]
        res = await client.post("/api/sessions", json=SETUP)
        assert res.status_code == 429 and 1 <= int(res.headers["retry-after"]) <= 20


async def test_sessions_per_profile_per_day(tmp_path):
    async with quota_gateway(tmp_path, sessions_per_profile_per_day=2) as (_, client):
        codes = [(await client.post("/api/sessions", json=SETUP)).status_code for _ in range(3)]
        assert codes == [201, 201, 429]
        res = await client.post("/api/sessions", json=SETUP)
        now = datetime.now(UTC)
        to_midnight = 86400 - (now.hour * 3600 + now.minute * 60 + now.second)
        assert abs(int(res.headers["retry-after"]) - to_midnight) <= 5
        assert "a day" in res.json()["detail"]


async def test_uploads_rate_attempts_and_per_session_limits(tmp_path):
    async with quota_gateway(tmp_path, attempts_per_question=2, uploads_per_session=3) as (infra, client):
        sid, auth = await new_session(client, infra)
        assert [(await upload(client, sid, auth)).status_code for _ in range(3)] == [202, 202, 409]
        await infra.documents.update(
            "sessions",
            sid,
            {"$push": {"questions": {"question_id": "q2", "index": 1, "text": "?", "type": "technical"}}},
        )
        assert (await upload(client, sid, auth, "q2")).status_code == 202
        res = await upload(client, sid, auth, "q2")
        assert res.status_code == 409 and "uploads" in res.json()["detail"]


async def test_upload_rate_limit(tmp_path):
    async with quota_gateway(tmp_path, uploads_per_minute=2) as (infra, client):
        sid, auth = await new_session(client, infra)
        codes = [(await upload(client, sid, auth)).status_code for _ in range(3)]
        assert codes == [202, 202, 429]


async def test_bytes_per_profile(tmp_path):
    async with quota_gateway(tmp_path, bytes_per_profile=10_000) as (infra, client):
        sid, auth = await new_session(client, infra)
        assert (await upload(client, sid, auth)).status_code == 202  # 4100 bytes
        assert (await upload(client, sid, auth)).status_code == 202  # 8200
        res = await upload(client, sid, auth)  # would be 12300
        assert res.status_code == 413 and "quota" in res.json()["detail"]
        # Deleting an interview gives its bytes back.
        assert (await client.delete(f"/api/sessions/{sid}", headers=auth)).status_code == 204
        sid, auth = await new_session(client, infra)
        assert (await upload(client, sid, auth)).status_code == 202


async def test_rejected_uploads_leave_no_folder(platform: Platform, tmp_path):
    created = (await platform.client.post("/api/sessions", json=SETUP)).json()
    sid, auth = created["session_id"], {"Authorization": f"Bearer {created['token']}"}
    await platform.bus.drain()
    url = f"/api/sessions/{sid}/questions/q1/answers"
    bad = [
        (b"not a video at all", "video/webm", 415),
        (b"", "video/webm", 400),
        (b"\x1a\x45\xdf", "video/webm", 400),
        (b"\x1a\x45\xdf\xa3" + b"\x00" * (3 * 1024 * 1024), "video/webm", 413),
    ]
    for body, ctype, code in bad:
        res = await platform.client.post(url, content=body, headers={**auth, "Content-Type": ctype})
        assert res.status_code == code, (body[:8], res.text)
    assert not (tmp_path / "objects" / "sessions" / sid / "answers").exists() or not list(
        (tmp_path / "objects" / "sessions" / sid / "answers").iterdir()
    )


async def test_garbage_behind_the_magic_bytes_is_deleted_once_media_rejects_it(platform: Platform, tmp_path):
    created = (await platform.client.post("/api/sessions", json=SETUP)).json()
    sid, auth = created["session_id"], {"Authorization": f"Bearer {created['token']}"}
    await platform.bus.drain()
    session = (await platform.client.get(f"/api/sessions/{sid}", headers=auth)).json()
    qid = session["questions"][0]["question_id"]
    up = await platform.client.post(
        f"/api/sessions/{sid}/questions/{qid}/answers",
        content=b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 40,
        headers={**auth, "Content-Type": "video/webm"},
    )
    assert up.status_code == 202
    await platform.bus.drain()
    session = (await platform.client.get(f"/api/sessions/{sid}", headers=auth)).json()
    answer = session["answers"][up.json()["answer_id"]]
    assert answer["status"] == "failed" and answer["error"]["stage"] == "media"
    assert not (tmp_path / "objects" / "sessions" / sid / "answers" / up.json()["answer_id"]).exists()
    assert (await platform.infra.documents.get("sessions", sid))["stored_bytes"] == 0
    video = await platform.client.get(f"/api/sessions/{sid}/answers/{up.json()['answer_id']}/video", headers=auth)
    assert video.status_code == 404
