"""Agreement with human raters, for when a calibration set exists (docs/scoring.md).

No human-rated interviews exist on the machines this project is built on, so
the scoring is validated by ordering (tests/validation). With a set of answers
rated by interviewers, these two numbers say how far our scores agree:
Spearman's rank correlation (do we order answers as they do?) and the
quadratic-weighted kappa on the rating scale (do we give the same grade,
penalising big disagreements most?).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _ranks(x: np.ndarray) -> np.ndarray:
    """Average ranks (ties share the mean of their positions), 1-based."""
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(len(x), float)
    sorted_x = x[order]
    i = 0
    while i < len(x):
        j = i
        while j + 1 < len(x) and sorted_x[j + 1] == sorted_x[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(a: Sequence[float], b: Sequence[float]) -> float:
    """Spearman's rho: the Pearson correlation of the ranks (ties averaged)."""
    x, y = np.asarray(a, float), np.asarray(b, float)
    if len(x) != len(y) or len(x) < 2:
        raise ValueError("need two equally long sequences of at least 2 values")
    rx, ry = _ranks(x), _ranks(y)
    rx, ry = rx - rx.mean(), ry - ry.mean()
    denom = float(np.sqrt((rx**2).sum() * (ry**2).sum()))
    return float((rx * ry).sum() / denom) if denom else 0.0


def quadratic_weighted_kappa(a: Sequence[int], b: Sequence[int], low: int, high: int) -> float:
    """Cohen's kappa with quadratic weights between two ratings on the integer scale ``low..high``."""
    x, y = np.asarray(a, int), np.asarray(b, int)
    if len(x) != len(y) or not len(x):
        raise ValueError("need two equally long, non-empty sequences")
    if x.min() < low or y.min() < low or x.max() > high or y.max() > high:
        raise ValueError(f"ratings must lie in {low}..{high}")
    n = high - low + 1
    observed = np.zeros((n, n))
    for i, j in zip(x - low, y - low, strict=True):
        observed[i, j] += 1
    expected = np.outer(observed.sum(1), observed.sum(0)) / len(x)
    idx = np.arange(n)
    weights = (idx[:, None] - idx[None, :]) ** 2 / (n - 1) ** 2
    denom = float((weights * expected).sum())
    return 1.0 - float((weights * observed).sum()) / denom if denom else 1.0


def to_scale(score: float, low: int = 1, high: int = 5) -> int:
    """A 0-100 score on an interviewer's ``low..high`` scale (equal-width bins)."""
    bins = high - low + 1
    return low + min(int(score / 100 * bins), bins - 1)
