import pytest

from services.vision.aggregate import aggregate
from services.vision.evidence import FrameEvidence
from services.vision.vlm import parse_frame_json


def frame(t: float, looking: bool | None = True, **kw) -> FrameEvidence:
    if looking is None:
        return FrameEvidence(t=t, face=False, usable=False, issues=("no_face",))
    base = dict(
        yaw_deg=2.0,
        pitch_deg=5.0,
        gaze_x=0.5,
        face_height=0.3,
        centered=True,
        in_frame=True,
        mouth_width_ratio=0.4,
        mouth_open_ratio=0.05,
        brow_raise_ratio=0.1,
        smiling=False,
        nose_x=0.5,
        nose_y=0.4,
        shoulders_visible=True,
        shoulder_tilt_deg=1.0,
        uprightness=0.6,
    )
    return FrameEvidence(t=t, face=True, usable=True, issues=(), eye_contact=looking, **(base | kw))


def test_ratios_and_looking_away_segments():
    frames = [frame(0.0), frame(2.5), frame(5.0, looking=False), frame(7.5, looking=False), frame(10.0)]
    report = aggregate(frames, duration_s=11.0)
    assert report.frames_used == 5 and report.face_present_ratio == 1.0
    assert report.eye_contact_ratio == pytest.approx(0.6)
    assert [(s.start, s.end) for s in report.looking_away] == [(3.75, 8.75)]
    assert report.quality == ()
    assert report.posture.shoulders_visible_ratio == 1.0


def test_missing_face_counts_as_away_but_not_as_measured():
    frames = [frame(0.0), frame(2.5, looking=None), frame(5.0), frame(7.5), frame(10.0, looking=None)]
    report = aggregate(frames, duration_s=12.0)
    assert report.frames_used == 3 and report.face_present_ratio == pytest.approx(0.6)
    assert report.eye_contact_ratio == 1.0  # only frames with a usable face
    assert [(s.start, s.end) for s in report.looking_away] == [(1.25, 3.75), (8.75, 12.0)]


def test_too_few_usable_frames_cannot_be_measured():
    frames = [frame(0.0), frame(2.5, looking=None), frame(5.0, looking=None), frame(7.5, looking=None)]
    report = aggregate(frames, duration_s=9.0)
    assert report.eye_contact_ratio is None and report.expressiveness is None and report.movement is None
    assert "too_few_usable_frames" in report.quality and "no_face" in report.quality
    assert "1 of 4" in report.cannot_measure["eye_contact_ratio"]
    assert aggregate([], 0.0).face_present_ratio is None


def test_expressiveness_and_movement_follow_the_face():
    still = aggregate([frame(t) for t in (0, 2, 4, 6)], 8.0)
    lively = aggregate(
        [
            frame(0, mouth_width_ratio=0.38, brow_raise_ratio=0.08, nose_x=0.45),
            frame(2, mouth_width_ratio=0.48, brow_raise_ratio=0.12, nose_x=0.55, smiling=True),
            frame(4, mouth_width_ratio=0.40, brow_raise_ratio=0.09, nose_x=0.45),
            frame(6, mouth_width_ratio=0.47, brow_raise_ratio=0.13, nose_x=0.55, smiling=True),
        ],
        8.0,
    )
    assert still.expressiveness == 0 and still.movement == 0
    assert lively.expressiveness > 3 and lively.movement > 0.1
    assert lively.smile_ratio == 0.5


def test_vlm_answers_are_checked_strictly():
    good = 'Sure: {"eyeContact": 80, "bodyLanguage": 70, "facialExpression": "calm", "confidence": 75, "notes": "ok"}'
    assert parse_frame_json(good)["eyeContact"] == 80.0
    assert parse_frame_json("no json here") == {"error": "no_json"}
    assert parse_frame_json('{"eyeContact": 180}')["error"] == "bad_eyeContact"
    assert parse_frame_json('{"eyeContact": 80, "bodyLanguage": 70, "confidence": 7}')["error"].startswith("bad_")


def test_a_black_video_is_flagged_as_black_frames_not_as_a_dark_room():
    from services.vision.evidence import frame_evidence
    from services.vision.landmarks import FrameLandmarks

    covered = FrameLandmarks(width=640, height=360, face=None, pose=None, brightness=1.5, contrast=0.4, sharpness=0.0)
    dim = FrameLandmarks(width=640, height=360, face=None, pose=None, brightness=25.0, contrast=9.0, sharpness=3.0)
    assert "black_frames" in frame_evidence(0.0, covered).issues
    assert "black_frames" not in frame_evidence(0.0, dim).issues
    report = aggregate([frame_evidence(float(t), covered) for t in range(6)], duration_s=6.0)
    assert "black_frames" in report.quality and report.eye_contact_ratio is None
