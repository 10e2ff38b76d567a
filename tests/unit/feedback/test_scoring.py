"""Scoring and feedback text on a word-overlap embedder (judging content with MiniLM: tests/models/)."""

import pytest

from schemas.reports import Posture
from services.feedback.content import analyze_content
from services.feedback.scoring import score_answer
from services.feedback.text import answer_feedback
from tests.factories import speech_report as speech
from tests.factories import vision_report as vision
from tests.fakes import FakeEmbedder

QUESTION = "Explain overfitting in machine learning."
CRITERIA = [
    "Defines overfitting as fitting noise in the training data",
    "Mentions poor generalisation to unseen data",
    "Names a remedy such as regularisation, more data or cross-validation",
]
GOOD_ANSWER = (
    "Overfitting happens when a model learns the noise in its training data instead of the real pattern. "
    "It then scores very well on the training set but generalises poorly to new, unseen data. "
    "To prevent it I use cross-validation to detect it, add regularisation such as dropout or L2, "
    "and collect more training data when I can. In my last project this cut the validation error by a third."
)


def content(text: str, behavioral: bool = False):
    return analyze_content(text, QUESTION, CRITERIA, FakeEmbedder(), behavioral)


def test_off_topic_one_word_answer_cannot_look_good():
    card = score_answer(speech("Fine.", wpm=None, filler_rate_per_min=None), vision(), content("Fine."), "mid")
    assert card.scores.content < 10
    assert card.scores.overall <= card.scores.content + 20  # perfect eye contact cannot rescue it
    assert any("did not" in s or "not clearly" in s for s in answer_feedback(card).improvements)


def test_silence_and_no_face_are_not_measured_and_say_why():
    silent = speech(
        "",
        wpm=None,
        filler_rate_per_min=None,
        volume_dbfs=None,
        pitch_variation_st=None,
        long_pause_count=None,
        quality=("no_speech",),
    )
    no_face = vision(
        eye_contact_ratio=None,
        posture=Posture(),
        movement=None,
        cannot_measure={"eye_contact_ratio": "a usable face was visible in 0 of 12 sampled frames"},
    )
    card = score_answer(silent, no_face, content(""), "mid")
    assert card.scores.communication is None and card.scores.body_language is None
    assert card.scores.content == 0  # an answer that says nothing has no content
    assert "0 of 12" in card.cannot_measure["body_language"]
    assert card.confidence_level == "low"
    summary = answer_feedback(card).summary
    assert summary.endswith("Not measured: communication, confidence, body language.")


def test_missing_analysis_gives_null_categories():
    card = score_answer(None, None, None, "senior")
    assert card.scores.overall is None and set(card.cannot_measure) >= {"content", "overall"}


def test_filler_band_depends_on_level():
    s = speech(GOOD_ANSWER, filler_rate_per_min=3.0)
    entry = score_answer(s, vision(), content(GOOD_ANSWER), "entry")
    senior = score_answer(s, vision(), content(GOOD_ANSWER), "senior")
    assert entry.scores.communication > senior.scores.communication


def test_star_parts_are_found_with_their_quotes():
    story = (
        "At my last company our deploys failed every week. My task was to make releases reliable. "
        "So I set up automated tests and a canary stage. As a result we cut failed deploys by ninety percent."
    )
    ev = content(story, behavioral=True)
    assert all(ev.star[p] is not None for p in ("situation", "task", "action", "result"))
    assert ev.star["result"].quote.startswith("As a result")
    partial = content("I set up automated tests.", behavioral=True)
    assert partial.star["result"] is None and partial.star["action"] is not None


@pytest.mark.parametrize("eye", [0.2, 0.95])
def test_feedback_never_praises_what_was_measured_low(eye):
    card = score_answer(speech(GOOD_ANSWER), vision(eye_contact_ratio=eye), content(GOOD_ANSWER), "mid")
    fb = answer_feedback(card)
    praised = any("looked at the camera" in s and "only" not in s for s in fb.strengths)
    assert praised == (eye >= 0.6)
