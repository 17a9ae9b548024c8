"""Train one of the three translators, Chinese -> English, on Tatoeba plus the nine
corpora of extra-zh-en, mixed by per-corpus weights and tagged by register.

Each final recipe (about 2 hours on a 2-core CPU with the machine to itself, one at a time; the exact
command of each committed checkpoint is in its training.json and model card):

    python -m training.train --model lstm           --out checkpoints/lstm           --threads 2 \
        --data ../shared/data/tatoeba-cmn/cmn.txt ../shared/data/extra-zh-en
    python -m training.train --model lstm_attention --out checkpoints/lstm_attention --threads 2 \
        --data ../shared/data/tatoeba-cmn/cmn.txt ../shared/data/extra-zh-en
    python -m training.train --model transformer    --out checkpoints/transformer    --threads 2 \
        --data ../shared/data/tatoeba-cmn/cmn.txt ../shared/data/extra-zh-en

Try retraining in about ten minutes: add `--preset quick` (a smaller model, three
short epochs of mostly everyday sentences: training/recipe.py's QUICK). Your own data: any TSV (English<TAB>Chinese), NAME.zh/NAME.en
pair or hub dataset id after --data; `--mix NAME=WEIGHT` and `--tags NAME=<tag>` say
how to mix them. A CUDA GPU is used when present (`--device`).

Several processes (GPUs, machines, CPU cores), each its shard of every batch, the same steps:

    torchrun --standalone --nproc_per_node 4 -m training.train --model transformer --out ... --data ...
    accelerate launch --multi_gpu --num_processes 4 -m training.train --model transformer --out ... --data ...

A corpus larger than memory: add `--stream --epoch-steps N` (training/stream.py). Loss, learning rate
and valid BLEU in TensorBoard: `--report-to tensorboard`.

Interrupted (Ctrl-C, kill)? Run the same command with --resume: training
continues from the last saved state and reaches the same weights as an
uninterrupted run with the same seed.

Steps: load the corpora -> drop every pair that occurs in a test set (Tatoeba-test
and FLORES-200) and every pair containing one of the story's own sentences ->
split train/valid per corpus by English sentence -> add long concatenated Tatoeba
examples -> train one tokenizer on the training split (Chinese characters by
coverage, English BPE) -> each epoch, draw the corpus mix -> train (optionally keeping a moving
average of the weights, --ema), keeping the checkpoint with the best validation BLEU.

A run may span sessions: `--stop-after MINUTES` saves the state at a step boundary and exits (code 3) before
a session ends; the same command with --resume runs the next leg. Each leg (its steps, minutes, machine,
processes and throughput) is listed in training.json and train_log.json. Resume on the machine that started
the run; a run whose state is lost is started again from step 0, never spliced from two runs.

This file is the command: the resumable state and the stages of a run, which main() calls top to bottom.
The recipe (arguments, defaults, data preparation, the mix, the tokenizer, the model's configuration) is
training/recipe.py, each model's own numbers are its registry entry (dawn/registry.py); the pieces every
training command shares (batching, collate, the train step and its loss, the schedule, example encoding,
validation) are training/engine.py.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import signal
import sys
import time
from itertools import accumulate, islice
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Callable, Iterable

import torch
from accelerate import Accelerator
from safetensors.torch import load as load_tensors, save as save_tensors
from torch.optim.swa_utils import AveragedModel
from tqdm import tqdm

from dawn.card import write_model_card
from dawn.checkpoint import (TRAINING, load_weights, save_checkpoint, state_dict_bytes, update_file,
                             write_files_atomically)
from dawn.data import narrative_slice
from dawn.memory import reuse_freed_memory
from dawn.replay import REPLAY_FILE as REPLAY, SENTENCES as REPLAY_SENTENCES
from dawn.replay import replay_json, snapshot, snapshot_steps
from dawn.tokenizer import PAD, PairTokenizer
from dawn.translator import build_model
from training.engine import (collate, encode_examples, epoch_batches, epoch_examples, evaluate_loss, from_main_process,
                             global_sums, lr_at, make_ema, make_optimizer, rng_states, set_lr, set_seed, shard,
                             shard_weight, train_step, use_bf16)
from training.machine import cpu_model
from training.recipe import (check_mix_names, encode_narrative, make_tokenizer, mix_and_tags, model_config_for,
                             narrative_counts, parse_args, prepare_data, prepare_stream, score_valid)
from training.stream import process_stream, stream_stats, stream_steps

STATE_DIR = ".resume"  # inside --out; holds the full training state (git-ignored)


# --- resumable state: model, optimizer, RNG, position — safetensors + JSON, no pickle ---

def save_state(state_dir: Path, model, optimizer, progress: dict, tokenizer: PairTokenizer, ema=None,
               rng: list[torch.Tensor] | None = None) -> None:
    """rng: every process's torch RNG state (engine.rng_states), default this process's."""
    rng = rng or [torch.get_rng_state()]
    tensors = {"rng/torch": rng[0], **{f"rng/torch/rank{r}": state for r, state in enumerate(rng) if r}}
    if ema is not None:
        tensors["ema/n_averaged"] = ema.n_averaged
    for i, s in optimizer.state_dict()["state"].items():
        for k, v in s.items():
            tensors[f"opt/{i}/{k}"] = v if torch.is_tensor(v) else torch.tensor(v)
    write_files_atomically(state_dir, {
        "model.safetensors": state_dict_bytes(model),                     # fp32: exact resume
        **({"ema.safetensors": state_dict_bytes(ema.module)} if ema is not None else {}),
        "optimizer.safetensors": save_tensors({k: v.contiguous() for k, v in tensors.items()}),
        "progress.json": json.dumps({**progress, "python_random": _jsonable(random.getstate())}).encode(),
        **tokenizer.to_files(),
    })


def _jsonable(x):
    return [_jsonable(v) for v in x] if isinstance(x, (tuple, list)) else x


def _tupled(x):
    return tuple(_tupled(v) for v in x) if isinstance(x, list) else x


def load_state(state_dir: Path, model, optimizer, ema=None, rank: int = 0) -> dict:
    load_weights(model, (state_dir / "model.safetensors").read_bytes(), state_dir / "model.safetensors")
    tensors = load_tensors((state_dir / "optimizer.safetensors").read_bytes())
    if ema is not None:
        load_weights(ema.module, (state_dir / "ema.safetensors").read_bytes(), state_dir / "ema.safetensors")
        ema.n_averaged.copy_(tensors["ema/n_averaged"])
    opt = optimizer.state_dict()
    opt["state"] = {}
    for key, v in tensors.items():
        if key.startswith("opt/"):
            _, i, name = key.split("/")
            opt["state"].setdefault(int(i), {})[name] = v
    optimizer.load_state_dict(opt)
    torch.set_rng_state(tensors[f"rng/torch/rank{rank}" if rank else "rng/torch"])
    progress = json.loads((state_dir / "progress.json").read_text())
    random.setstate(_tupled(progress.pop("python_random")))
    return progress


# --- the stages of a run, in the order main() calls them ---------------------------------------------

def check_resumable(args, state_dir: Path) -> None:
    if args.resume and not (state_dir / "progress.json").exists():
        raise ValueError(f"--resume given but {state_dir} holds no saved state; start without --resume")


@dataclass
class Run:
    """Everything one training run works on, built once by main() and passed to the loop's stages."""
    args: argparse.Namespace
    out: Path
    state_dir: Path
    device: torch.device
    use_bf16: bool
    tokenizer: PairTokenizer
    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    ema: AveragedModel | None
    epochs: int
    total_steps: int
    progress: dict                  # position, losses and history; saved in the resumable state
    valid: list                     # (zh, en, corpus) triples
    valid_ex: list                  # their encoded (source ids, target ids)
    bleu_idx: list[int]             # the valid sample translated for the per-epoch BLEU
    training_info: dict             # training.json
    data_stats: dict
    log: Callable[[str], None]
    accelerator: Accelerator        # the processes (one, or several under torchrun / accelerate launch)
    train_model: torch.nn.Module    # `model`, wrapped in DDP when there are several processes
    tracking: bool = False          # --report-to: log to accelerate's trackers
    count_data: Callable[[], dict] | None = None  # --stream: the corpora's counts so far (all processes)
    clock: dict = field(default_factory=dict)  # wall and CPU seconds at the (virtual) start of the run
    narrative: list = field(default_factory=list)     # the narrative slice: (source ids, English) pairs
    snapshot_at: set = field(default_factory=set)     # optimizer steps at which the replay records a snapshot
    epoch_ends: list = field(default_factory=list)    # the step count at the end of each epoch
    leg: dict = field(default_factory=dict)           # this leg of the run (progress["legs"][-1])

    @property
    def is_main(self) -> bool:      # the process that validates, logs and saves
        return self.accelerator.is_main_process

    @property
    def best_model(self) -> torch.nn.Module:
        """The weights that are validated and saved: the average when one is kept."""
        return self.ema.module if self.ema is not None else self.model


