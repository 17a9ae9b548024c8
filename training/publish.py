"""Publish to the Hugging Face hub: one model folder to a model repo, or the whole app to a Space;
or re-seal a model folder after a deliberate change.

    # a model: the sealed files of its manifest (weights, config, tokenizers), the manifest, and its
    # documents (card, metrics, logs, training replay); the card's snippets then load the repo id and install the code
    # from the Space (--code-url to name another place)
    python -m training.publish --model checkpoints/transformer --repo USER/code-dawn-2014-transformer --dry-run
    python -m training.publish --model checkpoints/transformer --repo USER/code-dawn-2014-transformer

    # the Space: app.py, dawn/, ui/, training/, the final checkpoints and the training-data lens, every file its
    # README shows (figures, screenshots), requirements.txt, packages.txt, pyproject.toml, LICENSE, README.md
    python -m training.publish --space --repo USER/code-dawn-2014 --dry-run
    python -m training.publish --space --repo USER/code-dawn-2014 --dry-run --stage /tmp/space   # the exact files, to read
    python -m training.publish --space --repo USER/code-dawn-2014

    # after a deliberate change to weights, config or tokenizer: a new manifest.json
    python -m training.publish --seal checkpoints/transformer

`--dry-run` works offline: it runs every check below and prints which file would go
where, with its size, and uploads nothing. A real upload needs a token with write
access: the HF_TOKEN environment variable, `--token`, or a prior `hf auth login`.
An upload that fails (offline, refused, no such namespace) ends in one line and exit code 2.
`--seal` writes the manifest only if the folder then loads (`load_translator`); otherwise it
keeps the old one and says why.

Refused, with a one-line reason and exit code 2 (nothing is uploaded):
- a model folder whose manifest does not verify (`dawn.checkpoint.verify_checkpoint`:
  a missing, truncated or edited file, every weight shard included);
- a weight file over 10 MB (Spaces take larger files only through LFS; the
  checkpoints are sharded below 9 MB);
- a folder without a manifest (plain `save_pretrained`): seal it first with --seal;
- a missing model card (README.md), or one whose metadata the hub would not read:
  language, license, tags, pipeline_tag, library_name; `datasets` naming a test set
  (test sets belong in the model-index); a model-index whose numbers differ from metrics.json;
- for the Space: a missing app.py, requirements.txt or packages.txt, a README.md
  without its Spaces front matter (sdk, sdk_version, python_version, app_file), or
  a file the README shows (an image or a link to a file here) that does not exist;
- a real upload without a token.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

import yaml
from huggingface_hub import CommitOperationAdd, HfApi, ModelCard, SpaceCard, get_token
from huggingface_hub.utils import HFValidationError, validate_repo_id

from dawn.card import TEST_SETS, card_data, card_for_repo, default_code_url
from dawn.checkpoint import CONFIG, MANIFEST, TRAINING, CheckpointError, seal_checkpoint, verify_checkpoint
from dawn.hub import DOCUMENTS
from dawn.lens import CARD_FILE as LENS_CARD, MANIFEST_FILE as LENS_MANIFEST, LensError, verify as verify_lens
from dawn.registry import name_of_config

ROOT = Path(__file__).resolve().parents[1]
MAX_FILE_BYTES = 10_000_000        # a weight file above this is refused (the hub's limit for files without LFS)
CARD = "README.md"
CARD_FIELDS = ("language", "license", "tags", "pipeline_tag", "library_name")  # datasets: only corpora on the hub
SPACE_FIELDS = ("sdk", "sdk_version", "python_version", "app_file")
SPACE_REQUIRED = ("app.py", "requirements.txt", "packages.txt", CARD)
SPACE_OPTIONAL = ("pyproject.toml", "LICENSE", "requirements-dev.txt")  # so that pip installs the code from the Space
SPACE_FOLDERS = ("dawn", "ui", "training")  # uploaded whole (no caches, no hidden files), where present
CHECKPOINT_EXTRAS = (".json", ".png", ".svg", ".jpg")  # checkpoints/*: the figures and result files
# what a README shows or links: ![alt](path), [text](path), <img src="path">
README_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|<img[^>]+src=[\"']([^\"']+)[\"']")

Upload = list[tuple[Path | bytes, str]]    # (local file, or the bytes to upload, path in the repo)

# A Space runs on CPU: its requirements take torch from PyTorch's CPU wheel index. From the public package index,
# a bare torch pin brings the CUDA build, 17 nvidia packages and triton (about 3 GB); the local "+cpu" version
# exists only on the CPU index, so the pin below cannot resolve to anything else.
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
TORCH_PIN = re.compile(r"^(torch)==([0-9][0-9A-Za-z.]*?)(\+\w+)?(\s*(#.*)?)$", re.M)


def space_requirements(text: str) -> bytes:
    """The repository's requirements.txt as the Space receives it: the CPU wheel index first, torch pinned to its
    "+cpu" build; every other line as it is. A torch line without an exact pin is left alone (and the index still
    offers the CPU build first)."""
    pinned = TORCH_PIN.sub(lambda m: f"{m[1]}=={m[2]}+cpu{m[4] or ''}", text)
    header = (f"# The Space runs on CPU: torch from PyTorch's CPU wheel index (training.publish writes this file)\n"
              f"--extra-index-url {CPU_INDEX}\n")
    return (header + pinned).encode("utf-8")


class PublishError(Exception):
    """A reason not to upload; main() prints it and exits with code 2."""


# --- checks ---------------------------------------------------------------------------------

def _model_type(files: dict[str, bytes]) -> str:
    """lstm / lstm_attention / transformer, from training.json or config.json."""
    for name in (TRAINING, CONFIG):
        if name in files:
            model_type = name_of_config(json.loads(files[name]))
            if model_type:
                return model_type
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
    test_sets = sorted({dataset for dataset, _, _ in TEST_SETS.values()} & set(data.datasets or []))
    if test_sets:
        raise PublishError(f"{folder / CARD}: datasets lists the test sets {', '.join(test_sets)} as training data — "
                           "they belong in the model-index only; regenerate the card with dawn.card.write_model_card")
    if "metrics.json" in files:
        metrics = json.loads(files["metrics.json"])
        expected = _results(card_data(folder.name, _model_type(files), metrics).eval_results)
        if _results(data.eval_results) != expected:
            raise PublishError(f"{folder / CARD}: the model-index does not match metrics.json — "
                               "regenerate the card with dawn.card.write_model_card")


def model_upload(folder: Path, repo_id: str | None = None, code_url: str | None = None) -> Upload:
    """A verified checkpoint folder: its sealed files, the manifest and the documents that are there
    (README.md, metrics.json, training.json, train_log.json, replay.json). With repo_id, the card's snippets load
    repo_id and install the code from code_url (the rest of the card, hand edits included, unchanged)."""
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
    documents = {name: (folder / name).read_bytes() for name in (CARD, *DOCUMENTS) if (folder / name).is_file()}
    if repo_id and CARD in documents:
        text = documents[CARD].decode("utf-8", errors="replace")
        documents[CARD] = card_for_repo(text, folder, repo_id, code_url or default_code_url(repo_id)).encode()
    check_model_card(folder, {**files, **documents})
    upload: Upload = [(folder / name, name) for name in sorted([*files, MANIFEST])]
    return upload + [(data if name == CARD and repo_id else folder / name, name) for name, data in documents.items()]


def lens_upload(folder: Path) -> Upload:
    """The training-data lens (python -m training.lens): its files, checked against its manifest and the size
    limits, the manifest and the card."""
    try:
        manifest = verify_lens(folder)
    except LensError as e:
        raise PublishError(f"the training-data lens does not verify: {e}") from None
    names = [*manifest["files"], LENS_MANIFEST] + ([LENS_CARD] if (folder / LENS_CARD).is_file() else [])
    return [(folder / name, name) for name in names]


def _folder_files(folder: Path) -> list[Path]:
    """Files under folder, without caches and hidden files."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                  and not any(part.startswith(".") for part in p.relative_to(folder).parts)
                  and p.suffix != ".pyc")


