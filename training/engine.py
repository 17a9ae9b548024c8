"""The training engine: what every training command shares (train, recipe_time, benchmark).

    examples = encode_examples(...)                     # (source ids, target ids), each ending in </s>
    batches = epoch_batches(epoch_examples(...), ...)   # lists of example indices, <= batch_tokens each
    src, mask, tgt_in, tgt_out = collate(examples, batch)
    loss = train_step(model, optimizer, src, mask, tgt_in, tgt_out, ...)   # one AdamW update
    lr_at(step, total, peak, warmup)                    # the schedule
    evaluate_loss(...), valid_translations(...)         # validation

Several processes (torchrun, accelerate launch): each takes shard(batch, rank, world_size) of every global
batch and passes loss_scale=shard_weight(...) to train_step, so that DDP's averaged gradients are the
whole batch's; global_sums, rng_states and from_main_process are the few things they exchange.

Shapes: B = batch, S = source length, T = target length, V = target vocabulary.
Nothing here parses arguments, reads files or writes checkpoints: the commands do.
"""

from __future__ import annotations

import math
import random
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from dawn.data import sample_mix
from dawn.decoding import greedy_decode, pad_batch
from dawn.tokenizer import BOS, PAD, PairTokenizer

Example = tuple[list[int], list[int]]  # (source ids, target ids), both ending in </s>


def set_seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


# --- examples and batches ---------------------------------------------------------------------

def encode_examples(tokenizer: PairTokenizer, train_by: dict, valid: list, tags: dict, seed: int,
                    valid_bleu_sentences: int | None = None):
    """-> (training examples per corpus, valid examples, indices of the valid sample scored for BLEU).

    Targets keep their </s>: collate() turns y </s> into tgt_in = <s> y and tgt_out = y </s>, so the
    model learns when to stop. Each corpus is encoded once, with its tag (if any) first. The per-epoch
    BLEU sample is a seeded sample of the valid split (all corpora; default 500 sentences)."""
    def encode(pairs, corpus):
        tag = tags.get(corpus.removesuffix("_concat"))
        return [(tokenizer.encode_source(z, tag), tokenizer.encode_target(e)) for z, e in pairs]
    train_ex_by = {k: encode(t, k) for k, t in train_by.items()}
    valid_ex = [ex for z, e, c in valid for ex in encode([(z, e)], c)]
    n_bleu = valid_bleu_sentences or 500
    bleu_idx = sorted(random.Random(seed).sample(range(len(valid)), min(n_bleu, len(valid))))
    return train_ex_by, valid_ex, bleu_idx


def epoch_examples(examples_by: dict, weights: dict, seed: int, epoch: int) -> list[Example]:
    """The examples of one epoch, drawn from each corpus by its weight (see train.DEFAULT_MIX)."""
    chosen = sample_mix({k: len(v) for k, v in examples_by.items()}, weights, seed, epoch)
    return [examples_by[k][i] for k in sorted(chosen) for i in chosen[k]]


def make_batches(examples: list[Example], batch_tokens: int, seed: int) -> list[list[int]]:
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


def epoch_batches(examples: list[Example], batch_tokens: int, seed: int, epoch: int) -> list[list[int]]:
    """One epoch's batches: make_batches with a seed of its own per epoch."""
    return make_batches(examples, batch_tokens, seed=seed * 1000 + epoch)


def collate(examples: list[Example], idx: list[int]):
    """-> src (B, S), src_mask (B, S), tgt_in (B, T) = <s> y, tgt_out (B, T) = y </s>."""
    src, src_mask = pad_batch([examples[i][0] for i in idx])
    tgt, _ = pad_batch([[BOS] + examples[i][1] for i in idx])       # (B, T+1)
    return src, src_mask, tgt[:, :-1], tgt[:, 1:]


# --- the update ---------------------------------------------------------------------------------

def bf16_supported(device: torch.device) -> bool:
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return torch.ops.mkldnn._is_mkldnn_bf16_supported()


def use_bf16(precision: str, device: torch.device) -> bool:
    """--precision auto|bf16|fp32 -> whether the matmuls run under bf16 autocast."""
    return precision == "bf16" or (precision == "auto" and bf16_supported(device))


def make_optimizer(model: torch.nn.Module, lr: float) -> torch.optim.AdamW:
    return torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.98), weight_decay=0.01)


def make_ema(model: torch.nn.Module, decay: float) -> AveragedModel | None:
    """The averaged copy of `model` (the registry's Recipe.ema, or --ema), or None when decay is 0. After each optimizer step
    call ema.update_parameters(model); the first call copies the weights, later ones blend them in."""
    return AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(decay)) if decay else None


def token_loss(logits: torch.Tensor, tgt_out: torch.Tensor, label_smoothing: float = 0.0,
               reduction: str = "mean") -> torch.Tensor:
    """Cross-entropy of logits (B, T, V) against tgt_out (B, T), padding ignored; mean or sum over tokens."""
    return F.cross_entropy(logits.float().flatten(0, 1), tgt_out.flatten(), ignore_index=PAD,
                           label_smoothing=label_smoothing, reduction=reduction)


