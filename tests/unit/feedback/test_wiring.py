"""The feedback service as app.py wires it, on fakes."""

import pytest

from mockinterview import registry
from runtime.bus.memory import InMemoryBus
from runtime.infra import Infrastructure
from runtime.llm import LLMClient
from runtime.storage.sqlite import SqliteDocumentStore
from schemas import AnswerScored, Stage
from schemas.reports import AnswerFeedback
from services.feedback import app as feedback_app
from services.feedback.content import references
from tests import factories
from tests.fakes import FakeEmbedder, MemoryObjectStore, ScriptedTransport

DRAFT = {
    "summary": "A clear answer.",
    "strengths": [{"text": "A comfortable pace.", "metric": "pace_wpm"}],
    "improvements": [],
    "suggestions": ["Name the result."],
}


@pytest.fixture
async def feedback(tmp_path):
    """Deliver an event to the subscription the service made for its type."""
    store, docs = MemoryObjectStore(), SqliteDocumentStore(tmp_path / "d.sqlite3")
    transport = ScriptedTransport()  # replies are set by each test
    ports = feedback_app.Ports(FakeEmbedder(), LLMClient(transport, "fake-llm"))
    _, service = registry.load("feedback").build(Infrastructure(InMemoryBus(), store, docs), ports=ports)
    by_type = {sub.event: sub.handler for sub in service.subscriptions}

    async def deliver(event):
        return await by_type[type(event)](event)

    async with service.lifespan():
        yield deliver, store, transport
    docs.close()


async def test_a_failed_vision_stage_still_gets_llm_feedback(feedback):
    """The failure path once scored without the LLM: a vision failure silently dropped LLM feedback."""
    deliver, store, transport = feedback
    requested = factories.session_requested("s1")
    generated = factories.questions_generated(requested)
    refs, _ = references(generated.data.questions[0], "mid")
    # The LLM judges the content (nothing shown), then writes the text.
    transport.replies += [{"criteria": [{"criterion_id": r.id, "verdict": "not_met"} for r in refs]}, DRAFT]
    for event in (requested, generated):
        await deliver(event)
    upload = factories.answer_uploaded("s1", "a1", "q1")
    speech = factories.speech_analyzed(upload)
    await store.put_bytes(speech.data.report_key, factories.speech_report().model_dump_json().encode(), "x")
    await deliver(upload)
    assert await deliver(speech) == []  # waits for vision
    [scored] = await deliver(factories.answer_failed(upload, Stage.vision, "processing_error"))
    assert isinstance(scored, AnswerScored) and scored.data.scores.body_language is None
    report = AnswerFeedback.model_validate_json(await store.get_bytes(scored.data.report_key))
    assert report.feedback.source == "llm:fake-llm" and report.feedback.strengths == ("A comfortable pace.",)
    assert len(transport.calls) == 2 and report.card.content is not None and report.card.content.judge == "llm"
