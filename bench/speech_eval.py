"""Speech evaluation on synthetic answers with known truth: WER, WPM error, filler and pause F1, RTF.

    .venv/bin/python -m bench.speech_eval [--count 8] [--out DIR]

Fixtures: tests/fixtures/speech.py (espeak-ng voices and rates, fillers and
pauses at known times). Configurations compare Whisper tiny.en and base, with
and without the disfluent prompt and voiced-gap detection. Timing: wall
seconds of the whole analysis (ASR + signal + pitch) on this machine.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from services.speech.adapters.whisper import WhisperTranscriber
from services.speech.audio import load_wav
from services.speech.handlers import analyze_samples
from services.speech.text import SINGLE_FILLERS, normalize
from tests.fixtures import speech as fx

DIGITS = {
    "0": "zero",
    "1": "one",
    "2": "two",
    "3": "three",
    "4": "four",
    "5": "five",
    "6": "six",
    "7": "seven",
    "8": "eight",
    "9": "nine",
    "10": "ten",
}
CONFIGS = [
    ("tiny.en", False, False),
    ("tiny.en", True, False),
    ("tiny.en", True, True),
    ("base", False, False),
    ("base", True, True),
]


def words_of(text_words: list[str]) -> list[str]:
    out = []
    for w in text_words:
        for part in re.split(r"[-\s]+", w):
            n = normalize(part)
            n = DIGITS.get(n, n)
            if n and n not in SINGLE_FILLERS:
                out.append(n)
    return out


def wer(ref: list[str], hyp: list[str]) -> tuple[int, int]:
    d = list(range(len(hyp) + 1))
    for i in range(1, len(ref) + 1):
        prev, d[0] = d[0], i
        for j in range(1, len(hyp) + 1):
            cur = min(d[j] + 1, d[j - 1] + 1, prev + (ref[i - 1] != hyp[j - 1]))
            prev, d[j] = d[j], cur
    return d[len(hyp)], len(ref)


def match(pred: list[dict], true: list[dict], ok) -> tuple[int, int, int]:
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


@dataclass
class Totals:
    errors: int = 0
    ref_words: int = 0
    wpm_err: float = 0.0
    f: tuple[int, int, int] = (0, 0, 0)
    p: tuple[int, int, int] = (0, 0, 0)
    seconds: float = 0.0
    audio_s: float = 0.0
    n: int = 0

    def add(self, other_f, other_p) -> None:
        self.f = tuple(a + b for a, b in zip(self.f, other_f, strict=True))  # type: ignore[assignment]
        self.p = tuple(a + b for a, b in zip(self.p, other_p, strict=True))  # type: ignore[assignment]


def f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    prec = tp / (tp + fp) if tp + fp else 1.0
    rec = tp / (tp + fn) if tp + fn else 1.0
    return prec, rec, 2 * prec * rec / (prec + rec) if prec + rec else 0.0


def evaluate(paths: list[Path], model: str, prompt: bool, gaps: bool) -> Totals:
    asr = WhisperTranscriber(model, Path(tempfile.gettempdir()) / "mi-models", threads=2, prompt=prompt)
    tot = Totals()
    for wav in paths:
        truth = json.loads(wav.with_suffix(".json").read_text())
        samples = load_wav(wav)
        t0 = time.perf_counter()
        report = analyze_samples(samples, asr, voiced_gaps=gaps)
        tot.seconds += time.perf_counter() - t0
        tot.audio_s += truth["duration_s"]
        e, n = wer(words_of(truth["words"]), words_of([w["word"] for w in report.words]))
        tot.errors, tot.ref_words = tot.errors + e, tot.ref_words + n
        true_wpm = len(truth["words"]) / (truth["duration_s"] / 60)
        tot.wpm_err += abs((report.wpm or 0) - true_wpm) / true_wpm
        tot.add(
            match(report.fillers, truth["fillers"], filler_ok), match(report.pauses or [], truth["pauses"], pause_ok)
        )
        tot.n += 1
    return tot


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=8)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "mi-speech-fixtures")
    parser.add_argument("--long", action="store_true", help="also time one 3-minute answer")
    parser.add_argument("--only", default="", help="run configurations whose label contains this, e.g. tiny.en")
    args = parser.parse_args()
    paths = sorted(args.out.glob("answer_*.wav"))[: args.count]
    if len(paths) < args.count:
        paths = fx.write_set(args.out, args.count)
    audio = sum(json.loads(p.with_suffix(".json").read_text())["duration_s"] for p in paths)
    print(f"{len(paths)} answers, {audio:.0f} s of audio, voices {sorted({v for v, _ in fx.VOICES})}")
    print("| model | disfluent prompt | voiced gaps | WER | WPM error | filler P / R / F1 | pause P / R / F1 | RTF |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for model, prompt, gaps in CONFIGS:
        if args.only and args.only not in f"{model}/{prompt}/{gaps}":
            continue
        t = evaluate(paths, model, prompt, gaps)
        fp, fr, ff = f1(*t.f)
        pp, pr, pf = f1(*t.p)
        print(
            f"| {model} | {'yes' if prompt else 'no'} | {'yes' if gaps else 'no'} | "
            f"{100 * t.errors / t.ref_words:.1f} % | {100 * t.wpm_err / t.n:.1f} % | "
            f"{fp:.2f} / {fr:.2f} / {ff:.2f} | {pp:.2f} / {pr:.2f} / {pf:.2f} | {t.seconds / t.audio_s:.3f} |"
        )
    if args.long:
        samples, truth = fx.build(fx.random_script(99, sentences=36))
        asr = WhisperTranscriber("tiny.en", Path(tempfile.gettempdir()) / "mi-models", threads=2)
        t0 = time.perf_counter()
        analyze_samples(samples, asr)
        print(f"3-minute answer ({truth.duration_s:.0f} s), tiny.en, full analysis: {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
