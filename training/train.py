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

This file is the command: its recipe (defaults, arguments, data preparation), the resumable state and
the stages of a run, which main() calls top to bottom. The pieces every training command shares
(batching, collate, the train step and its loss, the schedule, example encoding, validation) are in
training/engine.py.
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
from dawn.data import (add_concatenations, load_corpora, narrative_slice, remove_story_sentences, remove_test_overlap,
                       split_by_english, train_only)
from dawn.metrics import corpus_scores
from dawn.replay import DEFAULT_SNAPSHOTS, MAX_SNAPSHOTS, REPLAY_FILE as REPLAY, SENTENCES as REPLAY_SENTENCES
from dawn.replay import replay_json, snapshot, snapshot_steps
from dawn.story import WHITEBOARD_SENTENCE
from dawn.tokenizer import PAD, PairTokenizer
from dawn.translator import build_model
from training.engine import (collate, encode_examples, epoch_batches, epoch_examples, evaluate_loss, from_main_process,
                             global_sums, lr_at, make_ema, make_optimizer, rng_states, set_lr, set_seed, shard,
                             shard_weight, train_step, use_bf16, valid_translations)
from training.machine import cpu_model
from training.stream import (Cleaner, cleaned, mixed, open_corpora, process_stream, stream_stats, stream_steps,
                             tokenizer_sample, valid_split)

DEFAULT_TEST_DIRS = ["../shared/data/tatoeba-test", "../shared/data/flores200-devtest"]
STATE_DIR = ".resume"  # inside --out; holds the full training state (git-ignored)

# Per-model defaults, each ≤ 15M parameters.
MODEL_DEFAULTS = {
    "lstm": dict(d_model=256, n_layers=3, dropout=0.2),
    "lstm_attention": dict(d_embed=256, d_enc=256, d_dec=512, d_attn=256, enc_layers=2, dropout=0.2),
    "transformer": dict(d_model=256, n_heads=4, d_ff=1024, encoder_layers=3, decoder_layers=2, dropout=0.1),
}
# Epochs and batch sizes sized so that each final recipe fits in 2 hours on the 2-core CPU that trains it, with
# the machine to itself (2 threads): target tokens per second measured by `training.benchmark --throughput`.
# The LSTM with attention and the Transformer trained with bf16 autocast (a CPU with AVX-512 bf16); the plain
# LSTM trained in fp32 on a CPU without it (AMD EPYC), where 12 epochs would take about 175 min, so 7
# (97.2 min; its 12-epoch bf16 run scored higher on validation: checkpoints/lstm_recipes.json).
# The recurrent models run faster with bigger batches (fewer, larger matrix products per time step).
DEFAULT_EPOCHS = {"lstm": 7, "lstm_attention": 8, "transformer": 11}
DEFAULT_BATCH_TOKENS = {"lstm": 6000, "lstm_attention": 6000, "transformer": 3000}

# How the corpora are mixed. A weight w means: each epoch uses every pair floor(w) times plus a
# random share w - floor(w) of them (drawn anew each epoch). Tatoeba (everyday speech, like the story)
# is up-sampled; the Bible (31k verses) and the Python docs (47k paragraphs) are down-sampled and
# carry a source tag, so that their registers ("thou hath", `code`) stay behind their tags:
# the app and the test sets never use a tag. Chosen on validation data: checkpoints/mix_experiments.json.
DEFAULT_MIX = {"cmn": 2.0, "bible_cuvs_kjv": 0.15, "python_docs_zhcn": 0.1}
DEFAULT_TAGS = {"bible_cuvs_kjv": "<bible>", "python_docs_zhcn": "<code>"}
CONCAT_CORPORA = ("cmn",)  # short sentences joined into long examples
# Train-only corpora (dictionaries, synthetic pairs): dawn.data.train_only, shared with the --stream path.