def run_settings(args, epochs: int, model_config: dict, weights: dict, tags: dict, train_ex_by: dict,
                 world_size: int) -> dict:
    """What must not change between a run and its resumption, or the "same weights" promise breaks
    (the number of processes too: each keeps its own dropout RNG and, streaming, its part of the stream)."""
    stream = ({"stream": {k: getattr(args, k) for k in ("epoch_steps", "stream_buffer", "shuffle_buffer", "tokenizer_pairs")}}
              if args.stream else {})
    return {"model": args.model, "world_size": world_size, **stream, "seed": args.seed, "epochs": epochs, "batch_tokens": args.batch_tokens,
            "lr": args.lr, "warmup": args.warmup, "label_smoothing": args.label_smoothing,
            "precision": args.precision, "model_config": model_config, "mix": weights, "tags": tags,
            "long_examples": args.long_examples, "ema": args.ema, "train_examples": {k: len(v) for k, v in train_ex_by.items()},
            "snapshots": args.snapshots}


def start_or_resume(args, state_dir: Path, model, optimizer, ema, settings: dict, log, rank: int = 0) -> dict:
    """A fresh progress record, or the saved one (model, optimizer, average and RNG restored) with --resume."""
    progress = {"step": 0, "epoch": 0, "batch": 0, "elapsed_s": 0.0, "best_bleu": -1.0, "history": [],
                "epoch_loss": 0.0, "epoch_tokens": 0, "settings": settings, "snapshots": []}
    if not args.resume:
        return progress
    try:
        progress = load_state(state_dir, model, optimizer, ema, rank)
    except (OSError, ValueError, KeyError) as e:
        raise ValueError(f"the saved state in {state_dir} cannot be read ({e}); start again without --resume") from e
    saved = {"world_size": 1, **progress.get("settings", {})}  # states saved before there were several processes
    changed = {k: (v, settings[k]) for k, v in saved.items() if settings.get(k) != v}
    if changed:
        raise ValueError("--resume with different settings than the saved run: "
                         + ", ".join(f"{k} was {a}, now {b}" for k, (a, b) in changed.items()))
    log(f"resumed at epoch {progress['epoch'] + 1}, batch {progress['batch']} (step {progress['step']})")
    return progress


