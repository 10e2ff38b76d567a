"""Finding 6: security headers, allowed hosts, Bearer only, /docs and /metrics configurable, body idle timeout."""

import asyncio
import re
from importlib import resources

import httpx
import pytest

from runtime.infra import open_infrastructure
from runtime.runner import running
from runtime.settings import Mode
from services.gateway.app import create
from services.gateway.config import Settings
from services.gateway.security import CSP, host_allowed
from tests.conftest import Platform

SETUP = {"role": "Data engineer", "interview_type": "technical", "level": "mid", "duration_min": 15}


async def test_every_response_has_the_security_headers(platform: Platform):
    for path in ("/", "/app.js", "/api/sessions/" + "0" * 32, "/healthz"):
        res = await platform.client.get(path)
        assert res.headers["content-security-policy"] == CSP, path
        assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP and "frame-ancestors 'none'" in CSP
        assert res.headers["x-content-type-options"] == "nosniff"
        assert res.headers["x-frame-options"] == "DENY"
        assert res.headers["referrer-policy"] == "no-referrer"
    api = await platform.client.post("/api/sessions", json=SETUP)
    assert api.headers["cache-control"] == "no-store"


def test_the_ui_has_no_inline_script_handler_or_style():
    """What the CSP forbids must not be in the UI: inline <script>, on* handlers, style attributes."""
    static = resources.files("services.gateway").joinpath("static")
    html = static.joinpath("index.html").read_text()
    js = static.joinpath("app.js").read_text()
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert re.findall(r"\son[a-z]+\s*=", html) == []
    assert re.findall(r"\sstyle\s*=", html) == []
    # Markup built in JS is parsed as HTML too: no handlers or style attributes in it.
    assert re.findall(r"\son[a-z]+=[\"'`$]", js) == []
    assert re.findall(r"\sstyle=[\"'`$]", js) == []
    assert "eval(" not in js and "new Function" not in js


@pytest.mark.parametrize("host", ["evil.example", "rebind.attacker.test:8000", "192.168.1.5"])
async def test_unknown_host_is_refused(platform: Platform, host):
    res = await platform.client.get("/api/sessions/" + "0" * 32, headers={"Host": host})
    assert res.status_code == 400
    assert "host" in res.json()["detail"]
    assert (await platform.client.get("/", headers={"Host": host})).status_code == 400


@pytest.mark.parametrize("host", ["localhost", "localhost:8000", "127.0.0.1:8000", "[::1]:8000"])
async def test_loopback_hosts_are_served_in_the_embedded_mode(platform: Platform, host):
    assert (await platform.client.get("/healthz", headers={"Host": host})).status_code == 200
    assert (await platform.client.get("/", headers={"Host": host})).status_code == 200


async def test_health_probes_answer_any_host(platform: Platform):
    assert (await platform.client.get("/healthz", headers={"Host": "10.1.2.3:8000"})).status_code == 200


def test_host_patterns():
    assert host_allowed("app.example.com", ["*.example.com"])
    assert not host_allowed("example.com.evil", ["*.example.com"])
    assert not host_allowed("evilexample.com", ["*.example.com"])
    assert host_allowed("anything", ["*"])


async def test_only_bearer_tokens_are_accepted(platform: Platform):
    created = (await platform.client.post("/api/sessions", json=SETUP)).json()
    url = f"/api/sessions/{created['session_id']}"
    token = created["token"]
    assert (await platform.client.get(url, headers={"Authorization": f"Bearer {token}"})).status_code == 200
    assert (await platform.client.get(url, headers={"Authorization": f"bearer {token}"})).status_code == 200
    for value in (token, f"Token {token}", f"Basic {token}", "Bearer "):
        res = await platform.client.get(url, headers={"Authorization": value})
        assert res.status_code == 401, value
        assert res.headers["www-authenticate"] == "Bearer"
    assert (await platform.client.get(url)).status_code == 401


async def test_openapi_declares_bearer_scheme_and_raw_upload_body(platform: Platform):
    spec = (await platform.client.get("/openapi.json")).json()
    assert spec["components"]["securitySchemes"]["sessionToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "The token returned when the session was created: `Authorization: Bearer <token>`.",
    }
    upload = spec["paths"]["/api/sessions/{session_id}/questions/{question_id}/answers"]["post"]
    assert upload["security"] == [{"sessionToken": []}]
    assert set(upload["requestBody"]["content"]) == {"video/webm", "video/mp4"}


@pytest.mark.parametrize(("mode", "docs", "metrics"), [(Mode.embedded, True, True), (Mode.distributed, False, False)])
def test_docs_and_metrics_default_by_mode(mode, docs, metrics):
    s = Settings(mode=mode)
    assert (s.docs, s.metrics_on_api) == (docs, metrics)
    assert s.allowed_hosts == (["localhost", "127.0.0.1", "::1", "[::1]"] if mode is Mode.embedded else ["*"])


def test_allowed_hosts_from_a_comma_separated_variable(monkeypatch):
    monkeypatch.setenv("MI_ALLOWED_HOSTS", "interview.example.com, *.corp.example")
    assert Settings().allowed_hosts == ["interview.example.com", "*.corp.example"]


async def test_docs_and_metrics_can_be_switched_off(tmp_path):
    settings = Settings(
        mode=Mode.embedded,
        data_dir=tmp_path,
        data_key_file=tmp_path.parent / f"{tmp_path.name}.keys.json",
        docs=False,
        metrics_on_api=False,
    )
    async with open_infrastructure(settings, "tests") as infra:
        service = create(settings, infra)
        async with running([service], infra):
            transport = httpx.ASGITransport(app=service.http_app)
            async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
                for path in ("/docs", "/redoc", "/openapi.json", "/metrics"):
                    res = await client.get(path)
                    assert res.status_code == 404, path
                assert (await client.get("/healthz")).status_code == 200


async def test_stalled_upload_body_gets_408_and_leaves_nothing(tmp_path):
    settings = Settings(
        mode=Mode.embedded,
        data_dir=tmp_path,
        data_key_file=tmp_path.parent / f"{tmp_path.name}.keys.json",
        body_idle_timeout_s=0.3,
    )
    async with open_infrastructure(settings, "tests") as infra:
        service = create(settings, infra)
        async with running([service], infra):
            transport = httpx.ASGITransport(app=service.http_app)
            async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
                created = (await client.post("/api/sessions", json=SETUP)).json()
                sid = created["session_id"]
                auth = {"Authorization": f"Bearer {created['token']}"}
                # Questions come from the questions service; this test runs the gateway alone.
                await service_questions(infra, sid)

                async def stalls():
                    yield b"\x1a\x45\xdf\xa3" + b"\x00" * 4096
                    await asyncio.sleep(30)
                    yield b"never"

                res = await client.post(
                    f"/api/sessions/{sid}/questions/q1/answers",
                    content=stalls(),
                    headers={**auth, "Content-Type": "video/webm"},
                )
                assert res.status_code == 408
                assert not [p for p in (tmp_path / "objects").rglob("*") if p.is_file()]
                assert not (tmp_path / "objects" / "sessions" / sid / "answers").exists()


async def service_questions(infra, sid: str) -> None:
    from services.gateway.adapters.sessions import SessionRepository

    await SessionRepository(infra.documents).update(
        sid,
        {
            "$set": {
                "status": "ready",
                "questions": [
                    {"question_id": "q1", "index": 0, "text": "Why?", "type": "technical", "expected_duration_s": 60}
                ],
            }
        },
    )
