"""Content evidence: does the answer address the question and its criteria? STAR for behavioural answers.

Similarities are cosine similarities of MiniLM sentence embeddings
(runtime/embeddings.py). Thresholds were set on hand-written examples:
paraphrases of a criterion score about 0.45-0.7, unrelated sentences below 0.15.
"""

from __future__ import annotations

import re
from typing import Protocol

import numpy as np

from schemas.reports import ContentEvidence, CriterionMatch, StarPart

COVERED_AT = 0.45
"""Similarity at which a criterion counts as fully covered."""
UNRELATED_BELOW = 0.15
"""Similarity under which a sentence has nothing to do with a criterion."""
OFF_TOPIC_BELOW = 0.2
"""Answer-to-question similarity under which the answer is off topic."""
MIN_WORDS = 25
"""Below this many words an answer cannot cover much, whatever it says."""

STAR_CUES = {
    "situation": (
        "when i was",
        "at my last",
        "in my previous",
        "we had a",
        "there was a",
        "the situation",
        "at the time",
        "a few years ago",
        "last year",
        "our team was",
        "the company",
    ),
    "task": (
        "my task",
        "i was responsible",
        "i needed to",
        "i had to",
        "my goal",
        "the goal was",
        "my job was",
        "i was asked",
        "my role was",
        "we needed to",
    ),
    "action": (
        "so i",
        "i decided",
        "i started",
        "i built",
        "i created",
        "i organized",
        "i organised",
        "i set up",
        "i talked",
        "i proposed",
        "i wrote",
        "i led",
        "i worked with",
        "i introduced",
        "i implemented",
    ),
    "result": (
        "as a result",
        "in the end",
        "the result",
        "which led to",
        "we reduced",
        "we increased",
        "i learned",
        "it saved",
        "percent",
        "the outcome",
        "we delivered",
        "we shipped",
        "cut our",
        "improved",
    ),
}


class Embedder(Protocol):
    def encode(self, texts: list[str]) -> np.ndarray: ...


def sentences(text: str) -> list[str]:
    parts = [p.strip() for p in re.split(r"(?<=[.!?])\s+", text) if p.strip()]
    # Transcripts without punctuation: fall back to windows of ~20 words.
    out: list[str] = []
    for p in parts:
        words = p.split()
        out += [" ".join(words[i : i + 20]) for i in range(0, len(words), 20)] if len(words) > 30 else [p]
    return out


def analyze_content(
    transcript: str, question: str, criteria: list[str], embedder: Embedder, behavioral: bool
) -> ContentEvidence:
    words = len(transcript.split())
    chunks = sentences(transcript)
    if not chunks:
        return ContentEvidence(words=0, relevance=None)
    vecs = embedder.encode([question, *criteria, *chunks, transcript])
    q, crit, sent, whole = vecs[0], vecs[1 : 1 + len(criteria)], vecs[1 + len(criteria) : -1], vecs[-1]
    matches, shares = [], []
    for i, c in enumerate(criteria):
        sims = sent @ crit[i]
        best = int(np.argmax(sims))
        sim = float(sims[best])
        share = float(np.clip((sim - UNRELATED_BELOW) / (COVERED_AT - UNRELATED_BELOW), 0, 1))
        shares.append(share)
        matches.append(
            CriterionMatch(
                criterion=c,
                similarity=round(sim, 3),
                covered=round(share, 2),
                quote=chunks[best] if share > 0 else None,
            )
        )
    return ContentEvidence(
        words=words,
        relevance=round(float(whole @ q), 3),
        criteria=tuple(matches),
        coverage=round(float(np.mean(shares)), 3) if shares else None,
        star=star_spans(chunks) if behavioral else None,
    )


def star_spans(chunks: list[str]) -> dict[str, StarPart | None]:
    """First sentence that signals each STAR part, by cue phrases (None when a part is missing)."""
    found: dict[str, StarPart | None] = {}
    for part, cues in STAR_CUES.items():
        found[part] = None
        for i, chunk in enumerate(chunks):
            low = f" {chunk.lower()} "
            cue = next((c for c in cues if f" {c} " in low or low.strip().startswith(c)), None)
            if cue:
                found[part] = StarPart(sentence=i, quote=chunk, cue=cue)
                break
    return found
