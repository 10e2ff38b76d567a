"""What every anchored rubric of the question bank keeps, and the word overlap its examples are checked with."""

from __future__ import annotations

import re

from schemas import Criterion
from services.questions.adapters.bank import BankEntry

# Function words carry no content: reusing them is not restating.
STOP = frozenset(
    """
    a an the and or of to in on for with by at from as is are was were be been it its this that these those
    their them they he she his her i my me we our you your not no do does did so if than then what which who
    whom how when where why before after about into out up over own one had would could can will just
    """.split()  # noqa: SIM905 - a word list reads better as words
)

RESTATES = 0.5
"""Share of a criterion statement's content words a 'meets' example may reuse; above it, it restates."""
ECHOES = 0.5
"""Share of the question's content words a 'meets' example may reuse; above it, it echoes the question."""


def content_words(text: str) -> set[str]:
    """Lowercased content words, crudely stemmed, so 'reproduces' and 'reproduced' count as one word."""
    stems = set()
    for word in re.findall(r"[a-z]+", text.lower()):
        if word in STOP or len(word) <= 2:
            continue
        for suffix in ("ing", "ed", "es", "s"):
            if word.endswith(suffix) and len(word) - len(suffix) >= 4:
                word = word[: -len(suffix)]
                break
        stems.add(word)
    return stems


def reuse(source: str, sentence: str) -> float:
    """Share of ``source``'s content words that ``sentence`` repeats."""
    words = content_words(source)
    return len(words & content_words(sentence)) / len(words) if words else 0.0


def new_information(sentence: str, *given: str) -> float:
    """Share of ``sentence``'s content words found in none of ``given``."""
    words = content_words(sentence)
    known = set().union(*(content_words(g) for g in given))
    return len(words - known) / len(words) if words else 0.0


def check_anchored_rubric(entry: BankEntry, generic_outline: set[str]) -> None:
    """The shape of a full anchored rubric (assessment rules 1, 2, 7) and examples that do not echo the question."""
    assert all(isinstance(c, Criterion) for c in entry.criteria), "a bare-string criterion is left"
    rubric = entry.rubric
    assert 3 <= len(rubric) <= 5
    ids = [c.id for c in rubric]
    assert len(set(ids)) == len(ids), f"duplicate criterion ids {ids}"
    assert 3 <= len(entry.outline) <= 5
    assert not {o.strip().lower() for o in entry.outline} & generic_outline, entry.outline
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
            assert reuse(entry.text, sentence) < ECHOES, f"{c.id}: {sentence!r} echoes the question"
        examples += [*c.meets, *c.sounds_like]
    assert len(set(examples)) == len(examples), "an example sentence is used twice in one question"
