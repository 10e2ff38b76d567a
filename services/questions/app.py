"""Wires the questions service to the bus."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from runtime.bus import Subscription
from runtime.infra import Infrastructure
from runtime.llm import LLMClient, client_from_settings
from runtime.service import Loaded, Service
from schemas import Question, QuestionsGenerated, QuestionType, SessionRequested, SessionRequestedData
from services.questions.adapters.bank import QuestionBank
from services.questions.adapters.llm_source import llm_questions
from services.questions.config import Settings
from services.questions.handlers import QuestionSource, Writer, generate_questions
from services.questions.relevance import Embed, build_context

NAME = "questions"


class LLMWriter:
    def __init__(self, llm: LLMClient) -> None:
        self.llm = llm
        self.name = f"llm:{llm.model}"

    async def write(self, req: SessionRequestedData, types: tuple[QuestionType, ...], count: int) -> list[Question]:
        return await llm_questions(self.llm, req, types, count)


@dataclass(frozen=True)
class Ports:
    """What the questions service loads at start-up."""

    bank: QuestionSource
    writer: Writer | None = None
    embed: Embed | None = None


def load(settings: Settings) -> Ports:
    """The bank, embedded once for near-duplicate skipping, and the LLM writer if one is configured (blocking)."""
    from runtime.embeddings import shared_minilm

    embedder = shared_minilm()
    bank = QuestionBank.load(settings.bank_path, embed=embedder.encode)
    bank.similarity()  # embed the bank once, before the first session
    llm = client_from_settings(settings)
    return Ports(bank, LLMWriter(llm) if llm is not None else None, embedder.encode)


def create(settings: Settings, infra: Infrastructure, ports: Ports | None = None) -> Service:
    loaded = Loaded(ports)

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        if not loaded.ready:
            loaded.set(await asyncio.to_thread(load, settings))
        yield

    async def on_session_requested(event: SessionRequested) -> QuestionsGenerated:
        p = loaded.value
        d = event.data
        # The job description and résumé, embedded, rank the bank questions (and say what each targets).
        context = await asyncio.to_thread(build_context, d.job_description, d.resume, p.embed) if p.embed else None
        return await generate_questions(event, p.bank, settings.minutes_per_question, p.writer, context, p.embed)

    return Service(NAME, [Subscription(SessionRequested, NAME, on_session_requested)], lifespan=lifespan)
