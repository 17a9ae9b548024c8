"""Checkpoints: the hub layout, save -> load equality, fp16 shards, verification of every
file (every shard included), old and missing folders refused clearly, no pickle, atomic writes."""

from __future__ import annotations

import errno
import json
import os
import pickle
import re
from pathlib import Path

import pytest
import torch
from safetensors import safe_open
from tiny_corpus import ROOT, round_to_fp16, save_like_train

import dawn.checkpoint
from dawn.checkpoint import (CONFIG, MANIFEST, WEIGHTS, WEIGHTS_INDEX, CheckpointError, update_file,
                             verify_checkpoint, write_files_atomically)
from dawn.registry import MODEL_NAMES
from dawn.tokenizer import TARGET_DIR, TOKENIZER_CONFIG, TOKENIZER_FILE
from dawn.translator import Translator, load_translator

MODELS = list(MODEL_NAMES)


def _save(directory: Path, model, kind: str, tokenizer) -> Path:
    return save_like_train(directory, model, tokenizer)


@pytest.fixture
def checkpoint(tmp_path, make_model, tokenizer) -> Path:
    return _save(tmp_path / "ckpt", make_model("lstm"), "lstm", tokenizer)


# --- save -> load ----------------------------------------------------------------

@pytest.mark.parametrize("kind", MODELS)
def test_save_then_load_gives_the_same_model(kind, tmp_path, make_model, tokenizer):
    model = make_model(kind)
    original = {k: v.clone() for k, v in model.state_dict().items()}
    round_to_fp16(model)
    assert any(not torch.equal(original[k], v) for k, v in model.state_dict().items())  # rounding did something
    loaded = load_translator(_save(tmp_path / "ckpt", model, kind, tokenizer))

    assert loaded.model_type == kind and not loaded.model.training
    own, back = model.state_dict(), loaded.model.state_dict()
    assert own.keys() == back.keys()
    for k in own:
        assert back[k].dtype == torch.float32 or not back[k].is_floating_point()
        assert torch.equal(own[k], back[k]), k
    # identical weights -> identical computations, to the bit
    src = torch.tensor([tokenizer.encode_source("我们要花。")])
    mask, tgt_in = torch.ones_like(src), torch.tensor([[1, 5, 9, 7]])
    with torch.no_grad():
        assert torch.equal(model(src, mask, tgt_in), loaded.model(src, mask, tgt_in))
    a, b = Translator(model, tokenizer, kind, {}).translate("我们要花。", 3), loaded.translate("我们要花。", 3)
    assert (a.text, a.target_tokens, a.log_prob) == (b.text, b.target_tokens, b.log_prob)


def test_weights_are_stored_as_fp16_and_tied_weights_once(tmp_path, make_model, tokenizer):
    model = make_model("transformer")
    d = _save(tmp_path / "ckpt", model, "transformer", tokenizer)
    with safe_open(str(d / WEIGHTS), framework="pt") as f:
        keys = list(f.keys())
        dtypes = {f.get_tensor(k).dtype for k in keys}
    assert dtypes == {torch.float16}
    assert "lm_head.weight" not in keys  # tied to the decoder embedding, stored once
    assert "model.decoder.embed_tokens.weight" in keys  # a plain MarianMTModel's names
    loaded = load_translator(d).model.marian
    assert loaded.lm_head.weight.data_ptr() == loaded.model.decoder.embed_tokens.weight.data_ptr()


