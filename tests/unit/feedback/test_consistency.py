"""Feedback never contradicts its numbers, for every metric of the table (issue #13 item 6).

For each banded metric, values are swept across its whole range through real
speech/vision reports: a value outside the target band is never a strength,
a value far outside it is always mentioned, whatever else is wrong at the
same time. The LLM text's checks reject the same contradictions.
"""

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from schemas.scoring import SCORING
from services.feedback.llm_text import Claim, DraftFeedback, contradictions
from services.feedback.scoring import score_answer
from services.feedback.text import answer_feedback, fmt
from tests.unit.feedback.fakes import assessment, speech, vision

TEXT = "We moved the nightly export to a queue, which cut the failures from five a week to none. " * 4
EXPECTED_S = 120
Reports = tuple[dict[str, Any], dict[str, Any]]
"""Overrides of the speech report and of the vision report."""


def _posture(key: str) -> Callable[[float], Reports]:
    def make(v: float) -> Reports:
        return {}, {"posture": {key: v}}

    return make


def _count(key: str) -> Callable[[float], Reports]:
    """A per-minute rate over a one-minute answer, as a list of that many hits."""

    def make(v: float) -> Reports:
        return {key: [{"text": "I think", "start": 2.0 + i} for i in range(round(v))]}, {}

    return make


def _long_pauses(v: float) -> Reports:
    n = round(v)
    return {"long_pause_count": n, "pauses": [{"start": 3.0 + 5 * i, "end": 6.0 + 5 * i} for i in range(n)]}, {}


SETTERS: dict[str, Callable[[float], Reports]] = {
    "pace_wpm": lambda v: ({"wpm": v}, {}),
    "fillers_per_min": lambda v: ({"filler_rate_per_min": v, "fillers": [{"text": "um", "start": 4.0}]}, {}),
    "long_pauses_per_min": _long_pauses,
    "volume_dbfs": lambda v: ({"volume_dbfs": v}, {}),
    "answer_length": lambda v: ({"duration_s": v * EXPECTED_S, "speech_s": 0.9 * v * EXPECTED_S}, {}),
    "hedges_per_min": _count("hedges"),
    "restarts_per_min": _count("repetitions"),
    "pitch_variation_semitones": lambda v: ({"pitch_variation_st": v}, {}),
    "eye_contact_ratio": lambda v: ({}, {"eye_contact_ratio": v}),
    "shoulder_tilt_deg": _posture("shoulder_tilt_deg"),
    "uprightness": _posture("uprightness"),
    "centered_ratio": _posture("centered_ratio"),
    "face_size": _posture("face_height_ratio"),
    "movement": lambda v: ({}, {"movement": v}),
}
BANDED = [m for m in SCORING.metrics if m.band is not None]


def sweep(metric_id: str) -> list[float]:
    """Values from well below to well above the band, including its edges."""
    band = SCORING.metric(metric_id).band
    assert band is not None
    lo, hi = band.zero[0], band.zero[1]
    span = max(hi - lo, 1e-3)
    values = [*np.linspace(lo - 0.2 * span, hi + 0.2 * span, 25).tolist(), *band.ok]
    if metric_id in ("eye_contact_ratio", "centered_ratio"):
        values = [v for v in values if 0 <= v <= 1]
    return [v for v in values if v >= 0 or metric_id == "volume_dbfs"]


def test_every_banded_metric_is_covered_here():
    assert {m.id for m in BANDED} == set(SETTERS)


@pytest.mark.parametrize("metric_id", sorted(SETTERS))
@pytest.mark.parametrize("others", ["all_good", "all_bad"])
def test_outside_the_band_is_never_a_strength_and_far_outside_is_always_said(metric_id, others):
    metric = SCORING.metric(metric_id)
    seen_far = False
    for value in sweep(metric_id):
        s, v = SETTERS[metric_id](value)
        if others == "all_bad":  # many other problems competing for the list of improvements
            s = (
                {"filler_rate_per_min": 11.0, "volume_dbfs": -44.0}
                | ({"wpm": 75.0} if metric_id != "pace_wpm" else {})
                | s
            )
            v = ({"movement": 0.55} if metric_id != "movement" else {}) | v
        card = score_answer(speech(TEXT, **s), vision(**v), assessment(50.0), "mid", EXPECTED_S)
        fb = answer_feedback(card)
        for e in (e for e in card.evidence if e.metric == metric_id):
            praise, critique = fmt(metric.praise, e), fmt(metric.critique, e)
            if not e.in_band:
                assert praise not in fb.strengths, (value, e)
            if e.score < SCORING.far_below:
                seen_far = True
                assert critique in fb.improvements, (value, e, fb.improvements)
            if e.in_band:
                assert critique not in fb.improvements
    assert seen_far, "the sweep never went far outside the band"


@pytest.mark.parametrize("metric_id", sorted(SETTERS))
def test_llm_claims_that_contradict_a_metric_are_rejected(metric_id):
    band = SCORING.metric(metric_id).band
    assert band is not None
    for value in sweep(metric_id):
        s, v = SETTERS[metric_id](value)
        card = score_answer(speech(TEXT, **s), vision(**v), assessment(50.0), "mid", EXPECTED_S)
        for e in (e for e in card.evidence if e.metric == metric_id):
            draft = DraftFeedback(
                summary="Summary.",
                strengths=[Claim(text=f"Good {metric_id}.", metric=metric_id)],
                improvements=[Claim(text=f"Work on {metric_id}.", metric=metric_id)],
                suggestions=[],
            )
            problems = contradictions(draft, card, TEXT)
            praised_ok = not any(p.startswith("strength") for p in problems)
            criticised_ok = not any(p.startswith("improvement") for p in problems)
            assert praised_ok == e.in_band, (value, e, problems)
            assert criticised_ok == (e.score < SCORING.improvement_below and not e.in_band), (value, e)


def test_llm_claims_with_wrong_numbers_or_invented_quotes_are_rejected():
    card = score_answer(speech(TEXT, wpm=190.0), vision(eye_contact_ratio=0.9), assessment(50.0), "mid", EXPECTED_S)
    draft = DraftFeedback(
        summary="Summary.",
        strengths=[
            Claim(text="You looked at the camera 90% of the time.", metric="eye_contact_ratio"),
            Claim(text="You looked at the camera 60% of the time.", metric="eye_contact_ratio"),
            Claim(text='You showed a concrete example: "we rewrote the whole platform in Rust"', metric="criterion"),
        ],
        improvements=[Claim(text="Your pace was 190 words per minute; aim for 120-160.", metric="pace_wpm")],
        suggestions=[],
    )
    problems = contradictions(draft, card, TEXT)
    assert len(problems) == 2
    assert any("60%" in p and "misquotes" in p for p in problems)
    assert any("did not say" in p for p in problems)
