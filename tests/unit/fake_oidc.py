"""A fake OpenID Connect provider behind an httpx MockTransport (unit tests only; the
integration tests use the real Ory Hydra the stack script starts)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from typing import Any
from urllib.parse import parse_qs

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER = "https://idp.test"
CLIENT_ID = "mockinterview-ui"
AUDIENCE = "mockinterview-api"


class FakeProvider:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "k1"
        self.codes: dict[str, dict[str, Any]] = {}
        self.jwks_fetches = 0

    def jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}

    def rotate(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(4)

    def token(self, sub: str = "alice", aud: str = AUDIENCE, ttl: int = 300, **extra: Any) -> str:
        now = int(time.time())
        claims = {"iss": ISSUER, "sub": sub, "aud": aud, "iat": now, "exp": now + ttl, **extra}
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})

    def issue_code(self, params: dict[str, str], sub: str = "alice") -> str:
        """What the provider does after the user signed in: a code bound to the PKCE challenge and nonce."""
        code = secrets.token_urlsafe(16)
        self.codes[code] = {**params, "sub": sub}
        return code

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/.well-known/openid-configuration":
            return httpx.Response(
                200,
                json={
                    "issuer": ISSUER,
                    "authorization_endpoint": f"{ISSUER}/oauth2/auth",
                    "token_endpoint": f"{ISSUER}/oauth2/token",
                    "jwks_uri": f"{ISSUER}/jwks.json",
                    "end_session_endpoint": f"{ISSUER}/oauth2/sessions/logout",
                },
            )
        if path == "/jwks.json":
            self.jwks_fetches += 1
            return httpx.Response(200, json={"keys": [self.jwk()]})
        if path == "/oauth2/token":
            form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
            grant = self.codes.pop(form.get("code", ""), None)
            if grant is None:
                return httpx.Response(400, json={"error": "invalid_grant"})
            digest = hashlib.sha256(form["code_verifier"].encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if challenge != grant["code_challenge"] or form["redirect_uri"] != grant["redirect_uri"]:
                return httpx.Response(400, json={"error": "invalid_grant", "error_description": "PKCE"})
            id_token = self.token(sub=grant["sub"], aud=CLIENT_ID, nonce=grant["nonce"], name="Alice Example")
            return httpx.Response(200, json={"access_token": "opaque", "id_token": id_token, "token_type": "bearer"})
        return httpx.Response(404)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)
