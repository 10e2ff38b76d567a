"""Settings of the vision service."""

from runtime.settings import PlatformSettings


class Settings(PlatformSettings):
    pass
