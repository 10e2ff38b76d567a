import itertools

import pytest

from schemas import Level, QuestionType
from services.questions.adapters.bank import QuestionBank, family_of
from services.questions.handlers import Draw

ALL_TYPES = (QuestionType.technical, QuestionType.behavioral, QuestionType.situational)


@pytest.fixture(scope="module")
def bank() -> QuestionBank:
    return QuestionBank.load()  # near-duplicate skipping needs MiniLM: tests/models/test_bank_minilm.py


def test_bank_covers_types_levels_and_role_families(bank):
    assert len(bank.entries) >= 150
    families = {f for e in bank.entries for f in e.families if f != "*"}
    assert len(families) >= 8
    for t, level in itertools.product(ALL_TYPES, Level):
        assert any(e.type is t and level in e.levels for e in bank.entries), (t, level)
    for family in families:
        for level in Level:
            assert sum(family in e.families and level in e.levels for e in bank.entries) >= 3, (family, level)
    assert all(len(e.criteria) >= 3 for e in bank.entries)


@pytest.mark.parametrize(
    ("role", "family"),
    [
        ("Senior Backend Engineer", "software"),
        ("Data Scientist", "data"),
        ("Product Manager", "product"),
        ("UX Designer", "design"),
        ("SRE", "devops"),
        ("Security Analyst", "security"),
        ("QA Engineer", "qa"),
        ("Growth Marketing Lead", "marketing"),
        ("Account Executive", "sales"),
        ("Engineering Manager", "management"),
        ("Head of Operations", "devops"),
        ("Chef", None),
    ],
)
def test_roles_map_to_families(role, family):
    assert family_of(role) == family


def test_picks_fit_role_type_and_level_without_repeats(bank):
    qs = bank.pick(Draw("Data Scientist", ALL_TYPES, Level.senior, 15, "s1"))
    assert len(qs) == 15 and len({q.text for q in qs}) == 15
    tech = [q for q in qs if q.type is QuestionType.technical]
    entries = {e.text: e for e in bank.entries}
    assert tech and all("data" in entries[q.text].families for q in tech)
    assert all(Level.senior in entries[q.text.replace("Data Scientist", "{role}")].levels for q in qs)
    assert bank.pick(Draw("Data Scientist", ALL_TYPES, Level.senior, 15, "s1")) == qs  # deterministic per session
    assert any(
        "Data Scientist" in q.text
        for q in bank.pick(Draw("Data Scientist", (QuestionType.behavioral,), Level.mid, 12, "x"))
    )


def test_unknown_roles_get_no_other_fields_technical_questions(bank):
    qs = bank.pick(Draw("Chef", (QuestionType.technical,), Level.mid, 5, "c"))
    assert qs and all(q.type is QuestionType.situational for q in qs)