def recipe_argv(argv) -> list[str]:
    """The command's arguments without those of one leg (--resume, --stop-after MINUTES): the run's command."""
    out, skip = [], False
    for a in (argv if argv is not None else sys.argv[1:]):
        if skip or a == "--resume" or a.startswith("--stop-after="):
            skip = False
            continue
        if a == "--stop-after":
            skip = True
            continue
        out.append(a)
    return out


def describe_run(args, argv, device, world_size: int, epochs: int, weights: dict, tags: dict, n_params: int,
                 model_config: dict, tokenizer: PairTokenizer, valid_unk: float, data_stats: dict) -> dict:
    """training.json: the exact command, the settings, the vocabulary and the data counts."""
    command = ("python -m training.train " if world_size == 1 else
               f"torchrun --standalone --nproc_per_node {world_size} -m training.train ") + shlex.join(recipe_argv(argv))
    return {"model_type": args.model, "command": command, "preset": args.preset, "seed": args.seed,
            "epochs": epochs, "threads": torch.get_num_threads(), "device": str(device), "world_size": world_size,
            **({"stream": {k: getattr(args, k) for k in ("epoch_steps", "stream_buffer", "shuffle_buffer",
                                                          "tokenizer_pairs")}} if args.stream else {}),
            **{k: getattr(args, k) for k in ("batch_tokens", "lr", "warmup", "label_smoothing", "precision",
                                             "valid_fraction", "valid_per_corpus", "valid_bleu_sentences", "concat_fraction",
                                             "zh_coverage", "en_vocab", "max_train_pairs", "ema")},
            "mix": weights, "tags": tags, "num_parameters": n_params, "model_config": model_config,
            "vocab": {"english_subwords": tokenizer.tgt_vocab_size,
                      "chinese_characters_and_tags": tokenizer.src_vocab_size - tokenizer.tgt_vocab_size,
                      "valid_unk_rate": round(valid_unk, 5)},
            "data": [str(d) for d in args.data], "test_dirs": [str(t) for t in args.test_dir],
            "long_examples": "each extra example joins 2-4 random Tatoeba training pairs (the Chinese "
                             + ("as one comma chain" if args.long_examples == "comma" else "directly")
                             + ", the English with a space), at most 100 Chinese characters",
            **data_stats}


