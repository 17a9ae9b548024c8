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
short epochs of mostly everyday sentences, see QUICK). Your own data: any TSV (English<TAB>Chinese), NAME.zh/NAME.en
pair or hub dataset id after --data; `--mix NAME=WEIGHT` and `--tags NAME=<tag>` say
how to mix them. A CUDA GPU is used when present (`--device`).

Interrupted (Ctrl-C, kill)? Run the same command with --resume: training
continues from the last saved state and reaches the same weights as an
uninterrupted run with the same seed.

Steps: load the corpora -> drop every pair that occurs in a test set (Tatoeba-test
and FLORES-200) and every pair containing one of the story's own sentences ->
split train/valid per corpus by English sentence -> add long concatenated Tatoeba
examples -> train one tokenizer on the training split (Chinese characters by
coverage, English BPE) -> each epoch, draw the corpus mix -> train (optionally keeping a moving
average of the weights, --ema), keeping the checkpoint with the best validation BLEU.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shlex
import signal
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load as load_tensors, save as save_tensors
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from tqdm import tqdm

from dawn.card import write_model_card
from dawn.checkpoint import (TRAINING, CheckpointError, load_weights, save_checkpoint, state_dict_bytes, update_file,
                             write_files_atomically)
from dawn.data import (DataError, add_concatenations, load_corpora, narrative_slice, remove_story_sentences,
                       remove_test_overlap, sample_mix, split_by_english)
from dawn.decoding import greedy_decode, pad_batch
from dawn.metrics import corpus_scores
from dawn.replay import DEFAULT_SNAPSHOTS, MAX_SNAPSHOTS, replay_json, snapshot, snapshot_steps
from dawn.story import STORY_SENTENCE, WHITEBOARD_SENTENCE
from dawn.tokenizer import BOS, PAD, PairTokenizer
from dawn.translator import build_model

DEFAULT_TEST_DIRS = ["../shared/data/tatoeba-test", "../shared/data/flores200-devtest"]
STATE_DIR = ".resume"  # inside --out; holds the full training state (git-ignored)
REPLAY = "replay.json"  # inside --out: the training replay (dawn/replay.py); not part of the checkpoint's manifest
REPLAY_SENTENCES = [STORY_SENTENCE, WHITEBOARD_SENTENCE]  # shown at every snapshot, never trained on or scored

# Per-model defaults, each ≤ 15M parameters.
MODEL_DEFAULTS = {
    "lstm": dict(d_model=256, n_layers=3, dropout=0.2),
    "lstm_attention": dict(d_embed=256, d_enc=256, d_dec=512, d_attn=256, enc_layers=2, dropout=0.2),
    "transformer": dict(d_model=256, n_heads=4, d_ff=1024, encoder_layers=3, decoder_layers=2, dropout=0.1),
}
# Epochs and batch sizes sized so that each final recipe fits in 2 hours on a 2-core CPU with the machine to
# itself (2 threads, bf16 autocast): target tokens per second measured by `training.benchmark --throughput`.
# The recurrent models run faster with bigger batches (fewer, larger matrix products per time step).
DEFAULT_EPOCHS = {"lstm": 12, "lstm_attention": 8, "transformer": 11}
DEFAULT_BATCH_TOKENS = {"lstm": 6000, "lstm_attention": 6000, "transformer": 3000}

