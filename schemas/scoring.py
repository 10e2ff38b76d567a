"""The one table of scoring metrics: band, target, praise, critique and suggestion per metric.

Scoring (services/feedback/scoring.py), the feedback text (text.py, and the
LLM text's grounding checks), docs/scoring.md (generated from this table,
drift-checked by a test) and the web UI (``GET /api/scoring``) all read it.
A number that decides a score lives here, or is named in docs/scoring.md as
a remaining literal.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from schemas.envelope import Model
from schemas.events import Level


class Category(StrEnum):
    content = "content"
    communication = "communication"
    confidence = "confidence"
    body_language = "body_language"


class Band(Model):
    """100 inside ``ok``, falling linearly to 0 at ``zero`` on either side."""

    ok: tuple[float, float]
    zero: tuple[float, float]

    def score(self, value: float) -> float:
        (lo_ok, hi_ok), (lo_zero, hi_zero) = self.ok, self.zero
        if lo_ok <= value <= hi_ok:
            return 100.0
        if value < lo_ok:
            return max(0.0, 100 * (value - lo_zero) / (lo_ok - lo_zero)) if lo_ok > lo_zero else 0.0
        return max(0.0, 100 * (hi_zero - value) / (hi_zero - hi_ok)) if hi_zero > hi_ok else 0.0


class Metric(Model):
    """One measured quantity and everything said about it."""

    id: str
    name: str = Field(description="Short noun phrase, e.g. 'speaking pace'.")
    categories: tuple[Category, ...] = Field(description="Categories whose score it feeds.")
    source: str = Field(description="Where the value comes from (for docs).")
    unit: str = ""
    band: Band | None = Field(default=None, description="None: scored by the content judge, not by a band.")
    level_bands: dict[Level, Band] = Field(default_factory=dict, description="Band per level where it differs.")
    target: str = Field(description="The target as the candidate reads it; {lo} and {hi} are the band's ends.")
    praise: str = Field(description="Said when the value is inside its band; {value}, {target}, ... are filled in.")
    critique: str = Field(description="Said when the value is outside its band.")
    suggestion: str = Field(description="What to do about it, something the candidate can do in this product.")

    def band_for(self, level: Level | str | None = None) -> Band | None:
        if level is not None and Level(level) in self.level_bands:
            return self.level_bands[Level(level)]
        return self.band

    def target_for(self, level: Level | str | None = None) -> str:
        band = self.band_for(level)
        if band is None:
            return self.target
        lo, hi = band.ok
        return self.target.format(lo=f"{lo:g}", hi=f"{hi:g}", level=level or "mid")


class Verdicts(Model):
    """Words for a 0-100 score, as the UI and the summary say them."""

    strong: float = 80
    solid: float = 60

    def word(self, score: float) -> str:
        return "strong" if score >= self.strong else "solid" if score >= self.solid else "needs work"


class ScoringTable(Model):
    """Everything that decides a score or what feedback says about it (served at ``GET /api/scoring``)."""

    version: int = 1
    metrics: tuple[Metric, ...]
    weights: dict[Category, float] = Field(description="Weights of the categories in the overall score.")
    overall_above_content_max: float = Field(
        description="Overall never exceeds content by more than this: delivery cannot make an answer solid."
    )
    verdicts: Verdicts
    strength_at: float = Field(description="A measurement is a strength only inside its band (score 100).")
    improvement_below: float = Field(description="A measurement scoring below this is listed as an improvement.")
    far_below: float = Field(description="Below this a measurement is far outside its band: always mentioned.")
    min_speech_for_rates_s: float = Field(description="Per-minute rates need at least this much speech.")
    long_pause_s: float = Field(description="A silence longer than this is a long pause.")

    def metric(self, metric_id: str) -> Metric:
        for m in self.metrics:
            if m.id == metric_id:
                return m
        raise KeyError(metric_id)


_C, _M, _F, _B = Category.content, Category.communication, Category.confidence, Category.body_language

METRICS: tuple[Metric, ...] = (
    # ---------------------------------------------------------------- communication
    Metric(
        id="pace_wpm",
        name="speaking pace",
        categories=(_M,),
        source="speech: words per minute over the whole answer",
        unit="words/min",
        band=Band(ok=(120, 160), zero=(70, 220)),
        target="{lo}-{hi} words per minute",
        praise="Your pace of {value:.0f} words per minute is easy to follow (target {target}).",
        critique="Your pace was {value:.0f} words per minute; aim for {target}.",
        suggestion="Rehearse the answer aloud with a timer and the target pace in mind, then re-record it.",
    ),
    Metric(
        id="fillers_per_min",
        name="filler words",
        categories=(_M,),
        source="speech: um, uh, you know, ... (and voiced gaps) per minute",
        unit="per min",
        band=Band(ok=(0, 3), zero=(0, 12)),
        level_bands={
            Level.entry: Band(ok=(0, 4), zero=(0, 12)),
            Level.senior: Band(ok=(0, 2), zero=(0, 12)),
        },
        target="at most {hi} per minute at {level} level",
        praise="Few filler words: {value:.1f} per minute (target {target}).",
        critique="{value:.1f} filler words per minute{at}; aim for {target}.",
        suggestion="When you feel an 'um' coming, pause silently instead; a short pause sounds confident.",
    ),
    Metric(
        id="long_pauses_per_min",
        name="long pauses",
        categories=(_M,),
        source="speech: silences over the long-pause length, per minute of speech",
        unit="per min",
        band=Band(ok=(0, 1), zero=(0, 4)),
        target="at most {hi} per minute",
        praise="You kept momentum, with few long silences ({value:.1f} per minute).",
        critique="{value:.1f} long pauses per minute{at}; aim for {target}.",
        suggestion="Outline your answer in three points before you start, so you always know what comes next.",
    ),
    Metric(
        id="volume_dbfs",
        name="voice level",
        categories=(_M,),
        source="speech: RMS level of the speech, dBFS",
        unit="dBFS",
        band=Band(ok=(-30, -10), zero=(-45, -3)),
        target="{lo} to {hi} dBFS",
        praise="Your voice level ({value:.0f} dBFS) is clear.",
        critique="Your voice level was {value:.0f} dBFS; aim for {target}.",
        suggestion="Sit closer to the microphone or speak as if to someone across a table.",
    ),
    Metric(
        id="answer_length",
        name="answer length",
        categories=(_M,),
        source="speech: the answer's duration / the question's expected duration",
        unit="x expected",
        band=Band(ok=(0.5, 1.5), zero=(0.1, 3.0)),
        target="{lo}-{hi} times the expected length",
        praise="Your answer's length ({seconds:.0f} s) fits the question (about {expected}).",
        critique="Your answer lasted {seconds:.0f} s; this question expects about {expected}.",
        suggestion="Use the timer: aim for about the expected length, covering each point the question asks for.",
    ),
    # ---------------------------------------------------------------- confidence
    Metric(
        id="hedges_per_min",
        name="speaking with conviction",
        categories=(_F,),
        source="speech: hedges ('I think', 'I guess', 'maybe', 'probably', ...) per minute",
        unit="per min",
        band=Band(ok=(0, 1), zero=(0, 6)),
        target="at most {hi} per minute",
        praise="You spoke with conviction: {value:.1f} hedges per minute.",
        critique='{value:.1f} hedges per minute (for example "{quote}"{at}); aim for {target}.',
        suggestion="Replace 'I think' and 'maybe' with direct statements about what you did.",
    ),
    Metric(
        id="restarts_per_min",
        name="fluent sentences",
        categories=(_F,),
        source="speech: repeated words and restarted phrases per minute",
        unit="per min",
        band=Band(ok=(0, 1), zero=(0, 6)),
        target="at most {hi} per minute",
        praise="Your sentences ran smoothly ({value:.1f} restarts per minute).",
        critique="{value:.1f} repeated or restarted phrases per minute{at}; aim for {target}.",
        suggestion="Slow down slightly and finish each sentence before starting the next thought.",
    ),
    Metric(
        id="pitch_variation_semitones",
        name="lively intonation",
        categories=(_F,),
        source="speech: standard deviation of the voice's pitch (F0), semitones",
        unit="semitones",
        band=Band(ok=(3, 24), zero=(1, 40)),
        target="at least {lo} semitones",
        praise="Your voice has lively intonation ({value:.1f} semitones of variation).",
        critique="Your intonation was flat ({value:.1f} semitones of variation; aim for {target}).",
        suggestion="Stress the key word of each sentence, such as the result or the number.",
    ),
    # ---------------------------------------------------------------- body language (eye contact feeds confidence too)
    Metric(
        id="eye_contact_ratio",
        name="eye contact",
        categories=(_F, _B),
        source="vision: share of usable frames with head and iris towards the camera",
        unit="share",
        band=Band(ok=(0.6, 1), zero=(0.2, 1)),
        target="at least {lo}",
        praise="You looked at the camera {pct} of the time.",
        critique="You looked at the camera only {pct} of the time{at}.",
        suggestion="Put your notes next to the camera and look into the lens when you make a point.",
    ),
    Metric(
        id="shoulder_tilt_deg",
        name="level posture",
        categories=(_B,),
        source="vision: angle of the shoulder line",
        unit="degrees",
        band=Band(ok=(0, 5), zero=(0, 20)),
        target="at most {hi} degrees",
        praise="Your posture is level.",
        critique="Your shoulders were tilted by {value:.0f} degrees.",
        suggestion="Sit square to the camera with both shoulders level.",
    ),
    Metric(
        id="uprightness",
        name="upright posture",
        categories=(_B,),
        source="vision: shoulder line to nose height / shoulder width",
        unit="ratio",
        band=Band(ok=(0.35, 0.9), zero=(0.1, 1.3)),
        target="{lo}-{hi}",
        praise="You sat upright.",
        critique="Your posture read as slouched or leaning in.",
        suggestion="Sit back in your chair with your back straight and the camera at eye level.",
    ),
    Metric(
        id="centered_ratio",
        name="framing",
        categories=(_B,),
        source="vision: share of frames with the face centred",
        unit="share",
        band=Band(ok=(0.8, 1), zero=(0.3, 1)),
        target="at least {lo}",
        praise="You were well centred in the frame.",
        critique="You were off-centre in {off} of the frames.",
        suggestion="Centre yourself in the preview before you record.",
    ),
    Metric(
        id="face_size",
        name="distance to the camera",
        categories=(_B,),
        source="vision: face height as a share of the frame height",
        unit="share",
        band=Band(ok=(0.15, 0.65), zero=(0.05, 0.9)),
        target="{lo}-{hi} of the frame height",
        praise="Your distance to the camera was right.",
        critique="Your distance to the camera was off (face at {pct} of the frame height).",
        suggestion="Frame yourself from the chest up, about an arm's length from the camera.",
    ),
    Metric(
        id="movement",
        name="composure",
        categories=(_B,),
        source="vision: median nose movement between samples, face heights per second",
        unit="face heights/s",
        band=Band(ok=(0, 0.1), zero=(0, 0.6)),
        target="at most {hi} face heights per second",
        praise="You stayed composed, with little fidgeting.",
        critique="You moved a lot between frames ({value:.2f} face heights per second).",
        suggestion="Rest your hands on the desk and keep your head still while you speak.",
    ),
    # ---------------------------------------------------------------- content (scored by the content judge)
    Metric(
        id="criterion",
        name="covering what the question asks for",
        categories=(_C,),
        source="content judge: one span of the answer per rubric criterion",
        target="each criterion met by its own moment of the answer",
        praise='You {verb} "{criterion}"{at}: "{quote}"',
        critique='Not shown: "{criterion}". {note}',
        suggestion="Before answering, note what the question asks for; give one concrete example per point.",
    ),
    Metric(
        id="relevance_to_question",
        name="staying on the question",
        categories=(_C,),
        source="content judge: similarity of the whole answer to the question",
        target="an answer about the question",
        praise="Your answer stays on the question.",
        critique="The answer ({words} words) did not address the question.",
        suggestion="Answer the question that was asked; if unsure, say in one sentence what you understood it to be.",
    ),
    Metric(
        id="factual_issue",
        name="correct facts",
        categories=(_C,),
        source="content judge: known misconceptions of the question, or the LLM judge",
        target="no wrong statements",
        praise="No wrong statements were found.",
        critique='This looks wrong{at}: "{quote}". {correction}',
        suggestion="Check the facts you are unsure of before the interview, and say what you would verify.",
    ),
    Metric(
        id="star_parts",
        name="STAR structure",
        categories=(_C,),
        source="content judge: cue phrases of situation, task, action and result",
        target="situation, task, action and result",
        praise="Your story has all four STAR parts (situation, task, action, result).",
        critique="Your story is missing: {missing}.",
        suggestion="Structure stories as Situation, Task, Action, Result, and end with a measurable result.",
    ),
)

SCORING = ScoringTable(
    metrics=METRICS,
    weights={_C: 0.40, _M: 0.25, _F: 0.15, _B: 0.20},
    overall_above_content_max=20,
    verdicts=Verdicts(strong=80, solid=60),
    strength_at=100,
    improvement_below=90,
    far_below=50,
    min_speech_for_rates_s=20,
    long_pause_s=2.0,
)
"""The scoring table in use."""
