import wave
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from schemas import AnswerFailed, MediaExtracted
from services.media.adapters.pyav import PyAVExtractor
from services.media.handlers import Limits, MediaError, extract_media
from tests.factories import answer_uploaded
from tests.fakes import MemoryObjectStore
from tests.fixtures.video import make_clip


# MediaRecorder's own format at 720p (frames are downscaled); the other codecs smaller, to save CPU.
@pytest.mark.parametrize(
    ("codec", "suffix", "size"),
    [
        ("vp8", ".webm", (1280, 720)),
        ("vp9", ".webm", (640, 360)),
        ("h264", ".mp4", (640, 360)),
        ("h264", ".webm", (640, 360)),
    ],
)
def test_extracts_audio_frames_and_a_seekable_copy(tmp_path, codec, suffix, size):
    clip = make_clip(tmp_path / f"in{suffix}", codec=codec, seconds=8, size=size)
    work = tmp_path / "work"
    work.mkdir()
    result = PyAVExtractor().extract(clip, work, Limits())
    assert result.duration_s == pytest.approx(8.0, abs=0.05)
    assert (result.width, result.height) == size
    assert result.fps == pytest.approx(30, abs=0.5)
    times = [t for t, _ in result.frames]
    assert times[:3] == pytest.approx([0.0, 3.333, 6.667], abs=0.01)  # keyframes every 100 frames
    for _, path in result.frames:
        img = cv2.imread(str(path))
        assert img.shape == (360, 640, 3)
    with wave.open(str(result.audio_path)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (16_000, 1, 2)
        assert wav.getnframes() / 16_000 == pytest.approx(8.0, abs=0.1)
    with av.open(str(result.playback_path)) as playback:
        assert playback.duration is not None  # MediaRecorder input had none: seekable now
        playback.seek(int(5 * av.time_base))
        frame = next(playback.decode(video=0))
        assert frame.time == pytest.approx(5.0, abs=3.4)


def test_audio_as_the_first_stream_like_chrome_records_it(tmp_path):
    # The end-of-demux flush packets say stream 0: with the audio there, the video's flush once reached
    # the audio resampler and every browser recording failed.
    clip = make_clip(tmp_path / "in.webm", seconds=4, audio_first=True)
    with av.open(str(clip)) as probe:
        assert [s.type for s in probe.streams] == ["audio", "video"]
    work = tmp_path / "work"
    work.mkdir()
    result = PyAVExtractor().extract(clip, work, Limits())
    assert result.duration_s == pytest.approx(4.0, abs=0.05)
    assert result.frames
    with wave.open(str(result.audio_path)) as wav:
        assert wav.getnframes() / 16_000 == pytest.approx(4.0, abs=0.1)


def test_exact_frames_in_long_gops_show_the_right_moment(tmp_path):
    clip = make_clip(tmp_path / "longgop.mp4", codec="h264", seconds=12, gop=300, fps=30)
    work = tmp_path / "work"
    work.mkdir()
    result = PyAVExtractor().extract(clip, work, Limits())
    assert result.keyframe_frames == 2 and result.exact_frames >= 3
    for t, path in result.frames:
        blue = float(np.median(cv2.imread(str(path))[:20, :20, 0]))
        expected = (round(t * 30) * 2) % 255  # the fixture paints frame i with blue = 2i
        assert abs(blue - expected) <= 8, (t, blue, expected)
    gaps = np.diff([t for t, _ in result.frames])
    assert gaps.max() <= 3.5


def _fail(path: Path, tmp_path: Path, **limits) -> MediaError:
    with pytest.raises(MediaError) as info:
        PyAVExtractor().extract(path, tmp_path, Limits(**limits))
    assert info.value.message
    return info.value


def test_bad_inputs_fail_with_reasons(tmp_path):
    full = make_clip(tmp_path / "full.webm", seconds=6)
    data = full.read_bytes()
    cases = {
        "empty_file": (tmp_path / "empty.webm", b""),
        "unreadable_container": (tmp_path / "text.webm", b"this is not a video at all"),
        "truncated": (tmp_path / "cut.webm", data[: len(data) // 2 + 777]),
    }
    for reason, (path, content) in cases.items():
        path.write_bytes(content)
        assert _fail(path, tmp_path).reason == reason
    mp4 = make_clip(tmp_path / "full.mp4", codec="h264", seconds=6).read_bytes()
    (tmp_path / "cut.mp4").write_bytes(mp4[: len(mp4) // 2])
    assert _fail(tmp_path / "cut.mp4", tmp_path).reason == "unreadable_container"
    assert _fail(make_clip(tmp_path / "ao.webm", video=False, seconds=3), tmp_path).reason == "no_video_stream"
    assert _fail(make_clip(tmp_path / "vo.webm", audio=False, seconds=3), tmp_path).reason == "no_audio_stream"
    assert _fail(make_clip(tmp_path / "m4.mkv.webm", codec="mpeg4", seconds=3), tmp_path).reason == (
        "unsupported_codec"
    )
    assert _fail(full, tmp_path, max_duration_s=5).reason == "too_long"
    assert _fail(full, tmp_path, max_bytes=1000).reason == "too_large"
    assert _fail(make_clip(tmp_path / "short.webm", seconds=0.5), tmp_path).reason == "too_short"


async def test_handler_stores_outputs_and_announces_them(tmp_path):
    store = MemoryObjectStore()
    upload = answer_uploaded("s1", "a1")
    await store.put_bytes(upload.data.video_key, make_clip(tmp_path / "in.webm", seconds=6).read_bytes(), "video/webm")
    out = await extract_media(upload, store, PyAVExtractor(), Limits())
    assert isinstance(out, MediaExtracted)
    d = out.data
    assert d.audio_key == "sessions/s1/answers/a1/audio.wav"
    assert (await store.stat(d.audio_key)).content_type == "audio/wav"
    assert d.playback_key and (await store.stat(d.playback_key)).size > 0
    assert [f.t for f in d.frames] == sorted(f.t for f in d.frames)
    for frame in d.frames:
        assert (await store.get_bytes(frame.key))[:2] == b"\xff\xd8"  # JPEG
    assert d.duration_s == pytest.approx(6.0, abs=0.05) and (d.width, d.height) == (640, 360)


async def test_handler_turns_bad_uploads_and_missing_objects_into_failures(tmp_path):
    store = MemoryObjectStore()
    upload = answer_uploaded("s1", "a1")
    await store.put_bytes(upload.data.video_key, b"\x1a\x45\xdf\xa3garbage", "video/webm")
    out = await extract_media(upload, store, PyAVExtractor(), Limits())
    assert isinstance(out, AnswerFailed)
    assert (out.data.stage, out.data.reason, out.data.answer_id) == ("media", "unreadable_container", "a1")
    missing = await extract_media(answer_uploaded("s1", "gone"), store, PyAVExtractor(), Limits())
    assert isinstance(missing, AnswerFailed) and missing.data.reason == "video_missing"
