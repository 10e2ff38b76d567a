"""Client of the ``smolvlm`` Triton model (GPU): one strict-JSON observation per frame."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import tritonclient.grpc.aio as grpcclient

from schemas.reports import FrameDescription
from services.vision.vlm import parse_frame_json


class TritonSmolVLM:
    """Implements :class:`services.vision.handlers.FrameDescriber`."""

    name = "smolvlm@triton"

    def __init__(self, url: str, model: str = "smolvlm", timeout_s: float = 120) -> None:
        self._client = grpcclient.InferenceServerClient(url)
        self._model = model
        self._timeout = timeout_s

    async def ready(self) -> bool:
        try:
            return bool(await self._client.is_model_ready(self._model))
        except Exception:  # unreachable server: not ready
            return False

    async def describe(self, jpegs: list[bytes]) -> list[FrameDescription]:
        data = np.array([[j] for j in jpegs], dtype=object)
        inp = grpcclient.InferInput("JPEG", list(data.shape), "BYTES")
        inp.set_data_from_numpy(data)
        result = await self._client.infer(
            self._model, [inp], outputs=[grpcclient.InferRequestedOutput("JSON")], client_timeout=self._timeout
        )
        texts = result.as_numpy("JSON").reshape(-1)
        # Re-validate: the server already parsed, but the contract is checked where it is used.
        return [as_description(parse_frame_json(json.dumps(json.loads(t)) if t else "")) for t in texts]


def as_description(parsed: dict[str, Any]) -> FrameDescription:
    """The checked answer of the model (``parse_frame_json``) as the report's typed observation."""
    if "error" in parsed:
        return FrameDescription(error=str(parsed["error"]))
    return FrameDescription(
        eye_contact=parsed["eyeContact"],
        body_language=parsed["bodyLanguage"],
        confidence=parsed["confidence"],
        facial_expression=parsed["facialExpression"],
        notes=parsed["notes"],
    )
