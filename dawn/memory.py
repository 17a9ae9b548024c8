"""glibc's malloc, tuned for the two kinds of process here (glibc only; elsewhere nothing happens).

    from dawn.memory import limit_heap_growth, reuse_freed_memory
    limit_heap_growth()          # the app: first thing in app.py, before any thread starts
    reuse_freed_memory()         # training: first thing in training.train

Training is the opposite case (below): the same few large tensors are allocated and freed at every step.

Why: the app answers requests on a pool of threads, and glibc gives each new thread its own heap ("arena",
up to 8 per core) and keeps freed blocks of every heap for reuse instead of returning them to the system.
Tensors of every size come and go with each request, so resident memory grows with the number of requests.
Two settings bound that:

    M_ARENA_MAX = 2          at most 2 heaps (the CPU has 2 cores: at most 2 translations run at once)
    M_MMAP_THRESHOLD = 128 KB   blocks at least this big (tensors) get their own mapping, handed back on free;
                                fixing it also stops glibc from raising it (to 32 MB) after large frees

lab/benchmarks/page.py records the app's memory after 200 /translate calls (rss_mb in
checkpoints/page_benchmark.json; tests/test_memory.py checks that the heaps are bounded). The settings are the
MALLOC_ARENA_MAX / MALLOC_MMAP_THRESHOLD_ environment variables, set from inside: `python app.py` and the Space
need no wrapper.
"""

from __future__ import annotations

import ctypes
import ctypes.util

M_TRIM_THRESHOLD = -1    # mallopt parameter numbers, from glibc's <malloc.h>
M_TOP_PAD = -2
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
ARENAS = 2
MMAP_THRESHOLD = 128 * 1024


def _mallopt():
    """glibc's mallopt(param, value) -> 1 on success; None on a C library without it (macOS, musl)."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
        libc.gnu_get_libc_version           # only glibc has it: its mallopt numbers are the ones above
    except (OSError, AttributeError, TypeError):
        return None
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return mallopt


# Training: every step allocates and frees the same activations and gradients (tens of MB). By default glibc
# maps each block over its mmap threshold afresh and returns it on free, so every step pays page faults
# for memory it just gave back. These settings keep freed memory in the heap for the next step:
#     mmap threshold 32 MB (glibc's maximum): blocks below it come from the heap, which is reused
#     trim threshold 2 GB: the heap's free top is not handed back to the system after each step
#     top pad 256 MB: the heap grows in large steps (fewer system calls)
# Measured (lab.benchmarks.speed's data-parallel worker, `--dp-malloc glibc|training`: 2 processes x 1 thread, the
# LSTM with attention's final size, 20 steps, three alternating runs each, Intel Xeon with AVX-512 bf16, with
# other work on the machine): 790, 839, 802 target tokens per CPU-second with glibc's defaults, 810, 822, 829
# with these (+1%: within the runs' noise, not the +6-7% an earlier session reported). Kept: it costs nothing.
TRAIN_MMAP_THRESHOLD = 32 * 1024 * 1024
TRAIN_TRIM_THRESHOLD = 2 * 1024 * 1024 * 1024 - 1     # mallopt takes an int: at most 2^31 - 1
TRAIN_TOP_PAD = 256 * 1024 * 1024


def reuse_freed_memory() -> dict | None:
    """Apply the training settings above; -> what was set (training.json records it), None where glibc is absent
    or refused one of them."""
    mallopt = _mallopt()
    if mallopt is None:
        return None
    settings = {"mmap_threshold": (M_MMAP_THRESHOLD, TRAIN_MMAP_THRESHOLD),
                "trim_threshold": (M_TRIM_THRESHOLD, TRAIN_TRIM_THRESHOLD), "top_pad": (M_TOP_PAD, TRAIN_TOP_PAD)}
    if not all(mallopt(param, value) for param, value in settings.values()):
        return None
    return {name: value for name, (_, value) in settings.items()}


def limit_heap_growth(arenas: int = ARENAS, mmap_threshold: int = MMAP_THRESHOLD) -> bool:
    """Apply both settings; True when glibc took them, False on a C library without mallopt (macOS, musl)."""
    mallopt = _mallopt()
    if mallopt is None:
        return False
    return bool(mallopt(M_ARENA_MAX, arenas)) and bool(mallopt(M_MMAP_THRESHOLD, mmap_threshold))
