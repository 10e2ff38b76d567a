"""The validation set's known order holds on the transcripts, for every question (real MiniLM, no ASR)."""

import pytest

from runtime.embeddings import shared_minilm
from services.feedback.content import EmbeddingJudge
from tests.fixtures.answers import CASES
from tests.validation.runs import Result, text_results


@pytest.fixture(scope="module")
def results() -> dict[str, dict[str, Result]]:
    out: dict[str, dict[str, Result]] = {}
    for r in text_results(EmbeddingJudge(shared_minilm()), extra=True):
        out.setdefault(r.question_id, {})[r.kind] = r
    return out


def assert_order(row: dict[str, Result]) -> None:
    c = {k: r.content for k, r in row.items()}
    o = {k: r.overall for k, r in row.items()}
    assert all(v is not None for v in c.values()), c
    assert c["strong"] >= c["weak"] + 15, c
    assert c["strong"] >= c["echo"] + 20, c
    assert c["strong"] >= c["readback"] + 10, c
    assert c["off_topic"] <= 20, c
    for kind in ("echo", "readback", "off_topic"):
        assert o[kind] < o["strong"], (kind, o)


@pytest.mark.parametrize("question_id", [c.question_id for c in CASES])
def test_known_order_on_transcripts(results, question_id):
    assert_order(results[question_id])


@pytest.mark.parametrize("question_id", [c.question_id for c in CASES])
def test_restating_gets_no_criterion_and_says_why(results, question_id):
    for kind in ("echo", "readback"):
        content = results[question_id][kind].card.content
        assert content is not None
        assert all(c.verdict == "not_met" for c in content.criteria), (kind, content.criteria)


def test_gaming_attempts_earn_nothing_extra(results):
    for case in CASES:
        row = results[case.question_id]
        if "salad" in case.extra:
            assert row["salad"].content == 0
        if "repeated" in case.extra:  # saying one good sentence again earns it once
            assert row["repeated"].content <= 100 / len(row["strong"].card.content.criteria) + 1
        if "padded" in case.extra:  # a weak answer plus the criteria read out as a summary
            assert row["padded"].content <= row["weak"].content + 5


def test_reading_out_the_rubric_shown_after_scoring_earns_nothing():
    from runtime.embeddings import shared_minilm
    from services.feedback.content import EmbeddingJudge
    from services.feedback.spans import spans_from_text
    from tests.validation.runs import questions

    judge = EmbeddingJudge(shared_minilm())
    for qid, question in questions().items():
        if not question.rubric:
            continue
        examples = " ".join(c.meets[0] if c.meets[0].endswith(".") else c.meets[0] + "." for c in question.rubric)
        a = judge.assess(spans_from_text(examples), question, "mid")
        assert a.score is not None and a.score <= 10, (qid, a.score)


def test_listed_misconceptions_are_found_and_keep_content_below_adequate(results):
    for case in CASES:
        if not case.wrong_facts_listed:
            continue
        wrong = results[case.question_id]["wrong_facts"]
        content = wrong.card.content
        assert content is not None and content.factual_issues, case.question_id
        assert wrong.content is not None and wrong.content <= 40


def test_offline_content_says_correctness_was_not_checked(results):
    strong = results[CASES[0].question_id]["strong"]
    content = strong.card.content
    assert content is not None and content.label == "coverage estimate — correctness not checked"
    assert content.correctness_checked is False
    met = [c for c in content.criteria if c.verdict != "not_met"]
    assert met and all(c.quote and c.quote in strong.transcript and c.start is not None for c in met)
