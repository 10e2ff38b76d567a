"""Sign-in through a real OpenID Connect provider (Ory Hydra from the local stack), distributed mode.

The test plays the browser and Hydra's login/consent app (which accepts the
challenges through Hydra's admin API, as a real login page would after
checking a password).
"""

from __future__ import annotations

import os
import uuid
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.processes import free_port, mockinterview, wait_http

pytestmark = pytest.mark.integration
SETUP = {"role": "Backend engineer", "interview_type": "technical", "level": "mid", "duration_min": 15}


@pytest.fixture(scope="module")
def hydra(stack: dict[str, str]) -> dict[str, str]:
    if "MI_HYDRA_PUBLIC_URL" not in stack:
        message = "the OIDC provider is not running; run deploy/local/stack.sh start oidc"
        if os.environ.get("CI") or os.environ.get("MI_REQUIRE_STACK"):
            pytest.fail(message)
        pytest.skip(message)
    return {"public": stack["MI_HYDRA_PUBLIC_URL"], "admin": stack["MI_HYDRA_ADMIN_URL"]}


def _client(hydra: dict[str, str], **body: object) -> dict:
    res = httpx.post(f"{hydra['admin']}/admin/clients", json={"client_name": f"mi-{uuid.uuid4().hex[:8]}", **body})
    assert res.status_code == 201, res.text
    created: dict = res.json()
    return created


def _accept(hydra: dict[str, str], kind: str, challenge: str, body: dict) -> str:
    res = httpx.put(
        f"{hydra['admin']}/admin/oauth2/auth/requests/{kind}/accept", params={f"{kind}_challenge": challenge}, json=body
    )
    assert res.status_code == 200, res.text
    redirect: str = res.json()["redirect_to"]
    return redirect


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_sign_in_with_pkce_and_api_access_with_jwts_on_hydra(stack, hydra, tmp_path):
    port = free_port()
    gateway = f"http://127.0.0.1:{port}"
    issuer = httpx.get(f"{hydra['public']}/.well-known/openid-configuration").json()["issuer"]
    ui = _client(
        hydra,
        grant_types=["authorization_code"],
        response_types=["code"],
        scope="openid profile email",
        redirect_uris=[f"{gateway}/auth/callback"],
        token_endpoint_auth_method="none",  # a public client: PKCE is its proof
    )
    api = _client(
        hydra,
        grant_types=["client_credentials"],
        audience=["mockinterview"],
        token_endpoint_auth_method="client_secret_basic",
    )
    env = {
        **stack,
        "MI_S3_BUCKET": f"oidc-{uuid.uuid4().hex[:10]}",
        "MI_MONGO_DB": f"oidc_{uuid.uuid4().hex[:10]}",
        "MI_PORT": str(port),
        "MI_AUTH_MODE": "oidc",
        "MI_OIDC_ISSUER": issuer,
        "MI_OIDC_CLIENT_ID": ui["client_id"],
        "MI_OIDC_AUDIENCE": "mockinterview",
    }
    with mockinterview("service", "gateway", env=env, log=tmp_path / "gateway.log") as gw:
        wait_http(f"{gateway}/healthz", gw)
        with httpx.Client() as browser:
            assert browser.get(f"{gateway}/api/me").json()["authenticated"] is False
            assert browser.post(f"{gateway}/api/sessions", json=SETUP).status_code == 401

            # Gateway -> Hydra (authorization code + PKCE) -> login -> consent -> gateway callback.
            start = browser.get(f"{gateway}/auth/login", params={"next": "/history"})
            assert start.status_code == 302 and _query(start.headers["location"])["code_challenge_method"] == "S256"
            to_login = browser.get(start.headers["location"])
            assert to_login.status_code in (302, 303), to_login.text
            login_challenge = _query(to_login.headers["location"])["login_challenge"]
            after_login = _accept(hydra, "login", login_challenge, {"subject": "candidate-42", "remember": False})
            to_consent = browser.get(after_login)
            consent_challenge = _query(to_consent.headers["location"])["consent_challenge"]
            after_consent = _accept(
                hydra,
                "consent",
                consent_challenge,
                {"grant_scope": ["openid", "profile"], "session": {"id_token": {"name": "Casey Candidate"}}},
            )
            to_callback = browser.get(after_consent)
            callback = to_callback.headers["location"]
            assert callback.startswith(f"{gateway}/auth/callback?"), callback
            done = browser.get(callback)
            assert done.status_code == 302 and done.headers["location"] == "/history", done.text

            me = browser.get(f"{gateway}/api/me").json()
            assert me["authenticated"] and me["kind"] == "oidc" and me["issuer"] == issuer
            assert me["name"] == "Casey Candidate"
            created = browser.post(f"{gateway}/api/sessions", json=SETUP, headers={"Origin": gateway})
            assert created.status_code == 201, created.text
            sid = created.json()["session_id"]
            listed = browser.get(f"{gateway}/api/sessions").json()["sessions"]
            assert [s["session_id"] for s in listed] == [sid]

            # A replayed callback signs nobody in.
            with httpx.Client() as other:
                replay = other.get(callback)
                assert replay.headers["location"] == "/?auth_error=invalid_state"

        # An API client: client-credentials JWT access token, verified against Hydra's JWKS.
        token = httpx.post(
            f"{hydra['public']}/oauth2/token",
            data={"grant_type": "client_credentials", "audience": "mockinterview"},
            auth=(api["client_id"], api["client_secret"]),
        ).json()["access_token"]
        assert token.count(".") == 2  # a JWT, not an opaque token
        bearer = {"Authorization": f"Bearer {token}"}
        me = httpx.get(f"{gateway}/api/me", headers=bearer).json()
        assert me["authenticated"] and me["issuer"] == issuer
        mine = httpx.post(f"{gateway}/api/sessions", json=SETUP, headers=bearer).json()["session_id"]
        assert [s["session_id"] for s in httpx.get(f"{gateway}/api/sessions", headers=bearer).json()["sessions"]] == [
            mine
        ]
        assert httpx.get(f"{gateway}/api/sessions/{sid}", headers=bearer).status_code == 404  # the user's, not ours
        tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
        assert httpx.get(f"{gateway}/api/sessions", headers={"Authorization": f"Bearer {tampered}"}).status_code == 401
