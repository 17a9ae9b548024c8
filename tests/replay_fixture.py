"""A real training replay from a tiny model, for the replay tests (never a file that ships).

tiny_replay() trains a tiny model on the tiny corpus for a few optimizer steps and records, at chosen steps,
what dawn/replay.py's replay.json holds: the step, the epoch, validation loss and BLEU on held-out tiny pairs,
and the greedy translation of two sentences with their cross-attention (each layer's heads averaged,
8-bit) and influence maps — every number from the model's own decode at that point.
"""

from __future__ import annotations

from types import SimpleNamespace

import torch
import torch.nn.functional as F

from dawn.decoding import greedy_decode, pad_batch
from dawn.explain import ATTENTION_SCALE, DIGITS, _round, forced_pass, influence, quantize_rows
from dawn.metrics import corpus_scores
from dawn.tokenizer import BOS, PAD

try:                                               # engineer 23's snapshot code, where it is merged
    from dawn.replay import sentence_record as _replay_record
except ImportError:
    _replay_record = None

SENTENCES = ("他有鱼。我们喜欢茶。", "猫追老鼠。")  # a longer and a short sentence (the real replay: story, 猫追老鼠。)


@torch.no_grad()
def sentence_record(model, tokenizer, sentence: str, max_tokens: int = 30) -> dict:
    """One sentence's greedy translation and maps, as in replay.json (dawn.replay.sentence_record's once merged)."""
    if _replay_record is not None:
        return _replay_record(SimpleNamespace(model=model, tokenizer=tokenizer), sentence)
    src_ids = tokenizer.encode_source(sentence)
    src, mask = pad_batch([src_ids])
    out_ids = greedy_decode(model, src, mask)[0][0][:max_tokens]
    record = {"translation": tokenizer.decode_target(out_ids), "source_tokens": tokenizer.source_tokens(src_ids),
              "target_tokens": tokenizer.target_tokens(out_ids),
              "cross_attention": [] if model.has_attention else None, "influence": []}
    if out_ids:
        f = forced_pass(model, src_ids, out_ids)
        record["influence"] = _round(influence(f["token_logp"]), DIGITS)
        if f["cross"] is not None:
            record["cross_attention"] = [quantize_rows(a.mean(0)).tolist() for a in f["cross"]]  # [L] (T, S)
    return record


def batch(tokenizer, pairs):
    src, mask = pad_batch([tokenizer.encode_source(zh) for zh, _ in pairs])
    tgt = [tokenizer.encode_target(en) for _, en in pairs]
    tgt_in, _ = pad_batch([[BOS] + t[:-1] for t in tgt])                    # (B, T)
    tgt_out, _ = pad_batch(tgt)                                              # (B, T) ending in </s>
    return src, mask, tgt_in, tgt_out


def loss_of(model, tokenizer, pairs) -> torch.Tensor:
    src, mask, tgt_in, tgt_out = batch(tokenizer, pairs)
    logits = model(src, mask, tgt_in)                                        # (B, T, V)
    return F.cross_entropy(logits.transpose(1, 2), tgt_out, ignore_index=PAD)


def tiny_replay(model, tokenizer, pairs, kind: str, steps=(0, 4, 8), batch_size: int = 16) -> dict:
    """Train `model` for max(steps) Adam steps on pairs[10:] and snapshot at every step in `steps`."""
    valid, train = pairs[:10], pairs[10:]
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    per_epoch = -(-len(train) // batch_size)
    snapshots = []

    def snap(step: int) -> None:
        model.eval()
        with torch.no_grad():
            src, mask = pad_batch([tokenizer.encode_source(zh) for zh, _ in valid])
            hyps = [tokenizer.decode_target(ids) for ids, _ in greedy_decode(model, src, mask)]
            records = [sentence_record(model, tokenizer, s) for s in SENTENCES]
            snapshots.append({"step": step, "epoch": round(step / per_epoch, 3), "train_loss": None,
                              "valid_loss": round(loss_of(model, tokenizer, valid).item(), 4),
                              "valid_bleu": corpus_scores(hyps, [en for _, en in valid])["bleu"],
                              **records[0], "short": records[1]})
        model.train()

    model.train()
    for step in range(max(steps) + 1):
        if step in steps:
            snap(step)
        if step == max(steps):
            break
        lo = (step % per_epoch) * batch_size
        opt.zero_grad()
        loss_of(model, tokenizer, train[lo: lo + batch_size]).backward()
        opt.step()
    model.eval()
    return {"format": 1, "model": kind, "scale": ATTENTION_SCALE, "sentence": SENTENCES[0],
            "short_sentence": SENTENCES[1], "total_steps": max(steps), "snapshots_planned": len(steps),
            "snapshots": snapshots}