def test_checkpoint_files_and_manifest(checkpoint, tokenizer):
    names = {p.relative_to(checkpoint).as_posix() for p in checkpoint.rglob("*") if p.is_file()}
    target = {f"{TARGET_DIR}/{TOKENIZER_FILE}", f"{TARGET_DIR}/{TOKENIZER_CONFIG}"}
    assert names == {WEIGHTS, CONFIG, MANIFEST, TOKENIZER_FILE, TOKENIZER_CONFIG, "train_log.json", *target}
    config = json.loads((checkpoint / CONFIG).read_text())
    assert config["model_type"] == "lstm" and config["d_model"] == 16   # the dataclass fields, as the hub mixin writes
    manifest = json.loads((checkpoint / MANIFEST).read_text())["files"]
    # the manifest seals what decides the outputs (weights, config, tokenizers), not the documents
    assert set(manifest) == names - {MANIFEST, "train_log.json"}
    assert set(verify_checkpoint(checkpoint)) == names - {MANIFEST, "train_log.json"}
    loaded = load_translator(checkpoint)
    assert loaded.verified
    assert loaded.tokenizer.encode_source("他有狗。") == tokenizer.encode_source("他有狗。")
    assert loaded.tokenizer.encode_target("He has dogs.") == tokenizer.encode_target("He has dogs.")


# --- open folders: documents are editable, sealed files are not -----------------------------

@pytest.mark.parametrize("name", ["README.md", "metrics.json", "train_log.json", "training.json"])
def test_documents_can_be_edited_or_added_without_resealing(checkpoint, name):
    before = load_translator(checkpoint).translate_batch(["他有狗。"])
    (checkpoint / name).write_text("## Limitations\n\nWritten by hand.\n")  # not JSON either: still loads
    loaded = load_translator(checkpoint)
    assert loaded.verified and loaded.translate_batch(["他有狗。"]) == before
    assert name not in json.loads((checkpoint / MANIFEST).read_text())["files"]


def test_an_older_manifest_that_lists_the_card_does_not_check_it(checkpoint):
    manifest = json.loads((checkpoint / MANIFEST).read_text())
    (checkpoint / "README.md").write_text("# card\n")
    manifest["files"]["README.md"] = dawn.checkpoint.sha256(b"# the card as it was\n")
    (checkpoint / MANIFEST).write_text(json.dumps(manifest))
    assert load_translator(checkpoint).verified


@pytest.mark.parametrize("name", [WEIGHTS, CONFIG, TOKENIZER_FILE, f"{TARGET_DIR}/{TOKENIZER_FILE}"])
def test_a_changed_sealed_file_is_refused_until_resealed(checkpoint, name, tmp_path, make_model, tokenizer):
    from training.publish import main

    path = checkpoint / name
    if name == CONFIG:  # a deliberate change that keeps the model loadable: a longer decoding cap
        config = json.loads(path.read_text())
        path.write_text(json.dumps({**config, "max_target_len": config["max_target_len"] + 1}))
    elif name == WEIGHTS:  # other weights of the same shape (fine-tuned, say)
        path.write_bytes((_save(tmp_path / "other", make_model("lstm", seed=5), "lstm", tokenizer) / WEIGHTS).read_bytes())
    else:
        path.write_bytes(path.read_bytes() + b" ")
    with pytest.raises(CheckpointError, match=re.escape(str(path)) + ": SHA-256 does not match manifest.json .*"
                       + re.escape(f"python -m training.publish --seal {checkpoint}")):
        load_translator(checkpoint)
    assert main(["--seal", str(checkpoint)]) == 0
    assert load_translator(checkpoint).verified
    assert dawn.checkpoint.sha256(path.read_bytes()) == json.loads((checkpoint / MANIFEST).read_text())["files"][name]


def test_seal_refuses_a_folder_without_weights_or_config(checkpoint, tmp_path, capsys):
    from training.publish import main

    (checkpoint / WEIGHTS).unlink()
    assert main(["--seal", str(checkpoint)]) == 2
    assert re.search(r"model\.safetensors: missing — nothing to seal", capsys.readouterr().err)
    assert main(["--seal", str(tmp_path / "nothing")]) == 2
    assert "no such checkpoint folder" in capsys.readouterr().err


def test_seal_refuses_a_folder_that_would_not_load_and_keeps_the_old_manifest(checkpoint, capsys):
    from training.publish import main

    old = (checkpoint / MANIFEST).read_bytes()
    (checkpoint / TOKENIZER_FILE).write_text('{"version": "nonsense"}')
    assert main(["--seal", str(checkpoint)]) == 2
    err = capsys.readouterr().err
    assert "cannot read the tokenizer files" in err and "not sealed" in err and "Traceback" not in err
    assert (checkpoint / MANIFEST).read_bytes() == old


