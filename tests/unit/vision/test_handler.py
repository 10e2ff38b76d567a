"""The vision handler on the recorded landmarks (the live MediaPipe model: tests/models/)."""

from schemas.reports import FrameDescription, VisionReport
from services.vision.handlers import analyze_frames
from tests import factories
from tests.fakes import FakeLandmarks, MemoryObjectStore


class Describer:
    name = "fake-vlm"

    async def describe(self, jpegs: list[bytes]) -> list[FrameDescription]:
        return [FrameDescription(eye_contact=80, notes="calm") for _ in jpegs]


async def test_frames_give_a_typed_report_at_the_answers_key():
    store = MemoryObjectStore()
    media = factories.media_extracted(duration_s=10.0, frames=4)
    for ref in media.data.frames:
        await store.put_bytes(ref.key, b"\xff\xd8 a jpeg", "image/jpeg")
    detector = FakeLandmarks()
    out = await analyze_frames(media, store, detector, Describer(), pose_every=3)
    assert out.data.report_key == "sessions/s1/answers/a1/vision.json" and out.causationid == media.id
    report = VisionReport.model_validate_json(await store.get_bytes(out.data.report_key))
    assert report.frames_used == detector.frames_seen == 4 and report.eye_contact_ratio == 1.0
    assert [f.t for f in report.frames] == [f.t for f in media.data.frames]
    assert report.models == out.data.models == ("fake-landmarks", "fake-vlm")
    assert report.descriptions[0].notes == "calm"
    assert report.posture.frames_with_pose == 2  # frames 0 and 3


async def test_no_face_is_not_measured_and_says_why():
    store = MemoryObjectStore()
    media = factories.media_extracted(frames=5)
    for ref in media.data.frames:
        await store.put_bytes(ref.key, b"\xff\xd8", "image/jpeg")
    out = await analyze_frames(media, store, FakeLandmarks(face=False))
    report = VisionReport.model_validate_json(await store.get_bytes(out.data.report_key))
    assert out.data.eye_contact_ratio is None and report.face_present_ratio == 0.0
    assert "0 of 5" in report.cannot_measure["eye_contact_ratio"] and "too_few_usable_frames" in report.quality
