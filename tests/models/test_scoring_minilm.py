"""Content scoring with the real MiniLM embeddings: what the words of an answer mean."""

from runtime.embeddings import shared_minilm
from services.feedback.content import analyze_content
from services.feedback.scoring import score_answer
from services.feedback.text import answer_feedback
from tests.factories import speech_report as speech
from tests.factories import vision_report as vision
from tests.unit.feedback.test_scoring import CRITERIA, GOOD_ANSWER, QUESTION


def content(text: str, behavioral: bool = False):
    return analyze_content(text, QUESTION, CRITERIA, shared_minilm(), behavioral)


def test_excellent_answer_scores_high_with_evidence():
    card = score_answer(speech(GOOD_ANSWER), vision(), content(GOOD_ANSWER), "mid")
    assert card.scores.content > 70 and card.scores.overall > 80
    assert card.confidence_level == "high"
    quotes = [e.quote for e in card.evidence if e.metric == "criterion"]
    assert all(q and q in GOOD_ANSWER for q in quotes)
    feedback = answer_feedback(card)
    assert feedback.strengths and "Overall" in feedback.summary


def test_off_topic_long_answer_scores_low_on_content():
    text = "I really enjoy cooking pasta at the weekend with my family, and we often go hiking in the mountains. " * 3
    card = score_answer(speech(text), vision(), content(text), "mid")
    assert card.scores.content <= 20
