"""A real training replay from a tiny model, for the replay tests (never a file that ships).

tiny_replay() trains a tiny model on the tiny corpus for a few optimizer steps and records, at chosen steps,
what training records in replay.json (dawn/replay.py: its snapshot() of the two replay sentences and its
replay_json()), with validation loss and BLEU on held-out tiny pairs — every number from the model's own
decode at that point. (tests/test_explorer_replay.py also reads the replay.json a tiny training.train run
writes; this is the quicker way for the browser tests.)
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import torch
import torch.nn.functional as F

from dawn.decoding import greedy_decode, pad_batch
from dawn.metrics import corpus_scores
from dawn.replay import SENTENCES, replay_json, snapshot
from dawn.tokenizer import BOS, PAD


def loss_of(model, tokenizer, pairs) -> torch.Tensor:
    """Mean cross-entropy per target token of a batch of (Chinese, English) pairs (teacher forcing)."""
    src, mask = pad_batch([tokenizer.encode_source(zh) for zh, _ in pairs])
    tgt = [tokenizer.encode_target(en) for _, en in pairs]
    tgt_in, _ = pad_batch([[BOS] + t[:-1] for t in tgt])                    # (B, T)
    tgt_out, _ = pad_batch(tgt)                                              # (B, T) ending in </s>
    logits = model(src, mask, tgt_in)                                        # (B, T, V)
    return F.cross_entropy(logits.transpose(1, 2), tgt_out, ignore_index=PAD)


def tiny_replay(model, tokenizer, pairs, kind: str, steps=(0, 4, 8), batch_size: int = 16) -> dict:
    """Train `model` for max(steps) Adam steps on pairs[10:] and snapshot it at every step in `steps`."""
    valid, train = pairs[:10], pairs[10:]
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    per_epoch = -(-len(train) // batch_size)
    translator = SimpleNamespace(model=model, tokenizer=tokenizer)
    snapshots = []
    for step in range(max(steps) + 1):
        if step in steps:
            model.eval()
            with torch.no_grad():
                src, mask = pad_batch([tokenizer.encode_source(zh) for zh, _ in valid])
                hyps = [tokenizer.decode_target(ids) for ids, _ in greedy_decode(model, src, mask)]
                snapshots.append({"step": step, "epoch": round(step / per_epoch, 3), "train_loss": None,
                                  "valid_loss": round(loss_of(model, tokenizer, valid).item(), 4),
                                  "valid_bleu": corpus_scores(hyps, [en for _, en in valid])["bleu"] if step else None,
                                  **snapshot(translator, SENTENCES)})
            model.train()
        if step == max(steps):
            break
        lo = (step % per_epoch) * batch_size
        opt.zero_grad()
        loss_of(model, tokenizer, train[lo: lo + batch_size]).backward()
        opt.step()
    model.eval()
    return json.loads(replay_json(kind, SENTENCES, snapshots, max(steps), len(steps)))
