"""How long does a final recipe take on this CPU? Measured on its real data, not guessed.

    python -m lab.experiments.recipe_time --checkpoint checkpoints/lstm checkpoints/lstm_attention checkpoints/transformer

A checkpoint trained on a GPU (or stopped early) still carries its exact recipe in
training.json. For each one this script rebuilds that recipe's data on this CPU with
the same code as `training.train` (same seed, mix, tags, batches), counts the target
tokens of every epoch, and times, with the recipe's own settings (bf16 autocast,
batch size) and --threads:

    - `--steps` real training steps (forward, backward, AdamW, the weight average if the recipe
      keeps one) of epoch 1's batches, spread over the whole epoch (every k-th batch, so short
      and long batches are both timed),
    - one end-of-epoch validation (valid loss + greedy valid BLEU on the same sentences; with a weight
      average also the raw weights' valid loss).

    estimated wall time = Σ_epochs target tokens / (timed target tokens / timed seconds)
                          + epochs × validation seconds

Where the checkpoint was itself trained on this CPU, its measured time stands beside the
estimate: the check of the method. Writes checkpoints/recipe_time.json.

A CPU that cannot run the recipe as it trained (the committed weights trained with bf16 autocast,
which needs AVX-512 bf16; elsewhere the recipe runs in fp32) gets its estimate recorded beside the
trained-on one (`on_other_cpus`, with the CPU model and precision), not in its place: the same recipe
takes about twice as long there.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from pathlib import Path

import torch

from dawn.tokenizer import PAD
from dawn.translator import build_model, load_translator
from training.engine import (collate, encode_examples, epoch_batches, epoch_examples, evaluate_loss, make_ema,
                             make_optimizer, train_step, use_bf16, valid_translations)
from training.machine import cpu_model
from training.recipe import mix_and_tags, parse_args, prepare_data


def recipe_args(training: dict) -> argparse.Namespace:
    """The recipe's arguments, parsed from the command that training.json recorded."""
    argv = shlex.split(training["command"])[3:]  # drop "python -m training.train"
    return parse_args(argv)