# How a long example's Chinese sentences are joined: "comma" makes one comma chain (the story's shape),
# "plain" puts them side by side. The committed LSTM with attention was trained with "plain" (before the
# comma chain was tried); each model's default is the join its committed checkpoint was trained with. A 2-epoch
# screening of the LSTM with attention prefers "comma" (join_screening in checkpoints/mix_experiments.json):
# its next retrain should pass --long-examples comma.
LONG_EXAMPLES = {"lstm": "comma", "lstm_attention": "plain", "transformer": "comma"}
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
    p.add_argument("--test-dir", nargs="*", default=None,
                   help="every pair occurring in a test file here (*.zho/*.eng, zho_*/eng_*.devtest) is dropped "
                        f"(default: those of {', '.join(DEFAULT_TEST_DIRS)} that exist; none: nothing is dropped)")
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
    p.add_argument("--stream", action="store_true",
                   help="read the corpora as streams (training/stream.py): memory does not grow with the corpus")
    p.add_argument("--epoch-steps", type=int, default=None, help="--stream: steps per epoch (validation and save)")
    p.add_argument("--stream-buffer", type=int, default=20000,
                   help="--stream: examples read and length-bucketed into batches at a time (per process)")
    p.add_argument("--shuffle-buffer", type=int, default=10000, help="--stream: pairs shuffled at a time")
    p.add_argument("--tokenizer-pairs", type=int, default=200000,
                   help="--stream: the tokenizer is trained on the first N training pairs")
    p.add_argument("--report-to", choices=["none", "tensorboard"], default="none",
                   help="log train loss, learning rate and valid loss / BLEU / chrF to accelerate's tracker")
    p.add_argument("--logging-dir", default=None, help="where the tracker writes (default: runs/OUT_NAME)")
    for k, v in {k: v for d in MODEL_DEFAULTS.values() for k, v in d.items()}.items():
        p.add_argument("--" + k.replace("_", "-"), type=type(v), default=None)
    args = p.parse_args(argv)
    if args.test_dir is None:   # a fresh clone without ../shared trains too: test sets are optional
        args.test_dir = [d for d in DEFAULT_TEST_DIRS if Path(d).is_dir()]
    args.batch_tokens = args.batch_tokens or DEFAULT_BATCH_TOKENS[args.model]
    args.long_examples = args.long_examples or LONG_EXAMPLES[args.model]
    if args.preset == "quick":  # explicit flags still win
        given = argv if argv is not None else sys.argv
        for k in ("epochs", "warmup", "lr", "en_vocab"):
            if getattr(args, k) is None or "--" + k.replace("_", "-") not in given:
                setattr(args, k, QUICK[k])
    if args.stream and not args.epoch_steps:
        p.error("--stream needs --epoch-steps (a stream has no length: an epoch is that many steps)")
    args.ema = EMA_DECAY[args.model] if args.ema is None else args.ema
    if args.snapshots != 0 and not 2 <= args.snapshots <= MAX_SNAPSHOTS:
        p.error(f"--snapshots must be 0 (off) or 2..{MAX_SNAPSHOTS}, got {args.snapshots}")
    if not 0.0 <= args.ema < 1.0:
        p.error(f"--ema must be in [0, 1), got {args.ema}")
    return args


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


def prepare_data(args, log):
    """-> training pairs per corpus, valid (zh, en, corpus) triples, and the counts for the log."""
    corpora = load_corpora(args.data)
    if not args.test_dir:
        log(f"note: no test sets (none of {', '.join(DEFAULT_TEST_DIRS)} exists, or --test-dir was given empty): "
            "no pair is dropped for overlap with a test set; evaluate on test sets only after fetching them")
    train_by, valid, stats = {}, [], {"corpora": {}}
    for name, pairs in corpora.items():
        n_loaded = len(pairs)
        pairs, overlap = remove_test_overlap(pairs, args.test_dir)
        pairs, story_n = remove_story_sentences(pairs)
        too_long = sum(len(zh) > MAX_ZH_CHARS for zh, _ in pairs)
        pairs = [(zh, en) for zh, en in pairs if len(zh) <= MAX_ZH_CHARS]
        fraction = args.valid_fraction if name in CONCAT_CORPORA else min(args.valid_fraction, args.valid_per_corpus / max(len(pairs), 1))
        train, val = (pairs, []) if train_only(name) else split_by_english(pairs, fraction, args.seed)
        train_by[name] = train
        valid += [(zh, en, name) for zh, en in val]
        stats["corpora"][name] = {"loaded": n_loaded, "dropped_test_overlap": overlap, "dropped_story": story_n,
                                  "dropped_over_120_chars": too_long, "train": len(train), "valid": len(val)}
        log(f"{name}: {n_loaded:,} pairs; dropped {overlap:,} (test overlap), {story_n:,} (story sentences), "
            f"{too_long:,} (> {MAX_ZH_CHARS} characters); {len(train):,} train / {len(val):,} valid")
    valid_zh, valid_en = {zh for zh, _, _ in valid}, {en for _, en, _ in valid}
    for name in [n for n in train_by if train_only(n)]:  # no valid sentence as a training pair, on either side
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


