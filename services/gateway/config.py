"""Settings of the gateway."""

from pydantic import Field

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
