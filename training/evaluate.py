"""Score the translators on Tatoeba-test (short, everyday) and FLORES-200 devtest
(long, formal): BLEU, chrF, by source length, <unk> rates, the story sentence;
compare neighbouring models with a paired bootstrap; draw BLEU by length.

    python -m training.evaluate --checkpoint checkpoints/lstm checkpoints/lstm_attention checkpoints/transformer \\
        --tatoeba ../shared/data/tatoeba-test/tatoeba-test-v2020-07-28 --flores ../shared/data/flores200-devtest

Or one process per model, in parallel, then the comparison from their hypotheses:

    for m in lstm lstm_attention transformer; do
        python -m training.evaluate --checkpoint checkpoints/$m --threads 1 --tatoeba ... --flores ... &
    done; wait
    python -m training.evaluate --checkpoint checkpoints/lstm checkpoints/lstm_attention checkpoints/transformer \\
        --tatoeba ... --flores ... --compare-only

For each checkpoint this writes checkpoints/NAME/metrics.json (Tatoeba scores at the
top level, as before, and `flores200`, `unk`, `story`) and refreshes its model card.
With several models it writes checkpoints/comparison.json (each model minus the one
before it, in historical order, with 95% paired-bootstrap intervals, per test set
and length bucket) and checkpoints/bleu_by_length.png / bleu_by_length_flores.png.

Decoding (greedy or beam 4) is chosen per model on a sample of its own validation
split (rebuilt from training.json), never on a test set; each test set is read once
per final model. Hypotheses are kept in runs/ (not committed).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

from dawn import load_translator
from dawn.card import write_model_card
from dawn.checkpoint import CheckpointError, update_file
from dawn.data import DataError, TestSet, load_test_set
from dawn.metrics import BUCKETS, LONG_BUCKETS, bucket_of, corpus_scores, paired_bootstrap, source_length
from dawn.plots import length_curve
from dawn.registry import MODEL_NAMES, with_chosen_decoding
from dawn.story import STORY_REFERENCE, STORY_SENTENCE
from training.scoring import load_flores, translate_sentences, valid_sample

BEAM_CHOICES = (1, 4)
ORDER = MODEL_NAMES  # historical order, for comparisons


def bucket_indices(test: TestSet, name: str, buckets=BUCKETS) -> list[int]:
    return [i for i, zh in enumerate(test.zh) if bucket_of(source_length(zh), buckets) == name]


def score_test(test: TestSet, hyps: list[str], buckets=BUCKETS) -> dict:
    """Corpus scores overall, on the Mandarin lines (labels cmn_*) and per source-length bucket."""
    metrics = {"n": len(hyps), **corpus_scores(hyps, test.en)}
    mandarin = [i for i, label in enumerate(test.labels) if label.startswith("cmn")]
    if mandarin:
        m = corpus_scores([hyps[i] for i in mandarin], [test.en[i] for i in mandarin])
        metrics.update(n_mandarin=len(mandarin), bleu_mandarin=m["bleu"], chrf_mandarin=m["chrf"])
    metrics["by_length"] = []
    for name, _, _ in buckets:
        idx = bucket_indices(test, name, buckets)
        s = corpus_scores([hyps[i] for i in idx], [test.en[i] for i in idx]) if idx else {"bleu": None, "chrf": None}
        metrics["by_length"].append({"bucket": name, "n": len(idx), "bleu": s["bleu"], "chrf": s["chrf"]})
    return metrics


def choose_decoding(translator, valid_pairs, batch_size: int) -> tuple[int, dict]:
    """Pick greedy or beam 4 by BLEU on the validation sample (untagged, as the app translates)."""
    zh, en = [z for z, _ in valid_pairs], [e for _, e in valid_pairs]
    scores = {k: corpus_scores(translate_sentences(translator, zh, k, batch_size, f"valid beam={k}"), en)["bleu"]
              for k in BEAM_CHOICES}
    return max(scores, key=lambda k: (scores[k], -k)), {f"beam_{k}": v for k, v in scores.items()}


def compare(hyps: dict[str, list[str]], test: TestSet, buckets) -> list[dict]:
    """Each model minus the one before it (historical order): overall and per bucket, with bootstrap CIs."""
    names = [n for n in ORDER if n in hyps]
    out = []
    for a, b in zip(names, names[1:]):
        entry = {"difference": f"BLEU({b}) - BLEU({a})", "overall": paired_bootstrap(hyps[a], hyps[b], test.en),
                 "by_length": []}
        for name, _, _ in buckets:
            idx = bucket_indices(test, name, buckets)
            if idx:
                pick = lambda h: [h[i] for i in idx]
                entry["by_length"].append({"bucket": name, **paired_bootstrap(pick(hyps[a]), pick(hyps[b]), pick(test.en))})
        out.append(entry)
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", nargs="+", required=True, help="one or more checkpoint folders")
    p.add_argument("--tatoeba", help="Tatoeba test prefix: reads PREFIX.zho, PREFIX.eng, PREFIX.zho.labels")
    p.add_argument("--flores", help="FLORES-200 devtest folder (zho_Hans.devtest, eng_Latn.devtest)")
    p.add_argument("--beam-size", type=int, help="fix the beam size instead of choosing it on validation")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--hyp-dir", default="runs", help="where test hypotheses are written (not committed)")
    p.add_argument("--compare-only", action="store_true",
                   help="decode nothing: read the hypotheses and metrics.json that earlier runs (e.g. one per model, "
                        "in parallel) wrote, and write comparison.json and the figures")
    args = p.parse_args(argv)
    if not args.tatoeba and not args.flores:
        p.error("give --tatoeba and/or --flores")
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        tests = {}
        if args.tatoeba:
            tests["tatoeba"] = (load_test_set(args.tatoeba), BUCKETS, Path(args.tatoeba).name)
        if args.flores:
            tests["flores200"] = (load_flores(args.flores), LONG_BUCKETS, "flores200-devtest zho_Hans-eng_Latn")
        translators = {Path(c).name: (Path(c), with_chosen_decoding(load_translator(c), Path(c).name))  # as the app
                       for c in args.checkpoint}
    except (DataError, CheckpointError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2

    hyps_by = {key: {} for key in tests}
    results = {}
    for name, (ckpt, translator) in translators.items() if args.compare_only else ():
        results[name] = json.loads((ckpt / "metrics.json").read_text())
        for key, (test, _, _) in tests.items():
            hyps = (Path(args.hyp_dir) / f"{key}_hyp_{name}.txt").read_text().split("\n")[: len(test.zh)]
            if len(hyps) != len(test.zh):
                print(f"error: {args.hyp_dir}/{key}_hyp_{name}.txt has {len(hyps)} lines, expected {len(test.zh)}",
                      file=sys.stderr)
                return 2
            hyps_by[key][name] = hyps
    for name, (ckpt, translator) in () if args.compare_only else translators.items():
        if args.beam_size:
            beam, selection = args.beam_size, None
        else:
            beam, selection = choose_decoding(translator, valid_sample(translator), args.batch_size)
            print(f"{name}: valid BLEU {selection} -> beam {beam}", file=sys.stderr)
        blocked = translator.no_repeat_ngram if beam > 1 else 0
        metrics = {"model": name, "decoding": "greedy" if beam == 1 else f"beam {beam}"
                   + (f", no {blocked}-gram twice" if blocked else ""), "beam_size": beam, "no_repeat_ngram": blocked,
                   "decoding_selected_on_valid": selection, "threads": torch.get_num_threads(),
                   "num_parameters": translator.num_parameters}
        for key, (test, buckets, test_name) in tests.items():
            t0 = time.time()
            hyps = translate_sentences(translator, test.zh, beam, args.batch_size, f"{name} {key} beam={beam}")
            seconds = time.time() - t0
            Path(args.hyp_dir).mkdir(parents=True, exist_ok=True)
            (Path(args.hyp_dir) / f"{key}_hyp_{name}.txt").write_text("\n".join(hyps) + "\n")
            scores = {"test_set": test_name, "decoding": metrics["decoding"], **score_test(test, hyps, buckets),
                      "decode_seconds": round(seconds, 1)}
            hyps_by[key][name] = hyps
            if key == "tatoeba":
                metrics.update(scores)  # top level, as the first metrics.json had it
            else:
                metrics[key] = scores
            print(f"{name} {key}: BLEU {scores['bleu']}  chrF {scores['chrf']}  "
                  f"Mandarin BLEU {scores.get('bleu_mandarin')}  ({seconds:.0f} s)", file=sys.stderr)
        tok = translator.tokenizer
        metrics["unk"] = {"story_sentence": round(tok.unk_rate([STORY_SENTENCE]), 5)}
        if "flores200" in tests:
            metrics["unk"]["flores200"] = round(tok.unk_rate(tests["flores200"][0].zh), 5)
        metrics["story"] = {"greedy": translator.translate_batch([STORY_SENTENCE], 1)[0],
                            "beam 4": translator.translate_batch([STORY_SENTENCE], 4)[0]}
        metrics["story_reference"] = STORY_REFERENCE
        update_file(ckpt, "metrics.json", json.dumps(metrics, indent=2, ensure_ascii=False).encode())
        write_model_card(ckpt)
        results[name] = metrics

    if len(translators) > 1:
        root = next(iter(translators.values()))[0].parent
        comparison = {key: {"test_set": test_name, "comparisons": compare(hyps_by[key], test, buckets)}
                      for key, (test, buckets, test_name) in tests.items()}
        (root / "comparison.json").write_text(json.dumps(comparison, indent=2) + "\n")
        ordered = [n for n in ORDER if n in results] + [n for n in results if n not in ORDER]
        if "tatoeba" in tests:
            length_curve({n: results[n] for n in ordered}, root / "bleu_by_length.png", "Tatoeba-test")
        if "flores200" in tests:
            length_curve({n: results[n]["flores200"] for n in ordered}, root / "bleu_by_length_flores.png",
                         "FLORES-200 devtest")
        print(f"wrote {root / 'comparison.json'} and the BLEU-by-length figures", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