def valid_split_of(training: dict) -> list:
    """The valid (zh, en, corpus) triples of the run that wrote this training.json, rebuilt by prepare_data
    from the same corpora, test folders, seed and fractions."""
    args = parse_args(["--model", training["model_type"], "--out", "/nonexistent", "--data", *training["data"],
                       "--test-dir", *training["test_dirs"], "--seed", str(training["seed"]),
                       "--valid-fraction", str(training["valid_fraction"]),
                       "--valid-per-corpus", str(training["valid_per_corpus"])])
    return prepare_data(args, log=lambda _msg: None)[1]


def prepare_stream(args, log):
    """--stream: -> each corpus as a stream of raw pairs, the valid (zh, en, corpus) triples (the first
    valid-side pairs of each corpus), and the training side's Cleaner (what it reads goes to training.json)."""
    corpora = open_corpora(args.data)
    valid = valid_split(corpora, Cleaner(args.test_dir, MAX_ZH_CHARS, args.valid_fraction), args.valid_per_corpus)
    log(f"streaming {len(corpora)} corpora: {', '.join(sorted(corpora))}; {len(valid):,} valid pairs")
    return corpora, valid, Cleaner(args.test_dir, MAX_ZH_CHARS, args.valid_fraction, valid=valid)


def narrative_counts(narrative: list) -> dict:
    """{corpus: sentences} of the narrative validation slice (dawn.data.narrative_slice), for the logs."""
    counts: dict[str, int] = {}
    for _, _, corpus in narrative:
        counts[corpus] = counts.get(corpus, 0) + 1
    return counts


def mix_and_tags(args) -> tuple[dict, dict]:
    """A run's per-corpus epoch weights and source tags: the defaults, the quick preset's, then --mix / --tags."""
    weights = {**DEFAULT_MIX, **(QUICK["mix"] if args.preset == "quick" else {}), **parse_weights(args.mix)}
    tags = {**DEFAULT_TAGS, **parse_weights(args.tags, str)} if args.tags is None or args.tags else {}
    return weights, tags


# --- the stages of a run, in the order main() calls them ---------------------------------------------

def check_resumable(args, state_dir: Path) -> None:
    if args.resume and not (state_dir / "progress.json").exists():
        raise ValueError(f"--resume given but {state_dir} holds no saved state; start without --resume")


def check_mix_names(weights: dict, tags: dict, train_by: dict) -> None:
    # only names the user gave must be loaded corpora; the defaults and the quick preset name corpora that may be absent
    unknown = (sorted(set(weights) - set(train_by) - set(DEFAULT_MIX) - set(QUICK["mix"]))
               + sorted(set(tags) - set(train_by) - set(DEFAULT_TAGS)))
    if unknown:
        raise ValueError(f"--mix / --tags name corpora that were not loaded: {unknown}; loaded: {sorted(train_by)}")


def make_tokenizer(args, train_by: dict, tags: dict, state_dir: Path, weights: dict | None = None) -> PairTokenizer:
    """The run's tokenizer: trained on the training split, or with --stream on the first --tokenizer-pairs
    training pairs of the stream (train_by: the corpora's streams); the saved one when resuming."""
    if args.resume:
        return PairTokenizer.load(state_dir)
    if args.stream:
        train = mixed(cleaned(train_by, Cleaner(args.test_dir, MAX_ZH_CHARS, args.valid_fraction), valid=False),
                      weights, args.seed)
        zh, en = tokenizer_sample(train, args.tokenizer_pairs)
    else:
        all_train = [p for k, t in train_by.items() if not k.endswith("_concat") for p in t]
        zh, en = [z for z, _ in all_train], [e for _, e in all_train]
    return PairTokenizer.train(zh, en, args.en_vocab, args.zh_coverage, tags=sorted(set(tags.values())))


def model_config_for(args, tokenizer: PairTokenizer) -> dict:
    """The model's defaults, the quick preset's, then the size flags given, and the vocabulary sizes."""
    defaults = {**MODEL_DEFAULTS[args.model], **(QUICK[args.model] if args.preset == "quick" else {})}
    config = {k: getattr(args, k) if getattr(args, k) is not None else v for k, v in defaults.items()}
    config.update(src_vocab_size=tokenizer.src_vocab_size, tgt_vocab_size=tokenizer.tgt_vocab_size)
    return config


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


