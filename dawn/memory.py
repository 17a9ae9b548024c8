"""Keep a long-running server's memory from creeping up (glibc's malloc only; elsewhere nothing happens).

    from dawn.memory import limit_heap_growth
    limit_heap_growth()          # first thing in app.py, before any thread starts

Why: the app answers requests on a pool of threads, and glibc gives each new thread its own heap ("arena",
up to 8 per core) and keeps freed blocks of every heap for reuse instead of returning them to the system.
Tensors of every size come and go with each request, so resident memory grows with the number of requests.
Two settings bound that:

    M_ARENA_MAX = 2          at most 2 heaps (the CPU has 2 cores: at most 2 translations run at once)
    M_MMAP_THRESHOLD = 128 KB   blocks at least this big (tensors) get their own mapping, handed back on free;
                                fixing it also stops glibc from raising it (to 32 MB) after large frees

training/bench_page.py records the app's memory after 200 /translate calls (rss_mb in
checkpoints/page_benchmark.json; tests/test_memory.py checks that the heaps are bounded). The settings are the
MALLOC_ARENA_MAX / MALLOC_MMAP_THRESHOLD_ environment variables, set from inside: `python app.py` and the Space
need no wrapper.
"""

from __future__ import annotations

import ctypes
import ctypes.util

M_MMAP_THRESHOLD = -3    # mallopt parameter numbers, from glibc's <malloc.h>
M_ARENA_MAX = -8
ARENAS = 2
MMAP_THRESHOLD = 128 * 1024


def limit_heap_growth(arenas: int = ARENAS, mmap_threshold: int = MMAP_THRESHOLD) -> bool:
    """Apply both settings; True when glibc took them, False on a C library without mallopt (macOS, musl)."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
        libc.gnu_get_libc_version           # only glibc has it: its mallopt numbers are the ones above
    except (OSError, AttributeError, TypeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_ARENA_MAX, arenas)) and bool(mallopt(M_MMAP_THRESHOLD, mmap_threshold))
