"""Transcript language evidence: fillers, hedges, repetitions, vocabulary, I/we.

Matching is on whole tokens (never substrings: "also" holds no "so"). Words
that are fillers only in some uses ("like", "so", "right", ...) count only in
those uses, judged from neighbouring words and from pauses in the signal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SINGLE_FILLERS = {"um", "umm", "uh", "uhh", "uhm", "er", "erm", "err", "ah", "ahh", "hmm", "hm", "mm", "mmm"}
MULTI_FILLERS = (("you", "know"), ("i", "mean"), ("kind", "of"), ("sort", "of"))
CONTEXT_FILLERS = {"like", "so", "basically", "actually", "literally", "right"}
HEDGES = (
    ("i", "think"),
    ("i", "guess"),
    ("i", "suppose"),
    ("i", "believe"),
    ("maybe",),
    ("probably",),
    ("perhaps",),
    ("might",),
)
FIRST_PERSON_SINGULAR = {"i", "me", "my", "mine", "myself", "i'm", "i've", "i'd", "i'll"}
FIRST_PERSON_PLURAL = {"we", "us", "our", "ours", "ourselves", "we're", "we've", "we'd", "we'll"}

# "like" after these is a verb or a comparison, not a filler ("I like Python", "looks like").
LIKE_KEEPERS = {
    "i",
    "you",
    "we",
    "they",
    "he",
    "she",
    "would",
    "i'd",
    "you'd",
    "we'd",
    "they'd",
    "do",
    "does",
    "did",
    "don't",
    "didn't",
    "doesn't",
    "really",
    "also",
    "to",
    "feel",
    "feels",
    "felt",
    "look",
    "looks",
    "looked",
    "sound",
    "sounds",
    "seem",
    "seems",
    "something",
    "anything",
    "nothing",
    "things",
    "more",
    "much",
    "just",
    "exactly",
    "not",
    "would've",
    "people",
    "who",
    "that",
}
SO_KEEPERS_AFTER = {
    "that",
    "much",
    "many",
    "far",
    "long",
    "good",
    "well",
    "bad",
    "hard",
    "easy",
    "on",
    "forth",
    "i",
    "we",
}
RIGHT_KEEPERS_BEFORE = {
    "the",
    "a",
    "on",
    "to",
    "all",
    "be",
    "is",
    "was",
    "are",
    "were",
    "that's",
    "it's",
    "exactly",
    "you're",
    "i'm",
    "human",
    "equal",
}
RIGHT_KEEPERS_AFTER = {
    "now",
    "away",
    "here",
    "there",
    "after",
    "before",
    "side",
    "way",
    "thing",
    "answer",
    "decision",
    "time",
    "tool",
}
KIND_KEEPERS_BEFORE = {
    "what",
    "this",
    "that",
    "a",
    "the",
    "some",
    "any",
    "which",
    "every",
    "one",
    "these",
    "those",
    "same",
    "different",
    "other",
}
NUMBER = re.compile(
    r"^(\d+|one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|fifty|hundred|"
    r"a|an|half|couple)$"
)
PAUSE_BEFORE_S = 0.25


@dataclass(frozen=True)
class Word:
    word: str
    start: float
    end: float
    prob: float

    @property
    def norm(self) -> str:
        return normalize(self.word)

    @property
    def comma_after(self) -> bool:
        return self.word.rstrip().endswith((",", "...", "-", "\u2014"))

    @property
    def sentence_end(self) -> bool:
        return self.word.rstrip().endswith((".", "?", "!"))


@dataclass(frozen=True)
class Hit:
    text: str
    start: float
    end: float
    kind: str = "lexical"


def normalize(token: str) -> str:
    return re.sub(r"[^a-z0-9']", "", token.lower().replace("\u2019", "'"))


def is_filler_token(token: str) -> bool:
    return normalize(token) in SINGLE_FILLERS


def find_fillers(words: list[Word], pause_starts: list[float], pause_ends: list[float]) -> list[Hit]:
    """Filler words and phrases with times. ``pause_*``: silences from the signal."""
    toks = [w.norm for w in words]
    hits: list[Hit] = []
    i = 0
    while i < len(words):
        tok = toks[i]
        if tok in SINGLE_FILLERS:
            hits.append(Hit(tok, words[i].start, words[i].end))
            i += 1
            continue
        pair = (tok, toks[i + 1]) if i + 1 < len(words) else None
        if pair in MULTI_FILLERS and _multi_is_filler(toks, i, words):
            hits.append(Hit(" ".join(pair), words[i].start, words[i + 1].end))
            i += 2
            continue
        if tok in CONTEXT_FILLERS and _context_is_filler(tok, toks, i, words, pause_starts, pause_ends):
            hits.append(Hit(tok, words[i].start, words[i].end, "contextual"))
        i += 1
    return hits


def _near(t: float, times: list[float], tol: float = 0.15) -> bool:
    return any(abs(t - x) <= tol for x in times)


def _multi_is_filler(toks: list[str], i: int, words: list[Word]) -> bool:
    before = toks[i - 1] if i else ""
    after = toks[i + 2] if i + 2 < len(toks) else ""
    first, _ = toks[i], toks[i + 1]
    if words[i + 1].comma_after:  # "you know, ..." / "I mean, ..." set off as an aside
        return True
    if first == "you":  # "do you know", "you know what/how/that ..." are questions or statements
        return before not in {"do", "did", "don't", "if", "as", "would", "will", "could"} and after not in {
            "what",
            "how",
            "that",
            "where",
            "when",
            "why",
            "who",
            "the",
            "about",
            "him",
            "her",
            "it",
            "them",
        }
    if first == "i":  # "I mean it/that/to ..." is literal
        return after not in {"it", "that", "to", "this", "what", "the"}
    return before not in KIND_KEEPERS_BEFORE  # "what kind of", "a sort of"


def _context_is_filler(
    tok: str, toks: list[str], i: int, words: list[Word], pause_starts: list[float], pause_ends: list[float]
) -> bool:
    w = words[i]
    before = toks[i - 1] if i else ""
    after = toks[i + 1] if i + 1 < len(toks) else ""
    sentence_start = i == 0 or words[i - 1].sentence_end or _near(w.start, pause_ends)
    set_off_after = w.comma_after or _near(w.end, pause_starts)
    set_off_before = i > 0 and (words[i - 1].comma_after or _near(w.start, pause_ends))
    if tok == "like":
        if before in LIKE_KEEPERS or after == "to":
            return False
        return set_off_after or set_off_before or bool(NUMBER.match(after))
    if tok == "so":
        if after in SO_KEEPERS_AFTER and not set_off_after:
            return False
        return (sentence_start and _near(w.end, pause_starts)) or (i == len(words) - 1 and before != "think")
    if tok == "right":
        if before in RIGHT_KEEPERS_BEFORE or after in RIGHT_KEEPERS_AFTER:
            return False
        return w.word.rstrip().endswith("?") or (sentence_start and set_off_after)
    # basically / actually / literally: fillers when set off from the sentence
    return sentence_start or set_off_after or set_off_before


def find_hedges(words: list[Word]) -> list[Hit]:
    toks = [w.norm for w in words]
    hits = []
    for i in range(len(toks)):
        for phrase in HEDGES:
            if tuple(toks[i : i + len(phrase)]) == phrase:
                hits.append(Hit(" ".join(phrase), words[i].start, words[i + len(phrase) - 1].end))
    return hits


def find_repetitions(words: list[Word]) -> list[Hit]:
    """Immediate repeats of 1-3 words ("I I", "we were we were") and cut-off restarts ("bu- but")."""
    toks = [w.norm for w in words]
    hits: list[Hit] = []
    i = 0
    while i < len(toks):
        found = False
        for n in (3, 2, 1):
            if i + 2 * n <= len(toks) and toks[i : i + n] == toks[i + n : i + 2 * n] and toks[i] not in SINGLE_FILLERS:
                if n == 1 and toks[i] in {"that", "had", "very", "really", "no", "bye"}:  # often legitimate
                    continue
                hits.append(Hit(" ".join(toks[i : i + n]), words[i].start, words[i + 2 * n - 1].end, "repetition"))
                i += n
                found = True
                break
        if not found:
            if words[i].word.rstrip().endswith("-") and i + 1 < len(words):
                hits.append(Hit(words[i].word.strip(), words[i].start, words[i + 1].end, "restart"))
            i += 1
    return hits


def lexical(words: list[Word]) -> list[str]:
    """Tokens that carry content (fillers removed)."""
    return [t for t in (w.norm for w in words) if t and t not in SINGLE_FILLERS]


def mattr(tokens: list[str], window: int = 25) -> float | None:
    """Moving-average type-token ratio: vocabulary richness that does not fall with length."""
    if len(tokens) < window:
        return None
    ratios = [len(set(tokens[i : i + window])) / window for i in range(len(tokens) - window + 1)]
    return round(sum(ratios) / len(ratios), 4)


def i_we_ratio(tokens: list[str]) -> float | None:
    """Share of first-person pronouns that are singular (1.0 = all "I", 0.0 = all "we")."""
    i_count = sum(t in FIRST_PERSON_SINGULAR for t in tokens)
    we_count = sum(t in FIRST_PERSON_PLURAL for t in tokens)
    return round(i_count / (i_count + we_count), 3) if i_count + we_count else None