def space_upload(root: Path, log) -> Upload:
    """The app, its library, the final checkpoints, the training-data lens and the Space's configuration files."""
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

    files: Upload = [(root / name, name) if name != "requirements.txt"
                     else (space_requirements((root / name).read_text(encoding="utf-8")), name)
                     for name in SPACE_REQUIRED]
    files += [(root / name, name) for name in SPACE_OPTIONAL if (root / name).is_file()]
    for folder in SPACE_FOLDERS:
        if (root / folder).is_dir():
            files += [(p, p.relative_to(root).as_posix()) for p in _folder_files(root / folder)]
    checkpoints = root / "checkpoints"
    if checkpoints.is_dir():
        for p in sorted(checkpoints.iterdir()):
            if p.is_file() and p.suffix in CHECKPOINT_EXTRAS:
                files.append((p, f"checkpoints/{p.name}"))
            elif p.is_dir() and (p / MANIFEST).is_file():  # a final model folder: sealed files and documents
                files += [(local, f"checkpoints/{p.name}/{name}") for local, name in model_upload(p)]
            elif p.is_dir() and (p / LENS_MANIFEST).is_file():  # the training-data lens that /lookup reads
                files += [(local, f"checkpoints/{p.name}/{name}") for local, name in lens_upload(p)]
            elif p.is_dir():
                log(f"skipped: {p} (no {MANIFEST}, so not a final model folder)")
    listed = {path for _, path in files}
    for path in readme_files(root):
        if path not in listed:
            files.append((root / path, path))
    return files


