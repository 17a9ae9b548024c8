"""Performance benchmark on this machine: training throughput, story-sentence
latency, app cold start and peak memory. Writes checkpoints/benchmark.json.

    python -m training.benchmark                 # everything, 2 torch threads
    python -m training.benchmark --skip-app      # models only
    python -m training.benchmark --throughput    # training settings compared -> checkpoints/throughput.json

Targets: Transformer greedy <= 150 ms and LSTM greedy <= 50 ms for the story
sentence; app cold start <= 10 s; app peak RSS <= 1.5 GB.

Training throughput is counted in target tokens per CPU-second of the training
process (all its threads), so that it stays comparable while other work shares
the machine; wall-clock tokens per second are recorded beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

import torch

from dawn import load_translator
from dawn.registry import MODEL_NAMES
from dawn.story import STORY_SENTENCE as STORY
from dawn.tokenizer import BOS
from dawn.translator import build_model
from training.load_test import launch_app
from training.engine import bf16_supported, collate, make_batches, train_step

TARGETS = {"lstm_greedy_ms": 50, "transformer_greedy_ms": 150, "app_cold_start_s": 10, "app_peak_rss_mb": 1536}
THROUGHPUT_STEPS = 20  # timed training steps per setting (after two warm-up steps)


def median_ms(fn, runs: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(times), 1)


def training_throughput(translator, steps: int = 10, batch: int = 64, src_len: int = 12, tgt_len: int = 12) -> float:
    """Target tokens per second of full training steps (forward, backward, AdamW; bf16 autocast where
    supported, as in training) on a fresh model of the checkpoint's size, with random batches shaped
    like Tatoeba (median lengths)."""
    cfg = translator.config
    model = build_model(translator.model_type, cfg["model"]).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    g = torch.Generator().manual_seed(0)
    V_src, V_tgt = cfg["model"]["src_vocab_size"], cfg["model"]["tgt_vocab_size"]
    src = torch.randint(4, V_src, (batch, src_len), generator=g)
    tgt = torch.randint(4, V_tgt, (batch, tgt_len + 1), generator=g)
    tgt[:, 0] = BOS
    mask = torch.ones_like(src)

    step = lambda: train_step(model, opt, src, mask, tgt[:, :-1], tgt[:, 1:], 0.1, bf16_supported(torch.device("cpu")))
    step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return round(steps * batch * tgt_len / (time.perf_counter() - t0))


def realistic_examples(n: int, src_vocab: int, tgt_vocab: int, seed: int = 0) -> list[tuple[list[int], list[int]]]:
    """Random token ids with the lengths of the training mix: Tatoeba-like short pairs (two thirds)
    and Wikipedia/Bible-like long ones (one third); English about 0.8 tokens per Chinese character."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for i in range(n):
        S = int(torch.randint(6, 16, (1,), generator=g)) if i % 3 else int(torch.randint(20, 80, (1,), generator=g))
        T = max(3, int(S * 0.8))
        out.append((torch.randint(4, src_vocab, (S,), generator=g).tolist() + [2],
                    torch.randint(4, tgt_vocab, (T,), generator=g).tolist() + [2]))
    return out


