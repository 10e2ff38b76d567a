"""Settings of the questions service."""

from pathlib import Path

from pydantic import Field

from runtime.settings import PlatformSettings


class Settings(PlatformSettings):
    minutes_per_question: int = Field(default=3, ge=1, description="Session length / this = question count.")
    bank_path: Path | None = Field(
        default=None, description="Question bank: a JSON file or a folder of them; the packaged one if unset."
    )