def train_epoch(run: Run, steps: Iterable[tuple[list, list[int], bool]], bar: tqdm, stop: dict) -> dict | None:
    """Train on the epoch's remaining steps; save the resumable state every --save-every steps.
    Each step is this process's (examples, indices, real): its shard of the global batch (engine.shard).
    -> the epoch's timing, or None when a signal asked any process to stop (state saved)."""
    args, progress, accelerator = run.args, run.progress, run.accelerator
    epoch = progress["epoch"]
    fault_step = int(os.environ.get("DAWN_FAULT_KILL_AT_STEP", "0"))  # tests: SIGKILL ourselves at this step
    timing = {"target_tokens": 0, "t0": time.time()}
    for examples, idx, real in steps:
        src, mask, tgt_in, tgt_out = (x.to(run.device) for x in collate(examples, idx))
        n_mine = int((tgt_out != PAD).sum()) if real else 0
        (n_tok,) = global_sums(accelerator, [n_mine])                # target tokens of the whole (global) batch
        lr = lr_at(progress["step"], run.total_steps, args.lr, args.warmup)
        set_lr(run.optimizer, lr)
        loss = train_step(run.train_model, run.optimizer, src, mask, tgt_in, tgt_out, args.label_smoothing,
                          run.use_bf16, run.ema, loss_scale=shard_weight(n_mine, n_tok, accelerator.num_processes))
        if args.stop_after and stop["signal"] is None and time.time() - run.leg["t0"] >= args.stop_after * 60:
            stop["signal"] = "stop-after"                             # this leg's time is up
        loss_sum, stopping = global_sums(accelerator, [loss.item() * n_mine, float(stop["signal"] is not None)])
        progress["epoch_loss"] += loss_sum
        progress["epoch_tokens"] += int(n_tok)
        timing["target_tokens"] += int(n_tok)
        run.leg["target_tokens"] += int(n_tok)
        progress["step"] += 1
        progress["batch"] += 1
        progress["elapsed_s"] = time.time() - run.clock["wall"]
        progress["cpu_s"] = time.process_time() - run.clock["cpu"]
        bar.update(1)
        bar.set_postfix(epoch=f"{epoch + 1}/{run.epochs}", loss=f"{loss_sum / n_tok:.3f}",
                        tok_s=f"{timing['target_tokens'] / max(time.time() - timing['t0'], 1e-9):,.0f}")
        if run.tracking:
            accelerator.log({"train/loss": loss_sum / n_tok, "train/lr": lr}, step=progress["step"])
        if run.is_main and progress["step"] in run.snapshot_at and progress["step"] not in run.epoch_ends:
            epoch_len = run.epoch_ends[epoch] - (run.epoch_ends[epoch - 1] if epoch else 0)  # an epoch's end is
            record_snapshot(run, epoch + progress["batch"] / epoch_len,                       # recorded after its
                            round(progress["epoch_loss"] / progress["epoch_tokens"], 4))      # validation
        if progress["step"] == fault_step:
            os.kill(os.getpid(), signal.SIGKILL)
        if stopping:
            stop["signal"] = stop["signal"] or "stopped by another process"
            end_leg(run, "stop-after" if stop["signal"] == "stop-after" else "interrupted")
        if stopping or progress["step"] % args.save_every == 0:
            save_resumable(run)
        if stopping:
            return None
    return timing


# --- legs: a run may be stopped (--stop-after, Ctrl-C, a session's end) and resumed, on the same machine, any
# number of times; each start is a leg, recorded in the resumable state and in training.json / train_log.json.

