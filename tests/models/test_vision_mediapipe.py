"""Landmarks from the real MediaPipe model: the detector, and the recording the unit tests use."""

import json

import numpy as np
import pytest

from runtime.storage.localfs import LocalObjectStore
from schemas import AnswerUploaded, AnswerUploadedData, MediaExtracted
from services.media.adapters.pyav import PyAVExtractor
from services.media.handlers import Limits, extract_media
from services.vision.adapters.local import InProcessLandmarks
from services.vision.evidence import frame_evidence
from services.vision.handlers import analyze_frames
from services.vision.landmarks import LandmarkModel
from tests.fixtures.faces import cases
from tests.fixtures.landmarks import frontal
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


@pytest.fixture(scope="module")
def model() -> LandmarkModel:
    return LandmarkModel()


def test_the_recorded_landmarks_are_what_the_model_finds(model):
    """tests/fixtures/landmarks.json stands in for MediaPipe in unit tests: it must still be its answer."""
    live, recorded = model.detect(cases()["frontal"]), frontal()
    assert live.face is not None and live.pose is not None
    assert np.abs(live.face - recorded.face).max() < 0.01
    assert frame_evidence(0, live).eye_contact == frame_evidence(0, recorded).eye_contact is True


@pytest.mark.parametrize("name", ["out_of_frame", "covered", "dark", "blurred", "far_away"])
def test_frames_without_a_usable_face_are_flagged(model, name):
    e = frame_evidence(0.0, model.detect(cases()[name]))
    assert not e.usable
    assert e.eye_contact is None
    assert e.issues  # says why (no_face, too_dark, blurry, ...)
    if name == "dark":
        assert "too_dark" in e.issues
