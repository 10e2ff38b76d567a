"""Scores from evidence: caps, gates on unusable input, rates, answer length, a confidence that discriminates."""

import pytest

from schemas.scoring import SCORING
from services.feedback.scoring import ScoreCard, score_answer
from services.feedback.text import answer_feedback
from tests.unit.feedback.fakes import assessment, speech, vision

TEXT = "I cut the build time from ten to two minutes by caching dependencies and splitting the test suite. " * 3


def test_a_clear_answer_scores_every_category_with_evidence():
    card = score_answer(speech(TEXT), vision(), assessment(80.0), "mid", 90)
    assert all(getattr(card.scores, k) is not None for k in ("overall", "content", "communication", "confidence"))
    assert card.scores.body_language == 100 and card.confidence_level == "high"
    criterion = next(e for e in card.evidence if e.metric == "criterion")
    assert criterion.quote and criterion.at == 12.0
    fb = answer_feedback(card)
    assert any("build time" in s for s in fb.strengths)
    assert "coverage estimate" in fb.summary


@pytest.mark.parametrize("content", [0, 10, 25, 40, 55, 70, 85])
def test_delivery_never_lifts_overall_more_than_the_margin_above_content(content):
    card = score_answer(speech(TEXT), vision(), assessment(float(content)), "mid", 90)
    assert card.scores.overall <= content + SCORING.overall_above_content_max
    if content < SCORING.verdicts.solid - SCORING.overall_above_content_max:
        assert SCORING.verdicts.word(card.scores.overall) == "needs work"  # never "solid" on a weak answer


def test_no_content_score_means_no_overall_score():
    card = score_answer(speech(TEXT), vision(), assessment(None, notes=("no criteria",)), "mid", 90)
    assert card.scores.content is None and card.scores.overall is None
    assert "no criteria" in card.cannot_measure["overall"]
    assert card.scores.communication is not None  # delivery is still measured and shown


@pytest.mark.parametrize(
    ("flag", "extra", "words"),
    [
        ("digital_silence", {}, "microphone"),
        ("no_speech", {}, "microphone"),
        ("non_english", {"language": "es"}, "English"),
        ("unclear_speech", {}, "make out your words"),
    ],
)
def test_unusable_speech_gets_no_verdict_and_no_praise(flag, extra, words):
    report = speech(TEXT, quality=[flag], **extra)
    card = score_answer(report, vision(), assessment(90.0), "mid", 90)
    for k in ("overall", "content", "communication", "confidence"):
        assert getattr(card.scores, k) is None, k
    assert card.scores.body_language is not None  # the face was still seen
    fb = answer_feedback(card)
    assert fb.strengths == () and words in fb.summary and card.problems[0].code == flag
    assert card.confidence_level == "low"


def test_black_frames_say_check_the_camera_and_overall_is_null_not_zero():
    dark = vision(eye_contact_ratio=None, posture={}, movement=None, quality=["black_frames"])
    card = score_answer(speech(TEXT), dark, assessment(70.0), "mid", 90)
    assert card.scores.overall is None and card.scores.body_language is None
    assert card.scores.content == 70  # what we heard is still judged
    assert "camera" in answer_feedback(card).summary


def test_silent_and_black_recording_is_not_scored_zero():
    silent = speech("", quality=["digital_silence"], wpm=None, volume_dbfs=None, pitch_variation_st=None)
    dark = vision(eye_contact_ratio=None, posture={}, movement=None, quality=["black_frames"])
    card = score_answer(silent, dark, None, "mid", 90)
    assert card.scores.overall is None and [p.code for p in card.problems] == ["digital_silence", "black_frames"]
    summary = answer_feedback(card).summary
    assert "microphone" in summary and "camera" in summary


def test_rates_need_twenty_seconds_of_speech():
    short = speech(TEXT, speech_s=12.0, duration_s=15.0, hedges=[{"text": "I think", "start": 1.0}])
    card = score_answer(short, vision(), assessment(60.0), "mid", 90)
    metrics = {e.metric for e in card.evidence}
    assert not metrics & {"fillers_per_min", "hedges_per_min", "long_pauses_per_min", "restarts_per_min"}
    assert "20 s" in card.cannot_measure["rates"]


def test_answer_length_against_the_expected_duration_is_measured_and_told():
    card = score_answer(speech(TEXT, duration_s=30.0, speech_s=28.0), vision(), assessment(60.0), "mid", 180)
    [length] = [e for e in card.evidence if e.metric == "answer_length"]
    assert length.value == pytest.approx(30 / 180, abs=0.001) and not length.in_band
    assert any("30 s" in s and "3 minutes" in s for s in answer_feedback(card).improvements)


def test_confidence_discriminates():
    lively = score_answer(speech(TEXT), vision(), assessment(60.0), "mid", 90).scores.confidence
    flat = score_answer(speech(TEXT, pitch_variation_st=1.6), vision(), assessment(60.0), "mid", 90)
    hedges = [{"text": "I think", "start": float(i)} for i in range(5)]
    hedging = score_answer(speech(TEXT, hedges=hedges), vision(eye_contact_ratio=0.4), assessment(60.0), "mid", 90)
    assert lively == 100
    assert flat.scores.confidence < 85  # a monotone (TTS-like) voice is not "100 % confident"
    assert hedging.scores.confidence < flat.scores.confidence


def test_filler_band_depends_on_level():
    s = speech(TEXT, filler_rate_per_min=3.5)
    entry = score_answer(s, vision(), assessment(60.0), "entry", 90)
    senior = score_answer(s, vision(), assessment(60.0), "senior", 90)
    assert entry.scores.communication > senior.scores.communication
    [target] = [e.target for e in senior.evidence if e.metric == "fillers_per_min"]
    assert target == "at most 2 per minute at senior level"


def test_missing_analyses_give_null_categories_with_reasons():
    card = score_answer(None, None, None, "senior")
    assert card.scores.overall is None and set(card.cannot_measure) >= {"content", "overall", "body_language"}


def test_the_card_survives_a_json_round_trip():
    card = score_answer(speech(TEXT, filler_rate_per_min=8.0), vision(), assessment(45.0), "mid", 90)
    again = ScoreCard.model_validate_json(card.model_dump_json())
    assert again == card and answer_feedback(again) == answer_feedback(card)