def train_step(model, optimizer, src, mask, tgt_in, tgt_out, label_smoothing: float, use_bf16: bool,
               ema: AveragedModel | None = None, loss_scale: float = 1.0) -> torch.Tensor:
    """One update: teacher-forced cross-entropy (bf16 autocast for the matmuls), backward, clip, AdamW,
    then the weight average (make_ema) when one is kept. Returns the loss (mean per target token).

    Several processes (shard_weight): each backpropagates its own mean loss times `loss_scale`, so that
    the gradients DDP averages are those of the whole batch's mean."""
    with torch.autocast(src.device.type, dtype=torch.bfloat16, enabled=use_bf16):
        logits = model(src, mask, tgt_in)                                      # (B, T, V)
    loss = token_loss(logits, tgt_out, label_smoothing)
    optimizer.zero_grad(set_to_none=True)
    (loss * loss_scale).backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    if ema is not None:
        ema.update_parameters(model)
    return loss


def lr_at(step: int, total: int, peak: float, warmup: int) -> float:
    """Linear warm-up to `peak`, then cosine decay to peak/10 at the last step."""
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr


# --- validation ---------------------------------------------------------------------------------

@torch.no_grad()
def evaluate_loss(model, examples: list[Example], batch_tokens: int, device=torch.device("cpu")) -> float:
    """Mean per-token cross-entropy (no label smoothing) on the given examples."""
    model.eval()
    total, count = 0.0, 0
    for idx in make_batches(examples, batch_tokens, seed=0):
        src, mask, tgt_in, tgt_out = (x.to(device) for x in collate(examples, idx))
        logits = model(src, mask, tgt_in)                            # (B, T, V)
        total += token_loss(logits, tgt_out, reduction="sum").item()
        count += (tgt_out != PAD).sum().item()
    model.train()
    return total / max(count, 1)


@torch.no_grad()
def valid_translations(model, tokenizer: PairTokenizer, sources: list[list[int]], device=torch.device("cpu"),
                       batch_size: int = 64) -> list[str]:
    """Greedy-decode already encoded sources (longest first, less padding); results in input order."""
    model.eval()
    order = sorted(range(len(sources)), key=lambda i: -len(sources[i]))
    hyps = [""] * len(sources)
    for i in range(0, len(order), batch_size):
        idx = order[i: i + batch_size]
        src, mask = pad_batch([sources[j] for j in idx])
        for j, (ids, _) in zip(idx, greedy_decode(model, src.to(device), mask.to(device))):
            hyps[j] = tokenizer.decode_target(ids)
    model.train()
    return hyps


# --- several processes (torchrun, accelerate launch): data parallel -----------------------------
#
# Every process builds the same model and the same epoch's batches; each trains on its shard of every
# batch, and DDP averages the gradients, so that all processes take the same step with the same weights.
# With N processes and the same --batch-tokens the global batch is the single-process batch: the same
# steps, the same schedule, the same weights up to floating-point summation order.

def shard(batch: list[int], rank: int, world_size: int) -> tuple[list[int], bool]:
    """This process's share of a global batch (every world_size-th example from `rank`) -> (indices, real).
    A batch with fewer examples than processes leaves some without one: they get the batch's first
    example with real=False, to be weighted 0 (every process must run forward and backward under DDP)."""
    mine = batch[rank::world_size]
    return (mine, True) if mine else (batch[:1], False)


def shard_weight(local_tokens: int, global_tokens: int, world_size: int) -> float:
    """loss_scale for train_step. Process r's mean loss over its n_r target tokens, times
    world_size * n_r / N, has gradients whose average over the processes (what DDP computes) is
        Σ_r (n_r / N) ∇ mean_r  =  ∇ (Σ_r n_r mean_r / N)  =  ∇ (mean over the N tokens of the whole batch).
    One process: exactly 1.0."""
    return world_size * local_tokens / global_tokens


def global_sums(accelerator, values: list[float]) -> list[float]:
    """[a, b, ...] summed over all processes (the same list everywhere); one process: unchanged."""
    if accelerator.num_processes == 1:
        return values
    t = torch.tensor(values, dtype=torch.float64, device=accelerator.device)
    torch.distributed.all_reduce(t)
    return t.tolist()


def rng_states(accelerator) -> list[torch.Tensor]:
    """Every process's torch RNG state (dropout masks differ by process), in rank order."""
    state = torch.get_rng_state()
    if accelerator.num_processes == 1:
        return [state]
    states = [None] * accelerator.num_processes
    torch.distributed.all_gather_object(states, state)
    return states


def from_main_process(accelerator, compute: Callable[[], object]):
    """compute() on the main process only (e.g. training the tokenizer); its result handed to every process."""
    if accelerator.num_processes == 1:
        return compute()
    box = [compute() if accelerator.is_main_process else None]
    torch.distributed.broadcast_object_list(box, src=0)
    return box[0]
