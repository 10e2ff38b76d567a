"""Wires the questions service to the bus."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from runtime.bus import Subscription
from runtime.infra import Infrastructure
from runtime.llm import LLMClient, client_from_settings
from runtime.service import Service
from schemas import Question, QuestionsGenerated, QuestionType, SessionRequested, SessionRequestedData
from services.questions.adapters.bank import QuestionBank
from services.questions.adapters.llm_source import llm_questions
from services.questions.config import Settings
from services.questions.handlers import generate_questions

NAME = "questions"


class LLMWriter:
    def __init__(self, llm: LLMClient) -> None:
        self.llm = llm
        self.name = f"llm:{llm.model}"

    async def write(self, req: SessionRequestedData, types: tuple[QuestionType, ...], count: int) -> list[Question]:
        return await llm_questions(self.llm, req, types, count)


def create(settings: Settings, infra: Infrastructure) -> Service:
    ports: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        from runtime.embeddings import shared_minilm

        embedder = await asyncio.to_thread(shared_minilm)
        bank = QuestionBank.load(settings.bank_path, embed=embedder.encode)
        await asyncio.to_thread(bank.similarity)  # embed the bank once, before the first session
        ports["bank"] = bank
        llm = client_from_settings(settings)
        ports["writer"] = LLMWriter(llm) if llm is not None else None
        yield

    async def on_session_requested(event: SessionRequested) -> QuestionsGenerated:
        return await generate_questions(event, ports["bank"], settings.minutes_per_question, ports["writer"])

    return Service(
        NAME,
        [Subscription(SessionRequested, NAME, on_session_requested)],
        produces=(QuestionsGenerated,),
        lifespan=lifespan,
    )