def settings_throughput(model_type: str, model_config: dict, precision: str, batch_tokens: int,
                        bucketed: bool, steps: int = THROUGHPUT_STEPS) -> dict:
    """Train `steps` real-shaped batches from scratch; target tokens per CPU-second and per wall second."""
    torch.manual_seed(0)
    model = build_model(model_type, model_config).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    examples = realistic_examples(4000, model_config["src_vocab_size"], model_config["tgt_vocab_size"])
    if bucketed:
        batches = make_batches(examples, batch_tokens, seed=0)
    else:  # the same number of examples per batch, in corpus order: no length grouping
        per = max(1, len(examples) * batch_tokens // sum(len(s) + len(t) + 1 for s, t in examples))
        batches = [list(range(i, min(i + per, len(examples)))) for i in range(0, len(examples), per)]
    use_bf16 = precision == "bf16"
    tokens, cpu0, wall0 = 0, None, None
    for k, idx in enumerate(batches[: steps + 2]):
        if k == 2:  # two warm-up steps
            cpu0, wall0, tokens = time.process_time(), time.perf_counter(), 0
        src, mask, tgt_in, tgt_out = collate(examples, idx)
        train_step(model, opt, src, mask, tgt_in, tgt_out, 0.1, use_bf16)
        tokens += int((tgt_out != 0).sum())
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return {"precision": precision, "batch_tokens": batch_tokens, "length_bucketed": bucketed,
            "target_tokens_per_cpu_s": round(tokens / cpu), "target_tokens_per_wall_s": round(tokens / wall)}


def throughput_report(threads: int) -> dict:
    """Before (fp32, batches in corpus order) and after (bf16 autocast, length-bucketed, bigger batches)
    for the three final model sizes with the final vocabulary sizes."""
    from training.train import MODEL_DEFAULTS
    vocab = {"src_vocab_size": 11411, "tgt_vocab_size": 8000}
    settings = [("fp32", 3000, False), ("fp32", 3000, True), ("bf16", 3000, True), ("bf16", 6000, True)]
    report = {"threads": threads, "steps": THROUGHPUT_STEPS, "machine": f"{platform.processor() or platform.machine()}, "
              f"{os.cpu_count()} CPUs", "torch": torch.__version__, "models": {}}
    for name in MODEL_NAMES:
        rows = []
        for precision, batch_tokens, bucketed in settings:
            if precision == "bf16" and not bf16_supported(torch.device("cpu")):
                continue
            rows.append(settings_throughput(name, {**MODEL_DEFAULTS[name], **vocab}, precision, batch_tokens, bucketed))
            print(name, rows[-1], file=sys.stderr)
        report["models"][name] = rows
    return report


def app_cold_start(log_path: Path = Path("runs/benchmark_app.log")) -> dict:
    """Start `python app.py`, time until the first /translate answer, read the process's peak RSS."""
    from gradio_client import Client

    t0 = time.perf_counter()
    with launch_app(log_path, timeout_s=120) as (url, proc):
        client = Client(url, verbose=False)
        result = client.predict(STORY, "", "greedy", api_name="/translate")
        cold = time.perf_counter() - t0
        for _ in range(5):  # a few more requests, then read the high-water mark
            client.predict(STORY, "", "greedy", api_name="/translate")
        rss_kb = next(int(line.split()[1]) for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines()
                      if line.startswith("VmHWM"))
    return {"app_cold_start_s": round(cold, 2), "app_peak_rss_mb": round(rss_kb / 1024),
            "first_answer": [str(r)[:80] for r in result[:2]]}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoints", default="checkpoints")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--skip-app", action="store_true")
    p.add_argument("--throughput", action="store_true", help="compare training settings; writes checkpoints/throughput.json")
    p.add_argument("--out", default="checkpoints/benchmark.json")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.throughput:
        out = Path(args.out).with_name("throughput.json")
        out.write_text(json.dumps(throughput_report(args.threads), indent=2) + "\n")
        print(f"wrote {out}", file=sys.stderr)
        return 0
    report = {"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
              "torch": torch.__version__, "threads": args.threads, "runs": args.runs, "targets": TARGETS}
    for name in MODEL_NAMES:
        t = load_translator(Path(args.checkpoints) / name)
        with torch.inference_mode():
            report[f"{name}_greedy_ms"] = median_ms(lambda: t.translate(STORY, beam_size=1), args.runs)
            report[f"{name}_beam4_ms"] = median_ms(lambda: t.translate(STORY, beam_size=4), args.runs)
        report[f"{name}_train_target_tokens_per_s"] = training_throughput(t)
        report[f"{name}_story_translation"] = t.translate(STORY, beam_size=1).text
        print(f"{name}: greedy {report[f'{name}_greedy_ms']} ms, beam 4 {report[f'{name}_beam4_ms']} ms, "
              f"training {report[f'{name}_train_target_tokens_per_s']:,} target tok/s", file=sys.stderr)
    report["benchmark_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    if not args.skip_app:
        report.update(app_cold_start())
        print(f"app: cold start {report['app_cold_start_s']} s, peak RSS {report['app_peak_rss_mb']} MB", file=sys.stderr)
    report["met"] = {k: report[k] <= v for k, v in TARGETS.items() if k in report}
    Path(args.out).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