# How the corpora are mixed. A weight w means: each epoch uses every pair floor(w) times plus a
# random share w - floor(w) of them (drawn anew each epoch). Tatoeba (everyday speech, like the story)
# is up-sampled; the Bible (31k verses) and the Python docs (47k paragraphs) are down-sampled and
# carry a source tag, so that their registers ("thou hath", `code`) stay behind their tags:
# the app and the test sets never use a tag. Chosen on validation data: checkpoints/mix_experiments.json.
DEFAULT_MIX = {"cmn": 2.0, "bible_cuvs_kjv": 0.15, "python_docs_zhcn": 0.1}
DEFAULT_TAGS = {"bible_cuvs_kjv": "<bible>", "python_docs_zhcn": "<code>"}
CONCAT_CORPORA = ("cmn",)  # short sentences joined into long examples
TRAIN_ONLY_CORPORA = ("cedict",)  # word lists (--data cedict): no valid split, so the valid sets stay comparable
# How a long example's Chinese sentences are joined: "comma" makes one comma chain (the story's shape),
# "plain" puts them side by side. The committed LSTMs were trained with "plain" (before the comma chain
# was tried); each model's default is the join its committed checkpoint was trained with.
LONG_EXAMPLES = {"lstm": "plain", "lstm_attention": "plain", "transformer": "comma"}
# Exponential moving average of the weights (Polyak averaging): after every step
#     ema <- decay * ema + (1 - decay) * weights
# i.e. an average over roughly the last 1 / (1 - decay) steps, which smooths out the noise of the last
# updates. When on, validation and the saved checkpoint use the averaged weights. 0 = off.
# Tried on the Transformer's final recipe with decay 0.9995 (checkpoints/transformer_recipes.json): the
# average lagged behind the still-improving weights (valid loss higher at every epoch, valid BLEU lower up
# to epoch 10; at the last epoch 15.85 against the raw weights' 15.42 and their best, 15.65, within the
# epoch-to-epoch noise), and its updates pushed the recipe to 120.1 min, past 2 hours. No model uses it.
EMA_DECAY = {"lstm": 0.0, "lstm_attention": 0.0, "transformer": 0.0}
MAX_ZH_CHARS = 120         # longer training pairs (mostly Python docs paragraphs) are skipped

# --preset quick: a usable model in about ten minutes on this CPU, for trying retraining.
# Mostly everyday sentences (Tatoeba and the small story/grammar corpora), a little Wikipedia, no Bible
# or Python docs: what a small model can learn in ten minutes.
QUICK = {"epochs": 3, "warmup": 200, "lr": 1e-3, "en_vocab": 4000,
         "mix": {"bible_cuvs_kjv": 0.0, "python_docs_zhcn": 0.0, "mlqe_pe_wiki": 0.2, "tico19": 0.2, "xquad_wiki": 0.2,
                 "ud_pud_zh_trad": 0.2, "cmn": 1.0},
         "lstm": dict(d_model=256, n_layers=2), "lstm_attention": dict(d_embed=128, d_enc=128, d_dec=256, d_attn=128,
                                                                       enc_layers=1),
         "transformer": dict(encoder_layers=2, decoder_layers=2)}


