"""Settings of the gateway."""

from dataclasses import fields
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode

from runtime.settings import Mode, PlatformSettings
from services.gateway.quotas import Limits
from services.gateway.security import EMBEDDED_HOSTS


class Settings(PlatformSettings):
    host: str = "127.0.0.1"
    port: int = 8000

    outbox_inline_s: float = Field(
        default=1.0, ge=0, description="How long a request waits for the bus before leaving its events to the relay."
    )
    watchdog_interval_s: float = Field(default=10.0, gt=0, description="Watchdog: how often stuck work is looked for.")
    watchdog_redrives: int = Field(
        default=2, ge=0, description="Watchdog: re-publications of the causing event before failing with 'timeout'."
    )
    deadline_questions_s: float = Field(default=120.0, gt=0, description="Session requested -> questions ready.")
    deadline_media_s: float = Field(default=300.0, gt=0, description="Answer uploaded -> media extracted.")
    deadline_analysis_s: float = Field(default=600.0, gt=0, description="Media extracted -> answer scored.")
    deadline_completion_s: float = Field(default=300.0, gt=0, description="Session finished -> session completed.")

    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Host headers served (exact, '*' or '*.example.com'); empty: loopback names when embedded, "
        "'*' when distributed (set it to your domain there). Stops DNS rebinding.",
    )
    docs: bool | None = Field(default=None, description="Serve /docs, /redoc, /openapi.json; default: embedded only.")
    metrics_on_api: bool | None = Field(
        default=None,
        description="Serve /metrics on the API port; default: embedded only (distributed: on MI_METRICS_PORT).",
    )
    body_idle_timeout_s: float = Field(
        default=30.0, gt=0, description="A request body that stalls this long is dropped with 408."
    )

    sessions_per_profile_per_day: int = Field(default=20, ge=1, description="Sessions one profile may create a day.")
    attempts_per_question: int = Field(default=5, ge=1, description="Recordings of one question in one session.")
    uploads_per_session: int = Field(default=40, ge=1, description="Recordings in one session, all questions.")
    bytes_per_profile: int = Field(default=2 * 1024**3, gt=0, description="Recording bytes one profile may keep.")
    session_creates_per_minute: int = Field(default=10, ge=1, description="Per client address (429 past it).")
    uploads_per_minute: int = Field(default=20, ge=1, description="Per client address (429 past it).")

    def limits(self) -> Limits:
        """The quota and rate limits, each the setting of the same name."""
        return Limits(**{f.name: getattr(self, f.name) for f in fields(Limits)})

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):  # MI_ALLOWED_HOSTS=a.example.com,*.b.example
            return [h.strip() for h in value.split(",") if h.strip()]
        return value

    # -------------------------------------------------------------- identity
    auth_mode: Literal["device", "oidc"] = Field(
        default="device",
        description="device: a profile per browser, no sign-up (embedded default); "
        "oidc: sign-in through the OpenID Connect provider below.",
    )
    cookie_secure: bool | None = Field(
        default=None, description="Secure flag on cookies; unset: when the request came over HTTPS."
    )
    device_cookie_days: int = Field(default=400, ge=1, le=400, description="Browsers cap cookies at 400 days.")
    login_days: float = Field(default=7, gt=0, description="How long a browser sign-in lasts.")
    oidc_issuer: str | None = Field(default=None, description="Issuer URL; discovery is read from it.")
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = Field(default=None, description="Unset for a public client (PKCE only).")
    oidc_audience: str | None = Field(
        default=None, description="Audience that API bearer JWTs must carry; defaults to the client id."
    )
    oidc_scopes: str = "openid profile email"
    oidc_redirect_url: str | None = Field(
        default=None, description="Registered callback URL; unset: <this server>/auth/callback."
    )

    # -------------------------------------------------------------- retention
    retention_days: float = Field(default=30, gt=0, description="Sessions older than this are erased.")
    abandoned_days: float = Field(
        default=7, gt=0, description="Sessions never completed and untouched this long are erased."
    )
    retention_interval_s: float = Field(
        default=3600, ge=0, description="How often the cleanup runs in the gateway; 0 turns it off."
    )

    # -------------------------------------------------------------- service levels
    slo_abandon_after_s: float = Field(
        default=7200, gt=0, description="A session idle this long without results counts as abandoned/timed out."
    )
    slo_sweep_s: float = Field(default=60, gt=0, description="How often the SLO recorder looks for such sessions.")

    @model_validator(mode="after")
    def _by_mode(self) -> "Settings":
        embedded = self.mode is Mode.embedded
        if not self.allowed_hosts:
            self.allowed_hosts = list(EMBEDDED_HOSTS) if embedded else ["*"]
        if self.docs is None:
            self.docs = embedded
        if self.metrics_on_api is None:
            self.metrics_on_api = embedded
        return self

    @model_validator(mode="after")
    def _oidc_complete(self) -> "Settings":
        if self.auth_mode == "oidc" and not (self.oidc_issuer and self.oidc_client_id):
            raise ValueError("MI_AUTH_MODE=oidc needs MI_OIDC_ISSUER and MI_OIDC_CLIENT_ID")
        return self
