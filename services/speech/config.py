"""Settings of the speech service."""

from runtime.settings import PlatformSettings


class Settings(PlatformSettings):
    pass
