"""Sessions belong to a candidate: device profiles, OIDC sign-in (PKCE) and JWT bearer tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from services.gateway.adapters.oidc import OidcClient
from tests.unit import fake_oidc
from tests.unit.gateway_only import SETUP, Gateway, gateway


@pytest.fixture
async def gw(tmp_path) -> AsyncIterator[Gateway]:
    async with gateway(tmp_path) as g:
        yield g


@asynccontextmanager
async def _device(g: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    """A browser that has opened the app once (so it has a device profile)."""
    async with g.client() as client:
        me = await client.get("/api/me")
        assert me.status_code == 200 and me.json()["kind"] == "device"
        yield client


async def test_first_visit_creates_a_device_profile_in_an_httponly_cookie(gw: Gateway):
    async with gw.client() as browser:
        first = await browser.get("/api/me")
        assert first.json() == {
            "authenticated": True,
            "auth_mode": "device",
            "kind": "device",
            "name": None,
            "issuer": None,
            "login_url": None,
            "logout_url": None,
        }
        cookie = first.headers["set-cookie"].lower()
        assert cookie.startswith("mi_device=") and "httponly" in cookie and "samesite=lax" in cookie
        assert "max-age=34560000" in cookie and "path=/" in cookie
        secret = browser.cookies["mi_device"]
        # Stored hashed: the document is keyed by the hash, the secret itself is nowhere.
        profiles = await gw.infra.documents.find("profiles")
        assert [p["_id"] for p in profiles] == [hashlib.sha256(secret.encode()).hexdigest()]
        assert secret not in json.dumps(profiles)
        again = await browser.get("/api/me")
        assert "set-cookie" not in again.headers and len(await gw.infra.documents.find("profiles")) == 1


async def test_sessions_belong_to_the_device_and_are_listed_newest_first(gw: Gateway):
    async with _device(gw) as alice, _device(gw) as bob, gw.client() as anonymous:
        ids = []
        for role in ("First role", "Second role"):
            res = await alice.post("/api/sessions", json={**SETUP, "role": role})
            assert res.status_code == 201
            ids.append(res.json())
        bobs = (await bob.post("/api/sessions", json=SETUP)).json()
        listed = (await alice.get("/api/sessions")).json()
        assert [s["session_id"] for s in listed["sessions"]] == [ids[1]["session_id"], ids[0]["session_id"]]
        first = listed["sessions"][0]
        assert first["role"] == "Second role" and first["status"] == "generating_questions"
        assert first["questions_total"] == 0 and first["questions_answered"] == 0 and first["scores"] is None
        assert [s["session_id"] for s in (await bob.get("/api/sessions")).json()["sessions"]] == [bobs["session_id"]]
        sid = ids[0]["session_id"]
        assert (await alice.get(f"/api/sessions/{sid}")).status_code == 200  # the cookie is enough
        assert (await bob.get(f"/api/sessions/{sid}")).status_code == 404  # never leaks existence
        # No identity and no token: 401 whether or not the session exists (no existence leak either).
        assert (await anonymous.get(f"/api/sessions/{sid}")).status_code == 401
        # The per-session bearer token keeps working for API clients without an identity.
        token = {"Authorization": f"Bearer {ids[0]['token']}"}
        assert (await anonymous.get(f"/api/sessions/{sid}", headers=token)).status_code == 200
        assert (await anonymous.get("/api/sessions")).status_code == 401
        assert (await anonymous.get("/api/progress")).status_code == 401


async def test_paging_through_history(gw: Gateway):
    async with _device(gw) as alice:
        for i in range(5):
            await alice.post("/api/sessions", json={**SETUP, "role": f"Role {i}"})
        page = (await alice.get("/api/sessions", params={"limit": 2})).json()
        assert [s["role"] for s in page["sessions"]] == ["Role 4", "Role 3"] and page["next_before"]
        rest = (await alice.get("/api/sessions", params={"before": page["next_before"], "limit": 10})).json()
        assert [s["role"] for s in rest["sessions"]] == ["Role 2", "Role 1", "Role 0"]
        assert rest["next_before"] is None


async def test_a_cross_site_request_gets_no_cookie_identity(gw: Gateway):
    async with _device(gw) as alice:
        sid = (await alice.post("/api/sessions", json=SETUP)).json()["session_id"]
        evil = {"Origin": "https://evil.example"}
        assert (await alice.delete(f"/api/sessions/{sid}", headers=evil)).status_code == 401  # no identity
        assert (await alice.get(f"/api/sessions/{sid}")).status_code == 200
        created = await alice.post("/api/sessions", json=SETUP, headers=evil)
        assert created.status_code == 201  # anonymous: a token-only session, not in alice's history
        assert len((await alice.get("/api/sessions")).json()["sessions"]) == 1
        same_site = {"Origin": "http://localhost"}
        assert (await alice.delete(f"/api/sessions/{sid}", headers=same_site)).status_code == 204


async def test_a_forged_device_cookie_is_no_identity(gw: Gateway):
    async with gw.client(cookies={"mi_device": "forged"}) as forger:
        assert (await forger.get("/api/sessions")).status_code == 401
        me = await forger.get("/api/me")  # a fresh profile replaces the unknown cookie
        assert me.json()["authenticated"] and me.cookies["mi_device"] not in ("", "forged")


async def test_an_unowned_session_can_be_claimed_with_its_token(gw: Gateway):
    """Sessions from before identities (token only) move into the caller's history when they show the token."""
    async with gw.client() as api, _device(gw) as alice, _device(gw) as bob:
        old = (await api.post("/api/sessions", json=SETUP)).json()
        sid, token = old["session_id"], {"Authorization": f"Bearer {old['token']}"}
        assert (await alice.post(f"/api/sessions/{sid}/claim")).status_code == 404  # no token: no proof
        claimed = await alice.post(f"/api/sessions/{sid}/claim", headers=token)
        assert claimed.status_code == 200 and claimed.json()["session_id"] == sid
        assert [s["session_id"] for s in (await alice.get("/api/sessions")).json()["sessions"]] == [sid]
        assert (await bob.post(f"/api/sessions/{sid}/claim", headers=token)).status_code == 409
        assert (await alice.post(f"/api/sessions/{sid}/claim", headers=token)).status_code == 200  # idempotent


