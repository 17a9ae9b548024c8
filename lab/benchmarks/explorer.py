"""Benchmark the attention explorer on the story sentence: payload size, influence and what-if time, per model.

    python -m lab.benchmarks.explorer                    # -> checkpoints/explorer_benchmark.json
    python -m lab.benchmarks.explorer --browser          # also time hover / head switch / scrubbers / beam in Chromium
    python -m lab.benchmarks.explorer --repeats 5 --out /tmp/bench.json
    python -m lab.benchmarks.explorer --whatif-only       # re-time what-if alone; the file's other sections stay
    python -m lab.benchmarks.explorer --saliency-only     # re-time saliency and integrated gradients alone
    python -m lab.benchmarks.explorer --browser --replay transformer=runs/quick   # scrub a run's replay.json

Influence is timed as dawn.explain.explain does it: one batched teacher-forced pass over the sentence
and its S masked copies (attention and alternatives come from the same pass). Payload bytes are the
compact UTF-8 JSON that /attention returns (and gzip, for a server that compresses).
Saliency is timed as explain does it (dawn.saliency.saliency: one batched backward over T copies of the sentence),
and beside it integrated gradients with IG_STEPS points, which the payload would carry only if all three models
together stayed within IG_LIMIT_MS on the story sentence (the "saliency" section says whether they do).
What if is timed as /whatif does it (dawn.whatif.whatif: forced prefix, greedy continuation of the rest of
the sentence, its maps): "choose" forces the model's first token and its second choice at step 2, "typed"
forces the beginning TYPED_PREFIX. In the browser, replay scrubbing (where a checkpoint has replay.json, or
--replay NAME=DIR names a training run's folder for it: the report says which) and beam browsing are timed
like the other local interactions, and "whatif_roundtrip" from the click on
"choose" to the answer drawn.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import time
from pathlib import Path

import torch

from dawn import load_translator
from dawn import registry
from dawn.registry import with_chosen_decoding
from dawn.explain import explain, forced_pass
from dawn.saliency import saliency
from dawn.story import STORY_SENTENCE
from dawn.whatif import whatif
from training.machine import cpu_model

ROOT = Path(__file__).resolve().parents[2]  # the repository
MODELS = registry.MODEL_NAMES
TYPED_PREFIX = "The weather"   # a typed what-if beginning for the story sentence
WHATIF_LIMIT_MS = 500          # the line for one what-if continuation of the story sentence
IG_STEPS = 8                   # integrated gradients: points on the path from e = 0 to e (few: the least it costs)
IG_LIMIT_MS = 2000             # the line: all three models on the story sentence
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
  if (action === "replay" || action === "beam") {
    const r = box.querySelector(action === "replay" ? ".ax-replayrange" : ".ax-beamrange");
    r.value = arg; r.dispatchEvent(new Event("input"));
  }
  if (action === "whatif") {
    box.querySelectorAll(".ax-tgt .ax-tok")[1].click();
    box.querySelector(".ax-altlist .ax-choose").click();
    while (!box.querySelector(".ax-whatif-out, .ax-whatif-error")) await frame();
  }
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
                "saliency_ms": round(statistics.median(r["saliency_ms"] for r in runs), 1),
                "decode_ms": round(statistics.median(r["decode_ms"] for r in runs), 1),
            }
        out[name] = entry
    return out


def bench_whatif(translators: dict, repeats: int) -> dict:
    """Median ms of one /whatif continuation of the story sentence per model: "choose" (the model's first
    token, then its second choice at step 2) and "typed" (TYPED_PREFIX), maps included; beside them a plain
    greedy Translator.translate of the same sentence, timed the same way, for scale on a busy machine."""
    out = {}
    for name, tr in translators.items():
        own = explain(tr, STORY_SENTENCE)                            # the ids the page's "choose" buttons send
        cases = {"choose": own["target_ids"][:1] + [own["alternative_ids"][1][1]], "typed": TYPED_PREFIX}
        runs = []
        for _ in range(repeats):                                     # plain greedy translation, same conditions:
            t0 = time.perf_counter()                                 # a reference that the machine's load
            tr.translate(STORY_SENTENCE)                             # inflates just as much
            runs.append((time.perf_counter() - t0) * 1000)
        entry = {"greedy_translate_ms": round(statistics.median(runs), 1)}
        for case, prefix in cases.items():
            whatif(tr, STORY_SENTENCE, prefix)                       # warm up
            runs, w = [], None
            for _ in range(repeats):
                t0 = time.perf_counter()
                w = whatif(tr, STORY_SENTENCE, prefix, name=name)
                runs.append((time.perf_counter() - t0) * 1000)
            entry[case] = {"ms": round(statistics.median(runs), 1), "max_ms": round(max(runs), 1),
                           "forced_tokens": w["n_forced"], "output_tokens": len(w["ids"])}
        out[name] = entry
    return out


def _median_ms(f, repeats: int) -> float:
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        runs.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(runs), 1)


def bench_saliency(translators: dict, repeats: int, ig_repeats: int = 1) -> dict:
    """Median ms of input × gradient and of integrated gradients (IG_STEPS points) for every model's greedy output
    of the story sentence, with the influence batch timed the same way beside them (for scale on a busy machine)."""
    models = {}
    for name, tr in translators.items():
        t = tr.translate(STORY_SENTENCE)
        src, ids = t.source_ids, t.ids
        saliency(tr.model, src, ids[:2])                               # warm up
        with torch.inference_mode():
            influence_ms = _median_ms(lambda: forced_pass(tr.model, src, ids), repeats)
        models[name] = {"source_tokens": len(src), "target_tokens": len(ids), "influence_fp32_ms": influence_ms,
                        "saliency_ms": _median_ms(lambda: saliency(tr.model, src, ids), repeats),
                        "integrated_gradients_ms": _median_ms(lambda: saliency(tr.model, src, ids, IG_STEPS),
                                                              ig_repeats)}
    total = {k: round(sum(m[k] for m in models.values()), 1)
             for k in ("influence_fp32_ms", "saliency_ms", "integrated_gradients_ms")}
    return {"sentence": STORY_SENTENCE, "decoding": "greedy", "ig_steps": IG_STEPS, "ig_limit_ms": IG_LIMIT_MS,
            "models": models, "total": total,
            "integrated_gradients_within_limit": total["integrated_gradients_ms"] <= IG_LIMIT_MS}


def bench_browser(translators: dict, repeats: int, replays: dict) -> dict:
    """Median ms from event to the next painted frame, for interactions that must not call the server."""
    import socket

    from playwright.sync_api import sync_playwright

    from ui.attention_explorer import harness

    demo = harness(translators, STORY_SENTENCE, replays)
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
            with_replay = [n for n, r in replays.items() if r.get("snapshots")]   # replay_prop: a count and a URL
            if with_replay:                                          # every slider moves: the models go together
                plan.append(("replay", lambda i: i % replays[with_replay[0]]["snapshots"]))
                sel_of = {"replay": f"#ax-{with_replay[0]}"}
                # the replay is fetched when the explorer is drawn: wait for its slider before timing it
                page.locator(f"#ax-{with_replay[0]} .ax-replayrange").first.wait_for(timeout=180_000)
            else:
                results["replay"] = "not timed: no checkpoint has a replay.json yet"
                sel_of = {}

            def timed(plan, sel_of=sel_of):
                for action, arg in plan:
                    times = [page.evaluate(BROWSER_JS, [sel_of.get(action, sel), action, arg(i)])
                             for i in range(repeats * 4)]
                    results[action + "_ms"] = round(statistics.median(times), 1)
                    results[action + "_max_ms"] = round(max(times), 1)

            timed(plan)
            times = [page.evaluate(BROWSER_JS, [sel, "whatif", 0]) for _ in range(repeats)]
            results["whatif_roundtrip_ms"] = round(statistics.median(times), 1)
            page.locator("#ax-decoding label:has-text('beam')").click()     # the beam view needs beam decoding
            page.locator("#ax-go").click()
            page.locator(f"{sel} .ax-beamview li").first.wait_for(timeout=180_000)
            steps = page.locator(f"{sel} .ax-beamrange").evaluate("r => +r.max")
            timed([("beam", lambda i: 1 + i % steps)])
            browser.close()
    finally:
        demo.close()
    return results


def replace_section(path: Path, key: str, section: dict) -> int:
    """Re-time one section (--whatif-only, --saliency-only): `key` in the report at `path` is replaced, the file's
    other sections stay."""
    report = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"sentence": STORY_SENTENCE}
    report[key] = section
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(section, indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoints", type=Path, default=Path(os.environ.get("DAWN_CHECKPOINTS", ROOT / "checkpoints")))
    ap.add_argument("--out", type=Path, default=ROOT / "checkpoints" / "explorer_benchmark.json")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--browser", action="store_true", help="also time interactions in Chromium (/usr/bin/chromium)")
    ap.add_argument("--replay", action="append", default=[], metavar="NAME=DIR",
                    help="scrub DIR/replay.json as model NAME's training replay (e.g. a --preset quick run's)")
    ap.add_argument("--whatif-only", action="store_true",
                    help="time what-if alone and replace only the 'whatif' section of --out")
    ap.add_argument("--saliency-only", action="store_true",
                    help="time saliency and integrated gradients alone and replace only the 'saliency' section of --out")
    args = ap.parse_args(argv)
    translators = {n: with_chosen_decoding(load_translator(args.checkpoints / n), n) for n in MODELS
                   if (args.checkpoints / n / "manifest.json").exists()}
    machine = f"{cpu_model()}, {os.cpu_count()} CPUs, torch {torch.__version__}, {torch.get_num_threads()} threads"
    load_before = os.getloadavg()[0]
    if args.saliency_only:
        section = {**bench_saliency(translators, args.repeats), "machine": machine,
                   "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)]}
        return replace_section(args.out, "saliency", section)
    whatifs = bench_whatif(translators, args.repeats)
    slowest = max(c["ms"] for m in whatifs.values() for c in m.values() if isinstance(c, dict))
    whatif_section = {"typed_prefix": TYPED_PREFIX, "limit_ms": WHATIF_LIMIT_MS, "slowest_ms": slowest,
                      "within_limit": slowest <= WHATIF_LIMIT_MS, "machine": machine,
                      # other jobs on a shared machine inflate every time: the 1-minute load before and after
                      "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
                      "models": whatifs}
    if args.whatif_only:
        return replace_section(args.out, "whatif", whatif_section)
    models = bench_models(translators, args.repeats)
    report = {
        "sentence": STORY_SENTENCE, "machine": machine,
        "load_average_1min": round(os.getloadavg()[0], 2),  # other jobs on the machine inflate every time below
        "models": models,
        "whatif": whatif_section,
        "total": {d: {"payload_bytes": sum(m[d]["payload_bytes"] for m in models.values()),
                      "payload_gzip_bytes": sum(m[d]["payload_gzip_bytes"] for m in models.values()),
                      "influence_ms": round(sum(m[d]["influence_ms"] for m in models.values()), 1),
                      "saliency_ms": round(sum(m[d]["saliency_ms"] for m in models.values()), 1)}
                  for d in ("greedy", "beam")},
        "saliency": bench_saliency(translators, args.repeats),
    }
    if args.browser:
        from ui.attention_explorer import replay_prop
        folders = {n: args.checkpoints / n for n in translators}
        for item in args.replay:
            name, _, folder = item.partition("=")
            if name not in folders or not folder:
                ap.error(f"--replay {item!r}: expected NAME=DIR with NAME one of {sorted(folders)}")
            folders[name] = Path(folder)
        replays = {n: replay_prop(folder) for n, folder in folders.items()}
        report["browser"] = bench_browser(translators, args.repeats, replays)
        where = lambda f: str(f.resolve().relative_to(ROOT) if f.resolve().is_relative_to(ROOT) else f)  # noqa: E731
        report["browser"]["replay_files"] = {n: f"{where(f)}/replay.json" for n, f in folders.items()
                                             if "snapshots" in replays[n]}
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report["total"], indent=2))
    print(json.dumps(report["whatif"], indent=2))
    if "browser" in report:
        print(json.dumps(report["browser"], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
