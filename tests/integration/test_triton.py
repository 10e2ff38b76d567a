import numpy as np
import pytest
import tritonclient.grpc.aio as grpcclient

pytestmark = pytest.mark.integration


async def test_healthcheck_model_answers_over_grpc(stack):
    client = grpcclient.InferenceServerClient(stack["MI_TRITON_URL"])
    try:
        assert await client.is_server_ready()
        assert await client.is_model_ready("healthcheck")
        data = np.array([[1.0, 2.5, -3.0]], dtype=np.float32)
        inp = grpcclient.InferInput("INPUT0", list(data.shape), "FP32")
        inp.set_data_from_numpy(data)
        result = await client.infer("healthcheck", [inp], outputs=[grpcclient.InferRequestedOutput("OUTPUT0")])
        np.testing.assert_allclose(result.as_numpy("OUTPUT0"), data * 2)
    finally:
        await client.close()
