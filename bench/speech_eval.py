"""Speech evaluation with known truth: a plain baseline against the pipeline, on a held-out set.

    .venv/bin/python -m bench.speech_eval                      # held-out set: baseline vs pipeline + gates
    .venv/bin/python -m bench.speech_eval --set tune --study   # the set the pipeline was tuned on, variants
    .venv/bin/python -m bench.speech_eval --long 3             # time the speech stage on a 3-minute answer

Sets (``tests/fixtures/speech.py``): ``tune`` are the espeak-ng answers the
pipeline's choices were made on; ``held-out`` are other voices, speeds, texts
and fillers over a faint noise floor, plus inputs that must be refused
(Spanish, German, faint room noise, a muted device, speech played backwards)
or accepted (quiet, noisy, clear), none of them used to tune.

Scores: WER over words (Whisper's English text normaliser on both sides:
numbers, contractions, British/US spelling, punctuation; fillers excluded from
both sides), filler precision/recall/F1 by time (within
1 s or overlapping), pause F1 (IoU >= 0.5 with the true silences over 0.5 s),
words-per-minute error. Time: CPU seconds of this process (both cores count)
and wall seconds of the whole speech analysis (signal, pitch, recognition).
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from services.speech.adapters.models import model_path
from services.speech.adapters.whisper import WhisperTranscriber
from services.speech.audio import load_wav
from services.speech.config import Settings as SpeechSettings
from services.speech.handlers import analyze_samples
from services.speech.metrics import REFUSED
from services.speech.text import SINGLE_FILLERS, normalize
from tests.fixtures import speech as fx

CACHE = Path(tempfile.gettempdir()) / "mi-models"
_DEFAULTS = SpeechSettings.model_fields
PIPELINE: dict[str, Any] = {
    "model": _DEFAULTS["speech_model"].default,
    "prompt": _DEFAULTS["speech_disfluent_prompt"].default,
    "beam": _DEFAULTS["speech_beam_size"].default,
    "condense": True,
    "gaps": _DEFAULTS["speech_voiced_gaps"].default,
}
"""The service's defaults (``services/speech/config.py``; silences are always cut there)."""
STUDY: list[dict[str, Any]] = [
    {"model": "tiny.en"},
    {"prompt": False},
    {"gaps": False},
    {"condense": False},
    {"beam": 1},
    {"beam": 3},
]
"""Variants of the pipeline, each one setting changed."""


@functools.cache
def _normalizer() -> Callable[[str], str]:
    from whisper_normalizer.english import EnglishTextNormalizer

    return EnglishTextNormalizer()


def words_of(text_words: list[str]) -> list[str]:
    """Words to score: Whisper's English normaliser, then filler words dropped (the filler score counts them).

    The same for the reference and every system: numbers as digits ("three" and
    "3" agree), contractions expanded, British spellings made American,
    punctuation and hyphens gone.
    """
    return [w for w in _normalizer()(" ".join(text_words)).split() if w not in SINGLE_FILLERS]


def wer(ref: list[str], hyp: list[str]) -> tuple[int, int]:
    d = list(range(len(hyp) + 1))
    for i in range(1, len(ref) + 1):
        prev, d[0] = d[0], i
        for j in range(1, len(hyp) + 1):
            cur = min(d[j] + 1, d[j - 1] + 1, prev + (ref[i - 1] != hyp[j - 1]))
            prev, d[j] = d[j], cur
    return d[len(hyp)], len(ref)


def match(pred: list[dict], true: list[dict], ok: Callable[[dict, dict], bool]) -> tuple[int, int, int]:
    used: set[int] = set()
    tp = 0
    for p in pred:
        for i, t in enumerate(true):
            if i not in used and ok(p, t):
                used.add(i)
                tp += 1
                break
    return tp, len(pred) - tp, len(true) - tp


def filler_ok(p: dict, t: dict) -> bool:
    pc, tc = (p["start"] + p["end"]) / 2, (t["start"] + t["end"]) / 2
    return abs(pc - tc) <= 1.0 or (p["start"] < t["end"] + 0.3 and p["end"] > t["start"] - 0.3)


def pause_ok(p: dict, t: dict) -> bool:
    inter = max(0.0, min(p["end"], t["end"]) - max(p["start"], t["start"]))
    union = max(p["end"], t["end"]) - min(p["start"], t["start"])
    return union > 0 and inter / union >= 0.5


def f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    prec = tp / (tp + fp) if tp + fp else 1.0
    rec = tp / (tp + fn) if tp + fn else 1.0
    return prec, rec, 2 * prec * rec / (prec + rec) if prec + rec else 0.0


