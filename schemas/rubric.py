"""Anchored rating scales for interview questions (docs: shared design notes on assessment).

A criterion is an observable act, not a label: what a strong, an adequate and a
weak answer literally contain, with example sentences that do it and sentences
that only sound like it. Scorers rate evidence per criterion; the examples let
an offline scorer tell "doing it" from "saying the words".
"""

from __future__ import annotations

from pydantic import Field

from schemas.envelope import Model


class Anchors(Model):
    """What an answer literally contains at each point of the scale (BARS)."""

    strong: str = Field(min_length=1, description="A 5: what a strong answer contains.")
    adequate: str = Field(min_length=1, description="A 3: what an adequate answer contains.")
    weak: str = Field(min_length=1, description="A 1: what a weak answer contains (or lacks).")


class Criterion(Model):
    """One thing an interviewer checks, stated as something the answer does."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,47}$", description="Slug, unique within its question.")
    statement: str = Field(min_length=1, description="Observable statement, e.g. 'Reproduces the failure first'.")
    anchors: Anchors
    meets: tuple[str, ...] = Field(
        min_length=2, max_length=4, description="Sentences a candidate might say that meet the criterion."
    )
    sounds_like: tuple[str, ...] = Field(
        min_length=2, max_length=4, description="Sentences that use its words but do not meet it."
    )
    level_anchors: dict[str, str] = Field(
        default_factory=dict,
        description="Per level (entry/mid/senior), a raised 'strong' anchor where expectations differ.",
    )


class Misconception(Model):
    """A common wrong claim for a technical question, with the correct statement."""

    claim: str = Field(min_length=1)
    correction: str = Field(min_length=1)
