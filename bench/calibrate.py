"""Agreement of our content scores with human ratings, for a calibration set.

    .venv/bin/python -m bench.calibrate RATINGS.jsonl [--low 1 --high 5] [--level mid]

Each line: {"question": "<bank question text>", "transcript": "...", "rating": 1-5}
(optionally "level"). Prints Spearman's rho between our content scores and
the ratings, and the quadratic-weighted kappa after mapping our 0-100 scores
onto the rating scale. No such set exists in this repository yet
(docs/scoring.md, "What is validated").
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from runtime.embeddings import shared_minilm
from services.feedback.calibration import quadratic_weighted_kappa, spearman, to_scale
from services.feedback.content import EmbeddingJudge
from services.feedback.spans import spans_from_text
from services.questions.adapters.bank import QuestionBank


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("ratings", type=Path)
    parser.add_argument("--low", type=int, default=1)
    parser.add_argument("--high", type=int, default=5)
    parser.add_argument("--level", default="mid")
    args = parser.parse_args()
    bank, judge = QuestionBank.load(), EmbeddingJudge(shared_minilm())
    ours, theirs = [], []
    for line in args.ratings.read_text().splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        entry = bank.find(row["question"])
        if entry is None:
            raise SystemExit(f"not a bank question: {row['question']!r}")
        a = judge.assess(spans_from_text(row["transcript"]), entry.question(0, "{role}"), row.get("level", args.level))
        ours.append(a.score or 0.0)
        theirs.append(int(row["rating"]))
    print(f"answers: {len(ours)}")
    print(f"Spearman rho: {spearman(ours, theirs):.3f}")
    scaled = [to_scale(s, args.low, args.high) for s in ours]
    print(f"quadratic-weighted kappa: {quadratic_weighted_kappa(scaled, theirs, args.low, args.high):.3f}")


if __name__ == "__main__":
    main()
