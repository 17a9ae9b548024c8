"""Train one of the two translators, Chinese -> English, on the Tatoeba corpus.

The committed checkpoints were made with (on a 2-core CPU, both at once, one thread each):

    python -m training.train --model lstm        --data ../shared/data/tatoeba-cmn/cmn.txt --out checkpoints/lstm        --threads 1
    python -m training.train --model transformer --data ../shared/data/tatoeba-cmn/cmn.txt --out checkpoints/transformer --threads 1

Interrupted (Ctrl-C, kill)? Run the same command with --resume: training
continues from the last saved state and reaches the same weights as an
uninterrupted run with the same seed.

Steps: load pairs -> drop every pair that occurs in the test sets -> split
train/valid by English sentence -> add long concatenated examples -> train the
tokenizers on the training split -> train, keeping the checkpoint with the best
validation BLEU.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import signal
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load as load_tensors, save as save_tensors
from tqdm import tqdm

from dawn.card import write_model_card
from dawn.checkpoint import (CheckpointError, load_weights, save_checkpoint, state_dict_bytes, update_file,
                             write_files_atomically)
from dawn.data import DataError, add_concatenations, load_pairs, remove_test_overlap, split_by_english
from dawn.decoding import greedy_decode, pad_batch
from dawn.metrics import corpus_scores
from dawn.tokenizer import BOS, PAD, PairTokenizer
from dawn.translator import build_model

DEFAULT_TEST_DIR = "../shared/data/tatoeba-test"
STATE_DIR = ".resume"  # inside --out; holds the full training state (git-ignored)
DEFAULT_EPOCHS = {"lstm": 13, "transformer": 11}  # what fits in 30 minutes on one core of this CPU (bf16)

# Per-model defaults: sized to stay under 10 MB of fp16 weights and to train in
# under 30 minutes on one core of a 2-core CPU.
MODEL_DEFAULTS = {
    "lstm": dict(d_model=256, n_layers=3, dropout=0.2),
    "transformer": dict(d_model=256, n_heads=4, d_ff=1024, encoder_layers=2, decoder_layers=2, dropout=0.1),
}


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", choices=sorted(MODEL_DEFAULTS), required=True)
    p.add_argument("--data", required=True, help="corpus TSV (English<TAB>Chinese[<TAB>attribution]) or hub dataset id")
    p.add_argument("--test-dir", default=DEFAULT_TEST_DIR, help="every pair occurring in *.zho/*.eng here is dropped")
    p.add_argument("--out", required=True, help="checkpoint folder, e.g. checkpoints/transformer")
    p.add_argument("--resume", action="store_true", help="continue from OUT/.resume after an interruption")
    p.add_argument("--seed", type=int, default=1337)
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--epochs", type=int, default=None, help=f"default: {DEFAULT_EPOCHS}")
    p.add_argument("--batch-tokens", type=int, default=3000, help="max (source + target) tokens per batch, padding included")
    p.add_argument("--lr", type=float, default=1e-3, help="peak learning rate (AdamW)")
    p.add_argument("--warmup", type=int, default=400, help="linear warm-up steps, then cosine decay to lr/10")
    p.add_argument("--precision", choices=["auto", "bf16", "fp32"], default="auto",
                   help="bf16 autocast for matmuls (weights stay fp32); auto = bf16 where the CPU supports it")
    p.add_argument("--label-smoothing", type=float, default=0.1)
    p.add_argument("--valid-fraction", type=float, default=0.04)
    p.add_argument("--concat-fraction", type=float, default=0.15, help="extra long examples, as a fraction of the training pairs")
    p.add_argument("--zh-vocab", type=int, default=2500)
    p.add_argument("--en-vocab", type=int, default=2500)
    p.add_argument("--valid-bleu-sentences", type=int, default=None,
                   help="translate a seeded random sample of this many valid sentences for the per-epoch BLEU "
                        "(default: the whole valid split)")
    p.add_argument("--save-every", type=int, default=100, help="save the resumable state every N steps")
    p.add_argument("--max-train-pairs", type=int, default=None, help="use only the first N training pairs (quick trials)")
    for k, v in {**MODEL_DEFAULTS["lstm"], **MODEL_DEFAULTS["transformer"]}.items():
        p.add_argument("--" + k.replace("_", "-"), type=type(v), default=None)
    return p.parse_args(argv)


def set_seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def make_batches(examples: list[tuple[list[int], list[int]]], batch_tokens: int, seed: int) -> list[list[int]]:
    """Group example indices of similar length into batches of at most batch_tokens
    (padded source + target tokens), in an order that depends only on `seed`."""
    g = torch.Generator().manual_seed(seed)
    noise = torch.rand(len(examples), generator=g).tolist()
    order = sorted(range(len(examples)), key=lambda i: (len(examples[i][0]) + noise[i], len(examples[i][1])))
    batches, cur, cur_max = [], [], 0
    for i in order:
        longest = max(cur_max, len(examples[i][0]) + len(examples[i][1]) + 1)
        if cur and longest * (len(cur) + 1) > batch_tokens:
            batches.append(cur)
            cur, longest = [], len(examples[i][0]) + len(examples[i][1]) + 1
        cur.append(i)
        cur_max = longest
    if cur:
        batches.append(cur)
    perm = torch.randperm(len(batches), generator=g).tolist()
    return [batches[j] for j in perm]


def collate(examples, idx):
    """-> src (B, S), src_mask (B, S), tgt_in (B, T) = <s> y, tgt_out (B, T) = y </s>."""
    src, src_mask = pad_batch([examples[i][0] for i in idx])
    tgt, _ = pad_batch([[BOS] + examples[i][1] for i in idx])       # (B, T+1)
    return src, src_mask, tgt[:, :-1], tgt[:, 1:]


def bf16_supported() -> bool:
    return torch.ops.mkldnn._is_mkldnn_bf16_supported()


def train_step(model, optimizer, src, mask, tgt_in, tgt_out, label_smoothing: float, use_bf16: bool) -> torch.Tensor:
    """One update: teacher-forced cross-entropy (bf16 autocast for the matmuls), backward, clip, AdamW."""
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=use_bf16):
        logits = model(src, mask, tgt_in)                                      # (B, T, V)
    loss = F.cross_entropy(logits.float().flatten(0, 1), tgt_out.flatten(), ignore_index=PAD,
                           label_smoothing=label_smoothing)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    return loss


def lr_at(step: int, total: int, peak: float, warmup: int) -> float:
    """Linear warm-up to `peak`, then cosine decay to peak/10 at the last step."""
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


@torch.no_grad()
def evaluate_loss(model, examples, batch_tokens: int) -> float:
    """Mean per-token cross-entropy (no label smoothing) on the given examples."""
    model.eval()
    total, count = 0.0, 0
    for idx in make_batches(examples, batch_tokens, seed=0):
        src, mask, tgt_in, tgt_out = collate(examples, idx)
        logits = model(src, mask, tgt_in)                            # (B, T, V)
        total += F.cross_entropy(logits.flatten(0, 1), tgt_out.flatten(), ignore_index=PAD, reduction="sum").item()
        count += (tgt_out != PAD).sum().item()
    model.train()
    return total / max(count, 1)


@torch.no_grad()
def evaluate_bleu(model, tokenizer: PairTokenizer, pairs, batch_size: int = 64) -> float:
    """Greedy-decode the pairs' Chinese and score against their English (corpus BLEU)."""
    model.eval()
    hyps = []
    for i in range(0, len(pairs), batch_size):
        src, mask = pad_batch([tokenizer.encode_source(zh) for zh, _ in pairs[i: i + batch_size]])
        hyps += [tokenizer.decode_target(ids) for ids, _ in greedy_decode(model, src, mask)]
    model.train()
    return corpus_scores(hyps, [en for _, en in pairs])["bleu"] if pairs else 0.0