def measure(checkpoint: Path, steps: int) -> dict:
    translator = load_translator(checkpoint)        # trained weights: validation decodes like the real run
    tr, log = translator.config["training"], json.loads((checkpoint / "train_log.json").read_text())
    args = recipe_args(tr)
    weights, tags = mix_and_tags(args)
    train_by, valid, _ = prepare_data(args, log=lambda _msg: None)
    tokenizer = translator.tokenizer   # the run's own: the same ids as in training
    train_ex_by, valid_ex, bleu_idx = encode_examples(tokenizer, train_by, valid, tags, args.seed,
                                                      args.valid_bleu_sentences)

    # every target token of every epoch: </s> included, padding not (as train.py counts them)
    epochs = tr["epochs"]
    tokens_per_epoch = [sum(len(t) for _, t in epoch_examples(train_ex_by, weights, args.seed, e)) for e in range(epochs)]

    # time `steps` batches of epoch 1, every k-th one, on a fresh copy of the architecture
    examples = epoch_examples(train_ex_by, weights, args.seed, 0)
    batches = epoch_batches(examples, args.batch_tokens, args.seed, epoch=0)
    timed = batches[:: max(1, len(batches) // steps)][:steps]
    model = build_model(tr["model_type"], tr["model_config"]).train()
    optimizer = make_optimizer(model, args.lr)
    ema = make_ema(model, args.ema)
    bf16 = use_bf16(args.precision, torch.device("cpu"))
    for idx in timed[:2]:                            # warm-up (allocator, oneDNN kernels)
        train_step(model, optimizer, *collate(examples, idx), args.label_smoothing, bf16, ema)
    n_tok, t0, c0 = 0, time.perf_counter(), time.process_time()
    for idx in timed:
        src, mask, tgt_in, tgt_out = collate(examples, idx)
        train_step(model, optimizer, src, mask, tgt_in, tgt_out, args.label_smoothing, bf16, ema)
        n_tok += int((tgt_out != PAD).sum())
    train_wall, train_cpu = time.perf_counter() - t0, time.process_time() - c0

    # one validation, as at the end of every epoch, with the trained model
    trained = translator.model
    t0 = time.perf_counter()
    for _ in range(2 if ema is not None else 1):      # with a weight average: averaged and raw weights' loss
        evaluate_loss(trained, valid_ex, args.batch_tokens)
    valid_translations(trained, tokenizer, [valid_ex[i][0] for i in bleu_idx])
    valid_wall = time.perf_counter() - t0

    tok_per_s = n_tok / train_wall
    estimate_s = sum(tokens_per_epoch) / tok_per_s + epochs * valid_wall
    out = {"command": tr["command"], "measured_on": f"{cpu_model()}, {os.cpu_count()} CPUs",
           "precision": "bf16 autocast" if bf16 else "fp32", "epochs": epochs, "batch_tokens": args.batch_tokens,
           "target_tokens_per_epoch": tokens_per_epoch, "timed_steps": len(timed), "timed_target_tokens": n_tok,
           "target_tokens_per_s": round(tok_per_s), "target_tokens_per_cpu_s": round(n_tok / train_cpu),
           "validation_s": round(valid_wall, 1), "estimated_wall_min": round(estimate_s / 60, 1),
           "trained_on": {"device": log["device"], "machine": log.get("machine"), "precision": log.get("precision"),
                          "epochs_run": len(log["history"]), "wall_min": round(log["training_time_s"] / 60, 1)}}
    if log["device"] == "cpu":
        out["trained_on"]["threads"] = log["threads"]
    return out


OTHER_CPU_KEYS = ("measured_on", "precision", "target_tokens_per_s", "target_tokens_per_cpu_s", "timed_steps",
                  "validation_s", "estimated_wall_min")


def file_as(models: dict, name: str, r: dict) -> str:
    """Put measurement `r` of model `name` into recipe_time.json's models: in place of the entry for the same
    command ("main"), unless this CPU ran the recipe in another precision than the committed run trained in;
    then beside it, in `on_other_cpus` (one entry per CPU model and precision: "other")."""
    old = models.get(name)
    trained_precision = (old or {}).get("trained_on", {}).get("precision")
    if old and old["command"] == r["command"] and trained_precision and trained_precision != r["precision"]:
        same_cpu = lambda o: (o["measured_on"], o["precision"]) == (r["measured_on"], r["precision"])  # noqa: E731
        old["on_other_cpus"] = [o for o in old.get("on_other_cpus", []) if not same_cpu(o)] + \
                               [{k: r[k] for k in OTHER_CPU_KEYS}]
        return "other"
    if old and old["command"] == r["command"] and old.get("on_other_cpus"):
        r["on_other_cpus"] = old["on_other_cpus"]
    models[name] = r
    return "main"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", nargs="+", required=True)
    p.add_argument("--threads", type=int, default=2, help="torch threads (the recipes' budget is a 2-core CPU)")
    p.add_argument("--steps", type=int, default=60, help="training steps to time per model")
    p.add_argument("--out", default="checkpoints/recipe_time.json")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    path = Path(args.out)
    report = json.loads(path.read_text()) if path.exists() else {}
    report.setdefault("models", {})
    for entry in report["models"].values():  # files from before each entry named its CPU: the file's machine then
        entry.setdefault("measured_on", report.get("machine"))
    report.pop("machine", None)              # each entry names its own CPU (entries may come from different CPUs)
    for ckpt in map(Path, args.checkpoint):
        print(f"{ckpt.name}: rebuilding the recipe's data and timing it…", file=sys.stderr, flush=True)
        r = measure(ckpt, args.steps)
        if file_as(report["models"], ckpt.name, r) == "main":   # the file's header describes its main entries
            report.update(threads=args.threads, torch=torch.__version__)
        print(f"{ckpt.name}: {r['target_tokens_per_s']:,} target tokens/s, validation {r['validation_s']} s, "
              f"estimated {r['estimated_wall_min']} min for {r['epochs']} epochs", file=sys.stderr, flush=True)
        path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