def parse_weights(text: str | None, kind=float) -> dict:
    """"cmn=2,bible_cuvs_kjv=0.2" -> {"cmn": 2.0, "bible_cuvs_kjv": 0.2}; "" -> {}."""
    out = {}
    for item in filter(None, (text or "").split(",")):
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"expected NAME=VALUE in {text!r}, got {item!r}")
        out[name.strip()] = kind(value.strip())
    return out


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", choices=sorted(MODEL_DEFAULTS), required=True)
    p.add_argument("--data", nargs="+", required=True,
                   help="corpora: TSV files (English<TAB>Chinese[<TAB>attribution]), NAME.zh/NAME.en pairs, "
                        "folders of such pairs, or hub dataset ids")
    p.add_argument("--test-dir", nargs="+", default=DEFAULT_TEST_DIRS,
                   help="every pair occurring in a test file here (*.zho/*.eng, zho_*/eng_*.devtest) is dropped")
    p.add_argument("--preset", choices=["final", "quick"], default="final",
                   help="quick: a smaller model, three short epochs of everyday sentences (about ten minutes on 2 CPU cores)")
    p.add_argument("--mix", default=None, help=f"per-corpus epoch weights NAME=W,... (default {DEFAULT_MIX}; others 1)")
    p.add_argument("--tags", default=None, help=f"per-corpus source tags NAME=<tag>,... (default {DEFAULT_TAGS})")
    p.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    p.add_argument("--out", required=True, help="checkpoint folder, e.g. checkpoints/transformer")
    p.add_argument("--resume", action="store_true", help="continue from OUT/.resume after an interruption")
    p.add_argument("--seed", type=int, default=1337)
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--epochs", type=int, default=None, help=f"default: {DEFAULT_EPOCHS}")
    p.add_argument("--batch-tokens", type=int, default=None,
                   help=f"max (source + target) tokens per batch, padding included (default: {DEFAULT_BATCH_TOKENS})")
    p.add_argument("--lr", type=float, default=1e-3, help="peak learning rate (AdamW)")
    p.add_argument("--warmup", type=int, default=400, help="linear warm-up steps, then cosine decay to lr/10")
    p.add_argument("--precision", choices=["auto", "bf16", "fp32"], default="auto",
                   help="bf16 autocast for matmuls (weights stay fp32); auto = bf16 where the CPU supports it")
    p.add_argument("--label-smoothing", type=float, default=0.1)
    p.add_argument("--valid-fraction", type=float, default=0.04)
    p.add_argument("--valid-per-corpus", type=int, default=300, help="at most this many valid pairs per extra corpus")
    p.add_argument("--concat-fraction", type=float, default=0.15, help="extra long examples, as a fraction of the Tatoeba training pairs")
    p.add_argument("--long-examples", choices=["comma", "plain"], default=None,
                   help=f"join a long example's Chinese sentences as one comma chain or side by side (default: {LONG_EXAMPLES})")
    p.add_argument("--ema", type=float, default=None,
                   help=f"decay of the exponential moving average of the weights that is validated and saved; 0 = off "
                        f"(default: {EMA_DECAY})")
    p.add_argument("--zh-coverage", type=float, default=0.9995,
                   help="keep the most frequent Chinese characters covering this share of the training text")
    p.add_argument("--en-vocab", type=int, default=8000, help="English BPE vocabulary size")
    p.add_argument("--valid-bleu-sentences", type=int, default=None,
                   help="translate a seeded random sample of this many valid sentences for the per-epoch BLEU "
                        "(default: the whole valid split)")
    p.add_argument("--save-every", type=int, default=100, help="save the resumable state every N steps")
    p.add_argument("--snapshots", type=int, default=DEFAULT_SNAPSHOTS,
                   help=f"record the story sentence's and {WHITEBOARD_SENTENCE}'s translations, maps and the valid "
                        f"scores at N points spread over the run, first and last included, in OUT/{REPLAY} "
                        f"(2..{MAX_SNAPSHOTS}; 0 = off)")
    p.add_argument("--max-train-pairs", type=int, default=None, help="use a seeded random N of the training pairs")
    for k, v in {k: v for d in MODEL_DEFAULTS.values() for k, v in d.items()}.items():
        p.add_argument("--" + k.replace("_", "-"), type=type(v), default=None)
    args = p.parse_args(argv)
    args.batch_tokens = args.batch_tokens or DEFAULT_BATCH_TOKENS[args.model]
    args.long_examples = args.long_examples or LONG_EXAMPLES[args.model]
    if args.preset == "quick":  # explicit flags still win
        given = argv if argv is not None else sys.argv
        for k in ("epochs", "warmup", "lr", "en_vocab"):
            if getattr(args, k) is None or "--" + k.replace("_", "-") not in given:
                setattr(args, k, QUICK[k])
    args.ema = EMA_DECAY[args.model] if args.ema is None else args.ema
    if args.snapshots != 0 and not 2 <= args.snapshots <= MAX_SNAPSHOTS:
        p.error(f"--snapshots must be 0 (off) or 2..{MAX_SNAPSHOTS}, got {args.snapshots}")
    if not 0.0 <= args.ema < 1.0:
        p.error(f"--ema must be in [0, 1), got {args.ema}")
    return args


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


def bf16_supported(device: torch.device) -> bool:
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return torch.ops.mkldnn._is_mkldnn_bf16_supported()


def train_step(model, optimizer, src, mask, tgt_in, tgt_out, label_smoothing: float, use_bf16: bool,
               ema: AveragedModel | None = None) -> torch.Tensor:
    """One update: teacher-forced cross-entropy (bf16 autocast for the matmuls), backward, clip, AdamW,
    then the weight average (make_ema) when one is kept."""
    with torch.autocast(src.device.type, dtype=torch.bfloat16, enabled=use_bf16):
        logits = model(src, mask, tgt_in)                                      # (B, T, V)
    loss = F.cross_entropy(logits.float().flatten(0, 1), tgt_out.flatten(), ignore_index=PAD,
                           label_smoothing=label_smoothing)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    if ema is not None:
        ema.update_parameters(model)
    return loss


def make_ema(model: torch.nn.Module, decay: float) -> AveragedModel | None:
    """The averaged copy of `model` (EMA_DECAY above), or None when decay is 0. After each optimizer step
    call ema.update_parameters(model); the first call copies the weights, later ones blend them in."""
    return AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(decay)) if decay else None


def lr_at(step: int, total: int, peak: float, warmup: int) -> float:
    """Linear warm-up to `peak`, then cosine decay to peak/10 at the last step."""
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


