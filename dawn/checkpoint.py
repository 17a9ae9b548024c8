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
        training.json          how it was trained: command, seed, data counts
        train_log.json         losses and valid scores per epoch
        metrics.json           test scores (written by training/evaluate.py)
        manifest.json          {"files": {name: sha256}} — verified on every load, every shard included
        README.md              the model card, with hub metadata

Nothing is pickled. Every file is written to a temporary name and renamed into
place only when all of them were written, so a full disk or an unwritable
folder leaves the previous checkpoint untouched. (A crash in the split second
between two renames could leave old and new files side by side; the manifest
check then refuses to load them, naming the file.)
"""

from __future__ import annotations

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
MAX_SHARD_BYTES = 9_000_000  # every weight file stays under Spaces' 10 MB limit for files without LFS


class CheckpointError(ValueError):
    """A checkpoint that cannot be loaded; the message names the file."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_files_atomically(directory: str | Path, files: dict[str, bytes]) -> None:
    """Write {name: bytes} into directory: all to temporary files first, then rename each into place.

    Raises CheckpointError (with the reason, e.g. a full disk) and leaves existing files untouched.
    """
    d = Path(directory)
    tmp_paths = []
    try:
        d.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            tmp = d / f".{name}.tmp"
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


def save_checkpoint(directory: str | Path, model: torch.nn.Module, config: dict,
                    extra_files: dict[str, bytes]) -> None:
    """Write weights (fp16, sharded above 9 MB), config.json, the extra files (tokenizer, training
    info, log) and the manifest. Weight files left from an earlier save with another layout are removed."""
    d = Path(directory)
    files = {**weight_files(weights_to_store(model, torch.float16)),
             CONFIG: json.dumps(config, indent=2, ensure_ascii=False).encode(), **extra_files}
    manifest = {"files": {name: sha256(data) for name, data in sorted(files.items())}}
    files[MANIFEST] = json.dumps(manifest, indent=2).encode()
    write_files_atomically(d, files)
    for stale in d.glob("model*.safetensors*"):
        if stale.name not in files:
            stale.unlink()


def update_file(directory: str | Path, name: str, data: bytes) -> None:
    """Replace (or add) one file of a checkpoint and its entry in the manifest."""
    d = Path(directory)
    manifest = json.loads((d / MANIFEST).read_text()) if (d / MANIFEST).exists() else {"files": {}}
    manifest["files"][name] = sha256(data)
    write_files_atomically(d, {name: data, MANIFEST: json.dumps(manifest, indent=2).encode()})


def verify_checkpoint(directory: str | Path) -> dict[str, bytes]:
    """Check every file listed in the manifest; return {name: bytes}. Raises CheckpointError."""
    d = Path(directory)
    if not d.is_dir():
        raise CheckpointError(f"{d}: no such checkpoint folder")
    try:
        manifest = json.loads((d / MANIFEST).read_text())["files"]
    except FileNotFoundError:
        raise CheckpointError(f"{d / MANIFEST}: missing — cannot verify this checkpoint") from None
    except (ValueError, KeyError, TypeError) as e:
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
            raise CheckpointError(f"{path}: SHA-256 does not match {MANIFEST} — the file is truncated or corrupted")
        contents[name] = data
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
