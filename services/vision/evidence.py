"""Per-frame body-language evidence from landmarks: gaze, head pose, framing, posture, expression.

Every threshold is a named constant so the report can cite it. Geometry uses
pixel-scaled coordinates (x*w, y*h, z*w) so angles are not skewed by aspect.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from schemas.reports import FrameEvidence
from services.vision.landmarks import FrameLandmarks

__all__ = ["FrameEvidence", "frame_evidence"]

# MediaPipe face-mesh indices
NOSE_TIP, FOREHEAD, CHIN = 1, 10, 152
FACE_RIGHT, FACE_LEFT = 234, 454  # image-left / image-right face edges
R_EYE_OUT, R_EYE_IN, R_EYE_TOP, R_EYE_BOTTOM, R_IRIS = 33, 133, 159, 145, 468
L_EYE_IN, L_EYE_OUT, L_EYE_TOP, L_EYE_BOTTOM, L_IRIS = 362, 263, 386, 374, 473
MOUTH_RIGHT, MOUTH_LEFT, LIP_TOP, LIP_BOTTOM = 61, 291, 13, 14
R_BROW, L_BROW = 105, 334
# MediaPipe pose indices
P_NOSE, P_L_SHOULDER, P_R_SHOULDER = 0, 11, 12

MAX_YAW_DEG = 20.0
"""Head turned further than this: not looking at the camera."""
MAX_PITCH_DEG = 20.0
GAZE_CENTER_TOLERANCE = 0.14
"""Iris position within the eye, 0.5 = centred; beyond 0.5 +/- this: eyes turned away."""
MIN_BRIGHTNESS, MAX_BRIGHTNESS = 40.0, 220.0
BLACK_BRIGHTNESS = 8.0
"""Mean luminance (0-255) under this is a black frame: a covered or switched-off camera, not a dark room."""
MIN_SHARPNESS = 15.0
"""Variance of the Laplacian over the face; below this the face is too blurred to read."""
MIN_FACE_HEIGHT, MAX_FACE_HEIGHT = 0.15, 0.65
"""Face height as a share of the frame: smaller is too far, larger too close."""
CENTER_TOLERANCE_X = 0.15
SMILE_WIDTH_RATIO = 0.44
"""Mouth width / face width above this reads as a smile."""
SHOULDER_VISIBILITY = 0.5


def frame_evidence(t: float, lm: FrameLandmarks) -> FrameEvidence:
    """Evidence for one sampled frame."""
    issues = []
    if lm.brightness < BLACK_BRIGHTNESS:
        issues.append("black_frames")  # named as the answer-level flag it becomes (aggregate.ISSUE_SHARE)
    if lm.brightness < MIN_BRIGHTNESS:
        issues.append("too_dark")
    elif lm.brightness > MAX_BRIGHTNESS:
        issues.append("too_bright")
    if lm.face is None:
        return FrameEvidence(t=t, face=False, usable=False, issues=(*issues, "no_face"), **_posture(lm))
    if lm.sharpness < MIN_SHARPNESS:
        issues.append("blurry")
    pts = lm.face * np.array([lm.width, lm.height, lm.width], np.float32)
    xs, ys = lm.face[:, 0], lm.face[:, 1]
    face_h = float(ys.max() - ys.min())
    in_frame = bool(xs.min() > 0.01 and xs.max() < 0.99 and ys.min() > 0.01 and ys.max() < 0.99)
    cx, cy = float((xs.min() + xs.max()) / 2), float((ys.min() + ys.max()) / 2)
    if not in_frame:
        issues.append("face_cut_off")
    if face_h < MIN_FACE_HEIGHT:
        issues.append("too_far")
    elif face_h > MAX_FACE_HEIGHT:
        issues.append("too_close")
    yaw, pitch, roll = _head_pose(pts)
    gaze_x, gaze_y = _gaze(pts)
    eye_contact = abs(yaw) <= MAX_YAW_DEG and abs(pitch) <= MAX_PITCH_DEG and abs(gaze_x - 0.5) <= GAZE_CENTER_TOLERANCE
    face_w = _dist(pts[FACE_RIGHT], pts[FACE_LEFT])
    face_px_h = _dist(pts[FOREHEAD], pts[CHIN])
    mouth_w = _dist(pts[MOUTH_RIGHT], pts[MOUTH_LEFT]) / face_w
    usable = not ({"too_dark", "blurry"} & set(issues))
    return FrameEvidence(
        t=t,
        face=True,
        usable=usable,
        issues=tuple(issues),
        yaw_deg=yaw,
        pitch_deg=pitch,
        roll_deg=roll,
        gaze_x=gaze_x,
        gaze_y=gaze_y,
        eye_contact=eye_contact,
        face_height=face_h,
        face_center_x=cx,
        face_center_y=cy,
        in_frame=in_frame,
        centered=abs(cx - 0.5) <= CENTER_TOLERANCE_X,
        mouth_width_ratio=mouth_w,
        mouth_open_ratio=_dist(pts[LIP_TOP], pts[LIP_BOTTOM]) / face_px_h,
        brow_raise_ratio=(_dist(pts[R_BROW], pts[R_EYE_TOP]) + _dist(pts[L_BROW], pts[L_EYE_TOP])) / 2 / face_px_h,
        smiling=mouth_w > SMILE_WIDTH_RATIO,
        nose_x=float(lm.face[NOSE_TIP, 0]),
        nose_y=float(lm.face[NOSE_TIP, 1]),
        **_posture(lm),
    )


def _dist(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a[:2] - b[:2]))


def _head_pose(p: np.ndarray) -> tuple[float, float, float]:
    """Yaw, pitch, roll in degrees from the mesh's own depth (0, 0, 0 = facing the camera)."""
    right, left = p[FACE_RIGHT], p[FACE_LEFT]
    yaw = math.degrees(math.atan2(float(left[2] - right[2]), float(left[0] - right[0])))
    top, chin = p[FOREHEAD], p[CHIN]
    pitch = math.degrees(math.atan2(float(chin[2] - top[2]), float(chin[1] - top[1])))
    eye_r, eye_l = p[R_EYE_OUT], p[L_EYE_OUT]
    roll = math.degrees(math.atan2(float(eye_l[1] - eye_r[1]), float(eye_l[0] - eye_r[0])))
    return yaw, pitch, roll


