"""Process-wide native tuning: thread pools that do not oversubscribe the cores, and a heap that gives memory back.

Called once by the CLI before services start (``mockinterview up`` and
``mockinterview service``); nothing happens at import time.

- **BLAS threads.** numpy's OpenBLAS starts one thread per core and spins
  while it waits for work. Its only users here are small matrix products
  (MiniLM in feedback and questions, a few per answer), which run beside
  Whisper's and MediaPipe's own threads: with a second BLAS thread the same
  embedding cost ~30 % more CPU seconds (bench.pipeline timeline, measured on 2
  cores), so one thread by default (``MI_BLAS_THREADS``).
- **malloc arenas.** glibc gives every thread that allocates its own arena
  (up to 8 per core) and keeps freed memory in it. Worker threads that decode
  audio and frames of different answers then each hold their high-water mark.
  ``MI_MALLOC_ARENA_MAX`` (2 by default) caps the arenas, and
  :func:`trim_heap` hands free pages back to the system after heavy work.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
from collections.abc import AsyncIterator
from pathlib import Path

from runtime.logging import get_logger
from runtime.tasks import background

log = get_logger(__name__)

M_ARENA_MAX = -8  # glibc's mallopt parameter number (malloc.h)


def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def cap_malloc_arenas(arenas: int) -> bool:
    """Limit glibc to ``arenas`` malloc arenas (0: leave glibc's default). False where not glibc."""
    libc = _libc()
    if arenas <= 0 or libc is None:
        return False
    return bool(libc.mallopt(M_ARENA_MAX, arenas))


def trim_heap() -> bool:
    """Return free heap pages to the system (glibc ``malloc_trim``); False where unavailable."""
    libc = _libc()
    return bool(libc.malloc_trim(0)) if libc is not None else False


def _loaded_openblas() -> list[str]:
    """Paths of the OpenBLAS libraries this process has mapped (numpy's wheel bundles its own)."""
    seen: list[str] = []
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return seen
    for line in maps.splitlines():
        path = line.split(maxsplit=5)[-1] if line.count(" ") >= 5 else ""
        if "openblas" in Path(path).name.lower() and path not in seen:
            seen.append(path)
    return seen


def limit_blas_threads(threads: int) -> int:
    """Set the thread count of every loaded OpenBLAS; returns how many libraries took it (0: leave as is)."""
    if threads <= 0:
        return 0
    import numpy  # noqa: F401  # loads the BLAS whose pool is set below

    done = 0
    for path in _loaded_openblas():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for symbol in ("openblas_set_num_threads64_", "openblas_set_num_threads", "scipy_openblas_set_num_threads"):
            setter = getattr(lib, symbol, None)
            if setter is not None:
                setter(ctypes.c_int(threads))
                done += 1
                break
    return done


def tune_process(blas_threads: int, malloc_arena_max: int) -> None:
    """Apply both, once, before any service starts its threads."""
    arenas = cap_malloc_arenas(malloc_arena_max)
    blas = limit_blas_threads(blas_threads)
    log.info("process.tuned", blas_threads=blas_threads, blas_libraries=blas, malloc_arenas_capped=arenas)


@contextlib.asynccontextmanager
async def keep_heap_trimmed(interval_s: float = 5.0) -> AsyncIterator[None]:
    """While the context runs, trim the heap every ``interval_s`` (a few ms each, in a worker thread)."""

    async def loop() -> None:
        while True:
            await asyncio.sleep(interval_s)
            await asyncio.to_thread(trim_heap)

    async with background(loop(), "trim-heap"):
        yield
