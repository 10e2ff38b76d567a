"""The LLM path against a real OpenAI-compatible server on loopback (llama.cpp serving SmolLM2-135M)."""

import pytest
from pydantic import BaseModel, Field

from runtime.llm import LLMClient, OpenAICompatible
from services.feedback.llm_text import llm_feedback
from services.feedback.text import is_improvement, is_strength
from tests.factories import evidence, score_card

pytestmark = pytest.mark.integration


class Greeting(BaseModel):
    # Bounded, as the project's own schemas are: constrained decoding then has to close the string, where a
    # small model otherwise rambles inside it until max_tokens cuts the object off.
    greeting: str = Field(min_length=1, max_length=120)
    words: int = Field(ge=0, le=1000)


@pytest.fixture
async def client(stack):
    if "MI_LLM_BASE_URL" not in stack:
        pytest.fail("the llm component of the local stack is not running")
    transport = OpenAICompatible(stack["MI_LLM_BASE_URL"], stack["MI_LLM_MODEL"], timeout_s=120)
    yield LLMClient(transport, stack["MI_LLM_MODEL"])
    await transport.close()


async def test_schema_constrained_call_returns_a_valid_object(client):
    out = await client.structured("Greet an interview candidate and count your words.", Greeting, max_tokens=300)
    assert isinstance(out, Greeting) and out.greeting


async def test_llm_feedback_keeps_only_claims_the_measurements_support(client):
    card = score_card(
        evidence("eye_contact_ratio", 0.2, 0, category="body_language", target=">= 0.6"),
        evidence("pace_wpm", 140, 100, target="120-160"),
        evidence("fillers_per_min", 1.0, 100, target="<= 3/min"),
        overall=55.0,
        communication=90.0,
        body_language=10.0,
    )
    out = await llm_feedback(client, card, "Tell me about yourself.", "I build data pipelines at a bank.")
    assert out.summary.startswith("Overall 55/100")
    assert out.source in ("deterministic", f"llm:{client.model}")
    by_metric = {e.metric: e for e in card.evidence}
    # Whatever the tiny model wrote, nothing it kept contradicts the evidence.
    for claim in out.claims:
        e = by_metric[claim.metric]
        assert is_strength(e) if claim.kind == "strength" else is_improvement(e)


async def test_questions_written_by_the_llm_or_from_the_bank_are_valid(client):
    from services.questions.adapters.bank import QuestionBank
    from services.questions.app import LLMWriter
    from services.questions.handlers import generate_questions
    from tests.factories import session_requested

    out = await generate_questions(session_requested(duration=15), QuestionBank.load(), 3, LLMWriter(client))
    qs = out.data.questions
    assert len(qs) == 5 and len({q.text for q in qs}) == 5
    assert out.data.generator in ("bank", f"llm:{client.model}", f"llm:{client.model}+bank")
    assert all(len(q.criteria) >= 2 for q in qs)


async def test_the_questions_service_consults_the_configured_llm(stack, tmp_path):
    from mockinterview import registry
    from runtime.bus.memory import InMemoryBus
    from runtime.infra import Infrastructure
    from runtime.llm import LLM_REQUESTS
    from runtime.settings import Mode
    from runtime.storage.localfs import LocalObjectStore
    from runtime.storage.sqlite import SqliteDocumentStore
    from tests.factories import session_requested

    docs = SqliteDocumentStore(tmp_path / "d.sqlite3")
    infra = Infrastructure(InMemoryBus(), LocalObjectStore(tmp_path / "o"), docs)
    _, service = registry.load("questions").build(
        infra,
        mode=Mode.embedded,
        data_dir=tmp_path,
        llm_provider="openai",
        llm_base_url=stack["MI_LLM_BASE_URL"],
        llm_model=stack["MI_LLM_MODEL"],
    )

    def calls() -> float:
        return sum(LLM_REQUESTS.labels(stack["MI_LLM_MODEL"], o)._value.get() for o in ("ok", "invalid", "retry"))

    before = calls()
    try:
        async with service.lifespan():
            out = await service.subscriptions[0].handler(session_requested(duration=15))
    finally:
        docs.close()
    assert calls() > before  # the writer built at start-up was asked
    assert len(out.data.questions) == 5


async def test_the_content_judge_keeps_only_quotes_that_occur_in_the_answer(client):
    """SmolLM2 is too weak to judge well; what matters is that nothing it says is taken unverified."""
    from runtime.embeddings import shared_minilm
    from runtime.llm import LLM_REQUESTS
    from schemas.assessment import Judge
    from services.feedback.content import EmbeddingJudge
    from services.feedback.judge import LLMJudge, MemoryCache
    from services.feedback.spans import spans_from_text, tokens
    from services.questions.adapters.bank import QuestionBank
    from tests.fixtures.answers import by_id

    case = by_id("t-software-1")
    question = next(e for e in QuestionBank.load().entries if e.id == case.question_id).question(0, "engineer")
    spans = spans_from_text(case.answers["strong"])
    said = " ".join(tokens(case.answers["strong"]))
    judge = LLMJudge(client, EmbeddingJudge(shared_minilm()), MemoryCache())
    first = await judge.assess(spans, question, "mid")
    if first.judge is Judge.llm:
        assert first.model == client.model and first.correctness_checked
        for c in first.criteria:
            assert c.verdict == "not_met" or (c.quote and " ".join(tokens(c.quote)) in said), c
        for issue in first.factual_issues:
            assert " ".join(tokens(issue.quote)) in said
    else:  # the model gave no schema-valid judgement: the offline estimate, and it says so
        assert "unavailable" in first.notes[-1]

    def calls() -> float:
        return sum(LLM_REQUESTS.labels(client.model, o)._value.get() for o in ("ok", "invalid", "retry"))

    before = calls()
    again = await judge.assess(spans, question, "mid")
    if first.judge is Judge.llm:
        assert again == first and calls() == before  # cached by transcript
