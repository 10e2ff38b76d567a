"""Triton python backend: MediaPipe landmarks for a batch of JPEG frames."""

import numpy as np
import triton_python_backend_utils as pb_utils  # type: ignore[import-not-found]

OUTPUTS = ("FACE", "POSE", "FLAGS", "STATS")


class TritonPythonModel:
    def initialize(self, args):  # noqa: D102 - Triton's fixed interface
        from services.vision.landmarks import LandmarkModel

        self.model = LandmarkModel()

    def execute(self, requests):  # noqa: D102
        responses = []
        for request in requests:
            jpegs = pb_utils.get_input_tensor_by_name(request, "JPEG").as_numpy()
            poses = pb_utils.get_input_tensor_by_name(request, "WITH_POSE").as_numpy()
            try:
                arrays = [
                    self.model.detect_jpeg(bytes(row[0]), bool(p[0])).to_arrays() for row, p in zip(jpegs, poses)
                ]
            except ValueError as exc:
                responses.append(pb_utils.InferenceResponse(error=pb_utils.TritonError(f"bad frame: {exc}")))
                continue
            tensors = [pb_utils.Tensor(name, np.stack([a[name] for a in arrays]).astype(np.float32)) for name in OUTPUTS]
            responses.append(pb_utils.InferenceResponse(output_tensors=tensors))
        return responses