@dataclass
class Result:
    """What one system produced for one answer, in the report's terms."""

    words: list[str]
    fillers: list[dict[str, Any]]
    pauses: list[dict[str, Any]]
    wpm: float | None
    quality: list[str]


class Baseline:
    """A plain transcription script: Whisper base, a filler prompt, fillers = filler words, pauses = word gaps."""

    name = "baseline (whisper base, filler prompt, word gaps)"

    def __init__(self) -> None:
        from faster_whisper import WhisperModel

        self.model = WhisperModel(str(model_path("base", CACHE)), device="cpu", compute_type="int8", cpu_threads=2)

    def __call__(self, samples: np.ndarray) -> Result:
        segments, _ = self.model.transcribe(
            samples, language="en", word_timestamps=True, initial_prompt="Umm, let me think like, hmm... Uh, er, ah."
        )
        words = [w for s in segments for w in (s.words or [])]
        fillers = [{"start": w.start, "end": w.end} for w in words if normalize(w.word) in SINGLE_FILLERS]
        pauses = [{"start": a.end, "end": b.start} for a, b in itertools.pairwise(words) if b.start - a.end > 0.5]
        minutes = len(samples) / 16_000 / 60
        lexical = [w for w in words if normalize(w.word) not in SINGLE_FILLERS]
        return Result([w.word for w in words], fillers, pauses, len(lexical) / minutes if minutes else None, [])


class Pipeline:
    """The speech service's own analysis (``handlers.analyze_samples``) with one configuration."""

    def __init__(self, cfg: dict[str, Any]) -> None:
        self.cfg = cfg
        self.name = ", ".join(f"{k}={v}" for k, v in cfg.items() if PIPELINE.get(k) != v) or "pipeline (default)"
        self.asr = WhisperTranscriber(cfg["model"], CACHE, threads=2, prompt=cfg["prompt"], beam_size=cfg["beam"])

    def __call__(self, samples: np.ndarray) -> Result:
        r = analyze_samples(samples, self.asr, voiced_gaps=self.cfg["gaps"], condense=self.cfg["condense"])
        return Result(
            [w.word for w in r.words],
            [h.model_dump() for h in r.fillers],
            [p.model_dump() for p in r.pauses or ()],
            r.wpm,
            list(r.quality),
        )