@torch.no_grad()
def evaluate_loss(model, examples, batch_tokens: int, device=torch.device("cpu")) -> float:
    """Mean per-token cross-entropy (no label smoothing) on the given examples."""
    model.eval()
    total, count = 0.0, 0
    for idx in make_batches(examples, batch_tokens, seed=0):
        src, mask, tgt_in, tgt_out = (x.to(device) for x in collate(examples, idx))
        logits = model(src, mask, tgt_in)                            # (B, T, V)
        total += F.cross_entropy(logits.flatten(0, 1), tgt_out.flatten(), ignore_index=PAD, reduction="sum").item()
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


# --- resumable state: model, optimizer, RNG, position — safetensors + JSON, no pickle ---

def save_state(state_dir: Path, model, optimizer, progress: dict, tokenizer: PairTokenizer, ema=None) -> None:
    tensors = {"rng/torch": torch.get_rng_state()}
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


def load_state(state_dir: Path, model, optimizer, ema=None) -> dict:
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
    torch.set_rng_state(tensors["rng/torch"])
    progress = json.loads((state_dir / "progress.json").read_text())
    random.setstate(_tupled(progress.pop("python_random")))
    return progress


def prepare_data(args, log):
    """-> training pairs per corpus, valid (zh, en, corpus) triples, and the counts for the log."""
    corpora = load_corpora(args.data)
    train_by, valid, stats = {}, [], {"corpora": {}}
    for name, pairs in corpora.items():
        n_loaded = len(pairs)
        pairs, overlap = remove_test_overlap(pairs, args.test_dir)
        pairs, story_n = remove_story_sentences(pairs)
        too_long = sum(len(zh) > MAX_ZH_CHARS for zh, _ in pairs)
        pairs = [(zh, en) for zh, en in pairs if len(zh) <= MAX_ZH_CHARS]
        fraction = args.valid_fraction if name in CONCAT_CORPORA else min(args.valid_fraction, args.valid_per_corpus / max(len(pairs), 1))
        train, val = (pairs, []) if name in TRAIN_ONLY_CORPORA else split_by_english(pairs, fraction, args.seed)
        train_by[name] = train
        valid += [(zh, en, name) for zh, en in val]
        stats["corpora"][name] = {"loaded": n_loaded, "dropped_test_overlap": overlap, "dropped_story": story_n,
                                  "dropped_over_120_chars": too_long, "train": len(train), "valid": len(val)}
        log(f"{name}: {n_loaded:,} pairs; dropped {overlap:,} (test overlap), {story_n:,} (story sentences), "
            f"{too_long:,} (> {MAX_ZH_CHARS} characters); {len(train):,} train / {len(val):,} valid")
    valid_zh, valid_en = {zh for zh, _, _ in valid}, {en for _, en, _ in valid}
    for name in TRAIN_ONLY_CORPORA:  # no valid sentence as a training pair, on either side
        if name in train_by:
            kept = [(zh, en) for zh, en in train_by[name] if zh not in valid_zh and en not in valid_en]
            stats["corpora"][name].update(dropped_valid_overlap=len(train_by[name]) - len(kept), train=len(kept))
            train_by[name] = kept
    if args.max_train_pairs:  # a seeded random share of every corpus
        total = sum(len(t) for t in train_by.values())
        rng = random.Random(args.seed)
        train_by = {k: rng.sample(t, min(len(t), max(1, round(len(t) * args.max_train_pairs / total))))
                    for k, t in train_by.items()}
    for name in CONCAT_CORPORA:
        if name in train_by:
            joined = add_concatenations(train_by[name], args.concat_fraction, args.seed,
                                        comma_chain=args.long_examples == "comma")[len(train_by[name]):]
            train_by[name + "_concat"] = joined
            stats["concatenated_examples"] = len(joined)
            log(f"added {len(joined):,} long examples joining 2-4 random {name} training pairs")
    stats.update(train_pairs=sum(len(t) for k, t in train_by.items() if not k.endswith("_concat")),
                 valid_pairs=len(valid),
                 dropped_test_overlap=sum(c["dropped_test_overlap"] for c in stats["corpora"].values()),
                 dropped_story=sum(c["dropped_story"] for c in stats["corpora"].values()))
    return train_by, valid, stats


