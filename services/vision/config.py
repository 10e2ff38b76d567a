"""Settings of the vision service."""

from typing import Literal

from pydantic import Field

from runtime.settings import PlatformSettings


class Settings(PlatformSettings):
    vision_detector: Literal["auto", "triton", "in-process"] = Field(
        default="auto", description="auto: in-process when embedded, Triton when distributed."
    )
    vision_threads: int = Field(
        default=1,
        ge=1,
        description="In-process detector worker threads. One: in the embedded mode vision runs beside speech "
        "(Whisper keeps both cores busy), a frame costs the same CPU either way, and each thread holds its own "
        "MediaPipe graphs (~100 MB).",
    )
    vision_batch_size: int = Field(default=8, ge=1, le=16, description="Frames per Triton request.")
    vision_landmarks_model: str = "face_landmarks"
    vision_pose_every: int = Field(
        default=3,
        ge=1,
        description="Run the pose model on every Nth frame: posture changes slowly, pose costs ~10x face.",
    )
    vision_smolvlm: bool = Field(default=False, description="Also describe frames with SmolVLM on Triton (GPU).")
    vision_smolvlm_model: str = "smolvlm"
