"""Benchmark: the memory peak of one transcription by the speech service's recogniser, per batch size.

    .venv/bin/python -m bench.whisper_memory                 # 8, 4 and 2 windows per batch
    .venv/bin/python -m bench.whisper_memory --batch 4       # one size

Each size runs in a process of its own (a peak cannot be un-reached): Whisper
base loads, the heap is trimmed, the high-water mark is reset, then the same
~3.3-minute espeak-ng answer as ``bench.speech_eval --long`` is transcribed
with beam 5. Reports the peak above the loaded model (VmHWM after minus VmRSS
before), CPU seconds of the process (both cores count) and words decoded.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

SIZES = (8, 4, 2)


def status_mb() -> dict[str, int]:
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) // 1024
    return fields


def one(batch: int) -> dict[str, float]:
    import numpy as np

    import services.speech.adapters.whisper as whisper
    from runtime import tuning
    from services.speech.config import Settings
    from tests.fixtures import speech as fx

    whisper.BATCH_SIZE = batch
    tuning.cap_malloc_arenas(2)
    samples, truth = fx.build(fx.held_out_script(99, sentences=16) + fx.held_out_script(98, sentences=16), "en-us", 165)
    samples = fx.with_floor(samples, seed=99, level_dbfs=-60.0).astype(np.float32)
    recogniser = whisper.WhisperTranscriber("base", Settings().model_cache_dir, 2, True)
    tuning.trim_heap()
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    before = status_mb()["VmRSS"]
    cpu0 = time.process_time()
    transcript = recogniser.transcribe(samples)
    cpu = time.process_time() - cpu0
    return {
        "batch": batch,
        "audio_s": round(truth.duration_s, 1),
        "peak_above_model_mb": status_mb()["VmHWM"] - before,
        "cpu_s": round(cpu, 1),
        "words": sum(len(s.words) for s in transcript.segments),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=int, help="one size, in this process")
    args = parser.parse_args()
    if args.batch:
        print(json.dumps(one(args.batch)))
        return
    print("| windows per batch | peak above the model | CPU s | words |")
    print("| --- | --- | --- | --- |")
    for size in SIZES:
        out = subprocess.run(
            [sys.executable, "-m", "bench.whisper_memory", "--batch", str(size)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        r = json.loads(out.strip().splitlines()[-1])
        print(f"| {size} | {r['peak_above_model_mb']} MB | {r['cpu_s']} | {r['words']} ({r['audio_s']} s of audio) |")


if __name__ == "__main__":
    main()
