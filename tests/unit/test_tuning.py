"""Process tuning: BLAS threads capped, malloc arenas capped, heap trimmed."""

import ctypes

import numpy as np

from runtime import tuning


def test_blas_threads_are_set_on_the_loaded_openblas():
    np.ones((64, 64)) @ np.ones((64, 64))  # OpenBLAS is loaded by now
    libraries = tuning._loaded_openblas()
    assert libraries, "numpy's OpenBLAS is not mapped"
    assert tuning.limit_blas_threads(1) == len(libraries)
    lib = ctypes.CDLL(libraries[0])
    getter = getattr(lib, "openblas_get_num_threads64_", None) or getattr(lib, "openblas_get_num_threads", None)
    getter = getter or lib.scipy_openblas_get_num_threads
    assert getter() == 1
    assert tuning.limit_blas_threads(0) == 0  # 0: leave it alone


def test_malloc_arenas_and_trim_on_glibc():
    assert tuning.cap_malloc_arenas(2) is True
    assert tuning.cap_malloc_arenas(0) is False
    assert isinstance(tuning.trim_heap(), bool)


async def test_heap_trimming_runs_in_the_background_and_stops(monkeypatch):
    import asyncio

    calls = []
    monkeypatch.setattr(tuning, "trim_heap", lambda: calls.append(1) or True)
    async with tuning.keep_heap_trimmed(interval_s=0.01):
        await asyncio.sleep(0.1)
    assert calls
    stopped = len(calls)
    await asyncio.sleep(0.05)
    assert len(calls) == stopped
