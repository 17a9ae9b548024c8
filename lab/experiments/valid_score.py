"""Score saved checkpoints on their own run's validation data, exactly as training.train scores an epoch.

Why: a new run is kept or not by comparing it with the committed checkpoint on validation data
(never the test sets, never the story). Runs trained before the narrative slice existed have no
narrative score in their train_log.json; this computes it, with the same code (train.score_valid):

    valid loss                      mean token cross-entropy over the whole valid split
    valid BLEU / chrF (greedy)      the seeded sample of the valid split the run scored every epoch
    ... on its Tatoeba part         the sample's everyday sentences
    narrative BLEU / chrF           the narrative slice (dawn.data.narrative_slice)
    choosing score                  (valid BLEU + narrative BLEU) / 2, what the screenings choose by

The split is rebuilt from each checkpoint's training.json (same corpora, seed and fractions), so the
corpora must be where that run read them (pass none: the paths are in training.json).

    python -m lab.experiments.valid_score checkpoints/lstm runs/lstm
    python -m lab.experiments.valid_score checkpoints/lstm --recipe-row 12ep_cpu   # also into checkpoints/lstm_recipes.json
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

import torch

from dawn.checkpoint import CheckpointError
from dawn.translator import load_translator
from training.engine import encode_examples
from training.machine import cpu_model
from training.recipe import choosing_score, encode_narrative, score_valid, valid_split_of


def score_checkpoint(directory: str) -> dict:
    """-> the valid scores of the checkpoint in `directory` (see the module docstring)."""
    translator = load_translator(directory)
    tr = translator.config["training"]
    valid = valid_split_of(tr)
    tags = tr.get("tags", {})
    _, valid_ex, bleu_idx = encode_examples(translator.tokenizer, {}, valid, tags, tr["seed"],
                                            tr.get("valid_bleu_sentences"))  # None: the default sample, as in training
    narrative = encode_narrative(translator.tokenizer, valid, tags, tr["seed"])
    scores = score_valid(translator.model, translator.tokenizer, valid, valid_ex, bleu_idx, narrative,
                         tr["batch_tokens"])
    return {"checkpoint": str(directory), "model": translator.model_type, "valid_sentences": len(bleu_idx),
            "narrative_sentences": len(narrative), **scores, "choosing_score": choosing_score(scores)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoints", nargs="+", help="checkpoint folders (each with its training.json)")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--recipe-row", default=None, help="one checkpoint: add its narrative and choosing scores to this row "
                                                      "of checkpoints/MODEL_recipes.json")
    args = p.parse_args(argv)
    if args.recipe_row and len(args.checkpoints) != 1:
        p.error("--recipe-row takes one checkpoint")
    if args.threads:
        torch.set_num_threads(args.threads)
    rows = []
    for directory in args.checkpoints:
        try:
            rows.append(score_checkpoint(directory))
        except (CheckpointError, OSError, ValueError, KeyError) as e:
            print(f"error: {directory}: {e}", file=sys.stderr)
            return 2
    print(json.dumps(rows, indent=2))
    if args.recipe_row:
        return add_to_recipe_row(rows[0], args.recipe_row, argv)
    return 0


def add_to_recipe_row(scores: dict, name: str, argv) -> int:
    """Give row `name` of checkpoints/MODEL_recipes.json the narrative score and the choosing score it lacks
    (a run recorded before the narrative slice existed), with the scores it was computed with beside them."""
    path = Path(f"checkpoints/{scores['model']}_recipes.json")
    recipes = json.loads(path.read_text()) if path.exists() else {"runs": []}
    row = next((r for r in recipes["runs"] if r["run"] == name), None)
    if row is None:
        print(f"error: {path} has no row {name!r}", file=sys.stderr)
        return 2
    command = "python -m lab.experiments.valid_score " + shlex.join(sys.argv[1:] if argv is None else argv)
    row.update(valid_bleu_narrative=scores["valid_bleu_narrative"], choosing_score=scores["choosing_score"],
               scored_later={"command": command, "machine": cpu_model(), "precision": "fp32",
                             **{k: v for k, v in scores.items() if k not in ("checkpoint", "model")}})
    path.write_text(json.dumps(recipes, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
