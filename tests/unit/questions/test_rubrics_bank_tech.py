"""The technical banks are anchored rating scales with known misconceptions (shared assessment rules 1, 2, 4, 7).

Every technical question, in every role family, must carry criteria that name an
observable act, anchors for a strong, adequate and weak answer, example sentences
that do the act and sentences that only sound like it, and wrong claims with their
corrections. An example that restates its criterion or the question would teach a
scorer that saying the words is doing the thing, so the examples are checked for it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import services.questions
from schemas import Criterion, QuestionType
from services.questions.adapters.bank import FAMILIES, BankEntry, QuestionBank

BANK = Path(services.questions.__file__).parent / "bank"
FILES = {f"technical-{family}.json": family for family in FAMILIES}
# Outlines the bank had before the rubrics: section labels, not talking points.
GENERIC_OUTLINE = {"context", "approach", "trade-offs", "result", "result or example"}
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
NEW_INFORMATION = 0.5
"""Share of a 'meets' example's content words that must come from neither the question nor its statement."""


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


ENTRIES = [(name, e) for name in sorted(FILES) for e in QuestionBank.load(BANK / name).entries]


def test_the_files_hold_every_technical_question_of_their_family() -> None:
    assert len(ENTRIES) == 88
    for name, entry in ENTRIES:
        assert entry.type is QuestionType.technical, entry.id
        assert entry.families == (FILES[name],), entry.id


def test_the_checks_catch_a_restatement_and_an_echo() -> None:
    question = "Walk me through how you would debug a production issue in a service you own."
    statement = "Reproduces the failure before changing code"
    restated = "I reproduced the failure before I changed any code."
    echoed = "I would debug the production issue in the service I own."
    replayed = "I replayed the exact request from the log against staging and got the same 500."
    assert reuse(statement, restated) >= RESTATES
    assert reuse(question, echoed) >= ECHOES
    assert new_information(echoed, question, statement) < NEW_INFORMATION
    assert reuse(statement, replayed) < RESTATES
    assert reuse(question, replayed) < ECHOES
    assert new_information(replayed, question, statement) >= NEW_INFORMATION


@pytest.mark.parametrize(("name", "entry"), ENTRIES, ids=[e.id for _, e in ENTRIES])
def test_every_technical_entry_is_a_full_anchored_rubric(name: str, entry: BankEntry) -> None:
    assert all(isinstance(c, Criterion) for c in entry.criteria), "a bare-string criterion is left"
    rubric = entry.rubric
    assert 3 <= len(rubric) <= 5
    ids = [c.id for c in rubric]
    assert len(set(ids)) == len(ids), f"duplicate criterion ids {ids}"
    assert len({c.statement for c in rubric}) == len(rubric), "two criteria share a statement"
    assert 3 <= len(entry.outline) <= 5
    assert not {o.strip().lower() for o in entry.outline} & GENERIC_OUTLINE, entry.outline
    examples: list[str] = []
    for c in rubric:
        # A label ("Result", "Concrete situation") is not an observable act.
        assert len(c.statement.split()) >= 4, c.statement
        assert 2 <= len(c.meets) <= 3 and 2 <= len(c.sounds_like) <= 3, c.id
        assert len({c.anchors.strong, c.anchors.adequate, c.anchors.weak}) == 3, c.id
        assert set(c.level_anchors) <= {level.value for level in entry.levels}, c.id
        assert c.anchors.strong not in c.level_anchors.values(), c.id
        for text in (c.statement, *c.meets, *c.sounds_like, *c.level_anchors.values()):
            # {role} is filled in the question text only; in a rubric it would reach the candidate verbatim.
            assert "{" not in text, text
        for sentence in c.meets:
            # One span earns one criterion: an example may not restate any statement of its question.
            for other in rubric:
                assert reuse(other.statement, sentence) < RESTATES, f"{c.id}: {sentence!r} restates {other.id}"
            assert reuse(entry.text, sentence) < ECHOES, f"{c.id}: {sentence!r} echoes the question"
            assert new_information(sentence, entry.text, c.statement) >= NEW_INFORMATION, f"{c.id}: {sentence!r}"
        examples += [*c.meets, *c.sounds_like]
    assert len(set(examples)) == len(examples), "an example sentence is used twice in one question"


@pytest.mark.parametrize(("name", "entry"), ENTRIES, ids=[e.id for _, e in ENTRIES])
def test_every_technical_entry_names_misconceptions_with_corrections(name: str, entry: BankEntry) -> None:
    assert 2 <= len(entry.misconceptions) <= 4
    claims = [m.claim for m in entry.misconceptions]
    assert len(set(claims)) == len(claims)
    for m in entry.misconceptions:
        # A correction that repeats its claim corrects nothing.
        assert new_information(m.correction, m.claim) >= NEW_INFORMATION, m.claim
