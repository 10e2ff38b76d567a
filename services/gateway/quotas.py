"""Quotas and rate limits: nobody can fill the disk or flood the pipeline.

- Per client (address), in memory per gateway process: a token bucket for
  session creation and one for uploads; an empty bucket answers 429 with
  ``Retry-After``.
- Per profile, in the results store: sessions created per UTC day (429 with
  ``Retry-After`` until midnight) and bytes stored across its sessions (413).
- Per session: uploads in total, attempts per question (409: the limit of
  that session is reached; nothing later will change it).

A *profile* is whoever owns the data: the caller's identity (device profile
or OpenID Connect user), or the client address for API clients that hold only
session tokens. :func:`profile_of` is the one place that decides; only a hash
of it is stored.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import HTTPException, Request, status

from runtime.storage.documents import DocumentStore
from services.gateway.adapters.sessions import COLLECTION as SESSIONS

COLLECTION = "quotas"


def client_of(request: Request) -> str:
    """The client's address (uvicorn resolves X-Forwarded-For only from MI_FORWARDED_ALLOW_IPS proxies)."""
    return request.client.host if request.client else "unknown"


def profile_of(request: Request, owner: str | None = None) -> str:
    """Who owns what this request creates, as a stored-safe hash: the caller's identity (device profile
    or OIDC user) when there is one, else the client address (API clients with session tokens only)."""
    who = f"owner:{owner}" if owner else f"client:{client_of(request)}"
    return hashlib.sha256(who.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Limits:
    sessions_per_profile_per_day: int
    attempts_per_question: int
    uploads_per_session: int
    bytes_per_profile: int
    session_creates_per_minute: int
    uploads_per_minute: int


class TokenBucket:
    """``rate_per_minute`` requests per minute per key, with bursts up to the same number."""

    def __init__(self, rate_per_minute: int, clock: Any = time.monotonic, max_keys: int = 100_000) -> None:
        self.capacity = float(rate_per_minute)
        self.per_s = rate_per_minute / 60.0
        self.clock = clock
        self.max_keys = max_keys
        self._state: dict[str, tuple[float, float]] = {}

    def take(self, key: str) -> float:
        """0 when allowed (a token is spent), else the seconds until one is available."""
        now = self.clock()
        tokens, last = self._state.get(key, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - last) * self.per_s)
        if tokens >= 1:
            if len(self._state) >= self.max_keys and key not in self._state:
                self._evict(now)
            self._state[key] = (tokens - 1, now)
            return 0.0
        self._state[key] = (tokens, now)
        return (1 - tokens) / self.per_s

    def _evict(self, now: float) -> None:
        # Keys whose bucket has refilled hold no information: forget them (bounded memory).
        full = [k for k, (t, last) in self._state.items() if t + (now - last) * self.per_s >= self.capacity]
        for k in full or list(self._state)[: len(self._state) // 2]:
            del self._state[k]


def too_many(what: str, retry_after_s: float) -> HTTPException:
    return HTTPException(
        status.HTTP_429_TOO_MANY_REQUESTS,
        f"too many {what}; try again in {math.ceil(retry_after_s)} s",
        {"Retry-After": str(max(1, math.ceil(retry_after_s)))},
    )


class Quotas:
    """Checks every limit; each ``check_*`` raises the HTTP error that explains which one was hit."""

    def __init__(self, limits: Limits, documents: DocumentStore, clock: Any = time.monotonic) -> None:
        self.limits = limits
        self.documents = documents
        self.creates = TokenBucket(limits.session_creates_per_minute, clock)
        self.uploads = TokenBucket(limits.uploads_per_minute, clock)

    async def check_create(self, request: Request, owner: str | None = None, now: datetime | None = None) -> str:
        """Rate and daily quota for a new session; returns the profile to record on it."""
        wait = self.creates.take(client_of(request))
        if wait:
            raise too_many("sessions created", wait)
        profile = profile_of(request, owner)
        now = now or datetime.now(UTC)
        day = now.strftime("%Y-%m-%d")
        after = await self.documents.update(
            COLLECTION, f"sessions:{profile}:{day}", {"$inc": {"count": 1}, "$set": {"day": day}}
        )
        if after is not None and int(after["count"]) > self.limits.sessions_per_profile_per_day:
            await self.documents.update(COLLECTION, f"sessions:{profile}:{day}", {"$inc": {"count": -1}})
            midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
            raise too_many(
                f"sessions today (limit {self.limits.sessions_per_profile_per_day} a day)",
                (midnight - now).total_seconds(),
            )
        return profile

    async def check_upload(self, request: Request, session: dict[str, Any], question_id: str) -> int:
        """Rate, per-session and per-question limits; returns how many bytes this upload may still take."""
        wait = self.uploads.take(client_of(request))
        if wait:
            raise too_many("uploads", wait)
        uploads = len(session.get("answers", {}))
        if uploads >= self.limits.uploads_per_session:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"this session has its {self.limits.uploads_per_session} uploads; start a new session",
            )
        attempts = int(session.get("attempts", {}).get(question_id, 0))
        if attempts >= self.limits.attempts_per_question:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"this question has its {self.limits.attempts_per_question} attempts in this session",
            )
        used = await self.bytes_used(session.get("profile"))
        left = self.limits.bytes_per_profile - used
        if left <= 0:
            raise HTTPException(
                status.HTTP_413_CONTENT_TOO_LARGE,
                f"storage quota of {self.limits.bytes_per_profile} bytes is used up; delete old interviews",
            )
        return left

    async def bytes_used(self, profile: str | None) -> int:
        """Bytes of recordings kept across the profile's sessions (deleted ones no longer count)."""
        if profile is None:
            return 0
        sessions = await self.documents.find(SESSIONS, {"profile": profile}, limit=100_000)
        return sum(int(s.get("stored_bytes", 0)) for s in sessions)
