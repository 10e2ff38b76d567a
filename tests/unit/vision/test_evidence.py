"""Per-frame evidence from landmarks (recorded from MediaPipe; the live model: tests/models/)."""

import math

import numpy as np
import pytest

from services.vision.evidence import MAX_YAW_DEG, frame_evidence
from services.vision.landmarks import FrameLandmarks
from tests.fixtures.landmarks import frontal as recorded_frontal


@pytest.fixture(scope="module")
def frontal() -> FrameLandmarks:
    """MediaPipe's landmarks of the frontal portrait, recorded (tests/models/ checks they still match)."""
    return recorded_frontal()


def test_real_face_looking_at_the_camera(frontal):
    e = frame_evidence(1.0, frontal)
    assert e.face and e.usable and e.eye_contact
    assert abs(e.yaw_deg) < 10 and abs(e.pitch_deg) < MAX_YAW_DEG
    assert 0.4 < e.gaze_x < 0.6
    assert e.centered and e.in_frame and e.shoulders_visible
    assert 0.15 < e.face_height < 0.65
    assert frontal.face.shape == (478, 3) and frontal.pose.shape == (33, 4)


def _rotate_yaw(lm: FrameLandmarks, degrees: float) -> FrameLandmarks:
    """Turn the measured head about its vertical axis, in pixel-scaled space."""
    scale = np.array([lm.width, lm.height, lm.width], np.float32)
    pts = lm.face * scale
    center = pts.mean(axis=0)
    a = math.radians(degrees)
    rot = np.array([[math.cos(a), 0, math.sin(a)], [0, 1, 0], [-math.sin(a), 0, math.cos(a)]], np.float32)
    turned = (pts - center) @ rot.T + center
    return FrameLandmarks(lm.width, lm.height, turned / scale, lm.pose, lm.brightness, lm.contrast, lm.sharpness)


@pytest.mark.parametrize("angle", [-35, 35])
def test_turned_head_reads_as_looking_away(frontal, angle):
    base_yaw = frame_evidence(0, frontal).yaw_deg
    e = frame_evidence(0, _rotate_yaw(frontal, angle))
    assert abs(e.yaw_deg - base_yaw) == pytest.approx(abs(angle), abs=6)
    assert e.eye_contact is False
