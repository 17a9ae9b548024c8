"""The machine a benchmark ran on, recorded beside its figures (the same recipe runs ~1.6x longer on a
CPU without AVX-512 bf16, and every timing moves with the machine's load).

    from training.machine import cpu_model
    cpu_model()          # "AMD EPYC" (the model name in /proc/cpuinfo), else what platform knows
"""

from __future__ import annotations

import platform
from pathlib import Path


def cpu_model() -> str:
    """The CPU's model name (/proc/cpuinfo on Linux), else what platform knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"
