"""Who is calling: a device profile (embedded default) or an OpenID Connect user.

Sessions belong to an *owner* string:

- ``device:<profile id>`` for a device profile: created on first visit, no
  sign-up; the browser holds a random 256-bit secret in an HttpOnly, SameSite
  cookie and the store keeps only its SHA-256.
- ``<issuer>#<subject>`` for an OIDC user (an issuer URL has no fragment, so
  the ``#`` cannot be ambiguous), whether they signed in through the browser
  (authorization code + PKCE, then a login cookie) or call the API with a JWT
  bearer token verified against the issuer's JWKS.

Secrets are 256-bit random values, so an unsalted SHA-256 is enough to store
them: there is nothing to brute-force. Documents are keyed by that hash, so a
lookup never compares secrets byte by byte.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from runtime.storage.documents import Doc, DocumentStore

PROFILES = "profiles"
LOGINS = "logins"
AUTH_FLOWS = "auth_flows"

DEVICE_COOKIE = "mi_device"
LOGIN_COOKIE = "mi_login"
FLOW_COOKIE = "mi_auth_flow"

AuthKind = Literal["device", "oidc"]


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def oidc_owner(issuer: str, subject: str) -> str:
    """The owner string of an OIDC user: issuer + subject, as the spec says a user is identified."""
    return f"{issuer}#{subject}"


@dataclass(frozen=True)
class Principal:
    """An authenticated caller."""

    owner: str
    kind: AuthKind
    issuer: str | None = None
    subject: str | None = None
    name: str | None = None
    via: Literal["cookie", "bearer"] = "cookie"

    @classmethod
    def of_oidc(
        cls, issuer: str, subject: str, name: str | None, via: Literal["cookie", "bearer"] = "cookie"
    ) -> Principal:
        """The OIDC user ``subject`` of ``issuer``, signed in by cookie or presenting a bearer token."""
        return cls(owner=oidc_owner(issuer, subject), kind="oidc", issuer=issuer, subject=subject, name=name, via=via)


def _now() -> datetime:
    return datetime.now(UTC)


def _expired(doc: Doc, now: datetime) -> bool:
    expires = doc.get("expires_at")
    return expires is not None and datetime.fromisoformat(expires) <= now


class Identities:
    """Device profiles, browser logins and pending sign-ins, in the document store."""

    def __init__(self, store: DocumentStore) -> None:
        self._store = store

    # ------------------------------------------------------------ devices
    async def new_device(self, now: datetime | None = None) -> tuple[str, Principal]:
        """Create a device profile; returns (cookie secret, principal)."""
        secret = new_secret()
        profile_id = uuid.uuid4().hex
        await self._store.insert(
            PROFILES, secret_hash(secret), {"profile_id": profile_id, "created_at": (now or _now()).isoformat()}
        )
        return secret, Principal(owner=f"device:{profile_id}", kind="device")

    async def device(self, secret: str | None) -> Principal | None:
        if not secret:
            return None
        doc = await self._store.get(PROFILES, secret_hash(secret))
        if doc is None:
            return None
        return Principal(owner=f"device:{doc['profile_id']}", kind="device")

    # ------------------------------------------------------------ OIDC logins
    async def new_login(self, principal: Principal, days: float, now: datetime | None = None) -> str:
        """A browser login for an OIDC user; returns the cookie secret."""
        now = now or _now()
        secret = new_secret()
        await self._store.insert(
            LOGINS,
            secret_hash(secret),
            {
                "owner": principal.owner,
                "issuer": principal.issuer,
                "subject": principal.subject,
                "name": principal.name,
                "created_at": now.isoformat(),
                "expires_at": (now + timedelta(days=days)).isoformat(),
            },
        )
        return secret

    async def login(self, secret: str | None, now: datetime | None = None) -> Principal | None:
        if not secret:
            return None
        doc = await self._store.get(LOGINS, secret_hash(secret))
        if doc is None or _expired(doc, now or _now()):
            return None
        return Principal(
            owner=doc["owner"], kind="oidc", issuer=doc.get("issuer"), subject=doc.get("subject"), name=doc.get("name")
        )

    async def end_login(self, secret: str | None) -> None:
        if secret:
            await self._store.delete(LOGINS, {"_id": secret_hash(secret)})

    # ------------------------------------------------------------ sign-in in progress
    async def start_flow(self, state: str, flow: Doc, binding: str, ttl_s: int, now: datetime | None = None) -> None:
        """Remember a sign-in until the provider redirects back (``binding``: the browser's flow cookie)."""
        now = now or _now()
        doc = {
            **flow,
            "binding_sha256": secret_hash(binding),
            "expires_at": (now + timedelta(seconds=ttl_s)).isoformat(),
        }
        await self._store.insert(AUTH_FLOWS, state, doc)

    async def take_flow(self, state: str, binding: str | None, now: datetime | None = None) -> Doc | None:
        """The pending sign-in for ``state``, used at most once, only from the browser that started it."""
        doc = await self._store.get(AUTH_FLOWS, state)
        if doc is None:
            return None
        # Delete first: of two racing callbacks only the one that deleted it goes on.
        if await self._store.delete(AUTH_FLOWS, {"_id": state}) != 1:
            return None
        if not binding or not secrets.compare_digest(doc["binding_sha256"], secret_hash(binding)):
            return None
        if _expired(doc, now or _now()):
            return None
        return doc

    async def sweep(self, now: datetime | None = None) -> int:
        """Delete expired logins and abandoned sign-ins; returns how many."""
        now = now or _now()
        removed = 0
        for collection in (LOGINS, AUTH_FLOWS):
            for doc in await self._store.find(collection, {"expires_at": {"$lte": now.isoformat()}}, limit=10_000):
                removed += await self._store.delete(collection, {"_id": doc["_id"]})
        return removed
