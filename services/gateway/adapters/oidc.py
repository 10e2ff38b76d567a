"""OpenID Connect relying party: discovery, authorization code + PKCE, JWT checks against JWKS.

Works with any provider that publishes ``/.well-known/openid-configuration``
(tested against Ory Hydra from the local stack). Tokens are verified locally:
signature by a key of the issuer's JWKS (asymmetric algorithms only, never
``none`` or HMAC), ``iss``, ``aud``, ``exp``/``nbf``/``iat`` with a small leeway,
and the ``nonce`` for ID tokens.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt

ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
"""Signature algorithms accepted: asymmetric only, so a key from the JWKS can never be used as an HMAC secret."""
LEEWAY_S = 60
"""Clock skew tolerated on exp/nbf/iat."""
JWKS_MIN_REFRESH_S = 30.0
"""An unknown key id refetches the JWKS at most this often (key rotation without a refetch storm)."""
METADATA_TTL_S = 3600.0


class OidcError(Exception):
    """The provider, or a token it issued, could not be trusted; the message says why."""


def pkce_challenge(verifier: str) -> str:
    """S256 code challenge of a PKCE verifier (RFC 7636)."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@dataclass(frozen=True)
class Claims:
    issuer: str
    subject: str
    name: str | None
    raw: dict[str, Any]


def looks_like_jwt(token: str) -> bool:
    """A compact JWS (three base64url parts), as opposed to an opaque session token."""
    parts = token.split(".")
    return len(parts) == 3 and bool(parts[0]) and bool(parts[1]) and token.startswith("eyJ")


class OidcClient:
    """One provider; metadata and keys are fetched lazily and cached."""

    def __init__(
        self,
        issuer: str,
        client_id: str,
        client_secret: str | None = None,
        audience: str | None = None,
        http: httpx.AsyncClient | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.audience = audience or client_id
        self._http = http or httpx.AsyncClient(timeout=timeout_s)
        self._metadata: dict[str, Any] | None = None
        self._metadata_at = 0.0
        self._jwks: jwt.PyJWKSet | None = None
        self._jwks_at = 0.0
        self._lock = asyncio.Lock()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            res = await self._http.get(url)
            res.raise_for_status()
            body = res.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise OidcError(f"provider unreachable or invalid at {url}: {exc}") from exc
        if not isinstance(body, dict):
            raise OidcError(f"provider answered {url} with no JSON object")
        return body

    async def metadata(self) -> dict[str, Any]:
        """The provider's discovery document (cached for an hour)."""
        if self._metadata is None or time.monotonic() - self._metadata_at > METADATA_TTL_S:
            doc = await self._get_json(f"{self.issuer}/.well-known/openid-configuration")
            # OIDC Discovery 4.3: the document must name exactly the issuer it was fetched for.
            if str(doc.get("issuer", "")).rstrip("/") != self.issuer:
                raise OidcError(f"discovery names issuer {doc.get('issuer')!r}, expected {self.issuer!r}")
            for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                if not doc.get(key):
                    raise OidcError(f"discovery document lacks {key}")
            self._metadata, self._metadata_at = doc, time.monotonic()
        return self._metadata

    async def _refresh_jwks(self) -> None:
        meta = await self.metadata()
        try:
            self._jwks = jwt.PyJWKSet.from_dict(await self._get_json(meta["jwks_uri"]))
        except jwt.PyJWTError as exc:
            raise OidcError(f"unusable JWKS: {exc}") from exc
        self._jwks_at = time.monotonic()

    def _find_key(self, kid: str | None) -> jwt.PyJWK | None:
        keys = [k for k in (self._jwks.keys if self._jwks else []) if k.public_key_use != "enc"]
        if kid is None:  # only unambiguous without a key id
            return keys[0] if len(keys) == 1 else None
        return next((k for k in keys if k.key_id == kid), None)

    async def _key(self, kid: str | None) -> jwt.PyJWK:
        async with self._lock:
            if self._jwks is None:
                await self._refresh_jwks()
            key = self._find_key(kid)
            if key is None and time.monotonic() - self._jwks_at > JWKS_MIN_REFRESH_S:  # the provider rotated keys
                await self._refresh_jwks()
                key = self._find_key(kid)
        if key is None:
            raise OidcError(f"no signing key {kid!r} in the provider's JWKS")
        return key

    async def verify(self, token: str, audience: str | None = None, nonce: str | None = None) -> Claims:
        """Check a JWT (ID token or access token) issued by this provider; its claims if valid."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise OidcError(f"not a JWT: {exc}") from exc
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise OidcError(f"signature algorithm {alg!r} not accepted")
        key = await self._key(header.get("kid"))
        issuer = str((await self.metadata())["issuer"])  # exactly as the provider spells it (trailing slash or not)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key.key,
                algorithms=[alg],
                audience=audience or self.audience,
                issuer=issuer,
                leeway=LEEWAY_S,
                options={"require": ["exp", "iat", "iss", "sub", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise OidcError(f"token rejected: {exc}") from exc
        if nonce is not None and claims.get("nonce") != nonce:
            raise OidcError("ID token nonce does not match the sign-in")
        name = claims.get("name") or claims.get("preferred_username") or claims.get("email")
        return Claims(issuer=issuer, subject=str(claims["sub"]), name=name, raw=claims)

    async def authorization_url(self, redirect_uri: str, state: str, nonce: str, verifier: str, scopes: str) -> str:
        meta = await self.metadata()
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "scope": scopes,
                "state": state,
                "nonce": nonce,
                "code_challenge": pkce_challenge(verifier),
                "code_challenge_method": "S256",
            }
        )
        endpoint = meta["authorization_endpoint"]
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"

    async def exchange(self, code: str, verifier: str, redirect_uri: str, nonce: str) -> Claims:
        """Redeem an authorization code; the verified ID token's claims."""
        meta = await self.metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
            "client_id": self.client_id,
        }
        try:
            if self.client_secret:  # a confidential client authenticates (client_secret_basic)
                res = await self._http.post(
                    meta["token_endpoint"], data=form, auth=(self.client_id, self.client_secret)
                )
            else:  # a public client: PKCE is the proof
                res = await self._http.post(meta["token_endpoint"], data=form)
        except httpx.HTTPError as exc:
            raise OidcError(f"token endpoint unreachable: {exc}") from exc
        if res.status_code != 200:
            raise OidcError(f"token endpoint answered {res.status_code}: {res.text[:300]}")
        id_token = res.json().get("id_token")
        if not id_token:
            raise OidcError("token response has no id_token (is the openid scope allowed?)")
        return await self.verify(id_token, audience=self.client_id, nonce=nonce)

    async def end_session_url(self) -> str | None:
        meta = await self.metadata()
        url = meta.get("end_session_endpoint")
        return str(url) if url else None
