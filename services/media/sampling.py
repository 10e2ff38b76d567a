"""Which frames to decode: keyframes where they are dense enough, exact seeks in long gaps.

Decoding only keyframes is cheap (no reference chain); browsers' MediaRecorder
emits one about every 100 frames (~3.3 s at 30 fps), which is already close to
the 2-3 s spacing wanted. Where keyframes are sparser (long-GOP encoders),
frames at exact times fill the gaps; they cost a decode from the preceding
keyframe, so they are only used there.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SamplePlan:
    """Frame times to capture, and for exact targets the keyframe to decode from."""

    keyframes: tuple[float, ...]
    """Keyframe times to capture as they are."""
    exact: tuple[float, ...]
    """Times to capture by decoding from the previous keyframe."""
    windows: dict[float, float] = field(default_factory=dict)
    """Exact target -> start of its GOP (the keyframe time to begin decoding at)."""

    @property
    def times(self) -> list[float]:
        return sorted((*self.keyframes, *self.exact))


def plan_samples(
    keyframe_times: list[float],
    duration_s: float,
    interval_s: float = 2.5,
    min_spacing_s: float = 2.0,
    max_gap_s: float = 3.5,
) -> SamplePlan:
    """Choose frames about every ``interval_s`` seconds.

    Keyframes at least ``min_spacing_s`` apart are taken as they come; any gap
    longer than ``max_gap_s`` between chosen frames (or the clip's ends) gets
    exact targets every ``interval_s``.
    """
    keys = sorted(t for t in keyframe_times if 0 <= t <= duration_s)
    chosen: list[float] = []
    for t in keys:
        if not chosen or t - chosen[-1] >= min_spacing_s:
            chosen.append(t)

    exact: list[float] = []
    # Gaps are measured against the clip's ends too: no long uncovered stretch
    # at the start or the end of an answer.
    bounds = [-interval_s / 2, *chosen, duration_s + interval_s / 2]
    for a, b in itertools.pairwise(bounds):
        if b - a <= max_gap_s:
            continue
        t = a + interval_s
        while t < b - min_spacing_s / 2 and t < duration_s:
            exact.append(round(max(t, 0.0), 3))
            t += interval_s

    windows = {}
    for t in exact:
        i = bisect.bisect_right(keys, t) - 1
        windows[t] = keys[i] if i >= 0 else 0.0
    return SamplePlan(tuple(chosen), tuple(exact), windows)
