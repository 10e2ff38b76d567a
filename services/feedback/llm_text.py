"""Feedback text from an LLM, grounded on the measured evidence and checked against it.

Each strength or improvement names the measurement it rests on, and is
rejected when it contradicts it: praise for a measurement outside its band
(or a criterion not met), criticism of one inside it, a number that is not
the measured one (value, percentage, target or time), or a quotation that
the candidate never said. Rejected claims are sent back once for a rewrite;
what is still wrong is dropped. With nothing left, the deterministic text is
used. The summary is always the deterministic one, so its numbers are the
measured ones.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, Field

from runtime.llm import LLMClient, LLMError, copies_from, looks_like_injection, untrusted
from runtime.logging import get_logger
from schemas.reports import Evidence, FeedbackClaim, FeedbackText, ScoreCard
from services.feedback.spans import tokens
from services.feedback.text import answer_feedback, far_critiques, is_improvement, is_strength

log = get_logger(__name__)

NUMBER_TOLERANCE = 0.05
"""A number in a claim matches a measured one within 5 % (or 1 unit, whichever is larger)."""


class Claim(BaseModel):
    text: str = Field(min_length=3, max_length=400)
    metric: str = Field(max_length=40, description="The evidence metric this sentence rests on.")


class DraftFeedback(BaseModel):
    summary: str = Field(min_length=3, max_length=800)
    strengths: list[Claim] = Field(max_length=6)
    improvements: list[Claim] = Field(max_length=6)
    suggestions: list[Annotated[str, Field(min_length=3, max_length=300)]] = Field(max_length=5)


def prompt(card: ScoreCard, question: str, transcript: str) -> str:
    def line(e: Evidence) -> str:
        kind = "strength" if is_strength(e) else "improvement" if is_improvement(e) else "neither"
        text = f"- {e.metric}: value {e.value}, target {e.target}, score {e.score}/100 ({kind})"
        for key in ("verdict", "criterion", "quote", "at"):
            if getattr(e, key) is not None:
                text += f", {key} {getattr(e, key)!r}"
        return text

    return "\n".join(
        [
            "Write feedback on one recorded interview answer, using ONLY the measurements below.",
            "Strengths may only cite measurements marked (strength); improvements only those marked (improvement).",
            "Quote numbers exactly as measured and quote the candidate only with words from the transcript. "
            "Each claim names its metric.",
            f"Content judgement: {card.content.label if card.content else 'not measured'}.",
            f"Scores: {card.scores.model_dump()}",
            "Measurements:",
            *(line(e) for e in card.evidence),
            untrusted("Question", question, 1000),
            untrusted("Transcript", transcript, 6000),
        ]
    )


def contradictions(draft: DraftFeedback, card: ScoreCard, transcript: str = "") -> list[str]:
    """Claims that the measurements do not support."""
    by_metric: dict[str, list[Evidence]] = {}
    for e in card.evidence:
        by_metric.setdefault(e.metric, []).append(e)
    problems = []
    for kind, claims, ok in (
        ("strength", draft.strengths, is_strength),
        ("improvement", draft.improvements, is_improvement),
    ):
        for claim in claims:
            evidence = by_metric.get(claim.metric)
            if not evidence:
                problems.append(f"{kind} '{claim.text}' cites unknown metric {claim.metric!r}")
                continue
            fitting = [e for e in evidence if ok(e)]
            if not fitting:
                problems.append(f"{kind} '{claim.text}' contradicts {claim.metric} (score {evidence[0].score})")
            elif not _numbers_match(claim.text, fitting):
                problems.append(f"{kind} '{claim.text}' misquotes {claim.metric} (measured {fitting[0].value})")
            elif not _quotes_said(claim.text, transcript):
                problems.append(f"{kind} '{claim.text}' quotes words the candidate did not say")
    return problems


def _numbers(e: Evidence) -> list[float]:
    out: list[float] = []
    for v in (e.value, e.at, e.seconds, e.words):
        if v is not None:
            out += [float(v), 100 * float(v)]  # a share may be said as a percentage
    out += [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", f"{e.target} {e.expected or ''}")]
    return out


def _numbers_match(text: str, evidence: list[Evidence]) -> bool:
    said = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", text)]
    known = [n for e in evidence for n in _numbers(e)]
    return all(any(abs(s - k) <= max(1.0, NUMBER_TOLERANCE * abs(k)) for k in known) for s in said)


def _quotes_said(text: str, transcript: str) -> bool:
    quoted = re.findall(r"[\"\u201c]([^\"\u201d]{8,})[\"\u201d]", text)
    said = " ".join(tokens(transcript))
    return all(" ".join(tokens(q)) in said for q in quoted)


async def llm_feedback(client: LLMClient, card: ScoreCard, question: str, transcript: str) -> FeedbackText:
    fallback = answer_feedback(card)
    if card.problems:
        return fallback  # no verdict, and no praise, from unusable input
    if looks_like_injection(transcript):  # the answer addresses a model, not an interviewer: no LLM sees it
        log.warning("llm_feedback.withheld", reason="transcript reads like instructions to a model")
        return fallback
    try:
        draft = await client.structured(prompt(card, question, transcript), DraftFeedback, max_tokens=500)
        problems = contradictions(draft, card, transcript)
        if problems:
            log.info("llm_feedback.rejected", count=len(problems))
            retry = (
                prompt(card, question, transcript) + "\nThese claims were rejected, fix them:\n" + "\n".join(problems)
            )
            draft = await client.structured(retry, DraftFeedback, max_tokens=500)
    except LLMError as exc:
        log.warning("llm_feedback.unavailable", error=str(exc))
        return fallback
    rejected = set(contradictions(draft, card, transcript))
    # Text that repeats the candidate's words at length is not feedback: drop it.
    draft = draft.model_copy(
        update={
            "strengths": [c for c in draft.strengths if not copies_from(c.text, [transcript])],
            "improvements": [c for c in draft.improvements if not copies_from(c.text, [transcript])],
            "suggestions": [t for t in draft.suggestions if not copies_from(t, [transcript])],
        }
    )
    keep = [c for c in draft.strengths if not any(f"'{c.text}'" in p for p in rejected)]
    fix = [c for c in draft.improvements if not any(f"'{c.text}'" in p for p in rejected)]
    if not keep and not fix:
        return fallback.model_copy(update={"rejected": tuple(sorted(rejected))})
    improvements = [c.text for c in fix] or list(fallback.improvements)
    cited = {c.metric for c in fix}
    # Whatever the model left out, a measurement far outside its band is always mentioned.
    improvements += [text for metric, text in far_critiques(card) if metric not in cited and text not in improvements]
    return FeedbackText(
        summary=fallback.summary,  # the numbers in the summary stay the measured ones
        strengths=tuple(c.text for c in keep) or fallback.strengths,
        improvements=tuple(improvements),
        suggestions=tuple(draft.suggestions) or fallback.suggestions,
        source=f"llm:{client.model}",
        rejected=tuple(sorted(rejected)),
        claims=tuple(FeedbackClaim(text=c.text, metric=c.metric, kind="strength") for c in keep)
        + tuple(FeedbackClaim(text=c.text, metric=c.metric, kind="improvement") for c in fix),
    )
