"""Pure handlers of the questions service."""

from __future__ import annotations

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

SOURCE = "mockinterview/questions"
log = get_logger(__name__)

TYPES_FOR: dict[InterviewType, tuple[QuestionType, ...]] = {
    InterviewType.technical: (QuestionType.technical,),
    InterviewType.behavioral: (QuestionType.behavioral, QuestionType.situational),
    InterviewType.mixed: (QuestionType.technical, QuestionType.behavioral, QuestionType.situational),
}


class QuestionSource(Protocol):
    """Where questions come from (the checked-in bank, or an LLM)."""

    name: str

    def pick(self, role: str, types: tuple[QuestionType, ...], level: Level, count: int, seed: str) -> list[Question]:
        """``count`` distinct questions for the role, spread over ``types``."""
        ...


def question_count(duration_min: int, minutes_per_question: int) -> int:
    """About one question per ``minutes_per_question`` of interview, at least one."""
    return max(1, duration_min // minutes_per_question)


class Writer(Protocol):
    """Writes tailored questions (an LLM); may fail, then the bank answers alone."""

    name: str

    async def write(self, req: SessionRequestedData, types: tuple[QuestionType, ...], count: int) -> list[Question]: ...


async def generate_questions(
    event: SessionRequested, source: QuestionSource, minutes_per_question: int, writer: Writer | None = None
) -> QuestionsGenerated:
    """SessionRequested -> QuestionsGenerated (LLM-written when a writer is configured, topped up from the bank)."""
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
    for q in [*written, *source.pick(req.role, types, req.level, count, req.session_id)]:
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