# ---------------------------------------------------------------- OIDC
@pytest.fixture
async def oidc(tmp_path) -> AsyncIterator[tuple[Gateway, fake_oidc.FakeProvider]]:
    provider = fake_oidc.FakeProvider()
    settings = {
        "auth_mode": "oidc",
        "oidc_issuer": fake_oidc.ISSUER,
        "oidc_client_id": fake_oidc.CLIENT_ID,
        "oidc_audience": fake_oidc.AUDIENCE,
    }
    async with gateway(tmp_path, **settings) as g:
        await g.app.state.oidc.aclose()
        g.app.state.oidc = OidcClient(
            fake_oidc.ISSUER,
            fake_oidc.CLIENT_ID,
            audience=fake_oidc.AUDIENCE,
            http=httpx.AsyncClient(transport=provider.transport()),
        )
        yield g, provider


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_jwt_bearer_tokens_are_verified_against_the_jwks(oidc):
    g, provider = oidc
    async with g.client() as api:
        alice = _bearer(provider.token("alice"))
        me = (await api.get("/api/me", headers=alice)).json()
        assert me["authenticated"] and me["kind"] == "oidc" and me["issuer"] == fake_oidc.ISSUER
        sid = (await api.post("/api/sessions", json=SETUP, headers=alice)).json()["session_id"]
        doc = await g.infra.documents.get("sessions", sid)
        assert doc is not None and doc["owner"] == f"{fake_oidc.ISSUER}#alice"
        listed = (await api.get("/api/sessions", headers=alice)).json()["sessions"]
        assert [s["session_id"] for s in listed] == [sid]
        bob = _bearer(provider.token("bob"))
        assert (await api.get(f"/api/sessions/{sid}", headers=bob)).status_code == 404
        assert (await api.get("/api/sessions", headers=bob)).json()["sessions"] == []

        now = int(time.time())
        forged_key = fake_oidc.FakeProvider()
        forged_key.kid = provider.kid
        public_pem = provider.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        claims = {"iss": fake_oidc.ISSUER, "sub": "alice", "aud": fake_oidc.AUDIENCE, "iat": now, "exp": now + 60}
        bad = {
            "expired": provider.token("alice", ttl=-120),
            "wrong audience": provider.token("alice", aud="another-app"),
            "other issuer": jwt.encode(
                {**claims, "iss": "https://evil.example"}, provider.key, "RS256", headers={"kid": provider.kid}
            ),
            "unknown key": forged_key.token("alice"),
            "alg none": jwt.encode(claims, None, algorithm="none"),
            "HMAC with the public key": _hs256(claims, public_pem, provider.kid),
        }
        for why, token in bad.items():
            res = await api.get("/api/sessions", headers=_bearer(token))
            assert res.status_code == 401, why
            assert "invalid_token" in res.headers["www-authenticate"], why
        # An opaque bearer token is a session token, not a JWT: it only opens its session.
        assert (await api.get("/api/sessions", headers=_bearer("opaque-token"))).status_code == 401