@dataclass
class Totals:
    errors: int = 0
    ref_words: int = 0
    wpm_err: float = 0.0
    f: tuple[int, int, int] = (0, 0, 0)
    p: tuple[int, int, int] = (0, 0, 0)
    cpu_s: float = 0.0
    wall_s: float = 0.0
    audio_s: float = 0.0
    n: int = 0
    per_voice: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Word errors and reference words by voice: where the errors come from."""


def timed(system: Callable[[np.ndarray], Result], samples: np.ndarray) -> tuple[Result, float, float]:
    c0, t0 = time.process_time(), time.perf_counter()
    out = system(samples)
    return out, time.process_time() - c0, time.perf_counter() - t0


def evaluate(system: Callable[[np.ndarray], Result], paths: list[Path]) -> Totals:
    tot = Totals()
    for wav in paths:
        truth = json.loads(wav.with_suffix(".json").read_text())
        out, cpu, wall = timed(system, load_wav(wav))
        tot.cpu_s, tot.wall_s, tot.audio_s = tot.cpu_s + cpu, tot.wall_s + wall, tot.audio_s + truth["duration_s"]
        e, n = wer(words_of(truth["words"]), words_of(out.words))
        tot.errors, tot.ref_words = tot.errors + e, tot.ref_words + n
        done = tot.per_voice.get(truth["voice"], (0, 0))
        tot.per_voice[truth["voice"]] = (done[0] + e, done[1] + n)
        true_wpm = len(truth["words"]) / (truth["duration_s"] / 60)
        tot.wpm_err += abs((out.wpm or 0) - true_wpm) / true_wpm
        tot.f = _add(tot.f, match(out.fillers, truth["fillers"], filler_ok))
        tot.p = _add(tot.p, match(out.pauses, truth["pauses"], pause_ok))
        tot.n += 1
    return tot


def _add(a: tuple[int, int, int], b: tuple[int, int, int]) -> tuple[int, int, int]:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2])


def row(name: str, t: Totals) -> str:
    fp, fr, ff = f1(*t.f)
    pp, pr, pf = f1(*t.p)
    return (
        f"| {name} | {100 * t.errors / t.ref_words:.1f} % | {100 * t.wpm_err / t.n:.1f} % | "
        f"{fp:.2f} / {fr:.2f} / {ff:.2f} | {pp:.2f} / {pr:.2f} / {pf:.2f} | "
        f"{t.cpu_s / t.audio_s:.3f} | {t.wall_s / t.audio_s:.3f} |"
    )


def gates(system: Callable[[np.ndarray], Result], paths: list[Path]) -> list[str]:
    lines = ["| input | expected | flags raised | verdict |", "| --- | --- | --- | --- |"]
    for wav in paths:
        expect = json.loads(wav.with_suffix(".json").read_text())["expect"]
        quality = system(load_wav(wav)).quality
        refused = [f for f in quality if f in REFUSED]
        if wav.stem.startswith("refuse_"):
            ok = any(f in expect for f in refused)
            want = " or ".join(expect)
        else:
            ok = not refused and all(f in quality for f in expect)
            want = "scored" + (f" ({', '.join(expect)})" if expect else "")
        lines.append(f"| {wav.stem} | {want} | {', '.join(quality) or '-'} | {'ok' if ok else 'WRONG'} |")
    return lines


def long_answer_audio() -> tuple[np.ndarray, fx.Truth]:
    """One ~3.3-minute held-out answer over a faint noise floor (the speech benchmarks' long input)."""
    samples, truth = fx.build(fx.held_out_script(99, sentences=16) + fx.held_out_script(98, sentences=16), "en-us", 165)
    return fx.with_floor(samples, seed=99, level_dbfs=-60.0), truth


def long_answer(cfg: dict[str, Any], repeats: int) -> str:
    """The speech stage on one ~3-minute answer: wall and CPU seconds, median of ``repeats``."""
    samples, truth = long_answer_audio()
    system = Pipeline(cfg)
    runs = [timed(system, samples)[1:] for _ in range(repeats)]
    cpu = statistics.median(c for c, _ in runs)
    wall = statistics.median(w for _, w in runs)
    per3 = wall * 180 / truth.duration_s
    return (
        f"{truth.duration_s:.0f} s answer, {system.name}: wall {wall:.2f} s (median of {repeats}: "
        f"{', '.join(f'{w:.2f}' for _, w in runs)}), CPU {cpu:.2f} s; {per3:.2f} s per 3 minutes"
    )


def fixture_paths(kind: str, out: Path, count: int) -> tuple[list[Path], list[Path]]:
    folder = out / kind
    answers = sorted(folder.glob("answer_*.wav"))[:count]
    if len(answers) < count:
        if kind == "tune":
            fx.write_set(folder, count)
            for name, (samples, expect) in fx.gate_cases(held_out=False).items():
                fx.write_wav(folder / f"{name}.wav", samples)
                (folder / f"{name}.json").write_text(json.dumps({"expect": expect}))
        else:
            fx.write_held_out(folder, count)
        answers = sorted(folder.glob("answer_*.wav"))[:count]
    cases = sorted([*folder.glob("refuse_*.wav"), *folder.glob("accept_*.wav")])
    return answers, cases


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", choices=("held-out", "tune"), default="held-out")
    parser.add_argument("--count", type=int, default=8)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "mi-speech-fixtures")
    parser.add_argument("--study", action="store_true", help="also each pipeline variant in STUDY")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--set-option", action="append", default=[], help="override a pipeline option, k=v")
    parser.add_argument("--long", type=int, default=0, metavar="N", help="time a 3-minute answer N times")
    args = parser.parse_args()
    cfg = dict(PIPELINE)
    for kv in args.set_option:
        k, v = kv.split("=", 1)
        cfg[k] = v if k == "model" else json.loads(v)
    answers, cases = fixture_paths(args.set, args.out, args.count)
    audio = sum(json.loads(p.with_suffix(".json").read_text())["duration_s"] for p in answers)
    print(f"{args.set}: {len(answers)} answers, {audio:.0f} s of audio")
    print("| system | WER | WPM error | filler P / R / F1 | pause P / R / F1 | CPU s per s | wall s per s |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    if not args.no_baseline:
        print(row(Baseline.name, evaluate(Baseline(), answers)), flush=True)
    pipeline = Pipeline(cfg)
    totals = evaluate(pipeline, answers)
    print(row(pipeline.name, totals), flush=True)
    for variant in STUDY if args.study else []:
        system = Pipeline(cfg | variant)
        print(row(system.name, evaluate(system, answers)), flush=True)
    by_voice = ", ".join(f"{v} {100 * e / n:.1f} %" for v, (e, n) in totals.per_voice.items())
    print(f"\nWER per voice, {pipeline.name}: {by_voice}")
    if cases:
        print()
        print("\n".join(gates(pipeline, cases)))
    if args.long:
        print(long_answer(cfg, args.long))


if __name__ == "__main__":
    main()
