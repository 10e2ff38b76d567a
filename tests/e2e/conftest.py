"""Browser fixtures: Debian's Chromium with fake camera (a real face) and microphone (TTS speech)."""

from __future__ import annotations

import shutil
import wave
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.fixtures import speech as fx
from tests.fixtures.faces import place, portrait

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "artifacts" / "screenshots"
SPOKEN = "I design reliable data pipelines and I test them carefully"


def write_y4m(path: Path, seconds: float = 4.0, fps: int = 10, size: tuple[int, int] = (640, 360)) -> None:
    """A looping clip of a real face (the astronaut photo), moving slightly, in YUV4MPEG2."""
    w, h = size
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{w} H{h} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for i in range(int(seconds * fps)):
            frame = place(portrait(), 140 + int(8 * np.sin(i / fps * 2)), 0, 360, (h, w))
            yuv = cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420)
            out.write(b"FRAME\n" + yuv.tobytes())


def write_speech(path: Path) -> None:
    voice, _ = fx.build([("say", SPOKEN), ("pause", 0.6)])
    rate = 48_000
    up = np.interp(np.arange(int(len(voice) * 3)) / 3, np.arange(len(voice)), voice).astype(np.float32)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.clip(up, -1, 1) * 32767).astype(np.int16).tobytes())


@pytest.fixture(scope="session")
def media_files(tmp_path_factory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("fake-devices")
    write_y4m(d / "face.y4m")
    write_speech(d / "speech.wav")
    return d / "face.y4m", d / "speech.wav"


@pytest.fixture
def browser(media_files, tmp_path) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Debian's chromium is required (deploy/local/stack.sh install installs it)")
    video, audio = media_files
    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=chromium,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--autoplay-policy=no-user-gesture-required",
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
                f"--use-file-for-fake-audio-capture={audio}",
            ],
        )
        try:
            yield b
        finally:
            b.close()
