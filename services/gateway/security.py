"""HTTP hardening of the gateway, as ASGI middleware and exception handlers.

- Security headers on every response: a Content-Security-Policy with no
  inline script (the UI in ``static/`` has none), ``nosniff``,
  ``frame-ancestors 'none'`` (and ``X-Frame-Options: DENY`` for old
  browsers), ``Referrer-Policy: no-referrer``, and ``no-store`` on API
  responses, which are private to their bearer.
- Allowed hosts: a request whose ``Host`` is not in ``MI_ALLOWED_HOSTS`` is
  refused (400) before any route runs; this is what stops DNS rebinding
  against a laptop install. ``/healthz`` and ``/readyz`` are exempt, so
  orchestrators can probe a pod by its IP.
- Request-body idle timeout: a client that stops sending its body for
  ``MI_BODY_IDLE_TIMEOUT_S`` gets 408 and the upload is discarded, instead of
  holding a connection (and a half-written file) forever.
- Validation errors always encode: the 422 body never echoes input that is
  not valid Unicode (a lone surrogate used to turn a 422 into a 500).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runtime.erasure import SessionErased

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
"""The web UI's policy: only this origin's files, no inline script or style, never framed."""

# FastAPI's /docs and /redoc pages are an inline script plus a CDN bundle; they get
# their own, looser policy (and are off by default in the distributed mode).
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "font-src 'self' https://fonts.gstatic.com; "
    "worker-src blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")
PROBE_PATHS = ("/healthz", "/readyz")

HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(self), microphone=(self), geolocation=(), payment=(), usb=()",
}

EMBEDDED_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")
"""Allowed hosts by default in the embedded mode: only loopback names."""


class SecurityHeaders:
    """Adds the security headers to every HTTP response (without overriding what a route set)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        csp = DOCS_CSP if path.startswith(DOCS_PATHS) else CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                extra = {**HEADERS, "content-security-policy": csp}
                if path.startswith("/api/"):
                    extra["cache-control"] = "no-store"
                headers += [(k.encode(), v.encode()) for k, v in extra.items() if k.encode() not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def host_allowed(host: str, allowed: Iterable[str]) -> bool:
    """``host`` (a Host header, port stripped) matches an entry: exact, ``*`` or ``*.domain``."""
    host = host.lower().rstrip(".")
    for pattern in allowed:
        pattern = pattern.lower().rstrip(".")
        if pattern == "*" or pattern == host:
            return True
        if pattern.startswith("*.") and host.endswith(pattern[1:]):
            return True
    return False


def _host_of(scope: Scope) -> str:
    for key, value in scope.get("headers", []):
        if key == b"host":
            raw = value.decode("latin-1").strip()
            if raw.startswith("["):  # IPv6 literal, maybe with a port
                return raw[: raw.find("]") + 1] if "]" in raw else raw
            return raw.rsplit(":", 1)[0] if raw.count(":") == 1 else raw
    return ""


class AllowedHosts:
    """Refuses requests whose Host header is not allowed (DNS rebinding), except health probes."""

    def __init__(self, app: ASGIApp, allowed: Iterable[str]) -> None:
        self.app = app
        self.allowed = tuple(allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] in ("http", "websocket")
            and scope.get("path") not in PROBE_PATHS
            and not host_allowed(_host_of(scope), self.allowed)
        ):
            response = JSONResponse({"detail": "host not allowed (MI_ALLOWED_HOSTS)"}, status_code=400)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


class BodyTimeout(Exception):
    """The client stopped sending the request body."""


class BodyIdleTimeout:
    """Fails a request whose body stalls for ``idle_s`` seconds between chunks.

    Only receives that wait for body chunks are timed; once the body is
    complete, receive() waits for the disconnect as long as the response
    needs (Server-Sent Events).
    """

    def __init__(self, app: ASGIApp, idle_s: float) -> None:
        self.app = app
        self.idle_s = idle_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body_done = False

        async def timed_receive() -> Message:
            nonlocal body_done
            if body_done:
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), self.idle_s)
            except TimeoutError:
                raise BodyTimeout(f"no request body received for {self.idle_s:g} s") from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        await self.app(scope, timed_receive, send)


def _encodable(value: Any) -> Any:
    """``value`` with every string made encodable as UTF-8 (lone surrogates escaped)."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {_encodable(k): _encodable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encodable(v) for v in value]
    return value


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    """422 with pydantic's errors, always encodable (inputs that are not Unicode are escaped)."""
    assert isinstance(exc, RequestValidationError)
    errors = jsonable_encoder(exc.errors(), custom_encoder={Exception: str})
    return JSONResponse({"detail": _encodable(errors)}, status_code=422)


async def body_timeout(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=408, headers={"Connection": "close"})


async def session_erased(request: Request, exc: Exception) -> JSONResponse:
    """The session was deleted while the request ran (e.g. during an upload): it is gone."""
    return JSONResponse({"detail": "session not found"}, status_code=404)


def install(app: FastAPI, allowed_hosts: Iterable[str], body_idle_timeout_s: float) -> None:
    """Add the middleware (outermost first: host check, headers, body timeout) and error handlers."""
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(BodyTimeout, body_timeout)
    app.add_exception_handler(SessionErased, session_erased)
    # add_middleware prepends: the last added runs first.
    app.add_middleware(BodyIdleTimeout, idle_s=body_idle_timeout_s)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(AllowedHosts, allowed=tuple(allowed_hosts))
