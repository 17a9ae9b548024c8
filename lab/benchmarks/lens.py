"""Benchmark the training-data lens (/lookup): the first lookup (the index is read then), the memory it takes,
and the time of one lookup over the story's spans, against the issue's line of 50 ms (median).

    python -m lab.benchmarks.lens                      # -> checkpoints/lens_benchmark.json
    python -m lab.benchmarks.lens --repeats 3 --out /tmp/lens.json

The spans: every stretch of one to four characters of the story sentence that holds a Chinese character
(side "zh"), and every word of its reference translation (side "en"): what a visitor can tap. Each is
looked up as /lookup does it (ui.lens: checks, find, counts, the five shortest examples and their spans).
The issue's counts (爬山, 放晴, 矿泉水, 苏小雨, 矿, 猫) are recorded beside the timings.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import time
from pathlib import Path

from dawn.story import STORY_REFERENCE, STORY_SENTENCE, WHITEBOARD_SENTENCE
from training.machine import cpu_model
from ui.inputs import is_cjk
from ui.lens import DEFAULT_FOLDER, Lens

ROOT = Path(__file__).resolve().parents[2]  # the repository
LIMIT_MS = 50                                # the issue's line: median lookup over the story's spans
MAX_SPAN = 4                                 # characters per Chinese span
ISSUE_WORDS = ["爬山", "放晴", "矿泉水", "苏小雨", "矿", "猫", "老鼠"]  # the issue's examples, the whiteboard's 猫追老鼠


def story_spans() -> list[tuple[str, str]]:
    """(text, side) for every Chinese span of 1..MAX_SPAN characters with a Chinese character, and every English
    word of the reference, each once."""
    zh = {STORY_SENTENCE[i:i + n] for n in range(1, MAX_SPAN + 1) for i in range(len(STORY_SENTENCE) - n + 1)}
    en = set(re.findall(r"[A-Za-z']+", STORY_REFERENCE))
    return [(s, "zh") for s in sorted(zh) if any(is_cjk(ch) for ch in s)] + [(w, "en") for w in sorted(en)]


def rss_mb() -> float:
    """This process's resident memory (Linux /proc), in MB."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def summary(ms: list[float]) -> dict:
    ordered = sorted(ms)
    return {"n": len(ms), "median_ms": round(statistics.median(ms), 2),
            "p90_ms": round(ordered[int(0.9 * (len(ordered) - 1))], 2), "max_ms": round(max(ms), 2)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lens", type=Path, default=DEFAULT_FOLDER, help="the lens folder (python -m training.lens)")
    ap.add_argument("--out", type=Path, default=ROOT / "checkpoints" / "lens_benchmark.json")
    ap.add_argument("--repeats", type=int, default=5, help="lookups per span; the span's time is their median")
    args = ap.parse_args(argv)
    lens = Lens(args.lens)
    load_before, rss_before = os.getloadavg()[0], rss_mb()
    t0 = time.perf_counter()
    first = lens.lookup(WHITEBOARD_SENTENCE[0], "zh")                 # reads the index
    first_ms = (time.perf_counter() - t0) * 1000
    rss_after = rss_mb()
    per_span = {"zh": [], "en": []}
    slowest = ("", 0.0)
    for text, side in story_spans():
        runs = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            lens.lookup(text, side)
            runs.append((time.perf_counter() - t) * 1000)
        ms = statistics.median(runs)
        per_span[side].append(ms)
        slowest = max(slowest, (f"{text} ({side})", ms), key=lambda s: s[1])
    every = per_span["zh"] + per_span["en"]
    report = {
        "sentence": STORY_SENTENCE, "lens": str(args.lens.resolve().relative_to(ROOT)
                                                if args.lens.resolve().is_relative_to(ROOT) else args.lens),
        "pairs": first["pairs"], "limit_ms": LIMIT_MS,
        "machine": f"{cpu_model()}, {os.cpu_count()} CPUs",
        # other jobs on a shared machine inflate every time: the 1-minute load before and after
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "first_lookup_ms": round(first_ms, 1),                        # reading the index included
        "index_rss_mb": round(rss_after - rss_before, 1),             # what the index adds to the process
        "spans": summary(every), "zh_spans": summary(per_span["zh"]), "en_words": summary(per_span["en"]),
        "slowest": {"span": slowest[0], "ms": round(slowest[1], 2)},
        "within_limit": statistics.median(every) <= LIMIT_MS,
        "issue_counts": {w: {"total": (r := lens.lookup(w, "zh"))["total"], "by_corpus": r["by_corpus"]}
                         for w in ISSUE_WORDS},
    }
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "issue_counts"}, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
