"""Questions written by an LLM for the role, job description and résumé (when a key is configured).

The draft is schema-checked by the LLM client; here it is checked against the
request (types, count, no near-duplicates) and topped up from the bank.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from runtime.llm import LLMClient, untrusted
from schemas import Question, QuestionType, SessionRequestedData


class DraftQuestion(BaseModel):
    text: str = Field(min_length=10, max_length=400)
    type: QuestionType
    expected_duration_s: int = Field(ge=60, le=420)
    criteria: list[str] = Field(min_length=2, max_length=6)
    outline: list[str] = Field(default_factory=list, max_length=6)


class DraftQuestions(BaseModel):
    questions: list[DraftQuestion] = Field(min_length=1, max_length=20)


def prompt(req: SessionRequestedData, types: tuple[QuestionType, ...], count: int) -> str:
    return "\n".join(
        [
            f"Write {count} interview questions for a {req.level} {req.role} position.",
            f"Allowed types: {', '.join(t.value for t in types)} (mix them evenly).",
            "Each question: answerable in 2-4 minutes, with 3-5 evaluation criteria an interviewer would check, "
            "and a short outline of a strong answer. Tailor them to the job description and background below.",
            untrusted("Job description", req.job_description),
            untrusted("Candidate background", req.resume),
        ]
    )


async def llm_questions(
    llm: LLMClient, req: SessionRequestedData, types: tuple[QuestionType, ...], count: int
) -> list[Question]:
    draft = await llm.structured(prompt(req, types, count), DraftQuestions, temperature=0.7, max_tokens=2500)
    kept = [q for q in draft.questions if q.type in types][:count]
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
