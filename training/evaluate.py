"""Score the translators on the Tatoeba test set (BLEU, chrF, by source length),
compare them with a paired bootstrap, and draw the BLEU-by-length figure.

    python -m training.evaluate --checkpoint checkpoints/lstm checkpoints/transformer \\
        --test ../shared/data/tatoeba-test/tatoeba-test-v2020-07-28 \\
        --valid-data ../shared/data/tatoeba-cmn/cmn.txt

For each checkpoint this writes checkpoints/NAME/metrics.json (and refreshes its
model card). With both models it also writes checkpoints/comparison.json (the
Transformer - LSTM BLEU difference with a 95% paired-bootstrap interval, overall
and per length bucket) and checkpoints/bleu_by_length.png.

Decoding (greedy or beam 4) is chosen per model on the validation split
(--valid-data: the same split training used), never on the test set, which is
read once per final model. Hypotheses are kept in runs/ (not committed).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch
from tqdm import tqdm

from dawn import load_translator
from dawn.card import write_model_card
from dawn.checkpoint import CheckpointError, update_file
from dawn.data import DataError, TestSet, load_pairs, load_test_set, remove_test_overlap, split_by_english
from dawn.metrics import BUCKETS, bucket_of, corpus_scores, paired_bootstrap, source_length
from dawn.plots import length_curve

BEAM_CHOICES = (1, 4)


def translate_all(translator, sentences: list[str], beam_size: int, batch_size: int, desc: str) -> list[str]:
    """Batched decoding, longest sentences first (less padding), results in input order."""
    order = sorted(range(len(sentences)), key=lambda i: -len(sentences[i]))
    out = [""] * len(sentences)
    with tqdm(total=len(sentences), desc=desc, unit="sent", file=sys.stderr, dynamic_ncols=True) as bar:
        for i in range(0, len(order), batch_size):
            idx = order[i: i + batch_size]
            for j, hyp in zip(idx, translator.translate_batch([sentences[j] for j in idx], beam_size=beam_size)):
                out[j] = hyp
            bar.update(len(idx))
    return out


def score_test(test: TestSet, hyps: list[str]) -> dict:
    """Corpus scores overall, on the Mandarin lines (labels cmn_*) and per source-length bucket."""
    metrics = {"n": len(hyps), **corpus_scores(hyps, test.en)}
    mandarin = [i for i, label in enumerate(test.labels) if label.startswith("cmn")]
    if mandarin:
        m = corpus_scores([hyps[i] for i in mandarin], [test.en[i] for i in mandarin])
        metrics.update(n_mandarin=len(mandarin), bleu_mandarin=m["bleu"], chrf_mandarin=m["chrf"])
    metrics["by_length"] = []
    for name, _, _ in BUCKETS:
        idx = bucket_indices(test, name)
        s = corpus_scores([hyps[i] for i in idx], [test.en[i] for i in idx]) if idx else {"bleu": None, "chrf": None}
        metrics["by_length"].append({"bucket": name, "n": len(idx), "bleu": s["bleu"], "chrf": s["chrf"]})
    return metrics


def bucket_indices(test: TestSet, name: str) -> list[int]:
    return [i for i, zh in enumerate(test.zh) if bucket_of(source_length(zh)) == name]


def choose_decoding(translator, valid_pairs, batch_size: int) -> tuple[int, dict]:
    """Pick greedy or beam 4 by BLEU on the validation split."""
    zh, en = [z for z, _ in valid_pairs], [e for _, e in valid_pairs]
    scores = {k: corpus_scores(translate_all(translator, zh, k, batch_size, f"valid beam={k}"), en)["bleu"]
              for k in BEAM_CHOICES}
    return max(scores, key=lambda k: (scores[k], -k)), {f"beam_{k}": v for k, v in scores.items()}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", nargs="+", required=True, help="one or more checkpoint folders")
    p.add_argument("--test", required=True, help="test-set prefix: reads PREFIX.zho, PREFIX.eng, PREFIX.zho.labels")
    p.add_argument("--valid-data", help="training corpus; its validation split chooses greedy vs beam 4")
    p.add_argument("--beam-size", type=int, help="fix the beam size instead of choosing it on validation")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--hyp-dir", default="runs", help="where test hypotheses are written (not committed)")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        test = load_test_set(args.test)
        translators = {Path(c).name: (Path(c), load_translator(c)) for c in args.checkpoint}
    except (DataError, CheckpointError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"test set {args.test}: {len(test.zh):,} sentences", file=sys.stderr)

    hyps_by_model, results = {}, {}
    for name, (ckpt, translator) in translators.items():
        selection = None
        if args.beam_size:
            beam = args.beam_size
        elif args.valid_data:
            tr = translator.config["training"]
            pairs, _ = remove_test_overlap(load_pairs(args.valid_data), Path(args.test).parent)
            _, valid = split_by_english(pairs, tr["valid_fraction"], tr["seed"])
            beam, selection = choose_decoding(translator, valid, args.batch_size)
            print(f"{name}: valid BLEU {selection} -> beam {beam}", file=sys.stderr)
        else:
            beam = 1
        t0 = time.time()
        hyps = translate_all(translator, test.zh, beam, args.batch_size, f"{name} test beam={beam}")
        seconds = time.time() - t0
        Path(args.hyp_dir).mkdir(parents=True, exist_ok=True)
        (Path(args.hyp_dir) / f"test_hyp_{name}.txt").write_text("\n".join(hyps) + "\n")
        metrics = {"model": name, "test_set": Path(args.test).name,
                   "decoding": "greedy" if beam == 1 else f"beam {beam}", "beam_size": beam,
                   "decoding_selected_on_valid": selection, **score_test(test, hyps),
                   "decode_seconds": round(seconds, 1), "threads": torch.get_num_threads(),
                   "num_parameters": translator.num_parameters}
        update_file(ckpt, "metrics.json", json.dumps(metrics, indent=2).encode())
        write_model_card(ckpt)
        hyps_by_model[name], results[name] = hyps, metrics
        print(f"{name}: BLEU {metrics['bleu']}  chrF {metrics['chrf']}  Mandarin BLEU {metrics.get('bleu_mandarin')}  "
              f"({seconds:.0f} s)", file=sys.stderr)

    if {"lstm", "transformer"} <= set(results):
        root = translators["transformer"][0].parent
        comparison = {"test_set": Path(args.test).name, "difference": "BLEU(transformer) - BLEU(lstm)",
                      "overall": paired_bootstrap(hyps_by_model["lstm"], hyps_by_model["transformer"], test.en),
                      "by_length": []}
        for name, _, _ in BUCKETS:
            idx = bucket_indices(test, name)
            if idx:
                pick = lambda h: [h[i] for i in idx]
                comparison["by_length"].append({"bucket": name, **paired_bootstrap(
                    pick(hyps_by_model["lstm"]), pick(hyps_by_model["transformer"]), pick(test.en))})
        (root / "comparison.json").write_text(json.dumps(comparison, indent=2) + "\n")
        length_curve({k: results[k] for k in ("lstm", "transformer")}, root / "bleu_by_length.png")
        print(f"wrote {root / 'comparison.json'} and {root / 'bleu_by_length.png'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
