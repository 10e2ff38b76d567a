"""Feedback text from an LLM, grounded on the measured evidence and checked against it.

Each strength or improvement must name the measurement it rests on; a claim
that contradicts it (praise for a measurement that scored under 80, criticism
of one that scored 80 or more, a percentage that is not the measured one) is
rejected. Rejected claims are sent back once for a rewrite; what is still
wrong is dropped. With nothing left, the deterministic text is used.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from runtime.llm import LLMClient, LLMError, untrusted
from runtime.logging import get_logger
from schemas.reports import Evidence, FeedbackClaim, FeedbackText, ScoreCard
from services.feedback.text import GOOD, WEAK, answer_feedback

log = get_logger(__name__)


class Claim(BaseModel):
    text: str = Field(min_length=3, max_length=400)
    metric: str = Field(description="The evidence metric this sentence rests on.")


class DraftFeedback(BaseModel):
    summary: str = Field(min_length=3, max_length=800)
    strengths: list[Claim] = Field(max_length=6)
    improvements: list[Claim] = Field(max_length=6)
    suggestions: list[str] = Field(max_length=5)


def prompt(card: ScoreCard, question: str, transcript: str) -> str:
    lines = [
        f"- {e.metric}: value {e.value}, target {e.target}, score {e.score}/100"
        + (f", at {e.at} s" if e.at is not None else "")
        for e in card.evidence
    ]
    return "\n".join(
        [
            "Write feedback on one recorded interview answer, using ONLY the measurements below.",
            f"Strengths may only cite metrics scored >= {GOOD}; improvements only metrics scored < {WEAK}.",
            "Quote numbers exactly as measured. Each claim names its metric.",
            f"Scores: {card.scores.model_dump()}",
            "Measurements:",
            *lines,
            untrusted("Question", question, 1000),
            untrusted("Transcript", transcript, 6000),
        ]
    )


def contradictions(draft: DraftFeedback, card: ScoreCard) -> list[str]:
    """Claims that the measurements do not support."""
    scores: dict[str, list[Evidence]] = {}
    for e in card.evidence:
        scores.setdefault(e.metric, []).append(e)
    problems = []
    for kind, claims, ok in (
        ("strength", draft.strengths, lambda s: s >= GOOD),
        ("improvement", draft.improvements, lambda s: s < WEAK),
    ):
        for claim in claims:
            evidence = scores.get(claim.metric)
            if not evidence:
                problems.append(f"{kind} '{claim.text}' cites unknown metric {claim.metric!r}")
            elif not any(ok(e.score) for e in evidence):
                problems.append(f"{kind} '{claim.text}' contradicts {claim.metric} (score {evidence[0].score})")
            elif not _numbers_match(claim.text, evidence):
                problems.append(f"{kind} '{claim.text}' misquotes {claim.metric} (measured {evidence[0].value})")
    return problems


def _numbers_match(text: str, evidence: list[Evidence]) -> bool:
    percents = [float(p) for p in re.findall(r"(\d+(?:\.\d+)?)\s*%", text)]
    if not percents:
        return True
    values = [100 * e.value for e in evidence if 0 <= e.value <= 1]
    return bool(values) and all(any(abs(p - v) <= 5 for v in values) for p in percents)


async def llm_feedback(client: LLMClient, card: ScoreCard, question: str, transcript: str) -> FeedbackText:
    fallback = answer_feedback(card)
    try:
        draft = await client.structured(prompt(card, question, transcript), DraftFeedback, max_tokens=500)
        problems = contradictions(draft, card)
        if problems:
            log.info("llm_feedback.rejected", count=len(problems))
            retry = (
                prompt(card, question, transcript) + "\nThese claims were rejected, fix them:\n" + "\n".join(problems)
            )
            draft = await client.structured(retry, DraftFeedback, max_tokens=500)
    except LLMError as exc:
        log.warning("llm_feedback.unavailable", error=str(exc))
        return fallback
    rejected = set(contradictions(draft, card))
    keep = [c for c in draft.strengths if not any(f"'{c.text}'" in p for p in rejected)]
    fix = [c for c in draft.improvements if not any(f"'{c.text}'" in p for p in rejected)]
    if not keep and not fix:
        return fallback.model_copy(update={"rejected": tuple(sorted(rejected))})
    return FeedbackText(
        summary=fallback.summary,  # the numbers in the summary stay the measured ones
        strengths=tuple(c.text for c in keep) or fallback.strengths,
        improvements=tuple(c.text for c in fix) or fallback.improvements,
        suggestions=tuple(draft.suggestions) or fallback.suggestions,
        source=f"llm:{client.model}",
        rejected=tuple(sorted(rejected)),
        claims=tuple(FeedbackClaim(text=c.text, metric=c.metric, kind="strength") for c in keep)
        + tuple(FeedbackClaim(text=c.text, metric=c.metric, kind="improvement") for c in fix),
    )
