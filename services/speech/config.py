"""Settings of the speech service."""

from pathlib import Path
from typing import Literal

from pydantic import Field

from runtime.settings import PlatformSettings
from services.speech.adapters.whisper import BEAM_SIZE


class Settings(PlatformSettings):
    speech_model: Literal["tiny.en", "base"] = Field(
        default="base",
        description="Whisper weights (CPU, int8). base is multilingual: it tells the spoken language; tiny.en cannot.",
    )
    speech_threads: int = Field(default=2, ge=1, description="CTranslate2 threads (one transcription at a time).")
    speech_beam_size: int = Field(
        default=BEAM_SIZE, ge=1, le=10, description="Whisper beam width (1 = greedy: faster, more word errors)."
    )
    speech_disfluent_prompt: bool = Field(default=True, description="Prompt Whisper to keep um/uh.")
    speech_voiced_gaps: bool = Field(default=True, description="Count voiced sounds with no word as fillers.")
    model_cache_dir: Path = Field(default=Path.home() / ".cache" / "mockinterview", description="Assembled weights.")
