"""Checkpoints on disk: safetensors weights + JSON, with a SHA-256 manifest.

    checkpoints/NAME/
        config.json            the model's config, as the hub expects it: a MarianConfig for the
                               Transformer (model_type "marian"), the dataclass fields for the
                               recurrent models (model_type "lstm" / "lstm_attention")
        model.safetensors      weights (fp16 storage, loaded back as fp32), or, above 9 MB,
        model-0000k-of-0000n.safetensors + model.safetensors.index.json   (the standard shards)
        tokenizer.json         one tokenizer for both languages (tokenizers library format)
        tokenizer_config.json  what transformers' AutoTokenizer needs besides
        generation_config.json the Transformer only: greedy by default, max 256 tokens
        manifest.json          {"files": {name: sha256}} of the files above, every shard included —
                               what decides the outputs, verified on every load
        training.json          how it was trained: command, seed, data counts
        train_log.json         losses and valid scores per epoch
        metrics.json           test scores (written by training/evaluate.py)
        README.md              the model card, with hub metadata

The manifest seals only what decides a translation (weights, configs, tokenizer
files), so the documents below it — card, metrics, logs — can be edited freely.
After a deliberate change to a sealed file, `python -m training.publish --seal DIR`
writes a new manifest; until then the changed file is refused. A folder without a
manifest (one written by plain `transformers`' `save_pretrained`) still loads,
marked unverified (`read_checkpoint` returns verified=False).

Nothing is pickled. Every file is written to a temporary name and renamed into
place only when all of them were written, so a full disk or an unwritable
folder leaves the previous checkpoint untouched. (A crash in the split second
between two renames could leave old and new files side by side; the manifest
check then refuses to load them, naming the file.)
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
from pathlib import Path

import torch
from safetensors import SafetensorError
from huggingface_hub import split_torch_state_dict_into_shards
from safetensors.torch import load, save

MANIFEST = "manifest.json"
WEIGHTS = "model.safetensors"
WEIGHTS_INDEX = "model.safetensors.index.json"
CONFIG = "config.json"
TRAINING = "training.json"
REPLAY_FILE = "replay.json"  # the training replay (dawn/replay.py): a document beside the weights, not sealed
MAX_SHARD_BYTES = 9_000_000  # every weight file stays under Spaces' 10 MB limit for files without LFS
# What decides the outputs, and so what the manifest seals: weights, the model's and the generation
# config, the tokenizers (tokenizer.json, tokenizer_config.json, target_tokenizer/ and the
# special_tokens_map.json transformers may write). Everything else (card, metrics, logs) is a document.
SEALED = ("model*.safetensors", WEIGHTS_INDEX, CONFIG, "generation_config.json", "*tokenizer*.json",
          "special_tokens_map.json", "added_tokens.json")
SEAL_HINT = "if the change was deliberate, re-seal the folder: python -m training.publish --seal {}"


class CheckpointError(ValueError):
    """A checkpoint that cannot be loaded; the message names the file."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_files_atomically(directory: str | Path, files: dict[str, bytes]) -> None:
    """Write {name: bytes} into directory: all to temporary files first, then rename each into place.
    A name may hold a subfolder ("target_tokenizer/tokenizer.json").

    Raises CheckpointError (with the reason, e.g. a full disk) and leaves existing files untouched.
    """
    d = Path(directory)
    tmp_paths = []
    try:
        d.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            path = d / name
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.tmp")
            tmp_paths.append(tmp)
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
    except OSError as e:
        for tmp in tmp_paths:
            tmp.unlink(missing_ok=True)
        raise CheckpointError(f"cannot write to {d}: {e.strerror or e} — the previous files there are unchanged") from e
    for name, tmp in zip(files, tmp_paths):
        os.replace(tmp, d / name)


def frozen_names(model: torch.nn.Module) -> set[str]:
    """Parameters that are never trained and are rebuilt identically at construction
    (the Transformer's sinusoidal position tables): not stored, saving 0.5 MB."""
    return {name for name, p in model.named_parameters() if not p.requires_grad}


def weights_to_store(model: torch.nn.Module, dtype: torch.dtype | None = None) -> dict[str, torch.Tensor]:
    """The tensors worth storing: tied weights once, frozen ones not at all, optionally cast (fp16)."""
    seen, tensors, frozen = {}, {}, frozen_names(model)
    for name, t in model.state_dict().items():
        key = (t.data_ptr(), t.shape)
        if name in frozen:
            continue
        if key in seen:  # tied parameter (e.g. lm_head = decoder embedding): store once
            continue
        seen[key] = name
        t = t.detach()
        tensors[name] = (t.to(dtype) if dtype is not None and t.is_floating_point() else t).contiguous().clone()
    return tensors