def start_leg(run: Run) -> None:
    """A new leg from the current step. A leg that ended without saying so (killed: no clean stop) is marked so;
    its steps after its last saved state are trained again by this leg."""
    legs = run.progress.setdefault("legs", [])
    for leg in legs:
        if leg.get("ended") == "running":
            leg["ended"] = "killed (resumed from its last saved state)"
    device = run.device
    run.leg = {"leg": len(legs) + 1, "start_step": run.progress["step"], "end_step": run.progress["step"],
               "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "minutes": 0.0,
               "machine": (f"{cpu_model()} ({os.cpu_count()} cores)" if device.type == "cpu"
                           else torch.cuda.get_device_name(device)),
               "device": str(device), "processes": run.accelerator.num_processes,
               "threads_per_process": torch.get_num_threads(),
               "precision": "bf16 autocast" if run.use_bf16 else "fp32",
               "target_tokens": 0, "target_tokens_per_s": None, "ended": "running",
               "t0": time.time()}
    legs.append(run.leg)


def update_leg(run: Run) -> None:
    """The current leg's end step, minutes and throughput (wall clock, all processes), before each save."""
    leg = run.leg
    if not leg:
        return
    seconds = time.time() - leg["t0"]
    leg.update(end_step=run.progress["step"], minutes=round(seconds / 60, 2),
               target_tokens_per_s=round(leg["target_tokens"] / seconds) if seconds > 0 and leg["target_tokens"] else None)


def end_leg(run: Run, how: str) -> None:
    """how: "finished", "stop-after" (its time was up) or "interrupted" (a signal)."""
    update_leg(run)
    run.leg["ended"] = how


def legs_record(progress: dict) -> list[dict]:
    """The legs as training.json lists them (without the clock they were timed by)."""
    return [{k: v for k, v in leg.items() if k != "t0"} for leg in progress.get("legs", [])]


def save_resumable(run: Run) -> None:
    """The resumable state, written by the main process (every process's RNG state in it)."""
    rng = rng_states(run.accelerator)                                  # all processes take part
    update_leg(run)
    if run.is_main:
        save_state(run.state_dir, run.model, run.optimizer, run.progress, run.tokenizer, run.ema, rng)


def valid_scores(run: Run, with_narrative: bool = True) -> dict:
    """score_valid for the weights that are saved (with EMA, the raw weights' loss beside them)."""
    scores = score_valid(run.best_model, run.tokenizer, run.valid, run.valid_ex, run.bleu_idx,
                         run.narrative if with_narrative else None, run.args.batch_tokens, run.device)
    if run.ema is not None:  # with EMA the valid scores are the averaged weights'; the raw weights' loss beside them
        scores["valid_loss_raw"] = round(evaluate_loss(run.model, run.valid_ex, run.args.batch_tokens, run.device), 4)
    return scores


def validate(run: Run, timing: dict) -> dict:
    """End of an epoch: valid loss, greedy valid BLEU / chrF (all corpora, the Tatoeba part and the narrative
    slice) -> history entry."""
    progress = run.progress
    return {"epoch": progress["epoch"] + 1, "step": progress["step"],
            "train_loss": round(progress["epoch_loss"] / max(progress["epoch_tokens"], 1), 4), **valid_scores(run),
            "lr": round(run.optimizer.param_groups[0]["lr"], 6), "target_tokens": progress["epoch_tokens"],
            "train_tokens_per_s": round(timing["target_tokens"] / max(time.time() - timing["t0"], 1e-9)),
            "elapsed_s": round(time.time() - run.clock["wall"], 1)}


def record_snapshot(run: Run, epochs_done: float, train_loss: float | None, scores: dict | None = None) -> None:
    """The training replay (dawn/replay.py), main process: the two sentences' greedy translations and maps and
    the valid scores at this step, added to OUT/replay.json. Step 0 records the valid loss only: an untrained
    model's greedy output runs to the length limit on every valid sentence (minutes on a CPU), its BLEU 0."""
    progress = run.progress
    if scores is None and progress["step"] == 0:
        scores = {"valid_loss": round(evaluate_loss(run.best_model, run.valid_ex, run.args.batch_tokens, run.device), 4),
                  "valid_bleu": None}
    scores = scores or valid_scores(run, with_narrative=False)
    progress["snapshots"] = [s for s in progress.setdefault("snapshots", []) if s["step"] != progress["step"]] + [{
        "step": progress["step"], "epoch": round(epochs_done, 3), "train_loss": train_loss,
        "valid_loss": scores["valid_loss"], "valid_bleu": scores["valid_bleu"],
        **snapshot(SimpleNamespace(model=run.best_model, tokenizer=run.tokenizer), REPLAY_SENTENCES)}]
    try:
        data = replay_json(run.args.model, REPLAY_SENTENCES, progress["snapshots"], run.total_steps, len(run.snapshot_at))
    except ValueError as e:
        run.log(f"warning: {REPLAY} not updated: {e}")
        return
    write_files_atomically(run.out, {REPLAY: data})


