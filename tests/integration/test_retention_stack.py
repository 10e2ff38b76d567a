"""Retention on the real stores: an expired session's objects leave S3 and its documents leave FerretDB."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from mockinterview import registry
from runtime.bus.memory import InMemoryBus
from runtime.infra import Infrastructure
from runtime.runner import running
from runtime.storage.objects import ObjectNotFound

pytestmark = pytest.mark.integration
WEBM = b"\x1a\x45\xdf\xa3" + b"\x00" * 4096
SETUP = {"role": "Backend engineer", "interview_type": "technical", "level": "mid", "duration_min": 15}


async def test_cleanup_erases_an_expired_session_from_s3_and_mongo(s3, mongo):
    infra = Infrastructure(InMemoryBus(), s3, mongo)
    _, gateway = registry.load("gateway").build(infra, retention_interval_s=0)
    async with (
        running([gateway], infra),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway.http_app), base_url="http://localhost") as browser,
    ):
        await browser.get("/api/me")
        ids = []
        for _ in range(2):
            sid = (await browser.post("/api/sessions", json=SETUP)).json()["session_id"]
            await mongo.update("sessions", sid, {"$set": {"questions": [{"question_id": "q1"}], "status": "ready"}})
            res = await browser.post(
                f"/api/sessions/{sid}/questions/q1/answers", content=WEBM, headers={"Content-Type": "video/webm"}
            )
            assert res.status_code == 202, res.text
            ids.append((sid, (await mongo.get("sessions", sid))["answers"][res.json()["answer_id"]]["video_key"]))
        (old, old_video), (kept, kept_video) = ids
        assert (await s3.stat(old_video)).size == len(WEBM)
        long_ago = (datetime.now(UTC) - timedelta(days=31)).isoformat()
        await mongo.update("sessions", old, {"$set": {"created_at": long_ago}})

        assert await gateway.http_app.state.cleanup() == [(old, "expired")]

        with pytest.raises(ObjectNotFound):
            await s3.stat(old_video)
        assert await mongo.get("sessions", old) is None
        assert (await s3.stat(kept_video)).size == len(WEBM)
        assert [s["session_id"] for s in (await browser.get("/api/sessions")).json()["sessions"]] == [kept]