def test_update_file_keeps_the_checkpoint_verifiable(checkpoint):
    update_file(checkpoint, "README.md", b"# card\n")
    assert (checkpoint / "README.md").read_bytes() == b"# card\n"
    assert "README.md" not in json.loads((checkpoint / MANIFEST).read_text())["files"]
    verify_checkpoint(checkpoint)


# --- a folder without a manifest: plain transformers' save_pretrained ---------------------------

def test_a_folder_without_manifest_loads_unverified_with_a_warning(checkpoint, tokenizer):
    before = load_translator(checkpoint).translate_batch(["他有狗。", "我们要花。"])
    (checkpoint / MANIFEST).unlink()
    with pytest.warns(UserWarning, match="no manifest.json, so its files are not verified"):
        loaded = load_translator(checkpoint)
    assert not loaded.verified and loaded.translate_batch(["他有狗。", "我们要花。"]) == before
    with pytest.raises(CheckpointError, match="manifest.json: missing"):   # publishing still needs one
        verify_checkpoint(checkpoint)


def test_a_sealed_file_the_manifest_does_not_list_is_refused(checkpoint):
    (checkpoint / "special_tokens_map.json").write_text("{}")
    with pytest.raises(CheckpointError, match="special_tokens_map.json: not listed in manifest.json"):
        load_translator(checkpoint)


# --- shards: every weight file stays small, the manifest covers each one -------------------

@pytest.fixture
def small_shards(monkeypatch):
    """Shards of at most 4 kB, so that tiny models are split like the real ones are at 9 MB."""
    monkeypatch.setattr(dawn.checkpoint, "MAX_SHARD_BYTES", 4000)
    return 4000


def _shards(d: Path) -> list[str]:
    return sorted(p.name for p in d.glob("model-*.safetensors"))


@pytest.mark.parametrize("kind", MODELS)
def test_sharded_save_then_load_gives_the_same_model(kind, tmp_path, make_model, tokenizer, small_shards):
    model = make_model(kind)
    round_to_fp16(model)
    d = _save(tmp_path / "ckpt", model, kind, tokenizer)
    shards = _shards(d)
    assert len(shards) > 2 and not (d / WEIGHTS).exists()
    index = json.loads((d / WEIGHTS_INDEX).read_text())
    assert sorted(set(index["weight_map"].values())) == shards
    assert index["metadata"]["total_size"] == sum(
        t.numel() * t.element_size() for name in shards for t in _tensors(d / name).values())
    for name in shards:                             # each shard ≤ the limit, unless one tensor alone is larger
        tensors = _tensors(d / name)
        assert (d / name).stat().st_size <= small_shards + 2000 or len(tensors) == 1, name
        assert {t.dtype for t in tensors.values() if t.is_floating_point()} == {torch.float16}
    manifest = json.loads((d / MANIFEST).read_text())["files"]
    assert set(shards) | {WEIGHTS_INDEX} <= set(manifest)

    loaded = load_translator(d)
    own, back = model.state_dict(), loaded.model.state_dict()
    assert own.keys() == back.keys() and all(torch.equal(own[k], back[k]) for k in own)
    assert loaded.translate("我们要花。", 2).text == Translator(model, tokenizer, kind, {}).translate("我们要花。", 2).text


def _tensors(path: Path) -> dict[str, torch.Tensor]:
    with safe_open(str(path), framework="pt") as f:
        return {k: f.get_tensor(k) for k in f.keys()}


@pytest.fixture
def sharded(tmp_path, make_model, tokenizer, small_shards) -> Path:
    return _save(tmp_path / "sharded", make_model("lstm"), "lstm", tokenizer)


def test_a_tampered_shard_is_refused(sharded):
    shard = sharded / _shards(sharded)[1]
    data = bytearray(shard.read_bytes())
    data[-3] ^= 0x01                                    # one bit of one weight
    shard.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=re.escape(str(shard)) + ": SHA-256 does not match"):
        load_translator(sharded)


