"""Content judging with the real MiniLM embeddings for a question without a rubric (bare criterion statements).

Questions with anchored rubrics are validated in tests/validation.
"""

from runtime.embeddings import shared_minilm
from services.feedback.content import FALLBACK_NOTE, EmbeddingJudge
from services.feedback.scoring import score_answer
from services.feedback.spans import spans_from_text
from services.feedback.text import answer_feedback
from tests.factories import question
from tests.factories import speech_report as speech
from tests.factories import vision_report as vision

QUESTION = question(
    text="Explain overfitting in machine learning.",
    expected_duration_s=60,
    criteria=(
        "Defines overfitting as fitting noise in the training data",
        "Mentions poor generalisation to unseen data",
        "Names a remedy such as regularisation, more data or cross-validation",
    ),
)
GOOD_ANSWER = (
    "Overfitting happens when a model learns the noise in its training data instead of the real pattern. "
    "It then scores very well on the training set but generalises poorly to new, unseen data. "
    "To prevent it I use cross-validation to detect it, add regularisation such as dropout or L2, "
    "and collect more training data when I can. In my last project this cut the validation error by a third."
)


def content(text: str):
    return EmbeddingJudge(shared_minilm()).assess(spans_from_text(text), QUESTION, "mid")


def test_a_good_answer_without_a_rubric_is_covered_and_says_how_it_was_judged():
    c = content(GOOD_ANSWER)
    card = score_answer(speech(GOOD_ANSWER), vision(), c, "mid", QUESTION.expected_duration_s)
    assert card.scores.content is not None and card.scores.content > 60
    assert FALLBACK_NOTE in c.notes and not c.rubric
    quotes = [e.quote for e in card.evidence if e.metric == "criterion" and e.quote]
    assert quotes and all(q in GOOD_ANSWER for q in quotes)
    assert answer_feedback(card).strengths


def test_reading_the_bare_criteria_aloud_earns_nothing():
    readback = ". ".join(QUESTION.criteria) + "."
    assert content(readback).score == 0


def test_off_topic_long_answer_scores_low_and_says_so():
    text = "I really enjoy cooking pasta at the weekend with my family, and we often go hiking in the mountains. " * 3
    c = content(text)
    assert c.score is not None and c.score <= 20 and c.off_topic
    card = score_answer(speech(text), vision(), c, "mid", 60)
    assert any("did not address the question" in s for s in answer_feedback(card).improvements)
