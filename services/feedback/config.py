"""Settings of the feedback service."""

from runtime.settings import PlatformSettings


class Settings(PlatformSettings):
    pass
