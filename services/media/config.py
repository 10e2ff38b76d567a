"""Settings of the media service."""

from pydantic import Field

from runtime.settings import PlatformSettings
from services.media.handlers import Limits


class Settings(PlatformSettings):
    media_max_duration_s: float = Field(default=Limits.max_duration_s, gt=0)
    media_min_duration_s: float = Field(default=Limits.min_duration_s, ge=0)
    media_frame_interval_s: float = Field(
        default=Limits.frame_interval_s, gt=0, description="Target spacing of sampled frames."
    )
    media_frame_width: int = Field(
        default=Limits.frame_width, ge=64, description="Frames are downscaled to this width."
    )
    media_jpeg_quality: int = Field(default=Limits.jpeg_quality, ge=30, le=100)

    def limits(self) -> Limits:
        return Limits(
            max_bytes=self.max_upload_bytes,  # the gateway's limit too: one number
            max_duration_s=self.media_max_duration_s,
            min_duration_s=self.media_min_duration_s,
            frame_interval_s=self.media_frame_interval_s,
            frame_width=self.media_frame_width,
            jpeg_quality=self.media_jpeg_quality,
        )
