"""Publish to the Hugging Face hub: one model folder to a model repo, or the whole app to a Space.

    # a model: every file of its manifest (weights, config, tokenizer, card, metrics, logs)
    python -m training.publish --model checkpoints/transformer --repo USER/code-dawn-2014-transformer --dry-run
    python -m training.publish --model checkpoints/transformer --repo USER/code-dawn-2014-transformer

    # the Space: app.py, dawn/, ui/, the final checkpoints, requirements.txt, packages.txt, README.md
    python -m training.publish --space --repo USER/code-dawn-2014 --dry-run
    python -m training.publish --space --repo USER/code-dawn-2014

`--dry-run` works offline: it runs every check below and prints which file would go
where, with its size, and uploads nothing. A real upload needs a token with write
access: the HF_TOKEN environment variable, `--token`, or a prior `hf auth login`.

Refused, with a one-line reason and exit code 2 (nothing is uploaded):
- a model folder whose manifest does not verify (`dawn.checkpoint.verify_checkpoint`:
  a missing, truncated or edited file, every weight shard included);
- a weight file over 10 MB (Spaces take larger files only through LFS; the
  checkpoints are sharded below 9 MB);
- a missing model card (README.md), or one whose metadata the hub would not read:
  language, license, tags, datasets, pipeline_tag, library_name, and a model-index
  whose numbers differ from metrics.json;
- for the Space: a missing app.py, requirements.txt or packages.txt, or a README.md
  without its Spaces front matter (sdk, sdk_version, python_version, app_file);
- a real upload without a token.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import yaml
from huggingface_hub import CommitOperationAdd, HfApi, ModelCard, SpaceCard, get_token
from huggingface_hub.utils import HFValidationError, validate_repo_id

from dawn.card import card_data
from dawn.checkpoint import CONFIG, MANIFEST, TRAINING, CheckpointError, verify_checkpoint

ROOT = Path(__file__).resolve().parents[1]
MAX_FILE_BYTES = 10_000_000        # a weight file above this is refused (the hub's limit for files without LFS)
CARD = "README.md"
CARD_FIELDS = ("language", "license", "tags", "datasets", "pipeline_tag", "library_name")
SPACE_FIELDS = ("sdk", "sdk_version", "python_version", "app_file")
SPACE_REQUIRED = ("app.py", "requirements.txt", "packages.txt", CARD)
SPACE_FOLDERS = ("dawn", "ui")     # uploaded whole (no caches, no hidden files); ui/ only if present
CHECKPOINT_EXTRAS = (".json", ".png", ".svg", ".jpg")  # checkpoints/*: the figures and result files

Upload = list[tuple[Path, str]]    # (local file, path in the repo)


class PublishError(Exception):
    """A reason not to upload; main() prints it and exits with code 2."""


# --- checks ---------------------------------------------------------------------------------

def _model_type(files: dict[str, bytes]) -> str:
    """lstm / lstm_attention / transformer, from training.json or config.json."""
    for name in (TRAINING, CONFIG):
        if name in files:
            model_type = json.loads(files[name]).get("model_type")
            if model_type:
                return "transformer" if model_type == "marian" else model_type
    return "unknown"


def _results(eval_results) -> set[tuple]:
    return {(r.dataset_type, r.dataset_config, r.dataset_split, r.metric_type, r.metric_value)
            for r in eval_results or []}


def check_model_card(folder: Path, files: dict[str, bytes]) -> None:
    """The card exists, its metadata parses as the hub's ModelCardData and has every field the
    hub uses, and its model-index holds exactly the numbers of metrics.json."""
    if CARD not in files:
        raise PublishError(f"{folder / CARD}: missing model card (write it with dawn.card.write_model_card, "
                           "as training.train and training.evaluate do)")
    try:
        card = ModelCard(files[CARD].decode("utf-8"), ignore_metadata_errors=False)
    except (ValueError, UnicodeDecodeError, yaml.YAMLError) as e:  # bad YAML, a malformed model-index
        raise PublishError(f"{folder / CARD}: the model card's metadata is not valid ({e})") from None
    data = card.data
    missing = [f for f in CARD_FIELDS if not getattr(data, f, None)]
    if missing:
        raise PublishError(f"{folder / CARD}: the model card's metadata lacks {', '.join(missing)}")
    if data.pipeline_tag != "translation" or not {"zh", "en"} <= set(data.language):
        raise PublishError(f"{folder / CARD}: expected pipeline_tag translation and languages zh, en; "
                           f"found {data.pipeline_tag!r} and {data.language!r}")
    if "metrics.json" in files:
        metrics = json.loads(files["metrics.json"])
        expected = _results(card_data(folder.name, _model_type(files), metrics).eval_results)
        if _results(data.eval_results) != expected:
            raise PublishError(f"{folder / CARD}: the model-index does not match metrics.json — "
                               "regenerate the card with dawn.card.write_model_card")


def model_upload(folder: Path) -> Upload:
    """Every file of a verified checkpoint folder (the manifest's files and the manifest itself)."""
    if not folder.is_dir():
        raise PublishError(f"{folder}: no such model folder")
    try:
        files = verify_checkpoint(folder)
    except CheckpointError as e:
        raise PublishError(f"the manifest does not verify: {e}") from None
    for name in sorted(files):
        size = (folder / name).stat().st_size
        if name.endswith(".safetensors") and size > MAX_FILE_BYTES:
            raise PublishError(f"{folder / name}: {size:,} bytes, over the {MAX_FILE_BYTES / 1e6:g} MB limit for a "
                               "weight file — save it again: dawn.checkpoint shards weights below 9 MB")
    check_model_card(folder, files)
    return [(folder / name, name) for name in sorted([*files, MANIFEST])]


def _folder_files(folder: Path) -> list[Path]:
    """Files under folder, without caches and hidden files."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                  and not any(part.startswith(".") for part in p.relative_to(folder).parts)
                  and p.suffix != ".pyc")


def space_upload(root: Path, log) -> Upload:
    """The app, its library, the final checkpoints and the Space's configuration files."""
    for name in SPACE_REQUIRED:
        if not (root / name).is_file():
            raise PublishError(f"{root / name}: missing — a Space needs {', '.join(SPACE_REQUIRED)}")
    try:
        front = SpaceCard((root / CARD).read_text(encoding="utf-8"), ignore_metadata_errors=False).data
    except (ValueError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise PublishError(f"{root / CARD}: the Spaces front matter is not valid ({e})") from None
    missing = [f for f in SPACE_FIELDS if not getattr(front, f, None)]
    if missing:
        raise PublishError(f"{root / CARD}: the Spaces front matter lacks {', '.join(missing)}")
    if not (root / front.app_file).is_file():
        raise PublishError(f"{root / CARD}: app_file {front.app_file!r} does not exist")

    files: Upload = [(root / name, name) for name in SPACE_REQUIRED]
    for folder in SPACE_FOLDERS:
        if (root / folder).is_dir():
            files += [(p, p.relative_to(root).as_posix()) for p in _folder_files(root / folder)]
    checkpoints = root / "checkpoints"
    if checkpoints.is_dir():
        for p in sorted(checkpoints.iterdir()):
            if p.is_file() and p.suffix in CHECKPOINT_EXTRAS:
                files.append((p, f"checkpoints/{p.name}"))
            elif p.is_dir() and (p / MANIFEST).is_file():  # a final model folder: its manifest's files only
                files += [(local, f"checkpoints/{p.name}/{name}") for local, name in model_upload(p)]
            elif p.is_dir():
                log(f"skipped: {p} (no {MANIFEST}, so not a final model folder)")
    return files


# --- the command ------------------------------------------------------------------------------

def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.1f} kB" if n >= 1e3 else f"{n} B"


def print_plan(repo_id: str, repo_type: str, files: Upload, dry_run: bool) -> None:
    url = f"https://huggingface.co/{'spaces/' if repo_type == 'space' else ''}{repo_id}"
    print(f"{'dry run — would upload' if dry_run else 'uploading'} {len(files)} files to the {repo_type} "
          f"repo {repo_id} ({url}):")
    width = max(len(str(local)) for local, _ in files)
    for local, path_in_repo in files:
        print(f"  {local.stat().st_size:>12,} B  {str(local):<{width}}  ->  {path_in_repo}")
    total = sum(local.stat().st_size for local, _ in files)
    print(f"  {total:>12,} B  in all ({_size(total)}); every weight file ≤ {MAX_FILE_BYTES / 1e6:g} MB")


def upload(repo_id: str, repo_type: str, files: Upload, token: str, private: bool, message: str) -> str:
    """Create the repo if needed and add every file in one commit; returns the commit URL."""
    api = HfApi(token=token)
    api.create_repo(repo_id, repo_type=repo_type, private=private, exist_ok=True,
                    space_sdk="gradio" if repo_type == "space" else None)
    operations = [CommitOperationAdd(path_in_repo=path_in_repo, path_or_fileobj=str(local))
                  for local, path_in_repo in files]
    info = api.create_commit(repo_id, operations, commit_message=message, repo_type=repo_type)
    return info.commit_url


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--model", type=Path, help="a checkpoint folder, e.g. checkpoints/transformer")
    what.add_argument("--space", action="store_true", help="the app, to a Gradio Space")
    p.add_argument("--repo", required=True, help="USER/NAME on the hub")
    p.add_argument("--root", type=Path, default=ROOT, help="the app's folder, for --space (default: this repository)")
    p.add_argument("--dry-run", action="store_true", help="check and list everything, upload nothing (offline)")
    p.add_argument("--token", default=None, help="a write token (default: HF_TOKEN or the token of `hf auth login`)")
    p.add_argument("--private", action="store_true", help="create the repo as private")
    p.add_argument("--message", default=None, help="the commit message")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    log = lambda msg: print(msg, file=sys.stderr, flush=True)
    repo_type = "space" if args.space else "model"
    try:
        if "/" not in args.repo:
            raise PublishError(f"--repo {args.repo!r}: expected USER/NAME")
        try:
            validate_repo_id(args.repo)
        except HFValidationError as e:
            raise PublishError(f"--repo {args.repo!r}: not a valid repo id ({e})") from None
        files = space_upload(args.root.resolve(), log) if args.space else model_upload(args.model)
        token = None if args.dry_run else (args.token or os.environ.get("HF_TOKEN") or get_token())
        if not args.dry_run and not token:
            raise PublishError("no Hugging Face token: set HF_TOKEN, pass --token, or run `hf auth login` "
                               "(or check everything offline with --dry-run)")
    except PublishError as e:
        log(f"error: {e}")
        return 2
    print_plan(args.repo, repo_type, files, args.dry_run)
    if args.dry_run:
        print("dry run: every check passed; nothing was uploaded")
        return 0
    message = args.message or ("Upload the Code Dawn 2014 app" if args.space else f"Upload {args.model.name}")
    url = upload(args.repo, repo_type, files, token, args.private, message)
    print(f"done: {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
