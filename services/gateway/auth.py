"""Sign-in and the caller's identity: device profiles, OIDC browser sign-in, JWT bearer tokens.

Browser side (what the UI needs):

- ``GET /api/me``: who am I. In the device mode the first call creates the
  device profile and sets the ``mi_device`` cookie (HttpOnly, SameSite=Lax,
  400 days). In the OIDC mode it says whether the browser is signed in and
  where to sign in (``login_url``).
- ``GET /auth/login?next=/history``: redirects to the provider (authorization
  code + PKCE); ``/auth/callback`` sets the ``mi_login`` cookie and redirects
  back to ``next`` (a local path only); on failure it redirects to
  ``/?auth_error=<reason>``.
- ``POST /auth/logout``: ends the browser sign-in; answers the provider's
  end-session URL when it has one.

Cookies authorise only same-origin requests: a state-changing request whose
``Origin`` is another site gets no cookie identity (so it is anonymous and
sees 404/401), on top of SameSite=Lax.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Literal
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from runtime.logging import get_logger
from services.gateway.adapters.oidc import OidcClient, OidcError, looks_like_jwt
from services.gateway.config import Settings
from services.gateway.identity import (
    DEVICE_COOKIE,
    FLOW_COOKIE,
    LOGIN_COOKIE,
    Identities,
    Principal,
)

log = get_logger(__name__)
FLOW_TTL_S = 600
"""A sign-in must come back from the provider within this many seconds."""
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _identities(request: Request) -> Identities:
    identities: Identities = request.app.state.identities
    return identities


def _oidc(request: Request) -> OidcClient | None:
    client: OidcClient | None = request.app.state.oidc
    return client


def bearer_token(request: Request) -> str | None:
    """The ``Authorization: Bearer`` credential, if any."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def _same_origin(request: Request) -> bool:
    """False for a cross-site state-changing request (cookies must not authorise it)."""
    if request.method in SAFE_METHODS:
        return True
    origin = request.headers.get("origin")
    if origin is None:
        # Browsers send Origin on every cross-origin POST/PUT/DELETE; its absence means same-origin or not a browser.
        return request.headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")
    return urlsplit(origin).netloc == request.headers.get("host", "")


async def current_principal(request: Request) -> Principal | None:
    """The authenticated caller, or None (anonymous; a session token may still grant one session).

    A bearer JWT must verify against the configured issuer (401 otherwise); an
    opaque bearer token is a per-session token and is checked per session.
    """
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    principal: Principal | None = None
    token = bearer_token(request)
    oidc = _oidc(request)
    if token and looks_like_jwt(token):
        if oidc is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "JWT bearer tokens need MI_OIDC_ISSUER", _challenge())
        try:
            claims = await oidc.verify(token)
        except OidcError as exc:
            log.info("auth.bearer_rejected", reason=str(exc))
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid bearer token", _challenge()) from exc
        principal = Principal.of_oidc(claims.issuer, claims.subject, claims.name, via="bearer")
    elif _same_origin(request):
        identities = _identities(request)
        principal = await identities.login(request.cookies.get(LOGIN_COOKIE))
        if principal is None and _settings(request).auth_mode == "device":
            principal = await identities.device(request.cookies.get(DEVICE_COOKIE))
    request.state.principal = principal
    return principal


def _challenge() -> dict[str, str]:
    return {"WWW-Authenticate": 'Bearer error="invalid_token"'}


PrincipalDep = Annotated[Principal | None, Depends(current_principal)]


def _secure(request: Request) -> bool:
    configured = _settings(request).cookie_secure
    return configured if configured is not None else request.url.scheme == "https"


def set_cookie(request: Request, response: Response, name: str, value: str, max_age_s: int, path: str = "/") -> None:
    response.set_cookie(
        name, value, max_age=max_age_s, path=path, secure=_secure(request), httponly=True, samesite="lax"
    )


async def ensure_principal(request: Request, response: Response) -> Principal | None:
    """The caller, creating a device profile (and its cookie) in the device mode when there is none."""
    principal = await current_principal(request)
    settings = _settings(request)
    if principal is None and settings.auth_mode == "device" and bearer_token(request) is None:
        secret, principal = await _identities(request).new_device()
        set_cookie(request, response, DEVICE_COOKIE, secret, settings.device_cookie_days * 86400)
        request.state.principal = principal
        log.info("auth.device_profile_created", owner=principal.owner)
    return principal


class Me(BaseModel):
    """Who the caller is, for the UI."""

    authenticated: bool
    auth_mode: Literal["device", "oidc"]
    kind: Literal["device", "oidc"] | None = None
    name: str | None = None
    issuer: str | None = None
    login_url: str | None = None
    logout_url: str | None = None


router = APIRouter(tags=["identity"])


