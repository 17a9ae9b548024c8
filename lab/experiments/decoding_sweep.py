"""Decoding-only experiments, no training: one rule of beam search swept per model, chosen on the model's
own validation sample, FLORES-200 decoded only after the choice. Two sweeps share everything around their
loop (run_sweeps): loading, the validation sample, the report file.

    python -m lab.experiments.decoding_sweep length-penalty --checkpoint checkpoints/transformer \\
        --flores ../shared/data/flores200-devtest --penalties 0.6 1.0 1.5 2.0 3.0
    python -m lab.experiments.decoding_sweep no-repeat --checkpoint checkpoints/lstm checkpoints/lstm_attention \\
        checkpoints/transformer --flores ../shared/data/flores200-devtest --sizes 0 2 3 4

## length-penalty: would a length penalty in beam search lift FLORES?

Beam search ranks a finished translation y of x by

    score(y) = log p(y|x) / |y|^α          α = length_penalty (1.0 is what the models use)

Every token adds a negative log-probability, so the raw sum favours short outputs; a
larger α divides long ones by more and so lets them win more often. FLORES
translations come out shorter than the references (BLEU's brevity penalty bites), so
α > 1 is the obvious thing to try before retraining anything.

The choice is made on the model's own validation sample (the same 400 sentences
training.evaluate picks greedy/beam on), with a paired bootstrap of the best α against
α = 1 to tell a gain from noise. FLORES is decoded at every α only to show, after the
choice, what the choice would have bought; it is never used to choose. Writes
checkpoints/length_penalty.json; the committed decoding is not changed by this script.

## no-repeat: does forbidding repeated n-grams stop the loops without costing BLEU?
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
import json
import sys
import time
from pathlib import Path

import sacrebleu
import torch

from dawn import load_translator
from dawn.checkpoint import CheckpointError
from dawn.data import DataError
from dawn.metrics import corpus_scores, loop_rate, paired_bootstrap
from training.scoring import load_flores, translate_sentences, valid_sample


def bleu_and_ratio(hyps: list[str], refs: list[str]) -> dict:
    """Corpus BLEU and the length ratio |hyps| / |refs| in sacrebleu's tokens (BP = 1 once the ratio reaches 1)."""
    b = sacrebleu.metrics.BLEU().corpus_score(hyps, [refs])
    return {"bleu": round(b.score, 2), "length_ratio": round(b.sys_len / b.ref_len, 3),
            "brevity_penalty": round(b.bp, 3)}


def scores(hyps: list[str], refs: list[str]) -> dict:
    """BLEU, chrF, the length ratio and the loop rate of one decoding."""
    return {**bleu_and_ratio(hyps, refs), "chrf": corpus_scores(hyps, refs)["chrf"], "loop_rate": loop_rate(hyps)}


def sweep_length_penalty(translator, valid_pairs, flores, penalties, beam_size: int, batch_size: int) -> dict:
    zh, en = [z for z, _ in valid_pairs], [e for _, e in valid_pairs]
    rows, valid_hyps = [], {}
    for alpha in penalties:
        t0 = time.time()
        valid_hyps[alpha] = translate_sentences(translator, zh, beam_size, batch_size, f"valid α={alpha}", alpha)
        row = {"length_penalty": alpha, "valid": bleu_and_ratio(valid_hyps[alpha], en)}
        if flores is not None:
            hyps = translate_sentences(translator, flores.zh, beam_size, batch_size, f"flores α={alpha}", alpha)
            row["flores200"] = bleu_and_ratio(hyps, flores.en)
        row["seconds"] = round(time.time() - t0, 1)
        rows.append(row)
        print(f"α={alpha}: {row}", file=sys.stderr, flush=True)
    best = max(rows, key=lambda r: (r["valid"]["bleu"], -abs(r["length_penalty"] - 1.0)))["length_penalty"]
    result = {"beam_size": beam_size, "threads": torch.get_num_threads(), "n_valid": len(zh), "rows": rows,
              "best_on_valid": best}
    if 1.0 in valid_hyps and best != 1.0:   # is the best α's gain on validation more than resampling noise?
        result["best_vs_1.0_on_valid"] = paired_bootstrap(valid_hyps[1.0], valid_hyps[best], en)
    return result


def sweep_no_repeat(translator, valid_pairs, flores, sizes: list[int], beam_size: int, batch_size: int) -> dict:
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


def run_sweeps(args, header: dict, sweep_one) -> int:
    """What each sweep does around its loop: load --flores, the
    --checkpoint translators and their validation samples (a clear error, exit 2, for unreadable input), then
    sweep_one(translator, valid_pairs, flores) per model into --out (header at the top, models kept from earlier
    runs), written after each model."""
    torch.set_num_threads(args.threads)
    try:
        flores = load_flores(args.flores) if args.flores else None
        translators = {Path(c).name: load_translator(c) for c in args.checkpoint}
        samples = {name: valid_sample(t) for name, t in translators.items()}
    except (DataError, CheckpointError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    path = Path(args.out)
    report = json.loads(path.read_text()) if path.exists() else {}
    report.update(header)
    report.setdefault("models", {})
    for name, translator in translators.items():
        report["models"][name] = sweep_one(translator, samples[name], flores)
        path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return 0


def main(argv=None) -> int:
    common = argparse.ArgumentParser(add_help=False)         # what both sweeps take
    common.add_argument("--checkpoint", nargs="+", required=True)
    common.add_argument("--flores", help="FLORES-200 devtest folder, read after the choice (optional)")
    common.add_argument("--beam-size", type=int, default=4)
    common.add_argument("--batch-size", type=int, default=64)
    common.add_argument("--threads", type=int, default=2)
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sweeps = p.add_subparsers(dest="sweep", required=True)
    lp = sweeps.add_parser("length-penalty", parents=[common], help="beam search's length penalty α")
    lp.add_argument("--penalties", type=float, nargs="+", default=[0.6, 1.0, 1.5, 2.0, 3.0])
    lp.add_argument("--out", default="checkpoints/length_penalty.json")
    nr = sweeps.add_parser("no-repeat", parents=[common], help="beam search's no_repeat_ngram n")
    nr.add_argument("--sizes", type=int, nargs="+", default=[0, 2, 3, 4], help="n-gram sizes to try (0 = off)")
    nr.add_argument("--out", default="checkpoints/no_repeat.json")
    args = p.parse_args(argv)
    if args.beam_size < 2:
        p.error(f"{args.sweep} only changes beam search: give --beam-size 2 or more")
    if args.sweep == "length-penalty":
        return run_sweeps(args, {"formula": "score(y) = log p(y|x) / |y|^length_penalty",
                                 "chosen_on": "each model's validation sample; FLORES-200 devtest read after the "
                                              "choice, never to choose"},
                          lambda t, valid, flores: sweep_length_penalty(t, valid, flores, args.penalties,
                                                                        args.beam_size, args.batch_size))
    if any(n < 0 for n in args.sizes):
        p.error("--sizes are 0 (off) or positive n-gram sizes")
    return run_sweeps(args, {"rule": "log p(v | y_<t, x) = -inf for every v that would complete an n-gram already "
                                     "in y_<t (beam only)",
                             "chosen_on": "each model's validation sample: best BLEU, ties to the fewest loops; "
                                          "FLORES-200 devtest decoded after the choice, never to choose; the story's "
                                          "sentences never read"},
                      lambda t, valid, flores: sweep_no_repeat(t, valid, flores, args.sizes, args.beam_size,
                                                               args.batch_size))


if __name__ == "__main__":
    sys.exit(main())
