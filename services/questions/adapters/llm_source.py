"""Questions written by an LLM for the role, job description and résumé (when a key is configured).

The draft is schema-checked by the LLM client; here it is checked against the
request (types, count, no near-duplicates) and topped up from the bank.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, create_model

from runtime.llm import LLMClient, copies_from, looks_like_injection, untrusted
from runtime.logging import get_logger
from schemas import Question, QuestionType, SessionRequestedData

log = get_logger(__name__)
Criterion = Annotated[str, Field(min_length=3, max_length=120)]
OutlinePoint = Annotated[str, Field(min_length=1, max_length=80)]


class DraftQuestion(BaseModel):
    # Bounded strings and lists: with schema-constrained decoding the JSON then always
    # closes within the token budget, however much a small model rambles.
    text: str = Field(min_length=10, max_length=300)
    type: QuestionType
    expected_duration_s: int = Field(ge=60, le=420)
    criteria: list[Criterion] = Field(min_length=2, max_length=5)
    outline: list[OutlinePoint] = Field(default_factory=list, max_length=4)


TOKENS_PER_QUESTION = 400
"""Upper bound of one DraftQuestion's JSON in tokens (about 1,300 characters)."""


class DraftQuestions(BaseModel):
    questions: list[DraftQuestion] = Field(min_length=1, max_length=20)


def draft_model(count: int) -> type[DraftQuestions]:
    """DraftQuestions holding at most ``count`` questions."""
    bounded = Annotated[list[DraftQuestion], Field(min_length=1, max_length=count)]
    return create_model("DraftQuestions", __base__=DraftQuestions, questions=(bounded, ...))


def prompt(req: SessionRequestedData, types: tuple[QuestionType, ...], count: int) -> str:
    """The request, with every user-supplied field fenced (text that reads like instructions is withheld)."""
    return "\n".join(
        [
            f"Write {count} interview questions for a {req.level.value}-level candidate for the role given below.",
            f"Allowed types: {', '.join(t.value for t in types)} (mix them evenly).",
            "Each question: answerable in 2-4 minutes, with 3-5 evaluation criteria an interviewer would check, "
            "and a short outline of a strong answer. Tailor them to the job description and background below.",
            untrusted("Role", req.role, 120),
            untrusted("Job description", _unless_injection("job_description", req.job_description)),
            untrusted("Candidate background", _unless_injection("resume", req.resume)),
        ]
    )


def _unless_injection(field: str, text: str | None) -> str | None:
    if looks_like_injection(text):
        log.warning("questions.field_withheld", field=field, reason="reads like instructions to a model")
        return None
    return text


async def llm_questions(
    llm: LLMClient, req: SessionRequestedData, types: tuple[QuestionType, ...], count: int
) -> list[Question]:
    """Tailored questions; none (the bank answers) when the role itself reads like instructions to a model."""
    if looks_like_injection(req.role):
        log.warning("questions.llm_skipped", reason="role reads like instructions to a model")
        return []
    draft = await llm.structured(
        prompt(req, types, count), draft_model(count), temperature=0.7, max_tokens=TOKENS_PER_QUESTION * count + 100
    )
    sources = [req.job_description, req.resume]
    kept = [
        q
        for q in draft.questions
        if q.type in types and not any(copies_from(t, sources) for t in (q.text, *q.criteria, *q.outline))
    ][:count]
    return [
        Question(
            question_id=f"q{i + 1}",
            index=i,
            text=q.text,
            type=q.type,
            expected_duration_s=q.expected_duration_s,
            criteria=tuple(q.criteria),
            outline=tuple(q.outline),
        )
        for i, q in enumerate(kept)
    ]
