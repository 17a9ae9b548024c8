"""Would a length penalty in beam search lift FLORES? A decoding-only experiment, no training.

    python -m training.length_penalty --checkpoint checkpoints/transformer \\
        --flores ../shared/data/flores200-devtest --penalties 0.6 1.0 1.5 2.0 3.0

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
from dawn.metrics import paired_bootstrap
from training.evaluate import load_flores, translate_sentences, valid_sample


def bleu_and_ratio(hyps: list[str], refs: list[str]) -> dict:
    """Corpus BLEU and the length ratio |hyps| / |refs| in sacrebleu's tokens (BP = 1 once the ratio reaches 1)."""
    b = sacrebleu.metrics.BLEU().corpus_score(hyps, [refs])
    return {"bleu": round(b.score, 2), "length_ratio": round(b.sys_len / b.ref_len, 3),
            "brevity_penalty": round(b.bp, 3)}


def sweep(translator, valid_pairs, flores, penalties, beam_size: int, batch_size: int) -> dict:
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


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", nargs="+", required=True)
    p.add_argument("--flores", help="FLORES-200 devtest folder, read after the choice (optional)")
    p.add_argument("--penalties", type=float, nargs="+", default=[0.6, 1.0, 1.5, 2.0, 3.0])
    p.add_argument("--beam-size", type=int, default=4)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default="checkpoints/length_penalty.json")
    args = p.parse_args(argv)
    if args.beam_size < 2:
        p.error("a length penalty only changes beam search: give --beam-size 2 or more")
    return run_sweeps(args, {"formula": "score(y) = log p(y|x) / |y|^length_penalty",
                             "chosen_on": "each model's validation sample; FLORES-200 devtest read after the choice, "
                                          "never to choose"},
                      lambda t, valid, flores: sweep(t, valid, flores, args.penalties, args.beam_size, args.batch_size))


def run_sweeps(args, header: dict, sweep_one) -> int:
    """What a decoding-only sweep (this one, training/no_repeat.py) does around its sweep: load --flores, the
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


if __name__ == "__main__":
    sys.exit(main())
