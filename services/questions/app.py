"""Wires the questions service to the bus."""

from __future__ import annotations

from runtime.bus import Subscription
from runtime.infra import Infrastructure
from runtime.llm import LLMClient
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
    bank = QuestionBank.load(settings.bank_path)

    async def on_session_requested(event: SessionRequested) -> QuestionsGenerated:
        return await generate_questions(event, bank, settings.minutes_per_question)

    return Service(NAME, [Subscription(SessionRequested, NAME, on_session_requested)], produces=(QuestionsGenerated,))
