"""How an answer's content was judged: evidence per criterion, with the judge that decided it.

The content part of an answer's score card. Every credited criterion points
at its own span of the transcript (quote and time); spans that were not
counted say why (a restatement of the question, the criteria read aloud, a
list of keywords). ``judge`` and ``label`` say what kind of judgement this is:
an offline embedding comparison is a coverage estimate that cannot check
correctness, an LLM judge with verified quotes can.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from schemas.envelope import Model


class Verdict(StrEnum):
    met = "met"
    partly = "partly"
    not_met = "not_met"


class Judge(StrEnum):
    embeddings = "embeddings"
    """Offline: MiniLM sentence embeddings against the rubric's example sentences."""
    llm = "llm"
    """A language model with the rubric's anchors; every quote verified against the transcript."""


class CriterionEvidence(Model):
    """One criterion of the rubric and the span of the answer that meets it (if any)."""

    criterion_id: str
    statement: str = Field(description="What the criterion asks the answer to do.")
    verdict: Verdict
    credit: float = Field(ge=0, le=1, description="Share of the criterion earned (met 1, partly about 0.5).")
    quote: str | None = Field(default=None, description="The span of the transcript that earned the credit.")
    start: float | None = Field(default=None, ge=0, description="Seconds from the start of the answer.")
    end: float | None = Field(default=None, ge=0)
    similarity: float | None = Field(
        default=None,
        description="Embedding judge: cosine similarity of the quote to the closest example that meets it.",
    )
    note: str | None = Field(default=None, description="Why the verdict is not higher, in words for the candidate.")
    strong_answer: str = Field(default="", description="What a strong answer contains at the candidate's level.")


class SpanIgnored(Model):
    """A span of the answer that earned nothing, and why."""

    quote: str
    start: float | None = None
    end: float | None = None
    reason: str = Field(
        description="e.g. 'restates the question', 'reads the criteria aloud', 'keywords, not sentences'."
    )


class FactualIssue(Model):
    """A statement in the answer that is wrong, or matches a known misconception."""

    quote: str
    start: float | None = None
    end: float | None = None
    issue: str = Field(description="What is wrong with it.")
    correction: str | None = None
    source: str = Field(description="'misconception' (a known wrong claim of the question) or 'llm'.")


class ContentAssessment(Model):
    """The content judgement of one answer."""

    version: int = 1
    judge: Judge
    model: str = Field(description="The model that judged: 'all-MiniLM-L6-v2' or the LLM's name.")
    label: str = Field(description="What this judgement is, shown with the score.")
    correctness_checked: bool = Field(description="False: facts were not checked, only what the answer covers.")
    rubric: bool = Field(description="False: the question had no anchored rubric; criteria are bare statements.")
    score: float | None = Field(ge=0, le=100, description="Content score, or null when it cannot be measured.")
    words: int = Field(ge=0)
    relevance: float | None = Field(default=None, description="Similarity of the whole answer to the question.")
    off_topic: bool = False
    criteria: tuple[CriterionEvidence, ...] = ()
    ignored: tuple[SpanIgnored, ...] = ()
    factual_issues: tuple[FactualIssue, ...] = ()
    star_missing: tuple[str, ...] = Field(
        default=(), description="Behavioural answers: STAR parts (situation, task, action, result) with no cue phrase."
    )
    notes: tuple[str, ...] = Field(default=(), description="Caveats, e.g. a judge that failed and the fallback used.")
