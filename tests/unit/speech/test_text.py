import pytest

from services.speech.text import Word, find_fillers, find_hedges, find_repetitions, i_we_ratio, lexical, mattr


def words(text: str, step: float = 0.4) -> list[Word]:
    return [Word(w, round(i * step, 2), round(i * step + 0.3, 2), 0.9) for i, w in enumerate(text.split())]


def fillers(text: str, pauses: list[tuple[float, float]] = ()) -> list[str]:
    ws = words(text)
    return [h.text for h in find_fillers(ws, [p[0] for p in pauses], [p[1] for p in pauses])]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("um I think uh it works", ["um", "uh"]),
        ("Umm, so, hmm, erm", ["umm", "hmm", "erm"]),
        ("I also enjoy it", []),  # whole words only: "also" holds no "so"
        ("I like Python", []),  # a verb, not a filler
        ("it looks like a queue", []),
        ("I would like to lead", []),
        ("it was, like, really hard", ["like"]),  # set off by commas
        ("we had like five services", ["like"]),  # approximator
        ("you know, the deadline moved", ["you know"]),
        ("do you know what happened", []),
        ("I mean, it was fine", ["i mean"]),
        ("I mean it", []),
        ("it was kind of slow", ["kind of"]),
        ("what kind of system", []),
        ("basically, we rewrote it", ["basically"]),
        ("we basically rewrote it", []),
        ("that is the right answer", []),
        ("we shipped it, right?", ["right"]),
        ("I did it right now", []),
        ("so that we could ship", []),
    ],
)
def test_fillers_are_whole_words_in_their_filler_uses(text, expected):
    assert fillers(text) == expected


def test_so_counts_when_a_pause_sets_it_apart():
    # "So" starting the answer, then a silence from the signal
    assert fillers("So we moved to Kafka", pauses=[(0.3, 1.0)]) == ["so"]
    assert fillers("So we moved to Kafka") == []


def test_fillers_carry_times():
    [hit] = find_fillers(words("well um yes"), [], [])
    assert (hit.start, hit.end) == (0.4, 0.7)


def test_hedges_repetitions_and_pronouns():
    ws = words("I think maybe we we should I guess probably ask the the team bu- but I did")
    assert [h.text for h in find_hedges(ws)] == ["i think", "maybe", "i guess", "probably"]
    reps = find_repetitions(ws)
    assert [(h.text, h.kind) for h in reps] == [("we", "repetition"), ("the", "repetition"), ("bu-", "restart")]
    assert i_we_ratio(lexical(ws)) == pytest.approx(3 / 5)  # I x3, we x2
    assert i_we_ratio(["hello"]) is None


def test_vocabulary_richness_needs_enough_words():
    assert mattr(["a"] * 10) is None
    varied = [f"w{i}" for i in range(50)]
    assert mattr(varied) == 1.0
    assert mattr(["same", "words"] * 25) == pytest.approx(2 / 25)
