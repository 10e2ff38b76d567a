"""Settings of the media service."""

from pydantic import Field

from runtime.settings import PlatformSettings
from services.media.handlers import Limits


class Settings(PlatformSettings):
    media_max_bytes: int = Field(default=200 * 1024 * 1024, gt=0)
    media_max_duration_s: float = Field(default=15 * 60, gt=0)
    media_min_duration_s: float = Field(default=1.0, ge=0)
    media_frame_interval_s: float = Field(default=2.5, gt=0, description="Target spacing of sampled frames.")
    media_frame_width: int = Field(default=640, ge=64, description="Frames are downscaled to this width.")
    media_jpeg_quality: int = Field(default=80, ge=30, le=100)

    def limits(self) -> Limits:
        return Limits(
            max_bytes=self.media_max_bytes,
            max_duration_s=self.media_max_duration_s,
            min_duration_s=self.media_min_duration_s,
            frame_interval_s=self.media_frame_interval_s,
            frame_width=self.media_frame_width,
            jpeg_quality=self.media_jpeg_quality,
        )
