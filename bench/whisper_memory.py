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
import os
import subprocess
import sys
import time
from pathlib import Path

SIZES = (8, 4, 2)
MB = 1024 * 1024


def one(batch: int) -> dict[str, float]:
    import numpy as np

    import services.speech.adapters.whisper as whisper
    from bench.pipeline import proc_status
    from bench.speech_eval import long_answer_audio
    from runtime import tuning
    from services.speech.config import Settings

    whisper.BATCH_SIZE = batch
    tuning.cap_malloc_arenas(2)
    samples, truth = long_answer_audio()
    recogniser = whisper.WhisperTranscriber("base", Settings().model_cache_dir, 2, True)
    tuning.trim_heap()
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    before = proc_status(os.getpid(), "VmRSS")
    cpu0 = time.process_time()
    transcript = recogniser.transcribe(samples.astype(np.float32))
    cpu = time.process_time() - cpu0
    return {
        "batch": batch,
        "audio_s": round(truth.duration_s, 1),
        "peak_above_model_mb": (proc_status(os.getpid(), "VmHWM") - before) // MB,
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
