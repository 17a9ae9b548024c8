"""Benchmark the attention explorer on the story sentence: payload size and influence time, per model.

    python -m training.bench_explorer                    # -> checkpoints/explorer_benchmark.json
    python -m training.bench_explorer --browser          # also time hover / head switch / scrubber in Chromium
    python -m training.bench_explorer --repeats 5 --out /tmp/bench.json

Influence is timed as dawn.explain.explain does it: one batched teacher-forced pass over the sentence
and its S masked copies (attention and alternatives come from the same pass). Payload bytes are the
compact UTF-8 JSON that /attention returns (and gzip, for a server that compresses).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import statistics
from pathlib import Path

import torch

from dawn import load_translator
from dawn.explain import explain
from dawn import registry
from dawn.story import STORY_SENTENCE

ROOT = Path(__file__).resolve().parents[1]
MODELS = registry.MODEL_NAMES
BROWSER_JS = """async ([sel, action, arg]) => {
  const box = document.querySelector(sel);
  const frame = () => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
  await frame();
  const t0 = performance.now();
  if (action === "hover") box.querySelectorAll(".ax-tgt .ax-tok")[arg].dispatchEvent(new MouseEvent("mouseover", {bubbles: true}));
  if (action === "head") box.querySelector(`[data-group=head] button[data-value='${arg}']`).click();
  if (action === "layer") box.querySelector(`[data-group=layer] button[data-value='${arg}']`).click();
  if (action === "link") box.querySelectorAll(".ax-src .ax-tok")[arg].click();
  if (action === "scrub") { const r = box.querySelector(".ax-range"); r.value = arg; r.dispatchEvent(new Event("input")); }
  await frame();
  return performance.now() - t0;
}"""


def payload_bytes(p: dict) -> tuple[int, int]:
    raw = json.dumps(p, ensure_ascii=False, separators=(",", ":")).encode()
    return len(raw), len(gzip.compress(raw))


def bench_models(translators: dict, repeats: int) -> dict:
    out = {}
    for name, tr in translators.items():
        explain(tr, "我爱你。")                                       # warm up
        entry = {}
        for decoding, beam in (("greedy", 1), ("beam", 4)):
            runs = []
            for _ in range(repeats):
                timings: dict = {}
                p = explain(tr, STORY_SENTENCE, beam, name=name, timings=timings)
                runs.append(timings)
            raw, gz = payload_bytes(p)
            entry[decoding] = {
                "source_tokens": len(p["source_tokens"]), "target_tokens": len(p["target_tokens"]),
                "payload_bytes": raw, "payload_gzip_bytes": gz,
                "influence_ms": round(statistics.median(r["influence_ms"] for r in runs), 1),
                "decode_ms": round(statistics.median(r["decode_ms"] for r in runs), 1),
            }
        out[name] = entry
    return out


def bench_browser(translators: dict, repeats: int) -> dict:
    """Median ms from event to the next painted frame, for interactions that must not call the server."""
    import socket

    from playwright.sync_api import sync_playwright

    from ui.attention_explorer import harness

    demo = harness(translators, STORY_SENTENCE)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo.queue().launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    results: dict = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"http://127.0.0.1:{port}/")
            page.locator("#ax-go").click()
            page.locator("#ax-transformer .ax-attention svg").wait_for(timeout=180_000)
            sel = "#ax-transformer"
            plan = [("hover", lambda i: i % 10), ("head", lambda i: i % 4), ("layer", lambda i: i % 2),
                    ("link", lambda i: i % 10), ("scrub", lambda i: 1 + i % 20)]
            for action, arg in plan:
                times = [page.evaluate(BROWSER_JS, [sel, action, arg(i)]) for i in range(repeats * 4)]
                results[action + "_ms"] = round(statistics.median(times), 1)
                results[action + "_max_ms"] = round(max(times), 1)
            browser.close()
    finally:
        demo.close()
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoints", type=Path, default=Path(os.environ.get("DAWN_CHECKPOINTS", ROOT / "checkpoints")))
    ap.add_argument("--out", type=Path, default=ROOT / "checkpoints" / "explorer_benchmark.json")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--browser", action="store_true", help="also time interactions in Chromium (/usr/bin/chromium)")
    args = ap.parse_args(argv)
    translators = {n: load_translator(args.checkpoints / n) for n in MODELS
                   if (args.checkpoints / n / "manifest.json").exists()}
    models = bench_models(translators, args.repeats)
    report = {
        "sentence": STORY_SENTENCE, "machine": f"{platform.processor() or platform.machine()}, "
                                               f"{os.cpu_count()} CPUs, torch {torch.__version__}, "
                                               f"{torch.get_num_threads()} threads",
        "load_average_1min": round(os.getloadavg()[0], 2),  # other jobs on the machine inflate every time below
        "models": models,
        "total": {d: {"payload_bytes": sum(m[d]["payload_bytes"] for m in models.values()),
                      "payload_gzip_bytes": sum(m[d]["payload_gzip_bytes"] for m in models.values()),
                      "influence_ms": round(sum(m[d]["influence_ms"] for m in models.values()), 1)}
                  for d in ("greedy", "beam")},
    }
    if args.browser:
        report["browser"] = bench_browser(translators, args.repeats)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report["total"], indent=2))
    if "browser" in report:
        print(json.dumps(report["browser"], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
