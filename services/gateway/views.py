"""Read models of the gateway: the stored session document as the typed API responses."""

from __future__ import annotations

from typing import Any

from schemas import Question
from schemas.reports import AnswerResult, AnswerStatus, QuestionView, SessionView


def session_view(doc: dict[str, Any]) -> SessionView:
    """``GET /api/sessions/{id}``: a question's criteria and outline only once it has a scored answer."""
    scored = {a["question_id"] for a in doc["answers"].values() if a["status"] == AnswerStatus.scored}
    questions = [QuestionView.of(Question.model_validate(q), q["question_id"] in scored) for q in doc["questions"]]
    return SessionView.model_validate(doc | {"session_id": doc["_id"], "questions": questions})


def answer_results(doc: dict[str, Any]) -> dict[str, AnswerResult]:
    """Status and scores of every answer attempt, by answer id."""
    return {aid: AnswerResult.model_validate(a) for aid, a in doc["answers"].items()}
