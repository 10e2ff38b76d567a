"""Face mesh (with iris) and pose landmarks from MediaPipe 0.10.21, plus image quality.

This module is the one implementation of landmark detection: the Triton
``face_landmarks`` model (deploy/triton) and the embedded in-process adapter
both call :class:`LandmarkModel`. It imports only numpy, OpenCV and MediaPipe
so the Triton python backend can load it without the rest of the service.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

FACE_POINTS = 478  # 468 mesh + 10 iris points (refine_landmarks=True)
POSE_POINTS = 33


def pose_mask(count: int, every: int) -> list[bool]:
    """Which of ``count`` frames get the pose model: every ``every``-th, always the first."""
    return [i % max(every, 1) == 0 for i in range(count)]


@dataclass(frozen=True)
class FrameLandmarks:
    """Landmarks of one frame, normalised to [0, 1] image coordinates (z relative)."""

    width: int
    height: int
    face: np.ndarray | None
    """(478, 3) x, y, z; None when no face was found."""
    pose: np.ndarray | None
    """(33, 4) x, y, z, visibility; None when no body was found."""
    brightness: float
    """Mean luma, 0-255."""
    contrast: float
    """Luma standard deviation."""
    sharpness: float
    """Variance of the Laplacian over the face box (whole frame without a face)."""
    pose_checked: bool = True
    """False when pose was not run on this frame (it runs on a subset, to save CPU)."""

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Fixed-shape arrays for Triton outputs (zeros + flags when absent)."""
        return {
            "FACE": self.face if self.face is not None else np.zeros((FACE_POINTS, 3), np.float32),
            "POSE": self.pose if self.pose is not None else np.zeros((POSE_POINTS, 4), np.float32),
            "FLAGS": np.array([self.face is not None, self.pose is not None, self.pose_checked], np.float32),
            "STATS": np.array([self.width, self.height, self.brightness, self.contrast, self.sharpness], np.float32),
        }

    @classmethod
    def from_arrays(cls, face: np.ndarray, pose: np.ndarray, flags: np.ndarray, stats: np.ndarray) -> FrameLandmarks:
        return cls(
            width=int(stats[0]),
            height=int(stats[1]),
            face=face.astype(np.float32) if flags[0] > 0.5 else None,
            pose=pose.astype(np.float32) if flags[1] > 0.5 else None,
            brightness=float(stats[2]),
            contrast=float(stats[3]),
            sharpness=float(stats[4]),
            pose_checked=bool(flags[2] > 0.5),
        )


class LandmarkModel:
    """Holds the MediaPipe graphs; not thread-safe (use one per worker thread).

    Static-image mode: every frame is analysed on its own, so frames of
    different answers can be interleaved in a batch.
    """

    def __init__(self) -> None:
        import mediapipe as mp  # heavy import, only where landmarks are computed

        self._face: Any = mp.solutions.face_mesh.FaceMesh(
            static_image_mode=True, refine_landmarks=True, max_num_faces=1, min_detection_confidence=0.5
        )
        # model_complexity=1: the "full" pose model is the one the wheel ships.
        self._pose: Any = mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1)

    def detect_jpeg(self, jpeg: bytes, with_pose: bool = True) -> FrameLandmarks:
        bgr = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
        if bgr is None:
            raise ValueError("not a decodable image")
        return self.detect(bgr, with_pose)

    def detect(self, bgr: np.ndarray, with_pose: bool = True) -> FrameLandmarks:
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        height, width = rgb.shape[:2]
        face_result = self._face.process(rgb)
        pose_result = self._pose.process(rgb) if with_pose else None
        face = None
        if face_result.multi_face_landmarks:
            face = np.array([[p.x, p.y, p.z] for p in face_result.multi_face_landmarks[0].landmark], np.float32)
        pose = None
        if pose_result is not None and pose_result.pose_landmarks:
            pose = np.array([[p.x, p.y, p.z, p.visibility] for p in pose_result.pose_landmarks.landmark], np.float32)
        gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
        return FrameLandmarks(
            width=width,
            height=height,
            face=face,
            pose=pose,
            brightness=float(gray.mean()),
            contrast=float(gray.std()),
            sharpness=_sharpness(gray, face),
            pose_checked=with_pose,
        )


def _sharpness(gray: np.ndarray, face: np.ndarray | None) -> float:
    region = gray
    if face is not None:
        h, w = gray.shape
        x0, y0 = (face[:, :2].min(axis=0) * (w, h)).astype(int)
        x1, y1 = (face[:, :2].max(axis=0) * (w, h)).astype(int)
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
        if x1 - x0 > 8 and y1 - y0 > 8:
            region = gray[y0:y1, x0:x1]
    return float(cv2.Laplacian(region, cv2.CV_64F).var())
