"""The job description and résumé steer the offline questions, and each question says what it targets.

Word-overlap embeddings (tests/fakes.py) here; the real MiniLM ranking is in tests/models/.
"""

from __future__ import annotations

from schemas import InterviewType, Level, QuestionType, SessionRequested
from services.questions.adapters.bank import QuestionBank
from services.questions.handlers import Draw, generate_questions
from services.questions.relevance import build_context, split_parts
from tests.factories import PAYMENTS_JD, session_requested
from tests.fakes import FakeEmbedder


def test_parts_are_bullets_and_sentences_without_markers_or_headings():
    repeated = "\n* Own PostgreSQL schemas, query tuning, indexing and migrations for the ledger."
    parts = split_parts(PAYMENTS_JD + repeated)
    assert parts[0] == "Senior Backend Engineer, Payments"
    assert "About the role" not in parts  # a heading (ends with a colon) carries no topic
    assert "Benefits: remote work." in parts
    assert "Design and operate our payment processing APIs handling card transactions and refunds." in parts
    assert sum(p.startswith("Own PostgreSQL") for p in parts) == 1  # repeated bullet kept once
    assert split_parts(None) == [] and split_parts("  \n") == []
    assert split_parts("We use Python. We ship daily. Small team!") == ["We use Python.", "We ship daily."]
    assert build_context(None, "  ", FakeEmbedder().encode) is None


def _event(jd: str | None) -> SessionRequested:
    return session_requested(
        "s" * 32, interview_type=InterviewType.technical, role="Backend engineer", level=Level.mid, job_description=jd
    )


def _bank() -> tuple[QuestionBank, FakeEmbedder]:
    embedder = FakeEmbedder()
    return QuestionBank.load(embed=embedder.encode), embedder


def test_the_most_relevant_question_comes_first_with_what_it_targets():
    bank, embedder = _bank()
    pool = [e for e in bank.entries if e.type is QuestionType.technical and Level.mid in e.levels]
    target = next(e for e in pool if "software" in e.families)
    jd = f"Day to day: {target.text.replace('{role}', 'the role')}"  # one line that says what the question asks
    context = build_context(jd + "\nWe like long lunches on Fridays together.", None, embedder.encode)
    picked = bank.pick(Draw("Backend engineer", (QuestionType.technical,), Level.mid, 3, "seed", context))
    assert picked[0].text == target.text.replace("{role}", "Backend engineer")
    assert picked[0].targets[0].excerpt == jd and picked[0].targets[0].source == "job_description"
    assert all("lunches" not in t.excerpt for q in picked for t in q.targets)  # unrelated parts are not targets


async def test_a_job_description_changes_the_offline_questions():
    bank, embedder = _bank()
    plain = await generate_questions(_event(None), bank, 3)
    pool = [e for e in bank.entries if e.type is QuestionType.technical and Level.mid in e.levels]
    wanted = [e for e in pool if "software" in e.families and e.text not in {q.text for q in plain.data.questions}]
    jd = "\n".join(f"- {e.text}" for e in wanted[:2])
    context = build_context(jd, None, embedder.encode)
    tailored = await generate_questions(_event(jd), bank, 3, context=context, embed=embedder.encode)
    texts = [q.text for q in tailored.data.questions]
    assert texts != [q.text for q in plain.data.questions]
    assert {e.text.replace("{role}", "Backend engineer") for e in wanted[:2]} <= set(texts)
    assert all(q.targets == () for q in plain.data.questions)
    assert sum(bool(q.targets) for q in tailored.data.questions) >= 2
