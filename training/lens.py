"""Build the training-data lens: every pair the committed models trained on, with its corpus, for the page's
"where did it learn that?" (dawn/lens.py reads it; ui/lens.py answers /lookup).

    python -m training.lens --data ../shared/data/tatoeba-cmn/cmn.txt ../shared/data/extra-zh-en --out checkpoints/lens

The pairs are exactly the training split of a run with the same corpora: training.recipe.prepare_data
drops the pairs that occur in a test set (the default test folders that exist, as training uses them),
the story's own sentences and pairs over 120 characters, then carves out the validation split, which is
left out here (so are the long examples training joins from short ones: they are not corpus pairs).
Exact duplicates within a corpus (a Traditional line and its Simplified twin become the same pair) are
kept once. Test folders and English-only text never enter: a --data path inside a test folder is refused,
and an English-only file has no pairs to read. The seed, validation fraction and per-corpus cap are
training's defaults, which the committed models used (their training.json says so; the build compares
its per-corpus counts with every checkpoints/*/training.json made from the same corpora and says whether
they agree).

Why compressed text, loaded into memory once. Measured on these corpora (issue 37): an SQLite FTS5
trigram index is 59 MB for the Chinese side alone and 119 MB for both, over the 40 MB budget; the pairs
as a compressed TSV are 6.7 MB with xz and 9.7 MB with gzip, and a plain in-memory scan answers in
milliseconds. So: one TSV, xz (preset 9e: the smallest, and it decompresses in well under a second),
sorted shortest Chinese first so that the first hits are the examples to show. xz rather than gzip keeps
the one file safely under the 10 MB limit per file (gzip would be at its edge); the app reads it on the
first lookup, not at start (ui/lens.py), so the start of the app does not wait for it.

Writes OUT/pairs.tsv.xz, OUT/lens.json (counts per corpus, licences, the files' sizes and SHA-256, the
command) and OUT/README.md (the card: what it is, how it was made, the credits each corpus asks for).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from dawn.card import CORPORA
from dawn.checkpoint import TRAINING
from dawn.lens import (CARD_FILE, MANIFEST_FILE, PAIRS_FILE, LensError, Pair, check_sizes, sha256, sort_key,
                       write_pairs)
from dawn.registry import MODEL_NAMES
from training.recipe import parse_args as recipe_args
from training.recipe import prepare_data


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", nargs="+", required=True, help="the training corpora, as given to training.train")
    p.add_argument("--out", type=Path, required=True, help="the lens folder, e.g. checkpoints/lens")
    p.add_argument("--test-dir", nargs="*", default=None,
                   help="test folders whose pairs are dropped, as in training (default: training's default)")
    for flag in ("--seed", "--valid-fraction", "--valid-per-corpus"):   # only for a run made with other values
        p.add_argument(flag, default=None, help="as given to training.train (default: training's default)")
    return p.parse_args(argv)


def training_pairs(args: argparse.Namespace, log) -> tuple[dict[str, list[Pair]], dict]:
    """{corpus: [Pair]} of the training split as training.recipe.prepare_data makes it (duplicates kept once),
    and what was done: {"test_dirs", "seed", "valid_fraction", "valid_per_corpus", "corpora": {name: counts}}."""
    argv = ["--model", MODEL_NAMES[0], "--out", "/nonexistent", "--data", *args.data]  # no model changes the data
    if args.test_dir is not None:
        argv += ["--test-dir", *args.test_dir]
    for name in ("seed", "valid_fraction", "valid_per_corpus"):
        if getattr(args, name) is not None:
            argv += ["--" + name.replace("_", "-"), getattr(args, name)]
    recipe = recipe_args(argv)
    for source in recipe.data:                                       # never a test set, whatever the paths say
        for test_dir in recipe.test_dir:
            if Path(source).resolve().is_relative_to(Path(test_dir).resolve()):
                raise LensError(f"{source}: inside the test folder {test_dir}; test pairs never enter the lens")
    train_by, _valid, stats = prepare_data(recipe, log)
    pairs, counts = {}, {}
    for name, train in train_by.items():
        if name.endswith("_concat"):                                 # long examples joined from training pairs
            continue
        unique = list(dict.fromkeys(train))                          # exact duplicates once, first-seen order
        pairs[name] = [Pair(name, zh, en) for zh, en in unique]
        counts[name] = {**stats["corpora"][name], "duplicates": len(train) - len(unique), "pairs": len(unique)}
    return pairs, {"test_dirs": list(recipe.test_dir), "seed": recipe.seed, "valid_fraction": recipe.valid_fraction,
                   "valid_per_corpus": recipe.valid_per_corpus, "corpora": counts}


def agreement(checkpoints: Path, data: list[str], counts: dict) -> dict[str, bool]:
    """{model folder: whether its training.json's per-corpus train counts equal ours}, for every folder beside
    the lens trained on the same corpora (the lens holds what they trained on, or it says so)."""
    found = {}
    for path in sorted(checkpoints.glob(f"*/{TRAINING}")):
        training = json.loads(path.read_text(encoding="utf-8"))
        if training.get("data") == data and "corpora" in training:
            found[path.parent.name] = all(training["corpora"].get(name, {}).get("train") == c["train"]
                                          for name, c in counts.items()) and set(training["corpora"]) == set(counts)
    return found


def credit(name: str) -> dict:
    """{"description", "licence"} of a corpus, from dawn.card.CORPORA (one table for the model cards and the lens)."""
    description, licence, _hub_id = CORPORA.get(name, (name, "unknown: check the corpus's own terms", None))
    return {"description": description, "licence": licence}


def card(manifest: dict) -> str:
    """README.md: what the lens is, the command that made it, the counts and the credits."""
    corpora = manifest["corpora"]
    rows = [f"| `{name}` | {c['pairs']:,} | {c['description']} | {c['licence']} |" for name, c in corpora.items()]
    files = [f"- `{name}` ({f['bytes']:,} bytes, SHA-256 `{f['sha256']}`): one pair a line, "
             "`corpus<TAB>Chinese<TAB>English`, UTF-8, xz, shortest Chinese first"
             for name, f in manifest["files"].items()]
    agree = ", ".join(f"`{m}` {'agrees' if ok else '**differs**'}" for m, ok in manifest["matches_checkpoints"].items())
    return "\n".join([
        "# The training-data lens", "",
        "Every sentence pair the models in `checkpoints/` trained on, with the corpus it comes from, so that the "
        "page can answer *where did it learn that?*: how many training pairs contain a stretch of Chinese or an "
        "English word, and the shortest of them (`/lookup`, ui/lens.py; read by dawn/lens.py).", "",
        "## How it was made", "",
        "```bash", manifest["command"], "```", "",
        "The training split exactly as `python -m training.train` makes it (training/recipe.py, prepare_data): "
        f"pairs that occur in a test set ({', '.join(manifest['test_dirs']) or 'none given'}) dropped, the "
        "story's own sentences dropped, pairs over 120 Chinese characters dropped, then the validation split "
        f"(seed {manifest['seed']}) left out. Chinese is Simplified (normalised as in training). Exact duplicate "
        f"pairs are kept once ({manifest['duplicates']:,} dropped). No test-set pair and no English-only text is "
        "in it.", "",
        "Its per-corpus counts, checked against the training.json of every model beside it trained on the same "
        f"corpora: {agree or 'no such model found'}.", "",
        f"## What it holds: {manifest['pairs']:,} pairs", "",
        "| corpus | pairs | what | licence; attribution |", "|---|---:|---|---|", *rows, "",
        "Each pair keeps its corpus, and the lens shows each example with its corpus's licence and attribution "
        "(above). The corpora's licences allow redistribution with that attribution (the CC BY-SA ones under the "
        "same licence).", "",
        "## Files", "",
        *files,
        f"- `{MANIFEST_FILE}`: these counts, sizes and checksums", "",
    ])


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        by_corpus, made = training_pairs(args, log=print)
    except (LensError, ValueError, OSError) as e:                   # DataError is a ValueError
        print(f"error: {e}", file=sys.stderr)
        return 2
    pairs = sorted((p for ps in by_corpus.values() for p in ps), key=sort_key)
    args.out.mkdir(parents=True, exist_ok=True)
    write_pairs(args.out / PAIRS_FILE, pairs)
    files = {PAIRS_FILE: {"bytes": (args.out / PAIRS_FILE).stat().st_size, "sha256": sha256(args.out / PAIRS_FILE)}}
    counts = made["corpora"]
    manifest = {
        "format": 1, "split": "train", "pairs": len(pairs),
        "duplicates": sum(c["duplicates"] for c in counts.values()),
        "command": "python -m training.lens " + shlex.join(argv if argv is not None else sys.argv[1:]),
        "data": args.data, "test_dirs": made["test_dirs"], "seed": made["seed"],
        "valid_fraction": made["valid_fraction"], "valid_per_corpus": made["valid_per_corpus"],
        "matches_checkpoints": agreement(args.out.parent, args.data, counts),
        "corpora": {name: {"pairs": c["pairs"], "loaded": c["loaded"],
                           "dropped_test_overlap": c["dropped_test_overlap"], "dropped_story": c["dropped_story"],
                           "dropped_over_120_chars": c["dropped_over_120_chars"], "valid_left_out": c["valid"],
                           "duplicates": c["duplicates"], **credit(name)} for name, c in counts.items()},
        "files": files,
    }
    (args.out / MANIFEST_FILE).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (args.out / CARD_FILE).write_text(card(manifest), encoding="utf-8")
    sizes = {name: (args.out / name).stat().st_size for name in (*files, MANIFEST_FILE, CARD_FILE)}
    try:
        check_sizes(sizes)
    except LensError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"{args.out}: {len(pairs):,} pairs from {len(counts)} corpora; "
          + ", ".join(f"{name} {n:,} bytes" for name, n in sizes.items()))
    for model, ok in manifest["matches_checkpoints"].items():
        print(f"  {model}: per-corpus counts {'agree with' if ok else 'DIFFER from'} its training.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
