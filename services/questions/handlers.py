"""Pure handlers of the questions service."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Protocol

from runtime.logging import get_logger
from schemas import (
    InterviewType,
    Level,
    Question,
    QuestionsGenerated,
    QuestionsGeneratedData,
    QuestionType,
    SessionRequested,
    SessionRequestedData,
)
from services.questions.relevance import Embed, JobContext

SOURCE = "mockinterview/questions"
log = get_logger(__name__)

TYPES_FOR: dict[InterviewType, tuple[QuestionType, ...]] = {
    InterviewType.technical: (QuestionType.technical,),
    InterviewType.behavioral: (QuestionType.behavioral, QuestionType.situational),
    InterviewType.mixed: (QuestionType.technical, QuestionType.behavioral, QuestionType.situational),
}


@dataclass(frozen=True)
class Draw:
    """What a session asks of a question source: ``count`` distinct questions for the role and level, spread
    over ``types``, the same for the same ``seed``; with a job description or résumé (``context``) the most
    relevant first."""

    role: str
    types: tuple[QuestionType, ...]
    level: Level
    count: int
    seed: str
    context: JobContext | None = None


class QuestionSource(Protocol):
    """Where questions come from (the checked-in bank, or an LLM)."""

    name: str

    def pick(self, draw: Draw) -> list[Question]:
        """The questions ``draw`` asks for (fewer when the source has too few)."""
        ...


def question_count(duration_min: int, minutes_per_question: int) -> int:
    """About one question per ``minutes_per_question`` of interview, at least one."""
    return max(1, duration_min // minutes_per_question)


class Writer(Protocol):
    """Writes tailored questions (an LLM); may fail, then the bank answers alone."""

    name: str

    async def write(self, req: SessionRequestedData, types: tuple[QuestionType, ...], count: int) -> list[Question]: ...


async def generate_questions(
    event: SessionRequested,
    source: QuestionSource,
    minutes_per_question: int,
    writer: Writer | None = None,
    context: JobContext | None = None,
    embed: Embed | None = None,
) -> QuestionsGenerated:
    """SessionRequested -> QuestionsGenerated (LLM-written when a writer is configured, topped up from the bank).

    ``context``: the embedded job description and résumé; bank questions are then ranked by relevance to
    them, and every question (LLM-written ones too, with ``embed``) says which of their parts it targets.
    """
    req = event.data
    types = TYPES_FOR[req.interview_type]
    count = question_count(req.duration_min, minutes_per_question)
    written: list[Question] = []
    generator = source.name
    if writer is not None:
        try:
            written = await writer.write(req, types, count)
            distinct = len({" ".join(q.text.lower().split()) for q in written})
            generator = writer.name if distinct >= count else f"{writer.name}+{source.name}"
        except Exception as exc:  # an LLM outage must not block the interview: fall back to the bank
            log.warning("questions.writer_failed", error=repr(exc))
    chosen: list[Question] = []
    seen: set[str] = set()
    # A model may repeat itself: keep the first of each question, then top up from the bank.
    if context is not None and embed is not None and written:
        vectors = await asyncio.to_thread(embed, [q.text for q in written])
        written = [q.model_copy(update={"targets": t}) for q, t in zip(written, context.targets(vectors), strict=True)]
    for q in [*written, *source.pick(Draw(req.role, types, req.level, count, req.session_id, context))]:
        key = " ".join(q.text.lower().split())
        if key not in seen and len(chosen) < count:
            seen.add(key)
            chosen.append(q)
    questions = [q.model_copy(update={"question_id": f"q{i + 1}", "index": i}) for i, q in enumerate(chosen)]
    return QuestionsGenerated.caused_by(
        event,
        QuestionsGeneratedData(session_id=req.session_id, questions=tuple(questions), generator=generator),
        source=SOURCE,
    )
