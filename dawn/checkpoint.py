"""Checkpoints on disk: safetensors weights + JSON, with a SHA-256 manifest.

    checkpoints/NAME/
        model.safetensors      weights (fp16 storage, loaded back as fp32)
        config.json            {"model_type": "lstm" | "transformer", "model": {...}, "training": {...}}
        tokenizer_zh.json      Chinese character tokenizer   (tokenizers library format)
        tokenizer_en.json      English BPE tokenizer
        train_log.json         losses and valid scores per epoch
        manifest.json          {"files": {name: sha256}} — verified on every load
        README.md              the model card

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
from safetensors.torch import load, save

MANIFEST = "manifest.json"
WEIGHTS = "model.safetensors"
CONFIG = "config.json"


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


def state_dict_bytes(model: torch.nn.Module, dtype: torch.dtype | None = None) -> bytes:
    """Serialise a model's weights to safetensors bytes (tied weights stored once, frozen ones not at all)."""
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
    return save(tensors)


def save_checkpoint(directory: str | Path, model: torch.nn.Module, config: dict,
                    extra_files: dict[str, bytes]) -> None:
    """Write weights (fp16), config.json, the extra files (tokenizers, log, card) and the manifest."""
    files = {WEIGHTS: state_dict_bytes(model, torch.float16),
             CONFIG: json.dumps(config, indent=2, ensure_ascii=False).encode(), **extra_files}
    manifest = {"files": {name: sha256(data) for name, data in sorted(files.items())}}
    files[MANIFEST] = json.dumps(manifest, indent=2).encode()
    write_files_atomically(directory, files)


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
    for required in (WEIGHTS, CONFIG):
        if required not in manifest:
            raise CheckpointError(f"{d / MANIFEST}: does not list {required}")
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


def load_weights(model: torch.nn.Module, data: bytes, path: str | Path) -> None:
    """Load safetensors bytes into model (fp16 storage is cast to the model's dtype)."""
    try:
        tensors = load(data)
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
