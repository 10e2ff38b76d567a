import json

from runtime.storage.localfs import LocalObjectStore
from schemas import AnswerUploaded, AnswerUploadedData, MediaExtracted
from services.media.adapters.pyav import PyAVExtractor
from services.media.handlers import Limits, extract_media
from services.vision.adapters.local import InProcessLandmarks
from services.vision.handlers import analyze_frames
from tests.fixtures.video import make_clip


async def test_recorded_face_gives_evidence_and_a_stored_report(tmp_path):
    store = LocalObjectStore(tmp_path / "objects")
    clip = make_clip(tmp_path / "in.webm", seconds=10)
    key = "sessions/s1/answers/a1/video.webm"
    await store.put_bytes(key, clip.read_bytes(), "video/webm")
    upload = AnswerUploaded.new(
        AnswerUploadedData(
            session_id="s1",
            answer_id="a1",
            question_id="q1",
            attempt=1,
            video_key=key,
            content_type="video/webm",
            size_bytes=1,
        ),
        source="t",
        sessionid="s1",
        answerid="a1",
    )
    media = await extract_media(upload, store, PyAVExtractor(), Limits())
    assert isinstance(media, MediaExtracted)
    detector = InProcessLandmarks(threads=2)
    try:
        vision = await analyze_frames(media, store, detector)
    finally:
        detector.close()
    d = vision.data
    assert d.frames_used == len(media.data.frames) == 4
    assert d.face_present_ratio == 1.0 and d.eye_contact_ratio == 1.0
    assert d.models == ("face_landmarks@in-process",)
    report = json.loads(await store.get_bytes(d.report_key))
    assert [f["t"] for f in report["frames"]] == [f.t for f in media.data.frames]
    assert report["looking_away"] == [] and report["cannot_measure"] == {}
    assert vision.causationid == media.id
