"""Triton python-backend model that doubles its input (health/round-trip check)."""

import triton_python_backend_utils as pb_utils  # type: ignore[import-not-found]


class TritonPythonModel:
    def execute(self, requests):  # noqa: D102 - Triton's fixed interface
        responses = []
        for request in requests:
            data = pb_utils.get_input_tensor_by_name(request, "INPUT0").as_numpy()
            out = pb_utils.Tensor("OUTPUT0", (data * 2).astype("float32"))
            responses.append(pb_utils.InferenceResponse(output_tensors=[out]))
        return responses
