"""The feedback join on real Kafka + FerretDB: two consumer processes, every event delivered twice."""

import asyncio
import uuid
from contextlib import AsyncExitStack

import pytest

from mockinterview import registry
from runtime.bus.port import Subscription
from runtime.infra import open_infrastructure
from runtime.settings import PlatformSettings
from schemas import events as ev
from services.questions.adapters.bank import QuestionBank
from services.questions.handlers import generate_questions
from tests.factories import analyzed, answer_uploaded, session_finished, session_requested, speech_report
from tests.integration.conftest import distributed_overrides

pytestmark = pytest.mark.integration


async def test_exactly_one_score_per_answer_and_one_completion(stack):
    suffix = uuid.uuid4().hex[:8]
    overrides = distributed_overrides(stack, "fb", suffix, retry_backoff_s=0.2)
    request = session_requested(duration=15)
    sid = request.sessionid
    questions = await generate_questions(request, QuestionBank.load(), 3)
    qids = [q.question_id for q in questions.data.questions][:2]
    got: list = []

    async def sink(event):
        if event.sessionid == sid:
            got.append(event)

    def only_mine(handler):
        # A fresh group reads the topics from the start: events other tests left there are not this test's.
        async def run(event):
            return await handler(event) if event.sessionid == sid else None

        return run

    async with AsyncExitStack() as stack_:
        infras = [
            await stack_.enter_async_context(open_infrastructure(PlatformSettings(**overrides), f"fb{i}"))
            for i in range(2)
        ]
        for infra in infras:  # two feedback "processes" in one consumer group
            _, service = registry.load("feedback").build(infra, **overrides)
            for sub in service.subscriptions:
                infra.bus.subscribe(Subscription(sub.event, f"feedback-{suffix}", only_mine(sub.handler)))
            await stack_.enter_async_context(service.lifespan())
        for cls in (ev.AnswerScored, ev.SessionCompleted):
            infras[0].bus.subscribe(Subscription(cls, f"sink-{suffix}", sink))
        for infra in infras:
            await infra.bus.start()
            stack_.push_async_callback(infra.bus.stop)
        bus, objects = infras[0].bus, infras[0].objects
        events = [request, questions]
        for i, qid in enumerate(qids):
            aid = f"{suffix}-a{i}"
            up = answer_uploaded(sid, aid, qid)
            speech = speech_report("I reproduce the bug, read the logs and add a test.", duration_s=40.0)
            events += [up, *await analyzed(objects, up, speech)]
        events.append(session_finished(request, tuple(qids), tuple(qids)))
        for event in events:
            await bus.publish(event)
        for event in events[2:]:  # redelivery: every answer event a second time
            await bus.publish(event)
        async with asyncio.timeout(120):
            while not any(isinstance(e, ev.SessionCompleted) for e in got):
                await asyncio.sleep(0.2)
        await asyncio.sleep(3)  # let any duplicate surface
    scored = {e.id: e for e in got if isinstance(e, ev.AnswerScored)}
    completed = {e.id: e for e in got if isinstance(e, ev.SessionCompleted)}
    assert sorted(e.data.answer_id for e in scored.values()) == [f"{suffix}-a0", f"{suffix}-a1"]
    assert len(completed) == 1
    [done] = completed.values()
    assert {a.answer_id for a in done.data.answers} == {e.data.answer_id for e in scored.values()}
