"""Settings of the media service."""

from runtime.settings import PlatformSettings


class Settings(PlatformSettings):
    pass
