"""FastAPI dependencies of the gateway: ports from app state, and the owned session."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Path, Request, status

from runtime.bus.port import Bus
from runtime.outbox import Outbox
from runtime.storage.objects import ObjectStore
from services.gateway import handlers
from services.gateway.adapters.sessions import SessionRepository
from services.gateway.auth import PrincipalDep, bearer_token
from services.gateway.config import Settings


def _state(request: Request) -> Any:
    return request.app.state


def get_sessions(request: Request) -> SessionRepository:
    return _state(request).sessions


def get_bus(request: Request) -> Bus:
    return _state(request).bus


def get_outbox(request: Request) -> Outbox:
    return _state(request).outbox


def get_objects(request: Request) -> ObjectStore:
    return _state(request).objects


def get_settings(request: Request) -> Settings:
    return _state(request).settings


SessionsDep = Annotated[SessionRepository, Depends(get_sessions)]
BusDep = Annotated[Bus, Depends(get_bus)]
OutboxDep = Annotated[Outbox, Depends(get_outbox)]
ObjectsDep = Annotated[ObjectStore, Depends(get_objects)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


async def owned_session(
    request: Request,
    session_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
    sessions: SessionsDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    """The session if the caller owns it (profile, sign-in or JWT) or holds its bearer token; 404 otherwise."""
    session = await sessions.get(session_id)
    token = bearer_token(request)
    if not handlers.may_access(session, principal.owner if principal else None, token):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "session not found")
    assert session is not None
    return session


SessionDep = Annotated[dict[str, Any], Depends(owned_session)]