def end_epoch(run: Run, entry: dict | None, bar: tqdm) -> None:
    """The main process logs the epoch and saves the checkpoint when valid BLEU improved (else only
    train_log.json); every process moves on to the next epoch and takes part in saving the state."""
    progress, improved = run.progress, False
    if run.is_main:
        epoch = entry["epoch"]
        progress["history"].append(entry)
        improved = entry["valid_bleu"] > progress["best_bleu"]
        bar.write(f"epoch {epoch}: train loss {entry['train_loss']:.3f}  valid loss {entry['valid_loss']:.3f}  "
                  f"valid BLEU {entry['valid_bleu']:.2f} (narrative {entry['valid_bleu_narrative'] or 0:.2f})"
                  f"{'  (best, saved)' if improved else ''}")
        if run.tracking:
            run.accelerator.log({f"valid/{k.removeprefix('valid_')}": entry[k] for k in
                                 ("valid_loss", "valid_bleu", "valid_chrf") if entry[k] is not None}, step=entry["step"])
        if improved:
            progress["best_bleu"] = entry["valid_bleu"]
            progress["best_epoch"] = epoch
    if run.count_data is not None:                                     # all processes take part
        run.data_stats.update(run.count_data())
        run.training_info.update(run.data_stats)
    if run.is_main:
        write_logs(run, improved)
    progress.update(epoch=progress["epoch"] + 1, batch=0, epoch_loss=0.0, epoch_tokens=0)
    save_resumable(run)


def write_logs(run: Run, improved: bool) -> None:
    """train_log.json, and the whole checkpoint (weights, tokenizer, training.json) when valid BLEU improved."""
    progress = run.progress
    log_json = {"model_type": run.args.model, "history": progress["history"], "best_epoch": progress.get("best_epoch"),
                "training_time_s": round(time.time() - run.clock["wall"], 1),
                "cpu_time_s": round(time.process_time() - run.clock["cpu"], 1),
                "threads": torch.get_num_threads(),
                "precision": "bf16 autocast" if run.use_bf16 else "fp32", "device": str(run.device),
                "machine": f"{cpu_model()} ({os.cpu_count()} cores)" if run.device.type == "cpu" else torch.cuda.get_device_name(run.device),
                "valid_bleu_sentences": len(run.bleu_idx), "narrative_valid": run.training_info["narrative_valid"],
                "legs": legs_record(progress), **run.data_stats}
    log_bytes = json.dumps(log_json, indent=2).encode()
    if improved:
        best, entry = run.best_model, progress["history"][-1]
        run.training_info.update(best_epoch=entry["epoch"], valid_bleu=entry["valid_bleu"], valid_loss=entry["valid_loss"],
                                 valid_bleu_narrative=entry["valid_bleu_narrative"], legs=legs_record(progress))
        extra_hub_files = ({"generation_config.json": json.dumps(run.model.generation_config(), indent=2).encode()}
                           if hasattr(run.model, "generation_config") else {})
        save_checkpoint(run.out, best.hub_module, best.hub_config(),
                        {**run.tokenizer.to_files(), **extra_hub_files, "train_log.json": log_bytes,
                         TRAINING: json.dumps(run.training_info, indent=2, ensure_ascii=False).encode()})
    else:
        update_file(run.out, "train_log.json", log_bytes)


def finish_records(run: Run) -> None:
    """At the end: every leg in training.json and train_log.json (the checkpoint's training.json was written at its
    best epoch, before the last legs ended)."""
    legs = legs_record(run.progress)
    for name in (TRAINING, "train_log.json"):
        path = run.out / name
        if path.exists():
            record = json.loads(path.read_text())
            record["legs"] = legs
            update_file(run.out, name, json.dumps(record, indent=2, ensure_ascii=False).encode())