def state_dict_bytes(model: torch.nn.Module, dtype: torch.dtype | None = None) -> bytes:
    """Serialise a model's weights to one safetensors blob (the resumable training state uses this)."""
    return save(weights_to_store(model, dtype))


def weight_files(tensors: dict[str, torch.Tensor]) -> dict[str, bytes]:
    """{file name: bytes}: model.safetensors, or shards of ≤ 9 MB plus the standard index
    (`huggingface_hub.split_torch_state_dict_into_shards`, the layout transformers and the hub read)."""
    split = split_torch_state_dict_into_shards(tensors, filename_pattern="model{suffix}.safetensors",
                                               max_shard_size=MAX_SHARD_BYTES)
    files = {name: save({k: tensors[k] for k in keys}, metadata={"format": "pt"})
             for name, keys in split.filename_to_tensors.items()}
    if split.is_sharded:
        index = {"metadata": split.metadata, "weight_map": dict(sorted(split.tensor_to_filename.items()))}
        files[WEIGHTS_INDEX] = json.dumps(index, indent=2).encode()
    return files


def read_weights(files: dict[str, bytes], directory: str | Path) -> dict[str, torch.Tensor]:
    """Tensors from verified checkpoint files: one model.safetensors or every shard named in the index."""
    d = Path(directory)
    if WEIGHTS_INDEX in files:
        try:
            shards = sorted(set(json.loads(files[WEIGHTS_INDEX])["weight_map"].values()))
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise CheckpointError(f"{d / WEIGHTS_INDEX}: not a valid shard index ({e})") from None
    elif WEIGHTS in files:
        shards = [WEIGHTS]
    else:
        raise CheckpointError(f"{d / MANIFEST}: lists neither {WEIGHTS} nor {WEIGHTS_INDEX}")
    tensors = {}
    for name in shards:
        if name not in files:
            raise CheckpointError(f"{d / name}: a shard named in {WEIGHTS_INDEX} but not listed in {MANIFEST}")
        try:
            tensors.update(load(files[name]))
        except (SafetensorError, ValueError) as e:
            raise CheckpointError(f"{d / name}: not a readable safetensors file ({e})") from None
    return tensors


def is_sealed(name: str) -> bool:
    """True for the files that decide a model's outputs (see SEALED); False for documents."""
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in SEALED)


def manifest_bytes(files: dict[str, bytes]) -> bytes:
    """manifest.json for {name: bytes}: the SHA-256 of every sealed file among them."""
    return json.dumps({"files": {n: sha256(b) for n, b in sorted(files.items()) if is_sealed(n)}}, indent=2).encode()


def save_checkpoint(directory: str | Path, model: torch.nn.Module, config: dict,
                    extra_files: dict[str, bytes]) -> None:
    """Write weights (fp16, sharded above 9 MB), config.json, the extra files (tokenizer, training
    info, log) and the manifest. Weight files left from an earlier save with another layout are removed."""
    d = Path(directory)
    files = {**weight_files(weights_to_store(model, torch.float16)),
             CONFIG: json.dumps(config, indent=2, ensure_ascii=False).encode(), **extra_files}
    files[MANIFEST] = manifest_bytes(files)
    write_files_atomically(d, files)
    for stale in d.glob("model*.safetensors*"):
        if stale.name not in files:
            stale.unlink()


def update_file(directory: str | Path, name: str, data: bytes) -> None:
    """Replace (or add) one file of a checkpoint; a sealed file's entry in the manifest follows it."""
    d = Path(directory)
    if not is_sealed(name):
        write_files_atomically(d, {name: data})
        return
    manifest = json.loads((d / MANIFEST).read_text()) if (d / MANIFEST).exists() else {"files": {}}
    manifest["files"][name] = sha256(data)
    write_files_atomically(d, {name: data, MANIFEST: json.dumps(manifest, indent=2).encode()})


def seal_checkpoint(directory: str | Path) -> dict[str, str]:
    """Write a new manifest.json over the sealed files now in the folder; returns {name: sha256}.

    For a deliberate change (a re-saved tokenizer, weights replaced on purpose) or a folder written
    by plain `transformers`. Raises CheckpointError when there is no config.json or no weights.
    """
    d = Path(directory)
    if not d.is_dir():
        raise CheckpointError(f"{d}: no such checkpoint folder")
    files = {name: (d / name).read_bytes() for name in _sealed_names(d)}
    if CONFIG not in files:
        raise CheckpointError(f"{d / CONFIG}: missing — nothing to seal")
    if WEIGHTS not in files and WEIGHTS_INDEX not in files:
        raise CheckpointError(f"{d / WEIGHTS}: missing — nothing to seal")
    data = manifest_bytes(files)
    write_files_atomically(d, {MANIFEST: data})
    return json.loads(data)["files"]