def mix_and_tags(args) -> tuple[dict, dict]:
    """A run's per-corpus epoch weights and source tags: the defaults, the quick preset's, then --mix / --tags."""
    weights = {**DEFAULT_MIX, **(QUICK["mix"] if args.preset == "quick" else {}), **parse_weights(args.mix)}
    tags = {**DEFAULT_TAGS, **parse_weights(args.tags, str)} if args.tags is None or args.tags else {}
    return weights, tags


def encode_examples(tokenizer: PairTokenizer, train_by: dict, valid: list, tags: dict, args):
    """-> (training examples per corpus, valid examples, indices of the valid sample scored for BLEU).

    Targets keep their </s>: collate() turns y </s> into tgt_in = <s> y and tgt_out = y </s>, so the
    model learns when to stop. Each corpus is encoded once, with its tag (if any) first. The per-epoch
    BLEU sample is a seeded sample of the valid split (all corpora)."""
    def encode(pairs, corpus):
        tag = tags.get(corpus.removesuffix("_concat"))
        return [(tokenizer.encode_source(z, tag), tokenizer.encode_target(e)) for z, e in pairs]
    train_ex_by = {k: encode(t, k) for k, t in train_by.items()}
    valid_ex = [ex for z, e, c in valid for ex in encode([(z, e)], c)]
    n_bleu = args.valid_bleu_sentences or 500
    bleu_idx = sorted(random.Random(args.seed).sample(range(len(valid)), min(n_bleu, len(valid))))
    return train_ex_by, valid_ex, bleu_idx


def narrative_counts(narrative: list) -> dict:
    """{corpus: sentences} of the narrative validation slice (dawn.data.narrative_slice), for the logs."""
    counts: dict[str, int] = {}
    for _, _, corpus in narrative:
        counts[corpus] = counts.get(corpus, 0) + 1
    return counts


def epoch_examples(examples_by: dict, weights: dict, seed: int, epoch: int) -> list:
    """The examples of one epoch, drawn from each corpus by its weight (see DEFAULT_MIX)."""
    chosen = sample_mix({k: len(v) for k, v in examples_by.items()}, weights, seed, epoch)
    return [examples_by[k][i] for k in sorted(chosen) for i in chosen[k]]


