"""Does forbidding repeated n-grams in beam search stop the loops without costing BLEU? A decoding-only
experiment, no training.

    python -m training.no_repeat --checkpoint checkpoints/lstm checkpoints/lstm_attention checkpoints/transformer \\
        --flores ../shared/data/flores200-devtest --sizes 0 2 3 4

A small model's beam search sometimes says a phrase again right after itself ("The end of the
sunset of the sunset."). With no_repeat_ngram = n (dawn.decoding.beam_search) no hypothesis may
contain the same n target tokens twice:

    log p(v | y_<t, x) = -inf   for every v that would complete an n-gram already in y_<t

For each model and each n (0 = off) this decodes the model's own validation sample (the same 400
sentences training.evaluate picks greedy/beam on) with beam 4 and records BLEU, chrF, the length
ratio and the loop rate (dawn.metrics.loop_rate: outputs that repeat a phrase of 1-8 words right after
itself). The choice is the n with the best valid BLEU (ties: the one that loops least, then off), and a
paired bootstrap of it against off says whether its BLEU gain is more than resampling noise. FLORES
is decoded with off and with the chosen n only after the choice, to show what it buys; it never
chooses, and the story's sentences are never read. Writes checkpoints/no_repeat.json; the committed
decoding is not changed by this script.
"""

from __future__ import annotations

import argparse
import sys
import time

import torch

from dawn.metrics import corpus_scores, loop_rate, paired_bootstrap
from training.evaluate import translate_sentences
from training.length_penalty import bleu_and_ratio, run_sweeps


def scores(hyps: list[str], refs: list[str]) -> dict:
    """BLEU, chrF, the length ratio and the loop rate of one decoding."""
    return {**bleu_and_ratio(hyps, refs), "chrf": corpus_scores(hyps, refs)["chrf"], "loop_rate": loop_rate(hyps)}


def sweep(translator, valid_pairs, flores, sizes: list[int], beam_size: int, batch_size: int) -> dict:
    zh, en = [z for z, _ in valid_pairs], [e for _, e in valid_pairs]
    rows, hyps = [], {}
    for n in sizes:
        t0 = time.time()
        hyps[n] = translate_sentences(translator, zh, beam_size, batch_size, f"valid n={n}", no_repeat_ngram=n)
        rows.append({"no_repeat_ngram": n, "valid": scores(hyps[n], en), "seconds": round(time.time() - t0, 1)})
        print(f"n={n}: {rows[-1]}", file=sys.stderr, flush=True)
    best = max(rows, key=lambda r: (r["valid"]["bleu"], -r["valid"]["loop_rate"], r["no_repeat_ngram"] == 0))
    chosen = best["no_repeat_ngram"]
    result = {"beam_size": beam_size, "threads": torch.get_num_threads(), "n_valid": len(zh), "rows": rows,
              "best_on_valid": chosen}
    if 0 in hyps and chosen != 0:   # is the chosen n's gain on validation more than resampling noise?
        result["best_vs_off_on_valid"] = paired_bootstrap(hyps[0], hyps[chosen], en)
    if flores is not None:          # after the choice: what it buys on long, formal sentences
        result["flores200"] = {str(n): scores(translate_sentences(translator, flores.zh, beam_size, batch_size,
                                                                  f"flores n={n}", no_repeat_ngram=n), flores.en)
                               for n in sorted({0, chosen})}
    return result


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", nargs="+", required=True)
    p.add_argument("--flores", help="FLORES-200 devtest folder, read after the choice (optional)")
    p.add_argument("--sizes", type=int, nargs="+", default=[0, 2, 3, 4], help="n-gram sizes to try (0 = off)")
    p.add_argument("--beam-size", type=int, default=4)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default="checkpoints/no_repeat.json")
    args = p.parse_args(argv)
    if args.beam_size < 2:
        p.error("no_repeat_ngram only changes beam search: give --beam-size 2 or more")
    if any(n < 0 for n in args.sizes):
        p.error("--sizes are 0 (off) or positive n-gram sizes")
    return run_sweeps(args, {"rule": "log p(v | y_<t, x) = -inf for every v that would complete an n-gram already in "
                                     "y_<t (beam only)",
                             "chosen_on": "each model's validation sample: best BLEU, ties to the fewest loops; FLORES-200 "
                                          "devtest decoded after the choice, never to choose; the story's sentences never read"},
                      lambda t, valid, flores: sweep(t, valid, flores, args.sizes, args.beam_size, args.batch_size))

if __name__ == "__main__":
    sys.exit(main())