# --- resumable state: model, optimizer, RNG, position — safetensors + JSON, no pickle ---

def save_state(state_dir: Path, model, optimizer, progress: dict, tokenizer: PairTokenizer) -> None:
    tensors = {"rng/torch": torch.get_rng_state()}
    for i, s in optimizer.state_dict()["state"].items():
        for k, v in s.items():
            tensors[f"opt/{i}/{k}"] = v if torch.is_tensor(v) else torch.tensor(v)
    write_files_atomically(state_dir, {
        "model.safetensors": state_dict_bytes(model),                     # fp32: exact resume
        "optimizer.safetensors": save_tensors({k: v.contiguous() for k, v in tensors.items()}),
        "progress.json": json.dumps({**progress, "python_random": _jsonable(random.getstate())}).encode(),
        **tokenizer.to_files(),
    })


def _jsonable(x):
    return [_jsonable(v) for v in x] if isinstance(x, (tuple, list)) else x


def _tupled(x):
    return tuple(_tupled(v) for v in x) if isinstance(x, list) else x


def load_state(state_dir: Path, model, optimizer) -> dict:
    load_weights(model, (state_dir / "model.safetensors").read_bytes(), state_dir / "model.safetensors")
    tensors = load_tensors((state_dir / "optimizer.safetensors").read_bytes())
    opt = optimizer.state_dict()
    opt["state"] = {}
    for key, v in tensors.items():
        if key.startswith("opt/"):
            _, i, name = key.split("/")
            opt["state"].setdefault(int(i), {})[name] = v
    optimizer.load_state_dict(opt)
    torch.set_rng_state(tensors["rng/torch"])
    progress = json.loads((state_dir / "progress.json").read_text())
    random.setstate(_tupled(progress.pop("python_random")))
    return progress


