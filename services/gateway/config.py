"""Settings of the gateway."""

from pydantic import Field

from runtime.settings import PlatformSettings


class Settings(PlatformSettings):
    host: str = "127.0.0.1"
    port: int = 8000
    max_upload_bytes: int = Field(default=100 * 1024 * 1024, gt=0)