def start_processes(args) -> Accelerator:
    """This process's place among those torchrun / accelerate launch started (or alone).

    Told to use the CPU, accelerate joins the launched processes in one gloo group; an Accelerator not
    told so on a machine without a GPU leaves each process alone (world size 1, twice)."""
    cpu = (args.device or ("cuda" if torch.cuda.is_available() else "cpu")) == "cpu"
    return Accelerator(cpu=cpu, mixed_precision="no",  # --precision decides autocast, not the launcher
                       log_with=None if args.report_to == "none" else args.report_to,
                       project_dir=args.logging_dir or f"runs/{Path(args.out).name}")


def main(argv=None) -> int:
    args = parse_args(argv)
    malloc = reuse_freed_memory()                                      # glibc keeps freed memory for the next step
    accelerator = start_processes(args)
    rank, world_size = accelerator.process_index, accelerator.num_processes
    log = (lambda msg: print(msg, file=sys.stderr, flush=True)) if accelerator.is_main_process else (lambda msg: None)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    if device.type == "cuda" and world_size > 1:
        device = accelerator.device                                     # cuda:LOCAL_RANK under a launcher
    out, state_dir = Path(args.out), Path(args.out) / STATE_DIR

    # 1) data: fail early (an unwritable --out, a bad corpus), not after an hour of training
    try:
        write_test = ".write-test" + (f"-{rank}" if world_size > 1 else "")
        write_files_atomically(out, {write_test: b"ok"})
        (out / write_test).unlink()
        weights, tags = mix_and_tags(args)
        check_resumable(args, state_dir)
        set_seed(args.seed)
        if args.stream:  # train_by: each corpus as a stream
            train_by, valid, cleaner = prepare_stream(args, log)
            data_stats = {"streamed": True}
        else:
            train_by, valid, data_stats = prepare_data(args, log)
        check_mix_names(weights, tags, train_by)
    except ValueError as e:  # CheckpointError, DataError
        log(f"error: {e}")
        return 2

    # 2) tokenizer (the main process trains it, the others receive it), model, examples, optimizer
    if world_size == 1:
        tokenizer = make_tokenizer(args, train_by, tags, state_dir, weights)
    else:
        tokenizer = PairTokenizer.from_files(from_main_process(
            accelerator, lambda: make_tokenizer(args, train_by, tags, state_dir, weights).to_files()))
    valid_unk = tokenizer.unk_rate([z for z, _, _ in valid])
    log(f"tokenizer: {tokenizer.tgt_vocab_size:,} English subwords + {tokenizer.src_vocab_size - tokenizer.tgt_vocab_size:,} "
        f"Chinese characters and tags (coverage {args.zh_coverage}); valid <unk> rate {valid_unk:.3%}")
    model_config = model_config_for(args, tokenizer)
    model = build_model(args.model, model_config).to(device)          # the same weights in every process (seeded)
    n_params = sum(p.numel() for p in model.parameters())
    log(f"{args.model}: {n_params:,} parameters on {device}" + (f", {world_size} processes" if world_size > 1 else ""))
    train_model = model
    if world_size > 1:
        train_model = accelerator.prepare_model(model)                 # DDP: gradients averaged over the processes
        torch.manual_seed(args.seed + rank)                            # each process its own dropout masks
    train_ex_by, valid_ex, bleu_idx = encode_examples(tokenizer, {} if args.stream else train_by, valid, tags,
                                                      args.seed, args.valid_bleu_sentences)
    epochs = args.epochs
    if args.stream:
        epoch_steps = [args.epoch_steps] * epochs
    else:
        epoch_steps = [len(epoch_batches(epoch_examples(train_ex_by, weights, args.seed, e), args.batch_tokens,
                                         args.seed, e)) for e in range(epochs)]
    total_steps = sum(epoch_steps)
    optimizer = make_optimizer(model, args.lr)
    ema = make_ema(model, args.ema)

    # 3) a fresh start, or the saved state
    settings = run_settings(args, epochs, model_config, weights, tags, train_ex_by, world_size)
    try:
        progress = start_or_resume(args, state_dir, model, optimizer, ema, settings, log, rank)
    except ValueError as e:
        log(f"error: {e}")
        return 2
    run = Run(args=args, out=out, state_dir=state_dir, device=device, use_bf16=use_bf16(args.precision, device),
              tokenizer=tokenizer, model=model, optimizer=optimizer, ema=ema, epochs=epochs, total_steps=total_steps,
              progress=progress, valid=valid, valid_ex=valid_ex, bleu_idx=bleu_idx,
              training_info=describe_run(args, argv, device, world_size, epochs, weights, tags, n_params, model_config,
                                         tokenizer, valid_unk, data_stats),
              data_stats=data_stats, log=log, accelerator=accelerator, train_model=train_model,
              tracking=args.report_to != "none",
              count_data=(lambda: stream_stats(sorted(train_by), cleaner, valid, lambda v: global_sums(accelerator, v)))
              if args.stream else None,
              snapshot_at=set(snapshot_steps(total_steps, args.snapshots)) if args.snapshots else set(),
              epoch_ends=list(accumulate(epoch_steps)))
    run.narrative = encode_narrative(tokenizer, valid, tags, args.seed)  # story-like valid sentences, scored beside the split
    run.training_info["narrative_valid"] = narrative_counts(narrative_slice(valid, args.seed))
    run.training_info["malloc"] = malloc or "the C library's defaults"
    if run.tracking:
        accelerator.init_trackers(out.name, config={k: v for k, v in run.training_info.items()
                                                    if isinstance(v, (int, float, str, bool))})

    stop = {"signal": None}  # Ctrl-C / kill: finish the current step, save, exit
    def request_stop(signum, _frame):
        stop["signal"] = signum
    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    # 4) the loop: each epoch draws its mix, trains (each process its shard of every batch), validates
    #    (the main process) and keeps the best checkpoint
    log(f"precision: {'bf16 autocast' if run.use_bf16 else 'fp32'}")
    if run.is_main and 0 in run.snapshot_at and progress["step"] == 0:
        record_snapshot(run, 0.0, None)
    model.train()
    bar = tqdm(total=total_steps, initial=progress["step"], unit="step", dynamic_ncols=True, file=sys.stderr,
               disable=not run.is_main)
    run.clock = {"wall": time.time() - progress["elapsed_s"],
                 "cpu": time.process_time() - progress.get("cpu_s", 0.0)}  # CPU seconds of all threads: fair when shared
    start_leg(run)
    if args.stream:  # this process's endless batches; resuming replays (reads, does not train) the steps done
        stream = process_stream(train_by, cleaner, weights, tags, tokenizer, args.seed, rank, world_size,
                                args.shuffle_buffer)
        stream_batches = islice(stream_steps(stream, args.batch_tokens, args.stream_buffer, args.seed),
                                progress["step"], None)
    while progress["epoch"] < epochs:
        epoch = progress["epoch"]
        if args.stream:
            steps = islice(stream_batches, args.epoch_steps - progress["batch"])
        else:
            examples = epoch_examples(train_ex_by, weights, args.seed, epoch)
            batches = epoch_batches(examples, args.batch_tokens, args.seed, epoch)
            steps = ((examples, *shard(batches[b], rank, world_size)) for b in range(progress["batch"], len(batches)))
        timing = train_epoch(run, steps, bar, stop)
        if timing is None:
            bar.close()
            if stop["signal"] == "stop-after":
                log(f"\nstopped after {args.stop_after:g} min (--stop-after) at step {progress['step']} of "
                    f"{total_steps}; state saved. Continue with the same command plus --resume")
                return 3
            log(f"\ninterrupted at step {progress['step']}; state saved. Continue with the same command plus --resume")
            return 130
        entry = validate(run, timing) if run.is_main else None
        if entry is not None and progress["step"] in run.snapshot_at:  # before end_epoch saves the resumable state
            record_snapshot(run, entry["epoch"], entry["train_loss"], entry)
        end_epoch(run, entry, bar)
    bar.close()
    if run.tracking:
        accelerator.end_training()
    end_leg(run, "finished")
    save_resumable(run)                                                # the finished leg, in the state too
    if run.is_main:
        finish_records(run)
        write_model_card(out)
    log(f"done in {progress['elapsed_s'] / 60:.1f} min; best valid BLEU {progress['best_bleu']:.2f} "
        f"(epoch {progress.get('best_epoch')}); checkpoint in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