def describe_run(args, argv, device, world_size: int, epochs: int, weights: dict, tags: dict, n_params: int,
                 model_config: dict, tokenizer: PairTokenizer, valid_unk: float, data_stats: dict) -> dict:
    """training.json: the exact command, the settings, the vocabulary and the data counts."""
    command = "python -m training.train " + shlex.join(a for a in (argv if argv is not None else sys.argv[1:]) if a != "--resume")
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
        loss_sum, stopping = global_sums(accelerator, [loss.item() * n_mine, float(stop["signal"] is not None)])
        progress["epoch_loss"] += loss_sum
        progress["epoch_tokens"] += int(n_tok)
        timing["target_tokens"] += int(n_tok)
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
        if stopping or progress["step"] % args.save_every == 0:
            save_resumable(run)
        if stopping:
            return None
    return timing


def save_resumable(run: Run) -> None:
    """The resumable state, written by the main process (every process's RNG state in it)."""
    rng = rng_states(run.accelerator)                                  # all processes take part
    if run.is_main:
        save_state(run.state_dir, run.model, run.optimizer, run.progress, run.tokenizer, run.ema, rng)


def score_valid(model, tokenizer: PairTokenizer, valid: list, valid_ex: list, bleu_idx: list[int],
                narrative: list | None, batch_tokens: int, device=torch.device("cpu")) -> dict:
    """Valid loss and greedy BLEU / chrF of `model`: the seeded sample `bleu_idx` of the valid split, its
    Tatoeba part and (unless narrative is None) the narrative slice, as (source ids, English) pairs.
    training.valid_score scores a saved checkpoint with the same function."""
    scores = {"valid_loss": round(evaluate_loss(model, valid_ex, batch_tokens, device), 4)}
    hyps = valid_translations(model, tokenizer, [valid_ex[i][0] for i in bleu_idx], device)
    refs = [valid[i][1] for i in bleu_idx]
    overall = corpus_scores(hyps, refs)
    cmn = [i for i, j in enumerate(bleu_idx) if valid[j][2] in CONCAT_CORPORA]
    cmn_scores = corpus_scores([hyps[i] for i in cmn], [refs[i] for i in cmn]) if cmn else {"bleu": None, "chrf": None}
    scores.update(valid_bleu=overall["bleu"], valid_chrf=overall["chrf"],
                  valid_bleu_tatoeba=cmn_scores["bleu"], valid_chrf_tatoeba=cmn_scores["chrf"])
    if narrative is not None:
        nar = (corpus_scores(valid_translations(model, tokenizer, [ids for ids, _ in narrative], device),
                             [en for _, en in narrative]) if narrative else {"bleu": None, "chrf": None})
        scores.update(valid_bleu_narrative=nar["bleu"], valid_chrf_narrative=nar["chrf"])
    return scores


def encode_narrative(tokenizer: PairTokenizer, valid: list, tags: dict, seed: int) -> list:
    """The narrative slice of the valid split (dawn.data.narrative_slice) as (source ids, English) pairs."""
    return [(tokenizer.encode_source(zh, tags.get(c.removesuffix("_chain"))), en)
            for zh, en, c in narrative_slice(valid, seed)]


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
                **run.data_stats}
    log_bytes = json.dumps(log_json, indent=2).encode()
    if improved:
        best, entry = run.best_model, progress["history"][-1]
        run.training_info.update(best_epoch=entry["epoch"], valid_bleu=entry["valid_bleu"], valid_loss=entry["valid_loss"],
                                 valid_bleu_narrative=entry["valid_bleu_narrative"])
        extra_hub_files = ({"generation_config.json": json.dumps(run.model.generation_config(), indent=2).encode()}
                           if hasattr(run.model, "generation_config") else {})
        save_checkpoint(run.out, best.hub_module, best.hub_config(),
                        {**run.tokenizer.to_files(), **extra_hub_files, "train_log.json": log_bytes,
                         TRAINING: json.dumps(run.training_info, indent=2, ensure_ascii=False).encode()})
    else:
        update_file(run.out, "train_log.json", log_bytes)


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
    epochs = args.epochs or DEFAULT_EPOCHS[args.model]
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
            log(f"\ninterrupted at step {progress['step']}; state saved. Continue with the same command plus --resume")
            return 130
        entry = validate(run, timing) if run.is_main else None
        if entry is not None and progress["step"] in run.snapshot_at:  # before end_epoch saves the resumable state
            record_snapshot(run, entry["epoch"], entry["train_loss"], entry)
        end_epoch(run, entry, bar)
    bar.close()
    if run.tracking:
        accelerator.end_training()
    if run.is_main:
        write_model_card(out)
    log(f"done in {progress['elapsed_s'] / 60:.1f} min; best valid BLEU {progress['best_bleu']:.2f} "
        f"(epoch {progress.get('best_epoch')}); checkpoint in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
