"""Back-translation: English-only sentences made into (synthetic Chinese, real English) training pairs.

    D="../shared/data/tatoeba-cmn/cmn.txt ../shared/data/extra-zh-en"
    # 1) a reverse model (English -> Chinese) on the same training pairs, 2) the English translated by it
    python -m lab.experiments.back_translate --data $D --mono ../shared/data/mono-en/commonvoice_en.txt --out runs/bt
    #    -> runs/bt/bt_commonvoice.tsv (English <TAB> Chinese, Tatoeba's layout) and runs/bt/back_translation.json (how, counts, scores)
    #    (other training.train flags, e.g. --test-dir or --en-vocab, are passed on to its data preparation)
    # 3) the trial: the same quick run with and without the synthetic pairs, tagged <bt>; keep them only if
    #    validation says so (python -m lab.report --bt-runs records both in checkpoints/mix_experiments.json)
    python -m training.train --model transformer --preset quick --data $D cedict runs/bt/bt_commonvoice.tsv \
        --tags "cedict=<dict>,bt_commonvoice=<bt>" --mix cedict=0.2,bt_commonvoice=0.5 --out runs/mix-bt

Why: the translators learn only from pairs, and everyday narrative is short of them. English alone is plentiful
(mono-en: 44,641 CC0 sentences, much dialogue). A model trained the other way round writes a Chinese side for
each; the forward model then learns to produce that real English from imperfect Chinese (Sennrich et al., 2016).
The tag tells it which pairs are synthetic, so it can trust them less (Caswell et al., 2019).

The reverse model is the quick preset's Transformer (training/recipe.py's quick preset: sizes, schedule and corpus mix) on
the training split of training.train's own data preparation (the same test-overlap and story filters, the same
seeded valid split), with the two sides swapped: English BPE in, Chinese characters out (ReverseTokenizer).
The English sentences lose what must never be trained on: test-set sentences, the story's, and every valid
English sentence (so that the forward run's validation stays clean). Synthetic pairs that are empty, hit the
length limit, or repeat a character four times in a row are dropped.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

import sacrebleu
import torch
from tokenizers import Tokenizer, models, processors, trainers

from dawn.data import held_out_sentences
from dawn.decoding import max_output_len
from dawn.story import STORY_CLAUSES
from dawn.text import normalize_en, normalize_zh
from dawn.tokenizer import EOS, SPECIALS, UNK, _new_tokenizer, chars_by_coverage
from dawn.translator import build_model
from training.engine import (collate, encode_examples, epoch_batches, epoch_examples, lr_at, make_optimizer, set_lr,
                             set_seed, train_step, use_bf16, valid_translations)
from training.machine import cpu_model
from training.recipe import mix_and_tags, model_config_for, parse_args, prepare_data

TAG = "<bt>"                 # the source tag of the synthetic pairs in the forward runs
CORPUS = "bt_commonvoice"    # their corpus name (the TSV's file name): train-only (dawn.data.train_only)
LOOP = re.compile(r"(.)\1{3,}")  # one character four times in a row: a decoding loop, not Chinese


class ReverseTokenizer:
    """English in, Chinese out, with the interface training.engine uses (PairTokenizer's, sides swapped):

        ids 0..3                      <pad> <s> </s> <unk>
        ids 4 .. tgt_vocab_size-1     Chinese characters (and the punctuation, digits and letters of Chinese text,
                                      one character each): the decoder's vocabulary
        ids tgt_vocab_size ..         English BPE subwords: the encoder's only
    """

    def __init__(self, en: Tokenizer, chars: list[str]):
        self.chars = chars                                              # target id 4 + i -> chars[i]
        self.char_id = {ch: i + len(SPECIALS) for i, ch in enumerate(chars)}
        self.tgt_vocab_size = len(SPECIALS) + len(chars)
        self.en = en                                                    # English BPE, its own ids 0..Ve-1

    @classmethod
    def train(cls, zh: list[str], en: list[str], en_vocab_size: int = 4000, zh_coverage: float = 0.9995,
              zh_min_count: int = 2):
        tok = _new_tokenizer(models.BPE(unk_token="<unk>"))
        tok.train_from_iterator(en, trainers.BpeTrainer(vocab_size=en_vocab_size, special_tokens=SPECIALS))
        tok.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", EOS)])
        counts = Counter(ch for s in zh for ch in cls._chars(s))
        return cls(tok, chars_by_coverage(counts, zh_coverage, zh_min_count))

    @staticmethod
    def _chars(zh: str) -> str:
        return "".join(ch for ch in unicodedata.normalize("NFKC", normalize_zh(zh)) if not ch.isspace())

    @property
    def src_vocab_size(self) -> int:
        return self.tgt_vocab_size + self.en.get_vocab_size()

    def encode_source(self, text: str, tag: str | None = None) -> list[int]:
        """English -> encoder ids ending in </s> (the specials keep ids 0..3, subwords shift past the characters)."""
        ids = self.en.encode(normalize_en(text)).ids
        return [i if i < len(SPECIALS) else i + len(self.chars) for i in ids]

    def encode_target(self, text: str) -> list[int]:
        """Chinese -> decoder ids, one per character (spaces dropped), ending in </s>."""
        return [self.char_id.get(ch, UNK) for ch in self._chars(text)] + [EOS]

    def decode_target(self, ids: list[int]) -> str:
        return "".join(self.chars[i - len(SPECIALS)] for i in ids if len(SPECIALS) <= i < self.tgt_vocab_size)


def reverse_pairs(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(en, zh) for zh, en in pairs]


def mono_sentences(path: Path, test_dirs: list[str], valid_en: set[str]) -> tuple[list[str], dict]:
    """The English sentences worth translating, and how many each filter dropped."""
    lines = [normalize_en(line).strip() for line in path.read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if line]
    _, test_en = held_out_sentences(test_dirs)
    refs = [en for _, en in STORY_CLAUSES]                   # the story's English, cut after each clause
    story_en = [b[len(a):].strip().lower() for a, b in zip(["", *refs], refs)]   # its clauses one by one
    story_en = [c for c in story_en if len(c.split()) >= 3]
    counts = {"read": len(lines)}
    seen, kept = set(), []
    for line in lines:
        if line in test_en:
            counts["dropped_test_overlap"] = counts.get("dropped_test_overlap", 0) + 1
        elif line in valid_en or any(c in line.lower() for c in story_en):
            counts["dropped_valid_or_story"] = counts.get("dropped_valid_or_story", 0) + 1
        elif line in seen:
            counts["dropped_duplicate"] = counts.get("dropped_duplicate", 0) + 1
        else:
            seen.add(line)
            kept.append(line)
    counts["kept"] = len(kept)
    return kept, counts


def synthetic_pairs(english: list[str], chinese: list[str], limits: list[int], lengths: list[int]) -> tuple[list, dict]:
    """(zh, en) pairs worth training on, and how many were dropped and why."""
    kept, dropped = [], {"empty": 0, "length_limit": 0, "loop": 0}
    for en, zh, limit, n in zip(english, chinese, limits, lengths):
        if not zh:
            dropped["empty"] += 1
        elif n + 1 >= limit:                         # ran to the limit without </s>
            dropped["length_limit"] += 1
        elif LOOP.search(zh):
            dropped["loop"] += 1
        else:
            kept.append((zh, en))
    return kept, dropped


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", nargs="+", required=True, help="the forward runs' corpora (training.train --data)")
    p.add_argument("--mono", type=Path, required=True, help="English sentences, one per line")
    p.add_argument("--out", type=Path, required=True, help="folder for bt_commonvoice.tsv and back_translation.json")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--seed", type=int, default=1337)
    p.add_argument("--limit", type=int, default=None, help="translate only the first N English sentences (tests)")
    p.add_argument("--valid-sentences", type=int, default=500, help="reverse valid sentences scored (chrF)")
    args, train_flags = p.parse_known_args(argv)   # the rest (--test-dir, --en-vocab, sizes) go to training.train
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    if args.threads:
        torch.set_num_threads(args.threads)
    start = time.perf_counter()
    set_seed(args.seed)

    # the forward runs' data preparation (quick preset: its mix, sizes and schedule), sides swapped
    targs = parse_args(["--model", "transformer", "--preset", "quick", "--data", *args.data, "--out", str(args.out),
                        "--seed", str(args.seed), "--epochs", str(args.epochs), *train_flags])
    train_by, valid, data_stats = prepare_data(targs, log)
    weights, _ = mix_and_tags(targs)
    train_rev = {k: reverse_pairs(v) for k, v in train_by.items() if weights.get(k.removesuffix("_concat"), 1.0) > 0}
    valid_rev = [(en, zh, c) for zh, en, c in valid]
    plain = [pair for k, v in train_rev.items() if not k.endswith("_concat") for pair in v]
    tokenizer = ReverseTokenizer.train([zh for _, zh in plain], [en for en, _ in plain], targs.en_vocab,
                                       targs.zh_coverage)
    train_ex_by, valid_ex, bleu_idx = encode_examples(tokenizer, train_rev, valid_rev, {}, args.seed,
                                                      args.valid_sentences)
    model = build_model("transformer", model_config_for(targs, tokenizer))
    optimizer = make_optimizer(model, targs.lr)
    examples_by_epoch = [epoch_examples(train_ex_by, weights, args.seed, e) for e in range(args.epochs)]
    epochs = [epoch_batches(ex, targs.batch_tokens, args.seed, e) for e, ex in enumerate(examples_by_epoch)]
    total, step = sum(len(b) for b in epochs), 0
    log(f"reverse model: {sum(p.numel() for p in model.parameters()):,} parameters, {len(tokenizer.chars):,} "
        f"Chinese characters out, {total:,} steps")
    bf16 = use_bf16(targs.precision, torch.device("cpu"))
    history = []
    for e, (examples, batches) in enumerate(zip(examples_by_epoch, epochs)):
        model.train()
        losses = []
        for batch in batches:
            set_lr(optimizer, lr_at(step, total, targs.lr, targs.warmup))
            src, mask, tgt_in, tgt_out = collate(examples, batch)
            losses.append(train_step(model, optimizer, src, mask, tgt_in, tgt_out, targs.label_smoothing, bf16).item())
            step += 1
            if step % 100 == 0:
                log(f"epoch {e + 1} step {step}/{total} loss {sum(losses[-100:]) / len(losses[-100:]):.3f}")
        hyps = valid_translations(model, tokenizer, [valid_ex[i][0] for i in bleu_idx])
        refs = [valid_rev[i][1] for i in bleu_idx]
        scores = {"epoch": e + 1, "train_loss": round(sum(losses) / len(losses), 4),
                  "valid_chrf": round(sacrebleu.corpus_chrf(hyps, [refs]).score, 2),
                  "valid_bleu_zh": round(sacrebleu.corpus_bleu(hyps, [refs], tokenize="zh").score, 2),
                  "elapsed_s": round(time.perf_counter() - start, 1)}
        history.append(scores)
        log(json.dumps(scores))

    english, mono_counts = mono_sentences(args.mono, targs.test_dir, {en for _, en, _ in valid})
    english = english[: args.limit] if args.limit else english
    log(f"translating {len(english):,} English sentences into Chinese")
    sources = [tokenizer.encode_source(en) for en in english]
    chinese = valid_translations(model, tokenizer, sources, batch_size=128)
    lengths = [len(tokenizer.encode_target(zh)) - 1 for zh in chinese]
    limits = [max_output_len(len(s), model.config.max_target_len) for s in sources]
    pairs, dropped = synthetic_pairs(english, chinese, limits, lengths)
    args.out.mkdir(parents=True, exist_ok=True)
    tsv = args.out / f"{CORPUS}.tsv"
    tsv.write_text("".join(f"{en}\t{zh}\n" for zh, en in pairs), encoding="utf-8")   # the layout dawn.data reads
    report = {
        "command": "python -m lab.experiments.back_translate " + " ".join(sys.argv[1:] if argv is None else argv),
        "machine": cpu_model(), "threads": torch.get_num_threads(), "minutes": round((time.perf_counter() - start) / 60, 1),
        "reverse_model": {"parameters": sum(p.numel() for p in model.parameters()),
                          "chinese_characters": len(tokenizer.chars), "steps": total, "history": history,
                          "valid_sentences_scored": len(bleu_idx), "decoding": "greedy"},
        "mono": {"file": str(args.mono), **mono_counts, "translated": len(english)},
        "synthetic_pairs": len(pairs), "dropped": dropped, "tag": TAG, "corpus": CORPUS, "tsv": str(tsv),
        "examples": [{"en": en, "zh": zh} for zh, en in pairs[:: max(1, len(pairs) // 8)][:8]],
        "training_pairs": data_stats.get("train_pairs"),
    }
    (args.out / "back_translation.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n",
                                                    encoding="utf-8")
    log(f"{len(pairs):,} synthetic pairs -> {tsv} ({dropped})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
