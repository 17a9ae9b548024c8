"""Performance benchmark on this machine: training throughput, story-sentence
latency, app cold start and peak memory. Writes checkpoints/benchmark.json.

    python -m lab.benchmarks.speed                 # everything, 2 torch threads
    python -m lab.benchmarks.speed --skip-app      # models only
    python -m lab.benchmarks.speed --throughput    # training settings compared -> checkpoints/throughput.json
    python -m lab.benchmarks.speed --data-parallel # 1 vs 2 training processes (torchrun) -> checkpoints/throughput.json

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
import resource
import statistics
import sys
import time
from pathlib import Path

import torch

from dawn import load_translator
from dawn.memory import reuse_freed_memory
from dawn.registry import MODEL_NAMES, spec, with_chosen_decoding
from dawn.story import STORY_SENTENCE as STORY
from dawn.tokenizer import BOS
from dawn.translator import build_model
from lab.benchmarks.app_server import launch_app
from training.engine import (bf16_supported, collate, global_sums, make_batches, make_optimizer, shard, shard_weight,
                             train_step, use_bf16)
from training.machine import cpu_model

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
    vocab = {"src_vocab_size": 11411, "tgt_vocab_size": 8000}
    settings = [("fp32", 3000, False), ("fp32", 3000, True), ("bf16", 3000, True), ("bf16", 6000, True)]
    report = {"threads": threads, "steps": THROUGHPUT_STEPS, "machine": f"{cpu_model()}, "
              f"{os.cpu_count()} CPUs", "torch": torch.__version__, "models": {}}
    for name in MODEL_NAMES:
        rows = []
        for precision, batch_tokens, bucketed in settings:
            if precision == "bf16" and not bf16_supported(torch.device("cpu")):
                continue
            rows.append(settings_throughput(name, {**spec(name).recipe.config, **vocab}, precision, batch_tokens, bucketed))
            print(name, rows[-1], file=sys.stderr)
        report["models"][name] = rows
    return report


# --- data parallel: 1 vs 2 processes ----------------------------------------------------------------------

DATA_PARALLEL = [(1, 1, "glibc"), (1, 2, "glibc"), (2, 1, "glibc"), (2, 1, "training")]  # (processes, torch
# threads each, malloc: glibc's defaults or training.train's dawn.memory.reuse_freed_memory) on the same 2 cores


def machine_info() -> dict:
    """The CPU model, its cores and the load average: other work on the machine shows up here."""
    return {"cpu": cpu_model(), "cpus": os.cpu_count(), "loadavg": [round(x, 2) for x in os.getloadavg()]}


def data_parallel_worker(model_type: str, batch_tokens: int, steps: int, out: Path, malloc: str = "glibc") -> None:
    """One of the processes torchrun started: `steps` training steps as training.train takes them (each
    process its shard of every global batch, DDP averaging the gradients), on batches shaped like the
    training mix; the main process writes global target tokens per wall-clock second to `out`."""
    from accelerate import Accelerator

    if malloc == "training":
        reuse_freed_memory()

    accelerator = Accelerator(cpu=True, mixed_precision="no")      # cpu=True: one gloo group, not lone processes
    rank, world_size = accelerator.process_index, accelerator.num_processes
    torch.manual_seed(0)
    config = {**spec(model_type).recipe.config, "src_vocab_size": 11411, "tgt_vocab_size": 8000}
    model = build_model(model_type, config).train()
    train_model = accelerator.prepare_model(model) if world_size > 1 else model
    optimizer = make_optimizer(model, 1e-4)
    examples = realistic_examples(4000, config["src_vocab_size"], config["tgt_vocab_size"])
    batches = make_batches(examples, batch_tokens, seed=0)
    bf16 = use_bf16("auto", torch.device("cpu"))
    tokens, wall0, cpu0 = 0, None, None
    for k, batch in enumerate(batches[: steps + 2]):
        if k == 2:  # two warm-up steps
            global_sums(accelerator, [0.0])                              # start together
            tokens, wall0, cpu0 = 0, time.perf_counter(), time.process_time()
        idx, real = shard(batch, rank, world_size)
        src, mask, tgt_in, tgt_out = collate(examples, idx)
        n_mine = int((tgt_out != 0).sum()) if real else 0
        (n_tok,) = global_sums(accelerator, [n_mine])
        train_step(train_model, optimizer, src, mask, tgt_in, tgt_out, 0.1, bf16,
                   loss_scale=shard_weight(n_mine, n_tok, world_size))
        tokens += int(n_tok)
    wall = time.perf_counter() - wall0
    (cpu,) = global_sums(accelerator, [time.process_time() - cpu0])  # CPU seconds of all processes
    if accelerator.is_main_process:
        out.write_text(json.dumps({"processes": world_size, "threads_per_process": torch.get_num_threads(), "malloc": malloc,
                                   "steps": steps, "target_tokens": tokens, "wall_s": round(wall, 1),
                                   "target_tokens_per_wall_s": round(tokens / wall),
                                   "target_tokens_per_cpu_s": round(tokens / cpu)}))


def data_parallel_report(model_type: str, batch_tokens: int, steps: int) -> dict:
    """Each of DATA_PARALLEL in turn, through torchrun, with the machine's load before and after."""
    import subprocess
    import tempfile

    rows = []
    for processes, threads, malloc in DATA_PARALLEL:
        with tempfile.TemporaryDirectory() as tmp:
            result = Path(tmp) / "result.json"
            before = machine_info()["loadavg"]
            subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node",
                            str(processes), "-m", "lab.benchmarks.speed", "--dp-worker", model_type, "--dp-out", str(result),
                            "--threads", str(threads), "--dp-steps", str(steps), "--dp-batch-tokens", str(batch_tokens),
                            "--dp-malloc", malloc],
                           check=True, env={**os.environ, "OMP_NUM_THREADS": str(threads)})
            rows.append({**json.loads(result.read_text()), "loadavg_before": before,
                         "loadavg_after": machine_info()["loadavg"]})
        print(rows[-1], file=sys.stderr, flush=True)
    return {"command": f"python -m lab.benchmarks.speed --data-parallel --dp-model {model_type} --dp-steps {steps}",
            "model": model_type, "global_batch_tokens": batch_tokens, "machine": machine_info(),
            "torch": torch.__version__, "precision": "bf16 autocast" if use_bf16("auto", torch.device("cpu")) else "fp32",
            "note": "global target tokens per wall-clock second over the same steps (same global batches) with 1 "
                    "process, and with 2 processes each training on half of every batch (DDP over gloo); per "
                    "CPU-second of all processes beside it. Load average before/after each run: when other work "
                    "shares the machine, two processes also get two shares of it, which flatters the wall-clock "
                    "gain; the per-CPU-second column is fair. Rerun the command on a quiet machine.", "runs": rows}


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
    p.add_argument("--data-parallel", action="store_true",
                   help="1 vs 2 training processes under torchrun; adds data_parallel to checkpoints/throughput.json")
    p.add_argument("--dp-model", default="transformer", choices=MODEL_NAMES)
    p.add_argument("--dp-steps", type=int, default=20, help="timed steps per configuration (after two warm-up steps)")
    p.add_argument("--dp-batch-tokens", type=int, default=3000, help="global batch (the Transformer recipe's)")
    p.add_argument("--dp-worker", help=argparse.SUPPRESS)  # one process of a --data-parallel run
    p.add_argument("--dp-out", help=argparse.SUPPRESS)
    p.add_argument("--dp-malloc", choices=["glibc", "training"], default="glibc", help=argparse.SUPPRESS)
    p.add_argument("--out", default="checkpoints/benchmark.json")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.dp_worker:
        data_parallel_worker(args.dp_worker, args.dp_batch_tokens, args.dp_steps, Path(args.dp_out), args.dp_malloc)
        return 0
    if args.data_parallel:  # extends throughput.json: its other measurements stay
        out = Path(args.out).with_name("throughput.json")
        report = json.loads(out.read_text()) if out.exists() else {}
        report["data_parallel"] = data_parallel_report(args.dp_model, args.dp_batch_tokens, args.dp_steps)
        out.write_text(json.dumps(report, indent=2) + "\n")
        print(f"wrote {out}", file=sys.stderr)
        return 0
    if args.throughput:
        out = Path(args.out).with_name("throughput.json")
        old = json.loads(out.read_text()) if out.exists() else {}
        out.write_text(json.dumps({**throughput_report(args.threads),
                                   **({"data_parallel": old["data_parallel"]} if "data_parallel" in old else {})},
                                  indent=2) + "\n")
        print(f"wrote {out}", file=sys.stderr)
        return 0
    report = {"machine": f"{cpu_model()}, {os.cpu_count()} CPUs",
              "torch": torch.__version__, "threads": args.threads, "runs": args.runs, "targets": TARGETS}
    for name in MODEL_NAMES:
        t = with_chosen_decoding(load_translator(Path(args.checkpoints) / name), name)
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
