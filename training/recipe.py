"""The training recipe: its arguments and defaults, data preparation, the corpus mix, the tokenizer and the
model's configuration. `python -m training.train` runs it; the experiments (lab/experiments/) and the
valid-score check reuse it, so that they prepare exactly the data a run trained on.

    args = parse_args(["--model", "transformer", "--out", "checkpoints/transformer", "--data", "cmn.txt"])
    train_by, valid, stats = prepare_data(args, log=print)    # {corpus: [(zh, en)]}, [(zh, en, corpus)], counts
    weights, tags = mix_and_tags(args)                        # per-corpus epoch weights, source tags
    tokenizer = make_tokenizer(args, train_by, tags, state_dir=Path("/nonexistent"))
    config = model_config_for(args, tokenizer)                # the registry's sizes + flags + vocabulary sizes

Each model's own numbers (dimensions, epochs, batch tokens, long examples, moving average, quick sizes) are
in its registry entry (dawn/registry.py, ModelSpec.recipe); what is common to all three is here.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import torch

from dawn.data import (add_concatenations, load_corpora, narrative_slice, remove_story_sentences, remove_test_overlap,
                       split_by_english, train_only)
from dawn.metrics import corpus_scores
from dawn.registry import MODEL_NAMES, MODELS, spec
from dawn.replay import DEFAULT_SNAPSHOTS, MAX_SNAPSHOTS, REPLAY_FILE as REPLAY
from dawn.story import WHITEBOARD_SENTENCE
from dawn.tokenizer import PairTokenizer
from training.engine import evaluate_loss, valid_translations
from training.stream import Cleaner, cleaned, mixed, open_corpora, tokenizer_sample, valid_split

DEFAULT_TEST_DIRS = ["../shared/data/tatoeba-test", "../shared/data/flores200-devtest"]

# How the corpora are mixed. A weight w means: each epoch uses every pair floor(w) times plus a
# random share w - floor(w) of them (drawn anew each epoch). Tatoeba (everyday speech, like the story)
# is up-sampled; the Bible (31k verses) and the Python docs (47k paragraphs) are down-sampled and
# carry a source tag, so that their registers ("thou hath", `code`) stay behind their tags:
# the app and the test sets never use a tag. Chosen on validation data: checkpoints/mix_experiments.json.
DEFAULT_MIX = {"cmn": 2.0, "bible_cuvs_kjv": 0.15, "python_docs_zhcn": 0.1}
DEFAULT_TAGS = {"bible_cuvs_kjv": "<bible>", "python_docs_zhcn": "<code>"}
CONCAT_CORPORA = ("cmn",)  # short sentences joined into long examples
# Train-only corpora (dictionaries, synthetic pairs): dawn.data.train_only, shared with the --stream path.
MAX_ZH_CHARS = 120         # longer training pairs (mostly Python docs paragraphs) are skipped

# --preset quick: a usable model in about ten minutes on this CPU, for trying retraining (each model's
# smaller sizes: its registry Recipe.quick). Mostly everyday sentences (Tatoeba and the small story/grammar
# corpora), a little Wikipedia, no Bible or Python docs: what a small model can learn in ten minutes.
QUICK = {"epochs": 3, "warmup": 200, "lr": 1e-3, "en_vocab": 4000,
         "mix": {"bible_cuvs_kjv": 0.0, "python_docs_zhcn": 0.0, "mlqe_pe_wiki": 0.2, "tico19": 0.2, "xquad_wiki": 0.2,
                 "ud_pud_zh_trad": 0.2, "cmn": 1.0}}


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
    p.add_argument("--model", choices=MODEL_NAMES, required=True)
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
    p.add_argument("--epochs", type=int, default=None, help=f"default: {_per_model('epochs')}")
    p.add_argument("--batch-tokens", type=int, default=None,
                   help=f"max (source + target) tokens per batch, padding included (default: {_per_model('batch_tokens')})")
    p.add_argument("--lr", type=float, default=1e-3, help="peak learning rate (AdamW)")
    p.add_argument("--warmup", type=int, default=400, help="linear warm-up steps, then cosine decay to lr/10")
    p.add_argument("--precision", choices=["auto", "bf16", "fp32"], default="auto",
                   help="bf16 autocast for matmuls (weights stay fp32); auto = bf16 where the CPU supports it")
    p.add_argument("--label-smoothing", type=float, default=0.1)
    p.add_argument("--valid-fraction", type=float, default=0.04)
    p.add_argument("--valid-per-corpus", type=int, default=300, help="at most this many valid pairs per extra corpus")
    p.add_argument("--concat-fraction", type=float, default=0.15, help="extra long examples, as a fraction of the Tatoeba training pairs")
    p.add_argument("--long-examples", choices=["comma", "plain"], default=None,
                   help=f"join a long example's Chinese sentences as one comma chain or side by side (default: {_per_model('long_examples')})")
    p.add_argument("--ema", type=float, default=None,
                   help=f"decay of the exponential moving average of the weights that is validated and saved; 0 = off "
                        f"(default: {_per_model('ema')})")
    p.add_argument("--zh-coverage", type=float, default=0.9995,
                   help="keep the most frequent Chinese characters covering this share of the training text")
    p.add_argument("--en-vocab", type=int, default=8000, help="English BPE vocabulary size")
    p.add_argument("--valid-bleu-sentences", type=int, default=None,
                   help="translate a seeded random sample of this many valid sentences for the per-epoch BLEU "
                        "(default: the whole valid split)")
    p.add_argument("--save-every", type=int, default=100, help="save the resumable state every N steps")
    p.add_argument("--stop-after", type=float, default=None, metavar="MINUTES",
                   help="stop cleanly after this many minutes of this leg (the state saved at a step boundary, "
                        "exit code 3); the same command with --resume runs the next leg")
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
    for k, v in {k: v for m in MODELS for k, v in m.recipe.config.items()}.items():  # --d-model, --n-heads, ...
        p.add_argument("--" + k.replace("_", "-"), type=type(v), default=None)
    args = p.parse_args(argv)
    if args.test_dir is None:   # a fresh clone without ../shared trains too: test sets are optional
        args.test_dir = [d for d in DEFAULT_TEST_DIRS if Path(d).is_dir()]
    recipe = spec(args.model).recipe
    args.epochs = args.epochs or recipe.epochs
    args.batch_tokens = args.batch_tokens or recipe.batch_tokens
    args.long_examples = args.long_examples or recipe.long_examples
    if args.preset == "quick":  # explicit flags still win
        given = argv if argv is not None else sys.argv
        for k in ("epochs", "warmup", "lr", "en_vocab"):
            if getattr(args, k) is None or "--" + k.replace("_", "-") not in given:
                setattr(args, k, QUICK[k])
    if args.stream and not args.epoch_steps:
        p.error("--stream needs --epoch-steps (a stream has no length: an epoch is that many steps)")
    args.ema = recipe.ema if args.ema is None else args.ema
    if args.snapshots != 0 and not 2 <= args.snapshots <= MAX_SNAPSHOTS:
        p.error(f"--snapshots must be 0 (off) or 2..{MAX_SNAPSHOTS}, got {args.snapshots}")
    if args.stop_after is not None and args.stop_after <= 0:
        p.error(f"--stop-after must be a positive number of minutes, got {args.stop_after}")
    if not 0.0 <= args.ema < 1.0:
        p.error(f"--ema must be in [0, 1), got {args.ema}")
    return args




def _per_model(field: str) -> dict:
    """{model: its recipe's `field`}, for the help text."""
    return {m.name: getattr(m.recipe, field) for m in MODELS}

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
    """The model's recipe sizes (dawn.registry), the quick preset's, then the size flags given, and the
    vocabulary sizes."""
    recipe = spec(args.model).recipe
    defaults = {**recipe.config, **(recipe.quick if args.preset == "quick" else {})}
    config = {k: getattr(args, k) if getattr(args, k) is not None else v for k, v in defaults.items()}
    config.update(src_vocab_size=tokenizer.src_vocab_size, tgt_vocab_size=tokenizer.tgt_vocab_size)
    return config



def score_valid(model, tokenizer: PairTokenizer, valid: list, valid_ex: list, bleu_idx: list[int],
                narrative: list | None, batch_tokens: int, device=torch.device("cpu")) -> dict:
    """Valid loss and greedy BLEU / chrF of `model`: the seeded sample `bleu_idx` of the valid split, its
    Tatoeba part and (unless narrative is None) the narrative slice, as (source ids, English) pairs.
    lab.experiments.valid_score scores a saved checkpoint with the same function."""
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


def choosing_score(row: dict) -> float:
    """What a recipe is chosen by (screenings, lab/report.py): the mean of the valid BLEU (all corpora) and the
    narrative slice's BLEU, from a training.json or a screening row."""
    return round((row["valid_bleu"] + (row.get("valid_bleu_narrative") or 0.0)) / 2, 2)


def encode_narrative(tokenizer: PairTokenizer, valid: list, tags: dict, seed: int) -> list:
    """The narrative slice of the valid split (dawn.data.narrative_slice) as (source ids, English) pairs."""
    return [(tokenizer.encode_source(zh, tags.get(c.removesuffix("_chain"))), en)
            for zh, en, c in narrative_slice(valid, seed)]



