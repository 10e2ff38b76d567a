"""Landmark detection served by Triton (``face_landmarks`` model), over gRPC, batched."""

from __future__ import annotations

import asyncio

import numpy as np
import tritonclient.grpc.aio as grpcclient

from services.vision.landmarks import FrameLandmarks

OUTPUTS = ("FACE", "POSE", "FLAGS", "STATS")


class TritonLandmarks:
    """Implements :class:`services.vision.handlers.LandmarkDetector` against Triton."""

    name = "face_landmarks@triton"

    def __init__(self, url: str, model: str = "face_landmarks", batch_size: int = 8, timeout_s: float = 60) -> None:
        self._client = grpcclient.InferenceServerClient(url)
        self._model = model
        self._batch = batch_size
        self._timeout = timeout_s

    async def ready(self) -> bool:
        try:
            return bool(await self._client.is_model_ready(self._model))
        except Exception:  # any transport error means "not ready"
            return False

    async def detect(self, jpegs: list[bytes]) -> list[FrameLandmarks]:
        batches = [jpegs[i : i + self._batch] for i in range(0, len(jpegs), self._batch)]
        results = await asyncio.gather(*(self._infer(b) for b in batches))
        return [lm for batch in results for lm in batch]

    async def _infer(self, jpegs: list[bytes]) -> list[FrameLandmarks]:
        data = np.array([[j] for j in jpegs], dtype=object)
        inp = grpcclient.InferInput("JPEG", list(data.shape), "BYTES")
        inp.set_data_from_numpy(data)
        result = await self._client.infer(
            self._model,
            [inp],
            outputs=[grpcclient.InferRequestedOutput(name) for name in OUTPUTS],
            client_timeout=self._timeout,
        )
        face, pose, flags, stats = (result.as_numpy(name) for name in OUTPUTS)
        return [FrameLandmarks.from_arrays(face[i], pose[i], flags[i], stats[i]) for i in range(len(jpegs))]

    async def close(self) -> None:
        await self._client.close()
