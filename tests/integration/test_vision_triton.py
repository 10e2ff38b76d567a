"""face_landmarks served by the real Triton: same answers as the in-process model."""

import numpy as np
import pytest

from services.vision.adapters.local import InProcessLandmarks
from services.vision.adapters.triton import TritonLandmarks
from services.vision.evidence import frame_evidence
from tests.fixtures.faces import cases, jpeg

pytestmark = pytest.mark.integration


async def test_triton_and_in_process_agree_on_a_real_photo_and_derived_cases(stack):
    frames = cases()
    names = list(frames)
    jpegs = [jpeg(frames[n]) for n in names]
    triton = TritonLandmarks(stack["MI_TRITON_URL"], batch_size=4)
    local = InProcessLandmarks(threads=2)
    try:
        assert await triton.ready()
        served = await triton.detect(jpegs)
        here = await local.detect(jpegs)
    finally:
        await triton.close()
        local.close()
    assert len(served) == len(names)
    by_name = {n: frame_evidence(0.0, lm) for n, lm in zip(names, served, strict=True)}
    assert by_name["frontal"].usable and by_name["frontal"].eye_contact
    for name in ("out_of_frame", "covered", "dark", "blurred", "far_away"):
        assert not by_name[name].usable, name
    # One implementation, two hosts: identical landmarks for the same JPEG.
    np.testing.assert_allclose(served[0].face, here[0].face, atol=1e-4)
    assert served[0].sharpness == pytest.approx(here[0].sharpness, rel=1e-3)


async def test_undecodable_frame_is_an_error_not_a_guess(stack):
    triton = TritonLandmarks(stack["MI_TRITON_URL"])
    try:
        with pytest.raises(Exception, match="bad frame"):
            await triton.detect([b"not a jpeg"])
    finally:
        await triton.close()
