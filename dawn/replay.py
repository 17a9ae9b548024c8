"""Training, recorded: what a model made of two fixed sentences at a few points of its training run.

    from dawn.replay import SENTENCES, snapshot_steps, snapshot, replay_json
    steps = snapshot_steps(total_steps=3000, n=8)      # [0, 429, 857, 1286, 1714, 2143, 2571, 3000]
    record = snapshot(translator, SENTENCES)           # at one of those steps: the maps of both sentences
    raw = replay_json("transformer", SENTENCES, snapshots, total_steps=3000, planned=8)  # -> checkpoints/NAME/replay.json

training/train.py calls these at `--snapshots N` points (default 8) spread evenly over the
run's planned optimizer steps, the first (step 0, the untrained model) and the last included.
The sentences are the story's long sentence and the whiteboard's 猫追老鼠。 (dawn/story.py):
translated greedily for display only — never trained on, never used to choose anything.

replay.json (what the explorer's training replay reads; ≤ MAX_REPLAY_BYTES):

    {"format": 1, "model": "transformer", "scale": 255,
     "sentence": STORY_SENTENCE, "short_sentence": WHITEBOARD_SENTENCE,
     "total_steps": 3000, "snapshots_planned": 8,
     "snapshots": [                                   # in increasing step order
       {"step": 0, "epoch": 0.0,                      # optimizer steps done; epochs done (fractional)
        "train_loss": null,                           # mean loss of the current epoch so far (null at step 0)
        "valid_loss": 9.1, "valid_bleu": null,        # measured at this step, as at an epoch's end
                                                      # (valid_bleu null at step 0: an untrained model has none)
        "translation": "...", "source_tokens": [S], "target_tokens": [T],
        "cross_attention": [L][T][S] ints | null,     # each layer's heads averaged, rows sum to `scale`;
                                                      # null for the plain LSTM (it has no attention)
        "influence": [T][S] floats (nats),            # drop in log p(y_t) when source j becomes <unk>
        "short": {"translation", "source_tokens", "target_tokens", "cross_attention", "influence"}},
       ...]}

Attention is quantized as /attention's explorer does it (dawn.explain.quantize_rows: each row
rounded to integers that sum to exactly `scale`); influence is dawn.explain's influence map.
"""

from __future__ import annotations

import json

import torch

from dawn.checkpoint import REPLAY_FILE  # checkpoints/NAME/replay.json; not in its manifest
from dawn.decoding import greedy_decode, pad_batch
from dawn.explain import ATTENTION_SCALE, DIGITS, round_floats, forced_pass, influence, quantize_rows
from dawn.story import STORY_SENTENCE, WHITEBOARD_SENTENCE
from dawn.translator import Translation, add_maps

FORMAT = 1
SENTENCES = [STORY_SENTENCE, WHITEBOARD_SENTENCE]  # recorded at every snapshot: shown only, never trained on
DEFAULT_SNAPSHOTS = 8
MAX_SNAPSHOTS = 12             # with MAX_TARGET_TOKENS this keeps replay.json under MAX_REPLAY_BYTES
MAX_TARGET_TOKENS = 80         # an untrained model babbles to the length limit: its map is cut here
MAX_REPLAY_BYTES = 1_000_000


def snapshot_steps(total_steps: int, n: int) -> list[int]:
    """n optimizer-step counts spread evenly over a run of total_steps: round(k · total / (n − 1)),
    k = 0 … n−1 — step 0 (before any update) and total_steps (the end) included, no duplicates."""
    if n < 2:
        raise ValueError(f"a replay needs at least 2 snapshots (the first and the last), got {n}")
    return sorted({round(k * total_steps / (n - 1)) for k in range(n)})


@torch.no_grad()
def sentence_record(translator, sentence: str) -> dict:
    """Greedy translation of one sentence with its cross-attention (heads averaged per layer, quantized)
    and influence map. `translator`: anything with .model (in eval mode) and .tokenizer (a Translator)."""
    tok, model = translator.tokenizer, translator.model
    src_ids = tok.encode_source(sentence)                            # S ids ending in </s>
    src, mask = pad_batch([src_ids])                                 # (1, S)
    out_ids, log_prob = greedy_decode(model, src, mask)[0]
    out_ids = out_ids[:MAX_TARGET_TOKENS]                            # T ≤ MAX_TARGET_TOKENS
    record = {"translation": tok.decode_target(out_ids), "source_tokens": tok.source_tokens(src_ids),
              "target_tokens": tok.target_tokens(out_ids), "cross_attention": None, "influence": []}
    if not out_ids:                                                  # it said nothing: nothing to map
        if getattr(model, "has_attention", False):
            record["cross_attention"] = []
        return record
    f = forced_pass(model, src_ids, out_ids)
    record["influence"] = round_floats(influence(f["token_logp"]), DIGITS)              # (T, S)
    maps = Translation(text=record["translation"], source_tokens=record["source_tokens"],
                       target_tokens=record["target_tokens"], log_prob=log_prob, ids=list(out_ids))
    add_maps(model, maps, src, mask)                                 # the attention the decoder used, as translate() maps it
    if maps.cross_attentions is not None:                           # per layer (H, T, S) -> mean over heads (T, S)
        record["cross_attention"] = [quantize_rows(a.mean(0)).tolist() for a in maps.cross_attentions]
    return record


def snapshot(translator, sentences: list[str]) -> dict:
    """The first sentence's record at the top level, the second (if any) under "short"."""
    was_training = translator.model.training
    translator.model.eval()
    try:
        records = [sentence_record(translator, s) for s in sentences]
    finally:
        translator.model.train(was_training)
    return {**records[0], **({"short": records[1]} if len(records) > 1 else {})}


def replay_json(model_type: str, sentences: list[str], snapshots: list[dict], total_steps: int,
                planned: int) -> bytes:
    """The replay.json bytes (compact JSON). Raises ValueError above MAX_REPLAY_BYTES."""
    data = {"format": FORMAT, "model": model_type, "scale": ATTENTION_SCALE, "sentence": sentences[0],
            "short_sentence": sentences[1] if len(sentences) > 1 else None,
            "total_steps": total_steps, "snapshots_planned": planned,
            "snapshots": sorted(snapshots, key=lambda s: s["step"])}
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    if len(raw) > MAX_REPLAY_BYTES:
        raise ValueError(f"replay.json would be {len(raw):,} bytes, over {MAX_REPLAY_BYTES:,}; use fewer --snapshots")
    return raw
