"""The job description steers the offline questions, judged by the real MiniLM embeddings."""

from __future__ import annotations

import pytest

from runtime.embeddings import shared_minilm
from schemas import InterviewType, Level, QuestionType, SessionRequested
from services.questions.adapters.bank import QuestionBank
from services.questions.handlers import Draw, generate_questions
from services.questions.relevance import TARGET_MIN_SIMILARITY, build_context
from tests.factories import PAYMENTS_JD, session_requested


@pytest.fixture(scope="module")
def bank() -> QuestionBank:
    return QuestionBank.load(embed=shared_minilm().encode)


def _event(jd: str | None, resume: str | None = None) -> SessionRequested:
    return session_requested(
        "s" * 32,
        interview_type=InterviewType.technical,
        role="Backend engineer",
        level=Level.senior,
        job_description=jd,
        resume=resume,
    )


async def test_a_job_description_changes_the_offline_questions_and_says_what_they_target(bank):
    embed = shared_minilm().encode
    plain = await generate_questions(_event(None), bank, 3)
    event = _event(PAYMENTS_JD)
    context = build_context(PAYMENTS_JD, None, embed)
    tailored = await generate_questions(event, bank, 3, context=context, embed=embed)
    plain_texts = [q.text for q in plain.data.questions]
    tailored_texts = [q.text for q in tailored.data.questions]
    assert plain_texts != tailored_texts
    assert all(q.targets == () for q in plain.data.questions)
    # The most relevant bank questions come first, and each names the part of the description it targets.
    assert tailored.data.questions[0].targets, tailored_texts
    for q in tailored.data.questions:
        for t in q.targets:
            assert t.source == "job_description" and t.excerpt in PAYMENTS_JD
            assert t.similarity >= TARGET_MIN_SIMILARITY
    relevance = context.relevance(embed([q.text for q in tailored.data.questions]))
    relevance_plain = context.relevance(embed(plain_texts))
    assert relevance.mean() > relevance_plain.mean()
    # Same description, same session: the same questions (deterministic).
    again = await generate_questions(event, bank, 3, context=context, embed=embed)
    assert [q.text for q in again.data.questions] == tailored_texts


def test_relevance_ranks_the_matching_question_first(bank):
    embed = shared_minilm().encode
    jd = "You will tune slow SQL queries and design database indexes."
    context = build_context(jd, None, embed)
    assert context is not None
    picked = bank.pick(Draw("Backend engineer", (QuestionType.technical,), Level.mid, 2, "seed", context))
    relevance = context.relevance(bank.topic_vectors())
    pool = [
        i
        for i, e in enumerate(bank.entries)
        if e.type is QuestionType.technical and Level.mid in e.levels and {"software", "*"} & set(e.families)
    ]
    best = max(pool, key=lambda i: relevance[i])
    assert picked[0].text == bank.entries[best].text.replace("{role}", "Backend engineer")
    assert picked[0].targets and picked[0].targets[0].excerpt == jd


def test_resume_parts_count_less_than_the_description():
    embed = shared_minilm().encode
    context = build_context("Build dashboards for sales teams.", "Ran Kafka clusters for five years.", embed)
    assert context is not None and context.sources == ("job_description", "resume")
    kafka = embed(["How would you operate a Kafka cluster?"])
    [targets] = context.targets(kafka)
    assert targets and targets[0].source == "resume"
    assert float(context.relevance(kafka)[0]) == pytest.approx(float(context.similarities(kafka)[0, 1]) * 0.5)
