"""Erasing a session: the one function the DELETE route and retention cleanup both call."""

from __future__ import annotations

from runtime.erasure import Erasure, Swept
from runtime.outbox import Effect, Outbox
from schemas import SessionDeleted, SessionDeletedData
from services.gateway.adapters.sessions import COLLECTION as SESSIONS
from services.gateway.handlers import SOURCE


async def erase_session(session_id: str, erasure: Erasure, outbox: Outbox) -> Swept:
    """Erase a session for good; idempotent, safe to repeat after a failure.

    1. Tombstone first: from here on every stage drops work for the session and
       sweeps whatever a handler that was already running writes.
    2. Sweep: every object and document of the session (pending outbox entries
       of its commands too: they are void now); the session document goes last,
       so a sweep cut short leaves a session that can be deleted again.
    3. Announce ``SessionDeleted`` through the outbox (so it goes out even if the
       bus is down right now) for other products and services with state of
       their own; once sent, its outbox entry is erased too.
    """
    await erasure.tombstone(session_id)
    swept = await erasure.sweep(session_id)
    event = SessionDeleted.new(SessionDeletedData(session_id=session_id), source=SOURCE, sessionid=session_id)
    await outbox.commit([event], [Effect("delete", SESSIONS, session_id)])
    await outbox.forget(session_id)
    return swept
