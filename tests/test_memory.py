"""dawn/memory.py: glibc's heaps are bounded in the app's process (checked in a fresh process: the settings are
process-wide and must come before threads start)."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

import dawn.memory
from dawn.memory import ARENAS

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt settings are glibc's")

# 8 threads each hold 100 KB blocks (below the mmap threshold, so they come from a thread's heap), then glibc's
# malloc_stats() prints one "Arena N:" paragraph per heap to stderr
THREADS = """
import ctypes, importlib.util, sys, threading
spec = importlib.util.spec_from_file_location("memory", sys.argv[2])   # the file alone: no torch to import
memory = importlib.util.module_from_spec(spec); spec.loader.exec_module(memory)
applied = memory.limit_heap_growth() if sys.argv[1] == "limited" else None
barrier, held = threading.Barrier(8), []
def work():
    blocks = [bytearray(100_000) for _ in range(20)]
    barrier.wait()                      # all 8 threads allocate at the same time: each would get its own heap
    held.append(blocks)
threads = [threading.Thread(target=work) for _ in range(8)]
[t.start() for t in threads]; [t.join() for t in threads]
print(applied)
ctypes.CDLL(None).malloc_stats()
"""


def _arenas(mode: str) -> tuple[str, int]:
    out = subprocess.run([sys.executable, "-c", THREADS, mode, dawn.memory.__file__], capture_output=True, text=True, timeout=60, check=True)
    return out.stdout.strip(), sum(line.startswith("Arena ") for line in out.stderr.splitlines())


def test_the_heaps_are_bounded_to_the_cores_in_the_apps_process():
    applied, limited = _arenas("limited")
    assert applied == "True"
    assert 1 <= limited <= ARENAS
    _, unlimited = _arenas("default")           # the same threads without the setting: more heaps
    assert unlimited > ARENAS


def test_app_py_applies_it_before_importing_gradio():
    from pathlib import Path

    source = (Path(__file__).resolve().parents[1] / "app.py").read_text(encoding="utf-8")
    assert source.index("limit_heap_growth()") < source.index("import gradio")
