"""Retention: expired and abandoned sessions are erased with their files, logged and counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client import REGISTRY

from services.gateway import retention
from tests.unit.gateway_only import SETUP, gateway

WEBM = b"\x1a\x45\xdf\xa3" + b"\x00" * 4096
NOW = datetime(2025, 6, 1, tzinfo=UTC)
POLICY = retention.Policy(retention_days=30, abandoned_days=7)


def doc(created_days_ago: float, status: str = "completed", uploads_days_ago: tuple[float, ...] = ()) -> dict:
    return {
        "_id": "s",
        "created_at": (NOW - timedelta(days=created_days_ago)).isoformat(),
        "status": status,
        "answers": {
            f"a{i}": {"uploaded_at": (NOW - timedelta(days=d)).isoformat()} for i, d in enumerate(uploads_days_ago)
        },
    }


def test_which_sessions_are_due():
    assert retention.reason_to_erase(doc(31), NOW, POLICY) == "expired"
    assert retention.reason_to_erase(doc(29), NOW, POLICY) is None  # completed, within retention
    assert retention.reason_to_erase(doc(8, status="ready"), NOW, POLICY) == "abandoned"
    # An upload three days ago keeps an unfinished session alive.
    assert retention.reason_to_erase(doc(8, status="ready", uploads_days_ago=(3,)), NOW, POLICY) is None
    assert retention.reason_to_erase(doc(6, status="generating_questions"), NOW, POLICY) is None
    assert retention.reason_to_erase(doc(40, status="ready", uploads_days_ago=(1,)), NOW, POLICY) == "expired"


def _deleted(reason: str) -> float:
    return REGISTRY.get_sample_value("mi_retention_sessions_deleted_total", {"reason": reason}) or 0.0


async def test_cleanup_erases_an_expired_session_and_its_files(tmp_path):
    async with gateway(tmp_path) as g, g.client() as browser:
        await browser.get("/api/me")
        old = (await browser.post("/api/sessions", json={**SETUP, "job_description": "Build payment APIs"})).json()
        kept = (await browser.post("/api/sessions", json=SETUP)).json()
        for created in (old, kept):
            await g.infra.documents.update(
                "sessions", created["session_id"], {"$set": {"questions": [{"question_id": "q1"}], "status": "ready"}}
            )
            res = await browser.post(
                f"/api/sessions/{created['session_id']}/questions/q1/answers",
                content=WEBM,
                headers={"Content-Type": "video/webm"},
            )
            assert res.status_code == 202
        sid = old["session_id"]
        files = [p for p in (tmp_path / "objects" / "sessions" / sid).rglob("*") if p.is_file()]
        assert files, "the upload is on disk before the cleanup"
        long_ago = (datetime.now(UTC) - timedelta(days=31)).isoformat()
        await g.infra.documents.update("sessions", sid, {"$set": {"created_at": long_ago}})
        published: list = []
        g.bus.publish = _recorder(g.bus.publish, published)  # type: ignore[method-assign]
        before = _deleted("expired")

        erased = await g.app.state.cleanup()

        assert erased == [(sid, "expired")]
        assert _deleted("expired") == before + 1
        assert not (tmp_path / "objects" / "sessions" / sid).exists() or not any(
            p.is_file() for p in (tmp_path / "objects" / "sessions" / sid).rglob("*")
        )
        assert await g.infra.documents.get("sessions", sid) is None
        assert [e.sessionid for e in published if e.type.endswith("session.deleted")] == [sid]
        # The other session is untouched.
        assert await g.infra.documents.get("sessions", kept["session_id"]) is not None
        assert any((tmp_path / "objects" / "sessions" / kept["session_id"]).rglob("video.webm"))
        assert [s["session_id"] for s in (await browser.get("/api/sessions")).json()["sessions"]] == [
            kept["session_id"]
        ]
        assert await g.app.state.cleanup() == []  # nothing more to do


def _recorder(publish, sink: list):
    async def wrapper(event):
        sink.append(event)
        await publish(event)

    return wrapper


async def test_one_replica_runs_each_interval(tmp_path):
    async with gateway(tmp_path) as g:
        store = g.infra.documents
        assert await retention.claim_run(store, 3600, NOW)
        assert not await retention.claim_run(store, 3600, NOW + timedelta(minutes=5))
        assert await retention.claim_run(store, 3600, NOW + timedelta(hours=1))


async def test_expired_sign_ins_are_swept(tmp_path):
    async with gateway(tmp_path) as g:
        from services.gateway.identity import Identities, Principal

        ids = Identities(g.infra.documents)
        alice = Principal(owner="https://idp#alice", kind="oidc")
        old = await ids.new_login(alice, days=1, now=datetime.now(UTC) - timedelta(days=2))
        fresh = await ids.new_login(alice, days=1)
        assert await ids.login(old) is None  # expired: refused even before the sweep
        assert await ids.sweep() == 1
        assert await ids.login(fresh) is not None
