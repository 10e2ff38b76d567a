"""Benchmark: media extraction + vision for a 3-minute 720p answer, against a naive baseline.

    .venv/bin/python -m bench.media_vision [--seconds 180]

Ours: keyframe-first sampling (MediaRecorder-like VP8 WebM, a keyframe every
100 frames), audio to 16 kHz WAV, seekable remux, then face mesh + pose on the
sampled frames (in-process, 2 threads). Baseline: decode every frame, analyse
one frame per second with the same landmark model and the same pose policy. Both in this process, same
run; CPU seconds are user+system of this process (both cores count).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import time
from pathlib import Path

import av
import cv2

from services.media.adapters.pyav import PyAVExtractor
from services.media.handlers import Limits
from services.vision.adapters.local import InProcessLandmarks
from services.vision.aggregate import aggregate
from services.vision.config import Settings
from services.vision.evidence import frame_evidence
from services.vision.landmarks import pose_mask
from tests.fixtures.video import make_clip

POSE_EVERY = Settings.model_fields["vision_pose_every"].default  # the service's default, for both pipelines


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def ours(clip: Path, detector: InProcessLandmarks) -> tuple[int, dict[str, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        c0, w0 = cpu(), time.perf_counter()
        result = PyAVExtractor().extract(clip, Path(tmp), Limits())
        c1, w1 = cpu(), time.perf_counter()
        jpegs = [p.read_bytes() for _, p in result.frames]
        landmarks = asyncio.run(detector.detect(jpegs, pose_mask(len(jpegs), POSE_EVERY)))
        aggregate(
            [frame_evidence(t, lm) for (t, _), lm in zip(result.frames, landmarks, strict=True)], result.duration_s
        )
        c2, w2 = cpu(), time.perf_counter()
    return len(result.frames), {
        "media_cpu": c1 - c0,
        "media_wall": w1 - w0,
        "vision_cpu": c2 - c1,
        "vision_wall": w2 - w1,
    }


def baseline(clip: Path, detector: InProcessLandmarks) -> tuple[int, dict[str, float]]:
    c0, w0 = cpu(), time.perf_counter()
    jpegs: list[bytes] = []
    next_t = 0.0
    with av.open(str(clip)) as src:
        stream = src.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in src.decode(stream):
            if frame.time is not None and frame.time >= next_t:
                bgr = frame.reformat(width=640, height=360, format="bgr24").to_ndarray()
                jpegs.append(cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 80])[1].tobytes())
                next_t += 1.0
    c1, w1 = cpu(), time.perf_counter()
    landmarks = asyncio.run(detector.detect(jpegs, pose_mask(len(jpegs), POSE_EVERY)))
    aggregate([frame_evidence(float(i), lm) for i, lm in enumerate(landmarks)], float(len(jpegs)))
    c2, w2 = cpu(), time.perf_counter()
    return len(jpegs), {"media_cpu": c1 - c0, "media_wall": w1 - w0, "vision_cpu": c2 - c1, "vision_wall": w2 - w1}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--clip", type=Path, default=None, help="reuse an existing clip")
    args = parser.parse_args()
    clip = args.clip or Path(tempfile.gettempdir()) / f"bench_answer_{int(args.seconds)}s_720p.webm"
    if not clip.exists():
        print(f"generating {clip} (VP8 720p, keyframe every 100 frames, Opus)...")
        make_clip(clip, codec="vp8", seconds=args.seconds, size=(1280, 720), gop=100)
    detector = InProcessLandmarks(threads=2)
    asyncio.run(detector.detect([cv2.imencode(".jpg", cv2.UMat(64, 64, cv2.CV_8UC3).get())[1].tobytes()] * 2))
    n_ours, t_ours = ours(clip, detector)
    n_base, t_base = baseline(clip, detector)
    total_ours = t_ours["media_cpu"] + t_ours["vision_cpu"]
    total_base = t_base["media_cpu"] + t_base["vision_cpu"]
    print(f"clip: {clip.name}, {args.seconds:.0f} s, 1280x720 VP8")
    print("| pipeline | frames analysed | media CPU s | vision CPU s | total CPU s | total wall s |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, n, t in (("keyframe sampling (ours)", n_ours, t_ours), ("every frame decoded, 1 fps", n_base, t_base)):
        print(
            f"| {name} | {n} | {t['media_cpu']:.2f} | {t['vision_cpu']:.2f} | "
            f"{t['media_cpu'] + t['vision_cpu']:.2f} | {t['media_wall'] + t['vision_wall']:.2f} |"
        )
    print(f"speed-up (CPU): {total_base / total_ours:.1f}x")


if __name__ == "__main__":
    main()
