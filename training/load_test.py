"""Load test of the demo's /translate endpoint: loopback only, bounded, stops by itself.

    python -m training.load_test                       # starts app.py on 127.0.0.1 (free port), 200 requests, 16 at a time
    python -m training.load_test --requests 10 --concurrency 4 --out /tmp/load.json
    python -m training.load_test --url http://127.0.0.1:7860/   # an app that is already running

Sends --requests calls of Client.predict(source, reference, "greedy", api_name="/translate"), --concurrency at a
time (one gradio_client per worker thread), cycling through short and long sentences. Reports latency
p50 / p95 / max of the answered requests, throughput, errors, and how many were turned away by the
queue ("queue is full": the app's QUEUE_MAX), and writes all of it as JSON to --out.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

from dawn.story import STORY_REFERENCE, STORY_SENTENCE

ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
SENTENCES = [  # (source, reference): short and long, a few without a reference
    ("猫追老鼠。", "The cat is chasing the mouse."),
    ("我爱你。", "I love you."),
    ("今天天气很好。", ""),
    (STORY_SENTENCE, STORY_REFERENCE),
    ("老鼠追猫。", "The mouse is chasing the cat."),
    ("如果你明天有时间的话，我们可以一起去公园散步，然后找一家安静的咖啡馆坐下来，慢慢聊聊这几年各自的生活。", ""),
    ("我明天要去图书馆看书。", "I'm going to the library to read tomorrow."),
    ("虽然他很累，但是他还是把工作做完了。" * 5, ""),  # 90 characters
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def launch_app(log_path: str | Path, timeout_s: float = 240.0, env: dict | None = None):
    """Run `python app.py` on 127.0.0.1 and a free port; yield its URL; stop it on exit.

    Raises RuntimeError (with the end of the app's log) if it exits or does not answer within timeout_s.
    """
    port = free_port()
    env = {**os.environ, **(env or {}), "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(port),
           "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    log_path = Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"app.py exited with code {proc.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"app.py did not answer on {url} within {timeout_s:.0f} s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.1)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


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
        return {"status": "ok", "seconds": seconds, "source_chars": len(source), "empty": not all(translations)}

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(one, range(n_requests)))
    wall = time.perf_counter() - start

    ok = sorted(r["seconds"] for r in results if r["status"] == "ok")
    count = lambda status: sum(r["status"] == status for r in results)
    ms = lambda s: None if s is None else round(1000 * s, 1)
    return {
        "url": url, "requests": n_requests, "concurrency": concurrency, "wall_s": round(wall, 2),
        "ok": len(ok), "busy_rejected": count("busy"), "errors": count("error"), "skipped": count("skipped"),
        "empty_translations": sum(r.get("empty", False) for r in results),
        "latency_ms": {"p50": ms(percentile(ok, 50)), "p95": ms(percentile(ok, 95)), "max": ms(ok[-1] if ok else None)},
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
