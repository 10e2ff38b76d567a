"""Settings of the gateway."""

from typing import Literal

from pydantic import Field, SecretStr, model_validator

from runtime.settings import PlatformSettings


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
    def _oidc_complete(self) -> "Settings":
        if self.auth_mode == "oidc" and not (self.oidc_issuer and self.oidc_client_id):
            raise ValueError("MI_AUTH_MODE=oidc needs MI_OIDC_ISSUER and MI_OIDC_CLIENT_ID")
        return self