def _gaze(p: np.ndarray) -> tuple[float, float]:
    """Iris position inside each eye (0..1, 0.5 = centred), averaged over both eyes."""

    def ratio(iris: int, a: int, b: int, axis: int) -> float:
        span = float(p[b][axis] - p[a][axis])
        return float(p[iris][axis] - p[a][axis]) / span if abs(span) > 1e-6 else 0.5

    gx = (ratio(R_IRIS, R_EYE_OUT, R_EYE_IN, 0) + ratio(L_IRIS, L_EYE_IN, L_EYE_OUT, 0)) / 2
    gy = (ratio(R_IRIS, R_EYE_TOP, R_EYE_BOTTOM, 1) + ratio(L_IRIS, L_EYE_TOP, L_EYE_BOTTOM, 1)) / 2
    return gx, gy


def _posture(lm: FrameLandmarks) -> dict[str, Any]:
    if not lm.pose_checked:
        return {}  # pose not run on this frame: unknown, not "no shoulders"
    if lm.pose is None:
        return {"shoulders_visible": False}
    ls, rs = lm.pose[P_L_SHOULDER], lm.pose[P_R_SHOULDER]
    if min(ls[3], rs[3]) < SHOULDER_VISIBILITY:
        return {"shoulders_visible": False}
    scale = np.array([lm.width, lm.height], np.float32)
    lpx, rpx, nose = ls[:2] * scale, rs[:2] * scale, lm.pose[P_NOSE][:2] * scale
    width = float(np.linalg.norm(lpx - rpx))
    tilt = math.degrees(math.atan2(float(lpx[1] - rpx[1]), float(abs(lpx[0] - rpx[0])) + 1e-6))
    mid_y = float((lpx[1] + rpx[1]) / 2)
    return {
        "shoulders_visible": True,
        "shoulder_tilt_deg": tilt,
        "uprightness": (mid_y - float(nose[1])) / width if width > 1 else None,
    }
