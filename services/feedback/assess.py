"""Scoring one answer, the single path the feedback service and ``mockinterview analyze`` both take."""

from __future__ import annotations

import asyncio
from typing import Protocol

from runtime.llm import LLMClient
from schemas import Question
from schemas.assessment import ContentAssessment
from schemas.reports import FeedbackText, ScoreCard, SpeechReport, VisionReport
from services.feedback.content import Embedder, EmbeddingJudge
from services.feedback.judge import JudgeCache, LLMJudge, MemoryCache
from services.feedback.llm_text import llm_feedback
from services.feedback.scoring import score_answer, speech_problem
from services.feedback.spans import Span, spans_from_text, spans_from_words
from services.feedback.text import answer_feedback


class ContentJudge(Protocol):
    async def assess(
        self, spans: list[Span], question: Question, level: str, session_id: str | None = None
    ) -> ContentAssessment: ...


class OfflineJudge:
    """The embedding judge, off the event loop."""

    def __init__(self, judge: EmbeddingJudge) -> None:
        self.judge = judge

    async def assess(
        self, spans: list[Span], question: Question, level: str, session_id: str | None = None
    ) -> ContentAssessment:
        return await asyncio.to_thread(self.judge.assess, spans, question, level)


def content_judge(embedder: Embedder, llm: LLMClient | None, cache: JudgeCache | None = None) -> ContentJudge:
    """The LLM judge when a provider is configured (falling back to embeddings), else the offline one."""
    offline = EmbeddingJudge(embedder)
    if llm is None:
        return OfflineJudge(offline)
    return LLMJudge(llm, offline, cache or MemoryCache())


def answer_spans(speech: SpeechReport) -> list[Span]:
    """The transcript's sentences, timed when the report has word times."""
    return spans_from_words([w.model_dump() for w in speech.words]) or spans_from_text(speech.transcript)


async def assess_answer(
    speech: SpeechReport | None,
    vision: VisionReport | None,
    question: Question | None,
    level: str,
    judge: ContentJudge,
    llm: LLMClient | None = None,
    session_id: str | None = None,
) -> tuple[ScoreCard, FeedbackText]:
    """The score card and the feedback text of one answer."""
    content = None
    if speech is not None and question is not None and speech_problem(speech) is None:
        content = await judge.assess(answer_spans(speech), question, level, session_id)
    expected = question.expected_duration_s if question is not None else None
    card = score_answer(speech, vision, content, level, expected)
    if llm is not None and speech is not None and question is not None and not card.problems:
        text = await llm_feedback(llm, card, question.text, speech.transcript)
    else:
        text = answer_feedback(card)
    return card, text
