"""The behavioural and situational banks are anchored rating scales, not labels (shared assessment rules 1, 2, 7).

These questions are asked of every role, so each criterion must be an observable
act with anchors and example sentences; an example that only restates its
criterion (or the question) would teach a scorer that saying the words is doing it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import services.questions
from schemas import Criterion, QuestionType
from services.questions.adapters.bank import BankEntry, QuestionBank

BANK = Path(services.questions.__file__).parent / "bank"
FILES = {"behavioral.json": QuestionType.behavioral, "situational.json": QuestionType.situational}
# The generic outlines these files had before: labels, not talking points.
GENERIC_OUTLINE = {"situation", "task", "action", "result", "assess", "decide", "act", "follow up"}
# Function words carry no content: reusing them is not restating.
STOP = frozenset(
    """
    a an the and or of to in on for with by at from as is are was were be been it its this that these those
    their them they he she his her i my me we our you your not no do does did so if than then what which who
    whom how when where why before after about into out up over own one had would could
    """.split()  # noqa: SIM905 - a word list reads better as words
)
RESTATES = 0.5
"""Share of a statement's content words a 'meets' example may reuse; above it, the example restates it."""
ECHOES = 0.5
"""Share of the question's content words a 'meets' example may reuse; above it, it echoes the question."""


def content_words(text: str) -> set[str]:
    """Lowercased content words, crudely stemmed, so 'reproduces' and 'reproduced' count as one word."""
    words = (w for w in re.findall(r"[a-z]+", text.lower()) if w not in STOP and len(w) > 2)
    stems = set()
    for w in words:
        for suffix in ("ing", "ed", "es", "s"):
            if w.endswith(suffix) and len(w) - len(suffix) >= 4:
                w = w[: -len(suffix)]
                break
        stems.add(w)
    return stems


def reuse(source: str, sentence: str) -> float:
    """Share of ``source``'s content words that ``sentence`` repeats."""
    words = content_words(source)
    return len(words & content_words(sentence)) / len(words) if words else 0.0


def entries() -> list[tuple[str, BankEntry]]:
    return [(name, e) for name in FILES for e in QuestionBank.load(BANK / name).entries]


ENTRIES = entries()


def test_the_files_hold_every_question() -> None:
    counts = {name: sum(1 for n, _ in ENTRIES if n == name) for name in FILES}
    assert counts == {"behavioral.json": 34, "situational.json": 30}


def test_the_restatement_check_catches_a_restatement() -> None:
    statement = "Reproduces the failure before changing code"
    assert reuse(statement, "I reproduced the failure before I changed any code.") > RESTATES
    replayed = "I replayed the exact request from the log against staging and got the same 500."
    assert reuse(statement, replayed) < RESTATES


@pytest.mark.parametrize(("name", "entry"), ENTRIES, ids=[e.id for _, e in ENTRIES])
def test_every_entry_is_a_full_anchored_rubric(name: str, entry: BankEntry) -> None:
    assert entry.type is FILES[name]
    assert all(isinstance(c, Criterion) for c in entry.criteria), "a bare-string criterion is left"
    rubric = entry.rubric
    assert 3 <= len(rubric) <= 5
    ids = [c.id for c in rubric]
    assert len(set(ids)) == len(ids), f"duplicate criterion ids {ids}"
    if entry.type is QuestionType.technical:
        assert 2 <= len(entry.misconceptions) <= 4
    assert 3 <= len(entry.outline) <= 5
    assert not {o.strip().lower() for o in entry.outline} & GENERIC_OUTLINE, entry.outline
    examples: list[str] = []
    for c in rubric:
        # A label ("Result", "Concrete situation") is not an observable act.
        assert len(c.statement.split()) >= 4, c.statement
        assert 2 <= len(c.meets) <= 3 and 2 <= len(c.sounds_like) <= 3, c.id
        assert len({c.anchors.strong, c.anchors.adequate, c.anchors.weak}) == 3, c.id
        assert set(c.level_anchors) <= {level.value for level in entry.levels}, c.id
        for text in (c.statement, *c.meets, *c.sounds_like, *c.level_anchors.values()):
            # {role} is filled in the question text only; in a rubric it would reach the candidate verbatim.
            assert "{" not in text, text
        for sentence in c.meets:
            assert reuse(c.statement, sentence) < RESTATES, f"{c.id}: {sentence!r} restates {c.statement!r}"
            assert reuse(entry.text, sentence) < ECHOES, f"{c.id}: {sentence!r} echoes the question"
        examples += [*c.meets, *c.sounds_like]
    assert len(set(examples)) == len(examples), "an example sentence is used twice in one question"
