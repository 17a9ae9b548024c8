"""Load test of the demo's /translate endpoint: loopback only, bounded, stops by itself.

    python -m lab.benchmarks.load_test                       # starts app.py on 127.0.0.1 (free port), 200 requests, 16 at a time
    python -m lab.benchmarks.load_test --requests 10 --concurrency 4 --out /tmp/load.json
    python -m lab.benchmarks.load_test --url http://127.0.0.1:7860/   # an app that is already running

Sends --requests calls of Client.predict(source, reference, "greedy", api_name="/translate"), --concurrency at a
time (one gradio_client per worker thread), cycling through short and long sentences and two paragraphs
(242 and 726 characters: 14 and 42 sentences), and reports the two kinds apart. Reports latency
p50 / p95 / max of the answered requests, throughput, errors, and how many were turned away by the
queue ("queue is full": the app's QUEUE_MAX), and writes all of it as JSON to --out.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

from lab.benchmarks.app_server import PARAGRAPH, SENTENCES, launch_app
from training.machine import cpu_model

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
def percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of an already sorted list; None when it is empty."""
    if not sorted_values:
        return None
    k = max(0, min(len(sorted_values) - 1, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[k]


def run_load(url: str, n_requests: int, concurrency: int, max_seconds: float) -> dict:
    """Send n_requests to /translate, `concurrency` at a time; requests not started after max_seconds are skipped."""
    from gradio_client import Client
    from gradio_client.utils import QueueError

    local = threading.local()
    deadline = time.monotonic() + max_seconds

    def one(i: int) -> dict:
        if time.monotonic() > deadline:
            return {"status": "skipped"}
        source, reference = SENTENCES[i % len(SENTENCES)]
        start = time.perf_counter()
        try:
            if not hasattr(local, "client"):
                local.client = Client(url, verbose=False)
            result = local.client.predict(source, reference, "greedy", api_name="/translate")
        except QueueError as e:  # the queue was full: a clear "busy", not a failure
            return {"status": "busy", "message": str(e)[:200]}
        except Exception as e:
            return {"status": "error", "message": f"{type(e).__name__}: {str(e)[:200]}"}
        seconds = time.perf_counter() - start
        if not (isinstance(result, (list, tuple)) and result and all(isinstance(r, str) for r in result)):
            return {"status": "error", "message": f"unexpected result {str(result)[:120]}"}
        n_models = (len(result) - 1) // 2  # ui.render.api_outputs: translations, score lines, notes (may be empty)
        translations = result[:n_models]
        return {"status": "ok", "seconds": seconds, "source_chars": len(source), "empty": not all(translations),
                "kind": "paragraph" if source.startswith(PARAGRAPH) else "sentence"}

    load_before = round(os.getloadavg()[0], 2)
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(one, range(n_requests)))
    wall = time.perf_counter() - start

    ok = sorted(r["seconds"] for r in results if r["status"] == "ok")
    count = lambda status: sum(r["status"] == status for r in results)
    ms = lambda s: None if s is None else round(1000 * s, 1)

    def latency(seconds: list[float]) -> dict:
        return {"n": len(seconds), "p50": ms(percentile(seconds, 50)), "p95": ms(percentile(seconds, 95)),
                "max": ms(seconds[-1] if seconds else None)}
    return {
        "url": url, "requests": n_requests, "concurrency": concurrency, "wall_s": round(wall, 2),
        "machine": f"{cpu_model()}, {os.cpu_count()} CPUs",
        "load_average_1min": {"before": load_before, "after": round(os.getloadavg()[0], 2)},  # other jobs slow it
        "ok": len(ok), "busy_rejected": count("busy"), "errors": count("error"), "skipped": count("skipped"),
        "empty_translations": sum(r.get("empty", False) for r in results),
        "latency_ms": {"p50": ms(percentile(ok, 50)), "p95": ms(percentile(ok, 95)), "max": ms(ok[-1] if ok else None)},
        "latency_ms_by_kind": {kind: latency(sorted(r["seconds"] for r in results
                                                    if r["status"] == "ok" and r["kind"] == kind))
                               for kind in ("sentence", "paragraph")},
        "throughput_rps": round(len(ok) / wall, 3) if wall > 0 else None,
        "error_samples": sorted({r["message"] for r in results if r["status"] in ("error", "busy")})[:5],
    }


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", help="a running app on this machine (default: start app.py on 127.0.0.1 and a free port)")
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--max-seconds", type=float, default=600.0, help="stop starting new requests after this long")
    p.add_argument("--out", default="checkpoints/load_test.json")
    args = p.parse_args(argv)
    if not 1 <= args.requests <= 10_000:
        p.error("--requests must be between 1 and 10000")
    if not 1 <= args.concurrency <= 64:
        p.error("--concurrency must be between 1 and 64")
    if args.url and urlparse(args.url).hostname not in LOOPBACK:
        p.error(f"--url must point at this machine ({', '.join(sorted(LOOPBACK))}), got {args.url!r}")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    out = Path(args.out)
    with contextlib.ExitStack() as stack:
        url = args.url or stack.enter_context(launch_app(out.with_suffix(".app.log")))[0]
        report = run_load(url, args.requests, args.concurrency, args.max_seconds)
    report["started_app"] = args.url is None
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    lat = report["latency_ms"]
    print(f"{report['ok']}/{report['requests']} ok, {report['busy_rejected']} busy (queue full), {report['errors']} errors, "
          f"{report['skipped']} skipped | latency p50 {lat['p50']} ms, p95 {lat['p95']} ms, max {lat['max']} ms | "
          f"{report['throughput_rps']} req/s -> {out}")
    return 0 if report["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