def test_a_missing_shard_is_refused(sharded):
    shard = sharded / _shards(sharded)[-1]
    shard.unlink()
    with pytest.raises(CheckpointError, match=re.escape(str(shard)) + r": missing \(listed in manifest"):
        load_translator(sharded)


def test_a_shard_left_out_of_the_manifest_is_refused(sharded):
    name = _shards(sharded)[0]
    manifest = json.loads((sharded / MANIFEST).read_text())
    del manifest["files"][name]
    (sharded / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(CheckpointError, match=re.escape(str(sharded / name)) + ": not listed in manifest.json"):
        load_translator(sharded)


def test_an_unreadable_shard_index_is_refused(sharded):
    update_file(sharded, WEIGHTS_INDEX, b"[1, 2]")
    with pytest.raises(CheckpointError, match="model.safetensors.index.json: not a valid shard index"):
        load_translator(sharded)


def test_saving_with_another_layout_removes_the_old_weight_files(sharded, make_model, tokenizer, monkeypatch):
    monkeypatch.setattr(dawn.checkpoint, "MAX_SHARD_BYTES", 9_000_000)
    _save(sharded, make_model("lstm", seed=1), "lstm", tokenizer)
    assert _shards(sharded) == [] and not (sharded / WEIGHTS_INDEX).exists() and (sharded / WEIGHTS).exists()
    load_translator(sharded)
    monkeypatch.setattr(dawn.checkpoint, "MAX_SHARD_BYTES", 4000)
    _save(sharded, make_model("lstm", seed=2), "lstm", tokenizer)
    assert len(_shards(sharded)) > 2 and not (sharded / WEIGHTS).exists()
    load_translator(sharded)


# --- old and missing folders: a clear message, never a traceback ------------------------------

def test_an_old_format_checkpoint_is_refused_clearly(tmp_path, make_model):
    """The first checkpoints: tokenizer_zh.json + tokenizer_en.json, config.json with "model" and "training"."""
    from dawn.checkpoint import weights_to_store
    from safetensors.torch import save

    model = make_model("lstm")
    config = {"model_type": "lstm", "model": model.config.to_dict(), "training": {"seed": 1}}
    files = {WEIGHTS: save(weights_to_store(model, torch.float16)), CONFIG: json.dumps(config).encode(),
             "tokenizer_zh.json": b"{}", "tokenizer_en.json": b"{}"}
    write_files_atomically(tmp_path / "old", {
        **files, MANIFEST: json.dumps({"files": {n: dawn.checkpoint.sha256(b) for n, b in files.items()}}).encode()})
    with pytest.raises(CheckpointError, match=r"config\.json: .*an old checkpoint.*retrain it with python -m training\.train"):
        load_translator(tmp_path / "old")
    # a hub-style config.json beside the old tokenizer files: still a clear message
    update_file(tmp_path / "old", CONFIG, json.dumps({**model.config.to_dict(), "model_type": "lstm"}).encode())
    with pytest.raises(CheckpointError, match=r"cannot read the tokenizer files .*an old checkpoint \(tokenizer_zh\.json \+ tokenizer_en\.json\)"):
        load_translator(tmp_path / "old")


# --- a damaged checkpoint is refused, naming the file ------------------------------------

def test_missing_folder(tmp_path):
    with pytest.raises(CheckpointError, match="no such checkpoint folder"):
        load_translator(tmp_path / "nothing")


def test_missing_manifest_and_weights(checkpoint):
    (checkpoint / MANIFEST).unlink()
    (checkpoint / WEIGHTS).unlink()
    with pytest.raises(CheckpointError, match=re.escape(str(checkpoint / WEIGHTS)) + ": missing — not a model folder"):
        load_translator(checkpoint)


def test_invalid_manifest(checkpoint):
    (checkpoint / MANIFEST).write_text("{not json")
    with pytest.raises(CheckpointError, match="manifest.json: not a valid manifest"):
        load_translator(checkpoint)


@pytest.mark.parametrize("name", [WEIGHTS, CONFIG, TOKENIZER_FILE, TOKENIZER_CONFIG])
def test_missing_file(checkpoint, name):
    (checkpoint / name).unlink()
    with pytest.raises(CheckpointError, match=re.escape(str(checkpoint / name)) + r": missing \(listed in manifest"):
        load_translator(checkpoint)


@pytest.mark.parametrize("damage", ["truncate", "flip", "append"])
@pytest.mark.parametrize("name", [WEIGHTS, CONFIG, TOKENIZER_FILE])
def test_corrupted_file(checkpoint, name, damage):
    path = checkpoint / name
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip":
        for i in (len(data) // 3, len(data) - 5):
            data[i] ^= 0xFF
    else:
        data += b"\0"
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=re.escape(str(path)) + ": SHA-256 does not match"):
        load_translator(checkpoint)


def test_tokenizer_not_listed_in_manifest(checkpoint):
    manifest = json.loads((checkpoint / MANIFEST).read_text())
    del manifest["files"][TOKENIZER_FILE]
    (checkpoint / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(CheckpointError, match=f"{TOKENIZER_FILE}: not listed in manifest.json"):
        load_translator(checkpoint)


def test_weights_not_listed_in_manifest(checkpoint):
    manifest = json.loads((checkpoint / MANIFEST).read_text())
    del manifest["files"][WEIGHTS]
    (checkpoint / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(CheckpointError, match=f"does not list {WEIGHTS}"):
        load_translator(checkpoint)


def test_unreadable_safetensors_with_valid_hash(checkpoint):
    update_file(checkpoint, WEIGHTS, b"\x08\x00\x00\x00\x00\x00\x00\x00not json")
    with pytest.raises(CheckpointError, match=re.escape(str(checkpoint / WEIGHTS)) + ": not a readable safetensors"):
        load_translator(checkpoint)


def test_weights_of_another_model_size(checkpoint, tmp_path, make_model, tokenizer):
    other = _save(tmp_path / "wide", make_model("lstm", d_model=24), "lstm", tokenizer)
    update_file(checkpoint, WEIGHTS, (other / WEIGHTS).read_bytes())
    with pytest.raises(CheckpointError, match=re.escape(str(checkpoint)) + r": \S+ has shape \(\d+, ?\S*\), the model expects \("):
        load_translator(checkpoint)


def test_weights_of_another_architecture(checkpoint, tmp_path, make_model, tokenizer):
    other = _save(tmp_path / "tf", make_model("transformer"), "transformer", tokenizer)
    update_file(checkpoint, WEIGHTS, (other / WEIGHTS).read_bytes())
    with pytest.raises(CheckpointError, match="weights do not fit this model"):
        load_translator(checkpoint)


@pytest.mark.parametrize("config", [{"model_type": "gru"}, {}, {"model_type": "lstm", "width": 3},
                                    {"model_type": "marian", "d_model": 16}, []])
def test_invalid_config(checkpoint, config):
    update_file(checkpoint, CONFIG, json.dumps(config).encode())
    with pytest.raises(CheckpointError, match="config.json: not a valid model config"):
        load_translator(checkpoint)


def test_invalid_tokenizer_file(checkpoint):
    update_file(checkpoint, TOKENIZER_FILE, b'{"version": "nonsense"}')
    with pytest.raises(CheckpointError, match="cannot read the tokenizer files"):
        load_translator(checkpoint)


# --- nothing is ever unpickled -----------------------------------------------------------------

def _sources() -> list[Path]:
    files = sorted((ROOT / "dawn").rglob("*.py")) + sorted((ROOT / "training").rglob("*.py")) + sorted(ROOT.glob("*.py"))
    assert len(files) > 10
    return files


def _calls(source: str, name: str) -> list[str]:
    """The argument text of every call `name(...)` in source (parentheses balanced)."""
    calls = []
    for m in re.finditer(re.escape(name) + r"\s*\(", source):
        depth, i = 1, m.end()
        while depth and i < len(source):
            depth += {"(": 1, ")": -1}.get(source[i], 0)
            i += 1
        calls.append(source[m.end(): i - 1])
    return calls


def test_sources_never_unpickle():
    for path in _sources():
        src = path.read_text(encoding="utf-8")
        for args in _calls(src, "torch.load"):
            assert re.search(r"weights_only\s*=\s*True", args), f"{path}: torch.load({args}) without weights_only=True"
        assert not re.search(r"^\s*(import|from)\s+(pickle|cPickle|dill|cloudpickle|joblib)\b", src, re.M), \
            f"{path} imports a pickle module"
        # (save_pretrained is allowed: the recurrent models' is huggingface_hub's mixin writing safetensors,
        # and test_hub checks that it writes nothing but JSON and safetensors)
        assert not re.search(r"\bpickle\.|torch\.save\s*\(", src), f"{path} pickles (or may)"


def test_grep_helper_sees_calls():
    assert _calls("x = torch.load(f(p), map_location='cpu')\n", "torch.load") == ["f(p), map_location='cpu'"]


def test_loading_does_not_touch_pickle(checkpoint, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("unpickling during load")

    for module, attr in ((pickle, "load"), (pickle, "loads"), (pickle, "Unpickler"), (torch, "load")):
        monkeypatch.setattr(module, attr, refuse)
    assert load_translator(checkpoint).translate("我有书。").source_tokens[-1] == "</s>"


# --- atomic writes ---------------------------------------------------------------------------------

def _full_disk_after(monkeypatch, n_ok: int) -> None:
    """Let n_ok files reach the disk, then fail like a full disk does."""
    real_fsync, calls = os.fsync, []

    def fsync(fd):
        calls.append(fd)
        if len(calls) > n_ok:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)


def test_write_files_atomically_writes_all(tmp_path):
    write_files_atomically(tmp_path / "a" / "b", {"x.json": b"1", "y.bin": b"\x00\x01"})
    assert sorted(p.name for p in (tmp_path / "a" / "b").iterdir()) == ["x.json", "y.bin"]
    assert (tmp_path / "a" / "b" / "y.bin").read_bytes() == b"\x00\x01"


def test_full_disk_leaves_previous_files_intact(tmp_path, monkeypatch):
    d = tmp_path / "out"
    write_files_atomically(d, {"a.txt": b"old a", "b.txt": b"old b"})
    _full_disk_after(monkeypatch, n_ok=1)
    with pytest.raises(CheckpointError, match=f"cannot write to {re.escape(str(d))}: No space left on device"):
        write_files_atomically(d, {"a.txt": b"new a", "b.txt": b"new b", "c.txt": b"new c"})
    assert sorted(p.name for p in d.iterdir()) == ["a.txt", "b.txt"]  # no temporary files left behind
    assert (d / "a.txt").read_bytes() == b"old a" and (d / "b.txt").read_bytes() == b"old b"


@pytest.mark.parametrize("kind", MODELS)
def test_full_disk_during_save_keeps_the_previous_checkpoint(kind, tmp_path, monkeypatch, make_model, tokenizer):
    d = _save(tmp_path / "ckpt", make_model(kind, seed=0), kind, tokenizer)
    files = lambda: {p.relative_to(d).as_posix(): p.read_bytes() for p in d.rglob("*") if p.is_file()}
    before = files()
    for n_ok in (0, 3):
        with monkeypatch.context() as m:
            _full_disk_after(m, n_ok)
            with pytest.raises(CheckpointError, match="No space left on device.*previous files there are unchanged"):
                _save(d, make_model(kind, seed=1), kind, tokenizer)
        assert files() == before
    load_translator(d)  # still verifies


def test_write_below_a_regular_file_is_a_checkpoint_error(tmp_path):
    (tmp_path / "file").write_text("I am a file")
    with pytest.raises(CheckpointError, match="cannot write to .*file/ckpt"):
        write_files_atomically(tmp_path / "file" / "ckpt", {"x": b"1"})
