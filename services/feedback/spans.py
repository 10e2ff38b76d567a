"""Spans of an answer: sentences with their times, and the lexical tests a span must pass to be evidence.

A span is a sentence of the transcript (Whisper punctuates), or a window of
about 20 words where a sentence runs on. With word times from the speech
report each span knows when it was said, so feedback can point at the moment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MAX_SPAN_WORDS = 30
"""A sentence longer than this is cut into windows of WINDOW_WORDS words (run-on transcripts)."""
WINDOW_WORDS = 20

_FUNCTION_WORDS = """
    a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each either every few for from further had has
    have having he her here hers him his how i if in into is it its itself just me might more most must my
    myself neither no nor not now of off on once only or other our ours out over own same she should since so
    some such than that the their theirs them then there these they this those though through to too under
    until up upon us very was we were what when where whether which while who whom whose why will with within
    without would yet you your yours let lets it's i'm i've i'd i'll we're we've don't didn't doesn't isn't
    wasn't weren't can't couldn't won't wouldn't that's there's what's"""
FUNCTION_WORDS = frozenset(_FUNCTION_WORDS.split())
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


@dataclass(frozen=True)
class Span:
    """A sentence (or window) of the answer."""

    text: str
    start: float | None = None
    end: float | None = None

    @property
    def words(self) -> int:
        return len(self.text.split())


def tokens(text: str) -> list[str]:
    """Lower-case word tokens (apostrophes kept inside words)."""
    return _TOKEN.findall(text.lower().replace("\u2019", "'"))


def stem(word: str) -> str:
    """A crude suffix stripper: enough to match 'reproduces' with 'reproduce' and 'logs' with 'log'."""
    for suffix in ("ing", "ies", "es", "ed", "s", "e", "y"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def content_stems(text: str) -> list[str]:
    """Stems of the words that carry meaning (function words left out)."""
    return [stem(t) for t in tokens(text) if t not in FUNCTION_WORDS]


def function_share(text: str) -> float:
    """Share of function words: about 0.4-0.6 in spoken English, near 0 in a list of keywords."""
    toks = tokens(text)
    return sum(t in FUNCTION_WORDS for t in toks) / len(toks) if toks else 0.0


def novelty(text: str, known: set[str]) -> float:
    """Share of the span's content words that are not in ``known`` (stems of the question and criteria)."""
    stems = content_stems(text)
    return sum(s not in known for s in stems) / len(stems) if stems else 0.0


def spans_from_words(words: Sequence[Mapping[str, Any]]) -> list[Span]:
    """Sentences from a word-timed transcript (the speech report's ``words``)."""
    groups: list[list[Mapping[str, Any]]] = [[]]
    for w in words:
        text = str(w.get("word", "")).strip()
        if not text:
            continue
        groups[-1].append(w)
        if text[-1] in ".!?":
            groups.append([])
    out: list[Span] = []
    for group in groups:
        for part in _windows(group):
            text = " ".join(str(w["word"]).strip() for w in part)
            out.append(Span(text, _time(part[0].get("start")), _time(part[-1].get("end"))))
    return out


def spans_from_text(text: str) -> list[Span]:
    """Sentences of a transcript without word times."""
    words = [{"word": w} for w in text.split()]
    return spans_from_words(words)


def locate(quote: str, spans: Iterable[Span]) -> Span | None:
    """The span a quote comes from (normalised text containment), for its time."""
    q = " ".join(tokens(quote))
    if not q:
        return None
    for span in spans:
        if q in " ".join(tokens(span.text)):
            return span
    return None


def _windows(group: list[Mapping[str, Any]]) -> list[list[Mapping[str, Any]]]:
    if not group:
        return []
    if len(group) <= MAX_SPAN_WORDS:
        return [group]
    # Prefer cutting after a comma near each window boundary, so a window is a clause.
    out, i = [], 0
    while i < len(group):
        j = min(i + WINDOW_WORDS, len(group))
        if j < len(group):
            for k in range(j, max(i + WINDOW_WORDS // 2, j - 6), -1):
                if str(group[k - 1]["word"]).strip().endswith((",", ";", ":")):
                    j = k
                    break
        out.append(group[i:j])
        i = j
    if len(out) > 1 and len(out[-1]) < 5:  # a tail of a few words belongs to the window before it
        out[-2] = out[-2] + out.pop()
    return out


def _time(value: Any) -> float | None:
    return round(float(value), 2) if isinstance(value, int | float) else None
