"""The scoring validation set, scored as the feedback service scores it: the tables in the README.

    .venv/bin/python -m bench.scoring_validation            # transcripts (MiniLM only, about 15 CPU-s)
    .venv/bin/python -m bench.scoring_validation --spoken   # also spoken by espeak-ng, through Whisper (~100 CPU-s)

Each cell is content / overall. The answers and the order they must keep are
in tests/fixtures/answers.py; tests/validation asserts the order.
"""

from __future__ import annotations

import argparse
import statistics
import time

from runtime.embeddings import shared_minilm
from services.feedback.content import EmbeddingJudge
from tests.fixtures.answers import KINDS
from tests.validation.runs import Result, spoken_results, table, text_results


def _distribution(results: list[Result], category: str) -> str:
    values = sorted(v for r in results if (v := getattr(r.card.scores, category)) is not None)
    if not values:
        return f"{category}: not measured"
    return (
        f"{category} over {len(values)} answers: min {values[0]:.0f}, median {statistics.median(values):.0f}, "
        f"max {values[-1]:.0f}; at 100: {sum(v >= 100 for v in values)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spoken", action="store_true", help="also speak the answers and transcribe them")
    args = parser.parse_args()
    judge = EmbeddingJudge(shared_minilm())
    started = time.process_time()
    text = text_results(judge, extra=True)
    print(f"## Transcripts ({time.process_time() - started:.0f} CPU-s)\n")
    print(table(text, (*KINDS, "salad", "padded")))
    if args.spoken:
        started = time.process_time()
        spoken = spoken_results(judge)
        print(f"\n## Spoken by espeak-ng, transcribed by Whisper tiny.en ({time.process_time() - started:.0f} CPU-s)\n")
        print(table(spoken, KINDS))
        print()
        for category in ("confidence", "communication", "overall"):
            print(f"- {_distribution(spoken, category)}")


if __name__ == "__main__":
    main()