def readme_files(root: Path) -> list[str]:
    """Every file here that the README shows or links (figures, screenshots, source files), as paths
    in the repo; refuses a link to a file that does not exist. Web links and anchors are not files."""
    paths = []
    for match in README_LINK.finditer((root / CARD).read_text(encoding="utf-8")):
        target = (match.group(1) or match.group(2)).split("#")[0]
        if not target or re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("/"):
            continue  # https://..., mailto:, an anchor, an absolute path
        local = (root / target).resolve()
        if not local.is_relative_to(root):
            raise PublishError(f"{root / CARD}: shows {target}, outside the app's folder")
        if local.is_dir():
            continue  # a folder link: its files go up with SPACE_FOLDERS or not at all
        if not local.is_file():
            raise PublishError(f"{root / CARD}: shows {target}, which does not exist — the Space would show a "
                               "broken image or link")
        paths.append(local.relative_to(root).as_posix())
    return sorted(set(paths))


# --- the command ------------------------------------------------------------------------------

def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.1f} kB" if n >= 1e3 else f"{n} B"


def _nbytes(source: Path | bytes) -> int:
    return len(source) if isinstance(source, bytes) else source.stat().st_size


def _source(source: Path | bytes) -> str:
    return "(card-with-repo-id)" if isinstance(source, bytes) else str(source)


def stage(files: Upload, folder: Path) -> None:
    """Write the exact files an upload would send into `folder` (for a person, or a test, to read)."""
    for local, path_in_repo in files:
        target = folder / path_in_repo
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(local if isinstance(local, bytes) else Path(local).read_bytes())


def print_plan(repo_id: str, repo_type: str, files: Upload, dry_run: bool) -> None:
    url = f"https://huggingface.co/{'spaces/' if repo_type == 'space' else ''}{repo_id}"
    print(f"{'dry run — would upload' if dry_run else 'uploading'} {len(files)} files to the {repo_type} "
          f"repo {repo_id} ({url}):")
    width = max(len(_source(local)) for local, _ in files)
    for local, path_in_repo in files:
        print(f"  {_nbytes(local):>12,} B  {_source(local):<{width}}  ->  {path_in_repo}")
    total = sum(_nbytes(local) for local, _ in files)
    print(f"  {total:>12,} B  in all ({_size(total)}); every weight file ≤ {MAX_FILE_BYTES / 1e6:g} MB")


