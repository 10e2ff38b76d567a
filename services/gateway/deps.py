"""FastAPI dependencies of the gateway: ports from app state, and the owned session."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from runtime.bus.port import Bus
from runtime.erasure import Erasure
from runtime.outbox import Outbox
from runtime.storage.objects import ObjectStore
from services.gateway import handlers
from services.gateway.adapters.sessions import SessionRepository
from services.gateway.auth import PrincipalDep
from services.gateway.config import Settings
from services.gateway.quotas import Quotas


def _from_state(name: str) -> Callable[[Request], Any]:
    """A dependency that hands out the port ``app.py`` wired as ``app.state.<name>``."""

    def port(request: Request) -> Any:
        return getattr(request.app.state, name)

    port.__name__ = f"get_{name}"
    return port


SessionsDep = Annotated[SessionRepository, Depends(_from_state("sessions"))]
BusDep = Annotated[Bus, Depends(_from_state("bus"))]
OutboxDep = Annotated[Outbox, Depends(_from_state("outbox"))]
ObjectsDep = Annotated[ObjectStore, Depends(_from_state("objects"))]
SettingsDep = Annotated[Settings, Depends(_from_state("settings"))]
ErasureDep = Annotated[Erasure, Depends(_from_state("erasure"))]
QuotasDep = Annotated[Quotas, Depends(_from_state("quotas"))]


bearer = HTTPBearer(
    auto_error=False,
    scheme_name="sessionToken",
    description="The token returned when the session was created: `Authorization: Bearer <token>`.",
)


async def owned_session(
    request: Request,
    session_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
    sessions: SessionsDep,
    principal: PrincipalDep,
    # Declares the bearer scheme in the OpenAPI document; only "Bearer <token>" is accepted.
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)] = None,
) -> dict[str, Any]:
    """The session if the caller owns it (profile, sign-in or JWT) or holds its bearer token.

    401 for a caller with neither an identity nor a Bearer token; 404 otherwise (no existence leak).
    """
    token = credentials.credentials.strip() if credentials is not None else None
    if principal is None and not token:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "send Authorization: Bearer <session token>", {"WWW-Authenticate": "Bearer"}
        )
    session = await sessions.get(session_id)
    if not handlers.may_access(session, principal.owner if principal else None, token):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "session not found")
    assert session is not None
    return session


SessionDep = Annotated[dict[str, Any], Depends(owned_session)]