def _hs256(claims: dict, secret: bytes, kid: str) -> str:
    """A token 'signed' with HMAC using the provider's public key as the secret (algorithm confusion)."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    body = b64(json.dumps(claims).encode())
    sig = b64(hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest())
    return f"{head}.{body}.{sig}"


async def test_rotated_keys_are_fetched_again(oidc, monkeypatch):
    g, provider = oidc
    monkeypatch.setattr("services.gateway.adapters.oidc.JWKS_MIN_REFRESH_S", 0.0)
    async with g.client() as api:
        assert (await api.get("/api/me", headers=_bearer(provider.token()))).json()["authenticated"]
        provider.rotate()
        assert (await api.get("/api/me", headers=_bearer(provider.token()))).json()["authenticated"]
        assert provider.jwks_fetches == 2


async def test_oidc_mode_needs_a_sign_in(oidc):
    g, _ = oidc
    async with g.client() as anonymous:
        me = (await anonymous.get("/api/me")).json()
        assert me == {**me, "authenticated": False, "auth_mode": "oidc", "login_url": "/auth/login"}
        assert "set-cookie" not in (await anonymous.get("/api/me")).headers  # no device profiles in this mode
        assert (await anonymous.post("/api/sessions", json=SETUP)).status_code == 401


async def _sign_in(g: Gateway, provider: fake_oidc.FakeProvider, browser, next_: str = "/history"):
    start = await browser.get("/auth/login", params={"next": next_})
    assert start.status_code == 302
    url = urlsplit(start.headers["location"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{fake_oidc.ISSUER}/oauth2/auth"
    params = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert params["code_challenge_method"] == "S256" and params["response_type"] == "code"
    assert params["client_id"] == fake_oidc.CLIENT_ID and params["redirect_uri"] == "http://localhost/auth/callback"
    assert "path=/auth" in start.headers["set-cookie"].lower()
    code = provider.issue_code(params)
    return params, await browser.get("/auth/callback", params={"code": code, "state": params["state"]})


async def test_browser_sign_in_with_pkce(oidc):
    g, provider = oidc
    async with g.client() as browser:
        params, done = await _sign_in(g, provider, browser)
        assert done.status_code == 302 and done.headers["location"] == "/history"
        assert "mi_login=" in done.headers["set-cookie"] and "httponly" in done.headers["set-cookie"].lower()
        me = (await browser.get("/api/me")).json()
        assert me["authenticated"] and me["name"] == "Alice Example" and me["logout_url"] == "/auth/logout"
        sid = (await browser.post("/api/sessions", json=SETUP)).json()["session_id"]
        # The same user calling the API with a JWT sees the same history.
        api = (await browser.get("/api/sessions", headers=_bearer(provider.token("alice")))).json()
        assert [s["session_id"] for s in api["sessions"]] == [sid]
        replay = await browser.get("/auth/callback", params={"code": "x", "state": params["state"]})
        assert replay.headers["location"] == "/?auth_error=invalid_state"
        out = await browser.post("/auth/logout")
        assert out.json()["end_session_url"] == f"{fake_oidc.ISSUER}/oauth2/sessions/logout"
        assert not (await browser.get("/api/me")).json()["authenticated"]
        assert (await browser.get(f"/api/sessions/{sid}")).status_code == 401


async def test_a_sign_in_completes_only_in_the_browser_that_started_it(oidc):
    g, provider = oidc
    async with g.client() as victim, g.client() as attacker:
        start = await attacker.get("/auth/login")
        params = {k: v[0] for k, v in parse_qs(urlsplit(start.headers["location"]).query).items()}
        code = provider.issue_code(params, sub="attacker")
        done = await victim.get("/auth/callback", params={"code": code, "state": params["state"]})
        assert done.headers["location"] == "/?auth_error=invalid_state"
        assert not (await victim.get("/api/me")).json()["authenticated"]


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "history"])
async def test_sign_in_never_redirects_off_site(oidc, target):
    g, provider = oidc
    async with g.client() as browser:
        _, done = await _sign_in(g, provider, browser, next_=target)
        assert done.headers["location"] == "/"


async def test_provider_errors_come_back_as_a_reason(oidc):
    g, _ = oidc
    async with g.client() as browser:
        res = await browser.get("/auth/callback", params={"error": "access_denied", "state": "x"})
        assert res.status_code == 302 and res.headers["location"] == "/?auth_error=access_denied"
