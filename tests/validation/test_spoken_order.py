"""The validation set's known order holds when the answers are spoken and transcribed (espeak-ng + Whisper).

Needs espeak-ng and sox (installed by ``./dev test``), the packaged Whisper
weights and MiniLM. Also shows that a text-to-speech voice does not get a
perfect confidence score.
"""

import pytest

from runtime.embeddings import shared_minilm
from services.feedback.content import EmbeddingJudge
from tests.fixtures.answers import CASES
from tests.validation.runs import Result, spoken_results
from tests.validation.test_content_order import assert_order

# 36 answers spoken and transcribed once per module (about 100 CPU-seconds); a busy machine needs longer.
pytestmark = pytest.mark.timeout(1800)


@pytest.fixture(scope="module")
def results() -> dict[str, dict[str, Result]]:
    out: dict[str, dict[str, Result]] = {}
    for r in spoken_results(EmbeddingJudge(shared_minilm())):
        out.setdefault(r.question_id, {})[r.kind] = r
    return out


@pytest.mark.parametrize("question_id", [c.question_id for c in CASES])
def test_known_order_on_spoken_answers(results, question_id):
    assert_order(results[question_id])


def test_a_synthetic_voice_is_not_perfectly_confident(results):
    confidence = [r.card.scores.confidence for row in results.values() for r in row.values()]
    assert all(c is not None and c < 100 for c in confidence), confidence