@router.get("/api/me")
async def me(request: Request, response: Response) -> Me:
    """The caller's identity; in the device mode the first visit creates the device profile."""
    response.headers["Cache-Control"] = "no-store"
    principal = await ensure_principal(request, response)
    mode = _settings(request).auth_mode
    if principal is None:
        return Me(authenticated=False, auth_mode=mode, login_url="/auth/login" if mode == "oidc" else None)
    return Me(
        authenticated=True,
        auth_mode=mode,
        kind=principal.kind,
        name=principal.name,
        issuer=principal.issuer,
        logout_url="/auth/logout" if principal.kind == "oidc" and principal.via == "cookie" else None,
    )


def _local_path(next_: str | None) -> str:
    """Only a path on this site (no scheme, host or ``//``): no open redirect."""
    if not next_ or not next_.startswith("/") or next_.startswith("//") or "\\" in next_:
        return "/"
    parts = urlsplit(next_)
    return next_ if not (parts.scheme or parts.netloc) else "/"


def _redirect_uri(request: Request) -> str:
    configured = _settings(request).oidc_redirect_url
    return configured or str(request.url_for("auth_callback"))


def _need_oidc(request: Request) -> OidcClient:
    client = _oidc(request)
    if client is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "sign-in is not configured (MI_OIDC_ISSUER)")
    return client


@router.get("/auth/login", response_class=RedirectResponse, status_code=status.HTTP_302_FOUND)
async def login(request: Request, next: Annotated[str | None, Query(max_length=2000)] = None) -> RedirectResponse:
    """Start the sign-in: redirect to the provider with a PKCE challenge."""
    client = _need_oidc(request)
    state, nonce, verifier, binding = (secrets.token_urlsafe(32) for _ in range(4))
    redirect_uri = _redirect_uri(request)
    try:
        url = await client.authorization_url(redirect_uri, state, nonce, verifier, _settings(request).oidc_scopes)
    except OidcError as exc:
        log.warning("auth.provider_unavailable", error=str(exc))
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the sign-in provider is unavailable") from exc
    flow = {"verifier": verifier, "nonce": nonce, "next": _local_path(next), "redirect_uri": redirect_uri}
    await _identities(request).start_flow(state, flow, binding, FLOW_TTL_S)
    response = RedirectResponse(url, status_code=status.HTTP_302_FOUND)
    set_cookie(request, response, FLOW_COOKIE, binding, FLOW_TTL_S, path="/auth")
    return response


def _failed(reason: str) -> RedirectResponse:
    log.info("auth.sign_in_failed", reason=reason)
    return RedirectResponse("/?" + urlencode({"auth_error": reason}), status_code=status.HTTP_302_FOUND)


@router.get("/auth/callback", name="auth_callback", response_class=RedirectResponse)
async def callback(
    request: Request,
    state: Annotated[str | None, Query(max_length=200)] = None,
    code: Annotated[str | None, Query(max_length=4000)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> RedirectResponse:
    """The provider's redirect back: redeem the code, verify the ID token, sign the browser in."""
    client = _need_oidc(request)
    settings = _settings(request)
    if error:
        return _failed(error if error.replace("_", "").isalnum() else "provider_error")
    if not state or not code:
        return _failed("invalid_request")
    flow = await _identities(request).take_flow(state, request.cookies.get(FLOW_COOKIE))
    if flow is None:  # unknown, replayed, expired, or started in another browser (login CSRF)
        return _failed("invalid_state")
    try:
        claims = await client.exchange(code, flow["verifier"], flow["redirect_uri"], flow["nonce"])
    except OidcError as exc:
        log.warning("auth.code_exchange_failed", error=str(exc))
        return _failed("token_rejected")
    principal = Principal.of_oidc(claims.issuer, claims.subject, claims.name)
    secret = await _identities(request).new_login(principal, settings.login_days)
    log.info("auth.signed_in", owner=principal.owner)
    response = RedirectResponse(flow["next"], status_code=status.HTTP_302_FOUND)
    set_cookie(request, response, LOGIN_COOKIE, secret, int(settings.login_days * 86400))
    response.delete_cookie(FLOW_COOKIE, path="/auth")
    return response


class LoggedOut(BaseModel):
    end_session_url: str | None = None


@router.post("/auth/logout")
async def logout(request: Request, response: Response) -> LoggedOut:
    """End this browser's sign-in (the provider's own session ends at ``end_session_url``)."""
    if not _same_origin(request):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "cross-site sign-out refused")
    await _identities(request).end_login(request.cookies.get(LOGIN_COOKIE))
    response.delete_cookie(LOGIN_COOKIE, path="/")
    client = _oidc(request)
    end = None
    if client is not None:
        try:
            end = await client.end_session_url()
        except OidcError:
            end = None
    return LoggedOut(end_session_url=end)
