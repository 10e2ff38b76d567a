"""Pure handlers of the questions service."""

from __future__ import annotations

from typing import Protocol

from schemas import (
    InterviewType,
    Level,
    Question,
    QuestionsGenerated,
    QuestionsGeneratedData,
    QuestionType,
    SessionRequested,
)

SOURCE = "mockinterview/questions"

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


async def generate_questions(
    event: SessionRequested, source: QuestionSource, minutes_per_question: int
) -> QuestionsGenerated:
    """SessionRequested -> QuestionsGenerated."""
    req = event.data
    questions = source.pick(
        role=req.role,
        types=TYPES_FOR[req.interview_type],
        level=req.level,
        count=question_count(req.duration_min, minutes_per_question),
        seed=req.session_id,
    )
    return QuestionsGenerated.caused_by(
        event,
        QuestionsGeneratedData(session_id=req.session_id, questions=tuple(questions), generator=source.name),
        source=SOURCE,
    )
