"""The event envelope: CloudEvents 1.0 attributes plus our extension attributes.

CloudEvents extension names must be lower-case alphanumerics, hence
``sessionid`` rather than ``session_id`` on the envelope itself.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1
"""Major version of the event contract. Only additive changes within a version."""

_ID_NAMESPACE = uuid.UUID("7b0f7c1e-5a6e-4c61-9a54-2f3d0c9a8e11")


class Model(BaseModel):
    """Base for every payload: frozen; unknown fields ignored, so consumers of
    version N keep working when a producer adds fields (additive changes only)."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class Event(Model):
    """A CloudEvents 1.0 structured-mode event with a typed ``data`` payload.

    Subclasses pin ``type`` to a ``Literal`` and ``data`` to their payload model.
    """

    TYPE: ClassVar[str] = ""

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(default_factory=lambda: str(uuid.uuid4()), min_length=1)
    source: str = Field(min_length=1, description="URI-reference of the emitting service.")
    type: str
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    subject: str | None = Field(default=None, description="The answer or session the event is about.")
    datacontenttype: Literal["application/json"] = "application/json"
    schemaversion: int = SCHEMA_VERSION
    sessionid: str = Field(min_length=1)
    answerid: str | None = None
    correlationid: str = Field(min_length=1, description="Id of the request that started the flow.")
    causationid: str | None = Field(default=None, description="Id of the event that caused this one.")
    data: Any

    @classmethod
    def new(
        cls,
        data: Any,
        *,
        source: str,
        sessionid: str,
        answerid: str | None = None,
        correlationid: str | None = None,
    ) -> Self:
        """Start a new flow (no cause): the correlation id defaults to the event id."""
        event_id = str(uuid.uuid4())
        return cls(
            id=event_id,
            source=source,
            type=cls.TYPE,
            subject=answerid or sessionid,
            sessionid=sessionid,
            answerid=answerid,
            correlationid=correlationid or event_id,
            data=data,
        )

    @classmethod
    def caused_by(cls, cause: Event, data: Any, *, source: str, index: int = 0) -> Self:
        """Derive an event from ``cause``, keeping its session/answer/correlation ids.

        The id is a UUIDv5 of (cause id, type, index), so re-running a handler on a
        redelivered event yields the same event id and consumers can dedupe on it.
        """
        answerid = getattr(data, "answer_id", None) or cause.answerid
        event_id = str(uuid.uuid5(_ID_NAMESPACE, f"{cause.id}/{cls.TYPE}/{index}"))
        return cls(
            id=event_id,
            source=source,
            type=cls.TYPE,
            subject=answerid or cause.sessionid,
            sessionid=cause.sessionid,
            answerid=answerid,
            correlationid=cause.correlationid,
            causationid=cause.id,
            data=data,
        )

    def log_context(self) -> dict[str, str | None]:
        """Ids to bind into structured logs while this event is handled."""
        return {
            "event_id": self.id,
            "event_type": self.type,
            "session_id": self.sessionid,
            "answer_id": self.answerid,
            "correlation_id": self.correlationid,
        }