def _sealed_names(d: Path) -> list[str]:
    """The sealed files present in folder d ("target_tokenizer/tokenizer.json" for one in a subfolder);
    hidden files and folders (.resume/, temporary files) are never part of a model."""
    names = (p.relative_to(d).as_posix() for p in d.rglob("*") if p.is_file())
    return sorted(n for n in names if is_sealed(n) and not any(part.startswith(".") for part in n.split("/")))


def read_checkpoint(directory: str | Path) -> tuple[dict[str, bytes], bool]:
    """({name: bytes} of the sealed files, verified?): verified against manifest.json when the folder
    has one (a mismatch raises CheckpointError); a folder without one (plain `save_pretrained`) is
    read as it is, and verified is False."""
    d = Path(directory)
    if d.is_dir() and not (d / MANIFEST).exists():
        files = {name: (d / name).read_bytes() for name in _sealed_names(d)}
        if CONFIG not in files:
            raise CheckpointError(f"{d / CONFIG}: missing — not a model folder")
        if WEIGHTS not in files and WEIGHTS_INDEX not in files:
            raise CheckpointError(f"{d / WEIGHTS}: missing — not a model folder")
        return files, False
    return verify_checkpoint(d), True


def verify_checkpoint(directory: str | Path) -> dict[str, bytes]:
    """Check every sealed file against the manifest; return {name: bytes}. Raises CheckpointError.

    Documents (README.md, metrics.json, logs) are not checked, even where an older manifest lists
    them; a sealed file on disk that the manifest does not list is refused.
    """
    d = Path(directory)
    if not d.is_dir():
        raise CheckpointError(f"{d}: no such checkpoint folder")
    try:
        manifest = json.loads((d / MANIFEST).read_text())["files"]
        manifest = {name: digest for name, digest in manifest.items() if is_sealed(name)}
    except FileNotFoundError:
        raise CheckpointError(f"{d / MANIFEST}: missing — cannot verify this checkpoint "
                              f"({SEAL_HINT.format(d)})") from None
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise CheckpointError(f"{d / MANIFEST}: not a valid manifest ({e})") from None
    if CONFIG not in manifest:
        raise CheckpointError(f"{d / MANIFEST}: does not list {CONFIG}")
    if WEIGHTS not in manifest and WEIGHTS_INDEX not in manifest:
        raise CheckpointError(f"{d / MANIFEST}: does not list {WEIGHTS}")
    contents = {}
    for name, digest in manifest.items():
        path = d / name
        if not path.is_file():
            raise CheckpointError(f"{path}: missing (listed in {MANIFEST})")
        data = path.read_bytes()
        if sha256(data) != digest:
            raise CheckpointError(f"{path}: SHA-256 does not match {MANIFEST} — the file is truncated, corrupted "
                                  f"or was changed; {SEAL_HINT.format(d)}")
        contents[name] = data
    unlisted = [name for name in _sealed_names(d) if name not in contents]
    if unlisted:
        raise CheckpointError(f"{d / unlisted[0]}: not listed in {MANIFEST}, so it cannot be verified; "
                              f"{SEAL_HINT.format(d)}")
    return contents


def load_weights(model: torch.nn.Module, data: bytes | dict[str, torch.Tensor], path: str | Path) -> None:
    """Load safetensors bytes (or tensors) into model (fp16 storage is cast to the model's dtype)."""
    try:
        tensors = load(data) if isinstance(data, bytes) else data
    except (SafetensorError, ValueError) as e:
        raise CheckpointError(f"{path}: not a readable safetensors file ({e})") from None
    own = model.state_dict()
    frozen = frozen_names(model)
    missing = [k for k in own if k not in tensors and k not in frozen and not _is_tied_copy(own, k, tensors)]
    unexpected = [k for k in tensors if k not in own]
    if missing or unexpected:
        raise CheckpointError(f"{path}: weights do not fit this model "
                              f"(missing {missing[:3]}, unexpected {unexpected[:3]})")
    for k, t in tensors.items():
        if own[k].shape != t.shape:
            raise CheckpointError(f"{path}: {k} has shape {tuple(t.shape)}, the model expects {tuple(own[k].shape)}")
    model.load_state_dict(tensors, strict=False)


def _is_tied_copy(own: dict, key: str, tensors: dict) -> bool:
    """True when own[key] shares storage with another parameter that was saved."""
    ptr = own[key].data_ptr()
    return any(own[k].data_ptr() == ptr for k in tensors if k in own)