def main(argv=None) -> int:
    args = parse_args(argv)
    log = lambda msg: print(msg, file=sys.stderr, flush=True)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    out, state_dir = Path(args.out), Path(args.out) / STATE_DIR
    try:  # fail early, not after an hour of training
        write_files_atomically(out, {".write-test": b"ok"})
        (out / ".write-test").unlink()
        weights, tags = mix_and_tags(args)
    except (CheckpointError, ValueError) as e:
        log(f"error: {e}")
        return 2
    if args.resume and not (state_dir / "progress.json").exists():
        log(f"error: --resume given but {state_dir} holds no saved state; start without --resume")
        return 2
    set_seed(args.seed)
    try:
        train_by, valid, data_stats = prepare_data(args, log)
    except DataError as e:
        log(f"error: {e}")
        return 2
    # only names the user gave must be loaded corpora; the defaults and the quick preset name corpora that may be absent
    unknown = (sorted(set(weights) - set(train_by) - set(DEFAULT_MIX) - set(QUICK["mix"]))
               + sorted(set(tags) - set(train_by) - set(DEFAULT_TAGS)))
    if unknown:
        log(f"error: --mix / --tags name corpora that were not loaded: {unknown}; loaded: {sorted(train_by)}")
        return 2

    all_train = [p for k, t in train_by.items() if not k.endswith("_concat") for p in t]
    if args.resume:
        tokenizer = PairTokenizer.load(state_dir)
    else:
        tokenizer = PairTokenizer.train([z for z, _ in all_train], [e for _, e in all_train], args.en_vocab,
                                        args.zh_coverage, tags=sorted(set(tags.values())))
    valid_unk = tokenizer.unk_rate([z for z, _, _ in valid])
    log(f"tokenizer: {tokenizer.tgt_vocab_size:,} English subwords + {tokenizer.src_vocab_size - tokenizer.tgt_vocab_size:,} "
        f"Chinese characters and tags (coverage {args.zh_coverage}); valid <unk> rate {valid_unk:.3%}")
    defaults = {**MODEL_DEFAULTS[args.model], **(QUICK[args.model] if args.preset == "quick" else {})}
    model_config = {k: getattr(args, k) if getattr(args, k) is not None else v for k, v in defaults.items()}
    model_config.update(src_vocab_size=tokenizer.src_vocab_size, tgt_vocab_size=tokenizer.tgt_vocab_size)
    model = build_model(args.model, model_config).to(device)
    n_params = sum(p.numel() for p in model.parameters())
    log(f"{args.model}: {n_params:,} parameters on {device}")

    train_ex_by, valid_ex, bleu_idx = encode_examples(tokenizer, train_by, valid, tags, args)
    valid_bleu_set = [(valid_ex[i][0], valid[i][1]) for i in bleu_idx]
    narrative = narrative_slice(valid, args.seed)  # story-like valid sentences, scored beside the whole split
    narrative_set = [(tokenizer.encode_source(zh, tags.get(c.removesuffix("_chain"))), en) for zh, en, c in narrative]
    epochs = args.epochs or DEFAULT_EPOCHS[args.model]
    epoch_batches = lambda epoch: make_batches(epoch_examples(train_ex_by, weights, args.seed, epoch),
                                               args.batch_tokens, seed=args.seed * 1000 + epoch)
    total_steps = sum(len(epoch_batches(e)) for e in range(epochs))
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.98), weight_decay=0.01)
    ema = make_ema(model, args.ema)
    best_model = ema.module if ema is not None else model   # the weights that are validated and saved

    # what must not change between a run and its resumption, or the "same weights" promise breaks
    run_settings = {"model": args.model, "seed": args.seed, "epochs": epochs, "batch_tokens": args.batch_tokens,
                    "lr": args.lr, "warmup": args.warmup, "label_smoothing": args.label_smoothing,
                    "precision": args.precision, "model_config": model_config, "mix": weights, "tags": tags,
                    "long_examples": args.long_examples, "ema": args.ema, "train_examples": {k: len(v) for k, v in train_ex_by.items()},
                    "snapshots": args.snapshots}
    progress = {"step": 0, "epoch": 0, "batch": 0, "elapsed_s": 0.0, "best_bleu": -1.0, "history": [],
                "epoch_loss": 0.0, "epoch_tokens": 0, "settings": run_settings, "snapshots": []}
    if args.resume:
        try:
            progress = load_state(state_dir, model, optimizer, ema)
        except (OSError, ValueError, KeyError) as e:
            log(f"error: the saved state in {state_dir} cannot be read ({e}); start again without --resume")
            return 2
        changed = {k: (v, run_settings[k]) for k, v in progress.get("settings", {}).items() if run_settings.get(k) != v}
        if changed:
            log("error: --resume with different settings than the saved run: "
                + ", ".join(f"{k} was {a}, now {b}" for k, (a, b) in changed.items()))
            return 2
        log(f"resumed at epoch {progress['epoch'] + 1}, batch {progress['batch']} (step {progress['step']})")

    command = "python -m training.train " + shlex.join(a for a in (argv if argv is not None else sys.argv[1:]) if a != "--resume")
    training_info = {"model_type": args.model, "command": command, "preset": args.preset, "seed": args.seed,
                     "epochs": epochs, "threads": torch.get_num_threads(), "device": str(device),
                     **{k: getattr(args, k) for k in ("batch_tokens", "lr", "warmup", "label_smoothing", "precision",
                                                     "valid_fraction", "valid_per_corpus", "concat_fraction",
                                                     "zh_coverage", "en_vocab", "max_train_pairs", "ema")},
                     "mix": weights, "tags": tags, "num_parameters": n_params, "model_config": model_config,
                     "vocab": {"english_subwords": tokenizer.tgt_vocab_size,
                               "chinese_characters_and_tags": tokenizer.src_vocab_size - tokenizer.tgt_vocab_size,
                               "valid_unk_rate": round(valid_unk, 5)},
                     "data": [str(d) for d in args.data], "test_dirs": [str(t) for t in args.test_dir],
                     "narrative_valid": narrative_counts(narrative),
                     "long_examples": "each extra example joins 2-4 random Tatoeba training pairs (the Chinese "
                                      + ("as one comma chain" if args.long_examples == "comma" else "directly")
                                      + ", the English with a space), at most 100 Chinese characters",
                     **data_stats}
    extra_hub_files = ({"generation_config.json": json.dumps(model.generation_config(), indent=2).encode()}
                       if hasattr(model, "generation_config") else {})

    stop = {"signal": None}  # Ctrl-C / kill: finish the current step, save, exit
    def request_stop(signum, _frame):
        stop["signal"] = signum
    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    fault_step = int(os.environ.get("DAWN_FAULT_KILL_AT_STEP", "0"))  # tests: SIGKILL ourselves at this step

    def validate(with_narrative: bool = True) -> dict:
        """Valid loss and greedy BLEU/chrF of the weights that are saved: the seeded sample of the whole
        valid split, its Tatoeba part and (with_narrative) the narrative slice."""
        scores = {"valid_loss": round(evaluate_loss(best_model, valid_ex, args.batch_tokens, device), 4)}
        if ema is not None:  # with EMA the valid scores are the averaged weights'; the raw weights' loss beside them
            scores["valid_loss_raw"] = round(evaluate_loss(model, valid_ex, args.batch_tokens, device), 4)
        hyps = valid_translations(best_model, tokenizer, [ids for ids, _ in valid_bleu_set], device)
        refs = [en for _, en in valid_bleu_set]
        overall = corpus_scores(hyps, refs)
        cmn = [i for i, j in enumerate(bleu_idx) if valid[j][2] in CONCAT_CORPORA]
        cmn_scores = corpus_scores([hyps[i] for i in cmn], [refs[i] for i in cmn]) if cmn else {"bleu": None, "chrf": None}
        scores.update(valid_bleu=overall["bleu"], valid_chrf=overall["chrf"],
                      valid_bleu_tatoeba=cmn_scores["bleu"], valid_chrf_tatoeba=cmn_scores["chrf"])
        if with_narrative:
            nar = (corpus_scores(valid_translations(best_model, tokenizer, [ids for ids, _ in narrative_set], device),
                                 [en for _, en in narrative_set]) if narrative_set else {"bleu": None, "chrf": None})
            scores.update(valid_bleu_narrative=nar["bleu"], valid_chrf_narrative=nar["chrf"])
        return scores

    snapshot_at = set(snapshot_steps(total_steps, args.snapshots)) if args.snapshots else set()

    def record_snapshot(epochs_done: float, train_loss: float | None, scores: dict | None = None) -> None:
        """Replay (dawn/replay.py): the two sentences' greedy translations and maps, and the valid scores.
        Step 0 records the valid loss only: an untrained model's greedy output runs to the length limit on
        every valid sentence (minutes on a CPU) and its BLEU is 0 by construction."""
        if scores is None and progress["step"] == 0:
            scores = {"valid_loss": round(evaluate_loss(best_model, valid_ex, args.batch_tokens, device), 4),
                      "valid_bleu": None}
        scores = scores or validate(with_narrative=False)
        progress["snapshots"] = [s for s in progress["snapshots"] if s["step"] != progress["step"]] + [{
            "step": progress["step"], "epoch": round(epochs_done, 3), "train_loss": train_loss,
            "valid_loss": scores["valid_loss"], "valid_bleu": scores["valid_bleu"],
            **snapshot(SimpleNamespace(model=best_model, tokenizer=tokenizer), REPLAY_SENTENCES)}]
        try:
            data = replay_json(args.model, REPLAY_SENTENCES, progress["snapshots"], total_steps, len(snapshot_at))
        except ValueError as e:
            log(f"warning: {REPLAY} not updated: {e}")
            return
        write_files_atomically(out, {REPLAY: data})

    use_bf16 = args.precision == "bf16" or (args.precision == "auto" and bf16_supported(device))
    log(f"precision: {'bf16 autocast' if use_bf16 else 'fp32'}")
    if 0 in snapshot_at and progress["step"] == 0:
        record_snapshot(0.0, None)
    model.train()
    bar = tqdm(total=total_steps, initial=progress["step"], unit="step", dynamic_ncols=True, file=sys.stderr)
    t_run = time.time() - progress["elapsed_s"]
    cpu_run = time.process_time() - progress.get("cpu_s", 0.0)  # CPU seconds of all threads: fair when the machine is shared
    while progress["epoch"] < epochs:
        epoch = progress["epoch"]
        examples = epoch_examples(train_ex_by, weights, args.seed, epoch)
        batches = make_batches(examples, args.batch_tokens, seed=args.seed * 1000 + epoch)
        t_epoch_tokens, t0 = 0, time.time()
        for b in range(progress["batch"], len(batches)):
            src, mask, tgt_in, tgt_out = (x.to(device) for x in collate(examples, batches[b]))
            for group in optimizer.param_groups:
                group["lr"] = lr_at(progress["step"], total_steps, args.lr, args.warmup)
            loss = train_step(model, optimizer, src, mask, tgt_in, tgt_out, args.label_smoothing, use_bf16, ema)
            n_tok = int((tgt_out != PAD).sum())
            progress["epoch_loss"] += loss.item() * n_tok
            progress["epoch_tokens"] += n_tok
            t_epoch_tokens += n_tok
            progress["step"] += 1
            progress["batch"] = b + 1
            progress["elapsed_s"] = time.time() - t_run
            progress["cpu_s"] = time.process_time() - cpu_run
            bar.update(1)
            bar.set_postfix(epoch=f"{epoch + 1}/{epochs}", loss=f"{loss.item():.3f}",
                            tok_s=f"{t_epoch_tokens / max(time.time() - t0, 1e-9):,.0f}")
            if progress["step"] in snapshot_at and b + 1 < len(batches):  # an epoch's end is recorded after its validation
                record_snapshot(epoch + (b + 1) / len(batches), round(progress["epoch_loss"] / progress["epoch_tokens"], 4))
            if progress["step"] == fault_step:
                os.kill(os.getpid(), signal.SIGKILL)
            if stop["signal"] is not None or progress["step"] % args.save_every == 0:
                save_state(state_dir, model, optimizer, progress, tokenizer, ema)
            if stop["signal"] is not None:
                bar.close()
                log(f"\ninterrupted at step {progress['step']}; state saved. Continue with the same command plus --resume")
                return 130

        # end of epoch: validation, best checkpoint, log
        scores = validate()
        valid_loss, valid_bleu = scores["valid_loss"], scores["valid_bleu"]
        entry = {"epoch": epoch + 1, "step": progress["step"],
                 "train_loss": round(progress["epoch_loss"] / max(progress["epoch_tokens"], 1), 4), **scores,
                 "lr": round(optimizer.param_groups[0]["lr"], 6), "target_tokens": progress["epoch_tokens"],
                 "train_tokens_per_s": round(t_epoch_tokens / max(time.time() - t0, 1e-9)),
                 "elapsed_s": round(time.time() - t_run, 1)}
        progress["history"].append(entry)
        if progress["step"] in snapshot_at:
            record_snapshot(epoch + 1, entry["train_loss"], scores)
        improved = valid_bleu > progress["best_bleu"]
        bar.write(f"epoch {epoch + 1}: train loss {entry['train_loss']:.3f}  valid loss {valid_loss:.3f}  "
                  f"valid BLEU {valid_bleu:.2f} (narrative {scores['valid_bleu_narrative'] or 0:.2f})"
                  f"{'  (best, saved)' if improved else ''}")
        progress.update(epoch=epoch + 1, batch=0, epoch_loss=0.0, epoch_tokens=0)
        log_json = {"model_type": args.model, "history": progress["history"], "best_epoch": None,
                    "training_time_s": round(time.time() - t_run, 1), "cpu_time_s": round(time.process_time() - cpu_run, 1),
                    "threads": torch.get_num_threads(),
                    "precision": "bf16 autocast" if use_bf16 else "fp32", "device": str(device),
                    "machine": f"{os.cpu_count()}-core CPU" if device.type == "cpu" else torch.cuda.get_device_name(device),
                    "valid_bleu_sentences": len(valid_bleu_set), "narrative_valid": narrative_counts(narrative), **data_stats}
        if improved:
            progress["best_bleu"] = valid_bleu
            progress["best_epoch"] = epoch + 1
        log_json["best_epoch"] = progress.get("best_epoch")
        log_bytes = json.dumps(log_json, indent=2).encode()
        if improved:
            training_info.update(best_epoch=epoch + 1, valid_bleu=valid_bleu, valid_loss=valid_loss,
                                 valid_bleu_narrative=scores["valid_bleu_narrative"])
            save_checkpoint(out, best_model.hub_module, best_model.hub_config(),
                            {**tokenizer.to_files(), **extra_hub_files, "train_log.json": log_bytes,
                             TRAINING: json.dumps(training_info, indent=2, ensure_ascii=False).encode()})
        else:
            update_file(out, "train_log.json", log_bytes)
        save_state(state_dir, model, optimizer, progress, tokenizer, ema)
    bar.close()
    write_model_card(out)
    log(f"done in {progress['elapsed_s'] / 60:.1f} min; best valid BLEU {progress['best_bleu']:.2f} "
        f"(epoch {progress.get('best_epoch')}); checkpoint in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