def prepare_data(args, log):
    pairs = load_pairs(args.data)
    log(f"loaded {len(pairs):,} pairs from {args.data}")
    pairs, dropped = remove_test_overlap(pairs, args.test_dir)
    log(f"dropped {dropped:,} pairs whose Chinese or English side occurs in {args.test_dir}; {len(pairs):,} remain")
    train, valid = split_by_english(pairs, args.valid_fraction, args.seed)
    if args.max_train_pairs:
        train = train[: args.max_train_pairs]
    log(f"split by English sentence: {len(train):,} train / {len(valid):,} valid pairs")
    train_aug = add_concatenations(train, args.concat_fraction, args.seed)
    log(f"added {len(train_aug) - len(train):,} concatenated long examples (2-4 random pairs each)")
    stats = {"corpus_pairs": len(pairs) + dropped, "dropped_test_overlap": dropped, "train_pairs": len(train),
             "valid_pairs": len(valid), "concatenated_examples": len(train_aug) - len(train)}
    return train, train_aug, valid, stats


def main(argv=None) -> int:
    args = parse_args(argv)
    log = lambda msg: print(msg, file=sys.stderr, flush=True)
    if args.threads:
        torch.set_num_threads(args.threads)
    out, state_dir = Path(args.out), Path(args.out) / STATE_DIR
    try:  # fail early, not after an hour of training
        write_files_atomically(out, {".write-test": b"ok"})
        (out / ".write-test").unlink()
    except CheckpointError as e:
        log(f"error: {e}")
        return 2
    if args.resume and not (state_dir / "progress.json").exists():
        log(f"error: --resume given but {state_dir} holds no saved state; start without --resume")
        return 2
    set_seed(args.seed)
    try:
        train, train_aug, valid, data_stats = prepare_data(args, log)
    except DataError as e:
        log(f"error: {e}")
        return 2

    if args.resume:
        tokenizer = PairTokenizer.load(state_dir)
    else:
        tokenizer = PairTokenizer.train([z for z, _ in train], [e for _, e in train], args.zh_vocab, args.en_vocab)
    model_config = {k: getattr(args, k) if getattr(args, k) is not None else v for k, v in MODEL_DEFAULTS[args.model].items()}
    model_config.update(src_vocab_size=tokenizer.src_vocab_size, tgt_vocab_size=tokenizer.tgt_vocab_size)
    model = build_model(args.model, model_config)
    n_params = sum(p.numel() for p in model.parameters())
    log(f"{args.model}: {n_params:,} parameters, vocab zh {tokenizer.src_vocab_size} / en {tokenizer.tgt_vocab_size}")

    # targets keep their </s>: collate() turns y </s> into tgt_in = <s> y and tgt_out = y </s>,
    # so the model learns when to stop
    encode = lambda pairs: [(tokenizer.encode_source(z), tokenizer.encode_target(e)) for z, e in pairs]
    train_ex, valid_ex = encode(train_aug), encode(valid)
    # the valid split is in corpus order (sorted by English length): sample, never take a prefix
    valid_bleu_pairs = (random.Random(args.seed).sample(valid, args.valid_bleu_sentences)
                        if args.valid_bleu_sentences and args.valid_bleu_sentences < len(valid) else valid)
    epochs = args.epochs or DEFAULT_EPOCHS[args.model]
    steps_per_epoch = len(make_batches(train_ex, args.batch_tokens, seed=args.seed))
    total_steps = epochs * steps_per_epoch
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.98), weight_decay=0.01)

    # what must not change between a run and its resumption, or the "same weights" promise breaks
    run_settings = {"model": args.model, "seed": args.seed, "epochs": epochs, "batch_tokens": args.batch_tokens,
                    "lr": args.lr, "warmup": args.warmup, "label_smoothing": args.label_smoothing,
                    "precision": args.precision, "model_config": model_config, "train_examples": len(train_ex)}
    progress = {"step": 0, "epoch": 0, "batch": 0, "elapsed_s": 0.0, "best_bleu": -1.0, "history": [],
                "epoch_loss": 0.0, "epoch_tokens": 0, "settings": run_settings}
    if args.resume:
        try:
            progress = load_state(state_dir, model, optimizer)
        except (OSError, ValueError, KeyError) as e:
            log(f"error: the saved state in {state_dir} cannot be read ({e}); start again without --resume")
            return 2
        changed = {k: (v, run_settings[k]) for k, v in progress.get("settings", {}).items() if run_settings.get(k) != v}
        if changed:
            log("error: --resume with different settings than the saved run: "
                + ", ".join(f"{k} was {a}, now {b}" for k, (a, b) in changed.items()))
            return 2
        log(f"resumed at epoch {progress['epoch'] + 1}, batch {progress['batch']} (step {progress['step']})")

    config = {"model_type": args.model, "model": model_config, "num_parameters": n_params,
              "training": {"command": "python -m training.train " + " ".join(a for a in (argv if argv is not None else sys.argv[1:]) if a != "--resume"),
                           "seed": args.seed, "epochs": epochs, "threads": torch.get_num_threads(),
                           **{k: getattr(args, k) for k in ("batch_tokens", "lr", "warmup", "label_smoothing", "precision", "valid_bleu_sentences",
                                                           "valid_fraction", "concat_fraction", "zh_vocab", "en_vocab")},
                           "data": str(args.data), "test_dir": str(args.test_dir), "long_examples": "each extra example joins 2-4 random training pairs "
                           "(Chinese directly, English with a space), at most 100 Chinese characters", **data_stats}}

    stop = {"signal": None}  # Ctrl-C / kill: finish the current step, save, exit
    def request_stop(signum, _frame):
        stop["signal"] = signum
    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    fault_step = int(os.environ.get("DAWN_FAULT_KILL_AT_STEP", "0"))  # tests: SIGKILL ourselves at this step

    use_bf16 = args.precision == "bf16" or (args.precision == "auto" and bf16_supported())
    log(f"precision: {'bf16 autocast' if use_bf16 else 'fp32'}")
    model.train()
    bar = tqdm(total=total_steps, initial=progress["step"], unit="step", dynamic_ncols=True, file=sys.stderr)
    t_run = time.time() - progress["elapsed_s"]
    while progress["epoch"] < epochs:
        epoch = progress["epoch"]
        batches = make_batches(train_ex, args.batch_tokens, seed=args.seed * 1000 + epoch)
        t_epoch_tokens, t0 = 0, time.time()
        for b in range(progress["batch"], len(batches)):
            src, mask, tgt_in, tgt_out = collate(train_ex, batches[b])
            for group in optimizer.param_groups:
                group["lr"] = lr_at(progress["step"], total_steps, args.lr, args.warmup)
            loss = train_step(model, optimizer, src, mask, tgt_in, tgt_out, args.label_smoothing, use_bf16)
            n_tok = int((tgt_out != PAD).sum())
            progress["epoch_loss"] += loss.item() * n_tok
            progress["epoch_tokens"] += n_tok
            t_epoch_tokens += n_tok
            progress["step"] += 1
            progress["batch"] = b + 1
            progress["elapsed_s"] = time.time() - t_run
            bar.update(1)
            bar.set_postfix(epoch=f"{epoch + 1}/{epochs}", loss=f"{loss.item():.3f}",
                            tok_s=f"{t_epoch_tokens / max(time.time() - t0, 1e-9):,.0f}")
            if progress["step"] == fault_step:
                os.kill(os.getpid(), signal.SIGKILL)
            if stop["signal"] is not None or progress["step"] % args.save_every == 0:
                save_state(state_dir, model, optimizer, progress, tokenizer)
            if stop["signal"] is not None:
                bar.close()
                log(f"\ninterrupted at step {progress['step']}; state saved. Continue with the same command plus --resume")
                return 130

        # end of epoch: validation, best checkpoint, log
        valid_loss = evaluate_loss(model, valid_ex, args.batch_tokens)
        valid_bleu = evaluate_bleu(model, tokenizer, valid_bleu_pairs)
        entry = {"epoch": epoch + 1, "step": progress["step"],
                 "train_loss": round(progress["epoch_loss"] / max(progress["epoch_tokens"], 1), 4),
                 "valid_loss": round(valid_loss, 4), "valid_bleu": valid_bleu,
                 "lr": round(optimizer.param_groups[0]["lr"], 6),
                 "train_tokens_per_s": round(t_epoch_tokens / max(time.time() - t0, 1e-9)),
                 "elapsed_s": round(time.time() - t_run, 1)}
        progress["history"].append(entry)
        improved = valid_bleu > progress["best_bleu"]
        bar.write(f"epoch {epoch + 1}: train loss {entry['train_loss']:.3f}  valid loss {valid_loss:.3f}  "
                  f"valid BLEU {valid_bleu:.2f}{'  (best, saved)' if improved else ''}")
        progress.update(epoch=epoch + 1, batch=0, epoch_loss=0.0, epoch_tokens=0)
        log_json = {"model_type": args.model, "history": progress["history"], "best_epoch": None,
                    "training_time_s": round(time.time() - t_run, 1), "threads": torch.get_num_threads(),
                    "precision": "bf16 autocast" if use_bf16 else "fp32", "machine": f"{os.cpu_count()}-core CPU", **data_stats}
        if improved:
            progress["best_bleu"] = valid_bleu
            progress["best_epoch"] = epoch + 1
        log_json["best_epoch"] = progress.get("best_epoch")
        log_bytes = json.dumps(log_json, indent=2).encode()
        if improved:
            config["training"].update(best_epoch=epoch + 1, valid_bleu=valid_bleu, valid_loss=round(valid_loss, 4))
            save_checkpoint(out, model, config, {**tokenizer.to_files(), "train_log.json": log_bytes})
        else:
            update_file(out, "train_log.json", log_bytes)
        save_state(state_dir, model, optimizer, progress, tokenizer)
    bar.close()
    write_model_card(out)
    log(f"done in {progress['elapsed_s'] / 60:.1f} min; best valid BLEU {progress['best_bleu']:.2f} "
        f"(epoch {progress.get('best_epoch')}); checkpoint in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