def upload(repo_id: str, repo_type: str, files: Upload, token: str, private: bool, message: str) -> str:
    """Create the repo if needed and add every file in one commit; returns the commit URL."""
    api = HfApi(token=token)
    api.create_repo(repo_id, repo_type=repo_type, private=private, exist_ok=True,
                    space_sdk="gradio" if repo_type == "space" else None)
    operations = [CommitOperationAdd(path_in_repo=path_in_repo,
                                     path_or_fileobj=local if isinstance(local, bytes) else str(local))
                  for local, path_in_repo in files]
    info = api.create_commit(repo_id, operations, commit_message=message, repo_type=repo_type)
    return info.commit_url


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--model", type=Path, help="a checkpoint folder, e.g. checkpoints/transformer")
    what.add_argument("--space", action="store_true", help="the app, to a Gradio Space")
    what.add_argument("--seal", type=Path, metavar="DIR",
                      help="write a new manifest.json for a model folder after a deliberate change (offline)")
    p.add_argument("--repo", help="USER/NAME on the hub (for --model and --space)")
    p.add_argument("--code-url", default=None,
                   help="where the model card says the code is (default: https://huggingface.co/spaces/USER/code-dawn-2014)")
    p.add_argument("--root", type=Path, default=ROOT, help="the app's folder, for --space (default: this repository)")
    p.add_argument("--dry-run", action="store_true", help="check and list everything, upload nothing (offline)")
    p.add_argument("--stage", type=Path, metavar="DIR", default=None,
                   help="also write the exact files that would be uploaded into DIR (with --dry-run: nothing is sent)")
    p.add_argument("--token", default=None, help="a write token (default: HF_TOKEN or the token of `hf auth login`)")
    p.add_argument("--private", action="store_true", help="create the repo as private")
    p.add_argument("--message", default=None, help="the commit message")
    return p.parse_args(argv)


def seal(folder: Path) -> int:
    """Write a new manifest if the folder then loads; otherwise keep the old one. Returns the exit code."""
    from dawn.translator import load_translator

    manifest = folder / MANIFEST
    old = manifest.read_bytes() if manifest.is_file() else None
    try:
        sealed = seal_checkpoint(folder)
        load_translator(folder)
    except (CheckpointError, ValueError) as e:
        if old is None:
            manifest.unlink(missing_ok=True)
        elif manifest.is_file():
            manifest.write_bytes(old)
        print(f"error: {e} — not sealed" + ("; the previous manifest.json is kept" if old else ""), file=sys.stderr)
        return 2
    print(f"sealed {folder}: {len(sealed)} files in {MANIFEST} ({', '.join(sealed)}); it loads")
    return 0


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.seal:
        return seal(args.seal)
    log = lambda msg: print(msg, file=sys.stderr, flush=True)
    repo_type = "space" if args.space else "model"
    try:
        if not args.repo or "/" not in args.repo:
            raise PublishError(f"--repo {args.repo!r}: expected USER/NAME")
        try:
            validate_repo_id(args.repo)
        except HFValidationError as e:
            raise PublishError(f"--repo {args.repo!r}: not a valid repo id ({e})") from None
        files = (space_upload(args.root.resolve(), log) if args.space
                 else model_upload(args.model, args.repo, args.code_url))
        token = None if args.dry_run else (args.token or os.environ.get("HF_TOKEN") or get_token())
        if not args.dry_run and not token:
            raise PublishError("no Hugging Face token: set HF_TOKEN, pass --token, or run `hf auth login` "
                               "(or check everything offline with --dry-run)")
    except PublishError as e:
        log(f"error: {e}")
        return 2
    print_plan(args.repo, repo_type, files, args.dry_run)
    if args.stage:
        stage(files, args.stage)
        print(f"staged: {len(files)} files in {args.stage}")
    if args.dry_run:
        print("dry run: every check passed; nothing was uploaded")
        return 0
    message = args.message or ("Upload the Code Dawn 2014 app" if args.space else f"Upload {args.model.name}")
    try:
        url = upload(args.repo, repo_type, files, token, args.private, message)
    except Exception as e:  # offline, a refused token, no such namespace, a network error: one line, no traceback
        reason = str(e).strip().splitlines()[0] if str(e).strip() else "no reason given"
        log(f"error: the upload to {args.repo} failed ({type(e).__name__}: {reason}); nothing was published")
        return 2
    print(f"done: {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
