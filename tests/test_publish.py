"""training.publish in dry-run mode (offline): what would be uploaded where, and every refusal
(a manifest that does not verify, a weight file over 10 MB, a missing or invalid model card,
a Space without its front matter, no token) — each a clear message and exit code 2."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from tiny_corpus import save_like_train, write_metrics

import dawn.checkpoint
import training.publish
from dawn.card import card_data
from dawn.checkpoint import MANIFEST, update_file
from training.publish import main

SPACE_FRONT_MATTER = """---
title: Code Dawn 2014
sdk: gradio
sdk_version: 6.31.0
python_version: "3.11"
app_file: app.py
license: cc-by-nc-4.0
---

# Code Dawn 2014
"""


class NoNetwork:
    """Stands in for HfApi: any attempt to reach the hub fails the test."""

    def __init__(self, *args, **kwargs):
        raise AssertionError("training.publish tried to reach the hub")


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setattr(training.publish, "HfApi", NoNetwork)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setattr(training.publish, "get_token", lambda: None)  # no `hf auth login` token either


def _card(name: str, model_type: str, metrics: dict | None) -> bytes:
    return f"---\n{card_data(name, model_type, metrics).to_yaml()}\n---\n\n# `{name}`\n".encode()


def make_model_folder(d: Path, make_model, tokenizer, kind: str = "lstm") -> Path:
    """A checkpoint as train.py + evaluate.py leave it: weights, tokenizer, training.json, metrics, card."""
    save_like_train(d, make_model(kind), tokenizer, {"training.json": json.dumps({"model_type": kind}).encode()})
    metrics = write_metrics(d)
    update_file(d, "README.md", _card(d.name, kind, metrics))
    return d


@pytest.fixture
def model_dir(tmp_path, make_model, tokenizer) -> Path:
    return make_model_folder(tmp_path / "lstm", make_model, tokenizer)


def _plan(out: str) -> dict[str, int]:
    """{path in repo: size} from the dry run's listing."""
    rows = re.findall(r"^\s+([\d,]+) B\s+(\S+)\s+->\s+(\S+)$", out, re.M)
    return {path: int(size.replace(",", "")) for size, _, path in rows}


def _refused(capsys, argv: list[str], message: str) -> str:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert re.search(message, err), err
    assert "Traceback" not in err and "dry run" not in out   # a one-line reason, nothing listed as uploadable
    return err


# --- a model ------------------------------------------------------------------------------------

def test_dry_run_lists_every_file_of_the_model_with_its_size(model_dir, capsys):
    assert main(["--model", str(model_dir), "--repo", "someone/tiny-lstm", "--dry-run"]) == 0
    out = capsys.readouterr().out
    manifest = json.loads((model_dir / MANIFEST).read_text())["files"]
    plan = _plan(out)
    assert set(plan) == set(manifest) | {MANIFEST}
    assert {"model.safetensors", "config.json", "tokenizer.json", "README.md", "metrics.json"} <= set(plan)
    assert all(size == (model_dir / name).stat().st_size for name, size in plan.items())
    assert "model repo someone/tiny-lstm (https://huggingface.co/someone/tiny-lstm)" in out
    assert f"{str(model_dir / 'config.json')}" in out                # where each file comes from
    assert "nothing was uploaded" in out


def test_dry_run_of_a_sharded_model_lists_every_shard(tmp_path, make_model, tokenizer, monkeypatch, capsys):
    monkeypatch.setattr(dawn.checkpoint, "MAX_SHARD_BYTES", 4000)
    d = make_model_folder(tmp_path / "lstm_attention", make_model, tokenizer, "lstm_attention")
    assert main(["--model", str(d), "--repo", "someone/tiny", "--dry-run"]) == 0
    plan = _plan(capsys.readouterr().out)
    shards = sorted(p.name for p in d.glob("model-*.safetensors"))
    assert len(shards) > 2 and set(shards) | {"model.safetensors.index.json"} <= set(plan)


def test_a_trained_checkpoint_passes_the_dry_run(tmp_path, train_argv, run_train, capsys):
    """What training.train writes (card included) is publishable once metrics.json and its card are there."""
    from dawn.card import write_model_card

    out = tmp_path / "transformer"
    assert run_train(train_argv("transformer", out, "--epochs", "1")) == 0
    assert main(["--model", str(out), "--repo", "someone/t", "--dry-run"]) == 0   # no metrics yet: no model-index
    write_metrics(out)
    write_model_card(out)
    capsys.readouterr()
    assert main(["--model", str(out), "--repo", "someone/t", "--dry-run"]) == 0
    plan = _plan(capsys.readouterr().out)
    assert {"generation_config.json", "metrics.json", "training.json"} <= set(plan)
    assert not [p for p in plan if p.startswith(".")]                 # never the resumable state


# --- refusals ----------------------------------------------------------------------------------

@pytest.mark.parametrize("damage", ["edit", "delete"])
def test_a_manifest_that_does_not_verify_is_refused(model_dir, capsys, damage):
    weights = model_dir / "model.safetensors"
    if damage == "edit":
        weights.write_bytes(weights.read_bytes()[:-1] + b"\0")
        message = r"manifest does not verify: .*model\.safetensors: SHA-256 does not match"
    else:
        weights.unlink()
        message = r"manifest does not verify: .*model\.safetensors: missing"
    _refused(capsys, ["--model", str(model_dir), "--repo", "someone/x", "--dry-run"], message)


def test_a_folder_without_manifest_or_at_all_is_refused(model_dir, tmp_path, capsys):
    (model_dir / MANIFEST).unlink()
    _refused(capsys, ["--model", str(model_dir), "--repo", "someone/x", "--dry-run"], r"manifest\.json: missing")
    _refused(capsys, ["--model", str(tmp_path / "nothing"), "--repo", "someone/x", "--dry-run"], "no such model folder")


def test_a_weight_file_over_10_mb_is_refused(model_dir, capsys):
    update_file(model_dir, "model.safetensors", (model_dir / "model.safetensors").read_bytes() + b" " * 10_000_001)
    _refused(capsys, ["--model", str(model_dir), "--repo", "someone/x", "--dry-run"],
             r"model\.safetensors: [\d,]+ bytes, over the 10 MB limit")


def test_a_missing_model_card_is_refused(model_dir, capsys):
    manifest = json.loads((model_dir / MANIFEST).read_text())
    del manifest["files"]["README.md"]
    (model_dir / MANIFEST).write_text(json.dumps(manifest))
    (model_dir / "README.md").unlink()
    _refused(capsys, ["--model", str(model_dir), "--repo", "someone/x", "--dry-run"], r"README\.md: missing model card")


@pytest.mark.parametrize("card,message", [
    (b"# A card without metadata\n", "metadata lacks language, license, tags, datasets, pipeline_tag, library_name"),
    (b"---\nlanguage: [zh, en]\nlicense: mit\ntags: [x]\ndatasets: [y]\nlibrary_name: pytorch\n"
     b"pipeline_tag: text-generation\n---\n# card\n", "expected pipeline_tag translation"),
    (b"---\nlanguage: [zh, en\n---\n# card\n", "metadata is not valid"),
])
def test_an_invalid_model_card_is_refused(model_dir, capsys, card, message):
    update_file(model_dir, "README.md", card)
    _refused(capsys, ["--model", str(model_dir), "--repo", "someone/x", "--dry-run"], message)


def test_a_card_whose_numbers_differ_from_metrics_json_is_refused(model_dir, capsys):
    metrics = json.loads((model_dir / "metrics.json").read_text())
    update_file(model_dir, "README.md", _card("lstm", "lstm", {**metrics, "bleu": metrics["bleu"] + 1}))
    _refused(capsys, ["--model", str(model_dir), "--repo", "someone/x", "--dry-run"],
             "model-index does not match metrics.json")


def test_a_real_upload_without_a_token_is_refused(model_dir, capsys):
    _refused(capsys, ["--model", str(model_dir), "--repo", "someone/x"], "no Hugging Face token: set HF_TOKEN")


@pytest.mark.parametrize("repo", ["no-slash", "a/b/c", "someone/bad name"])
def test_a_bad_repo_id_is_refused(model_dir, capsys, repo):
    _refused(capsys, ["--model", str(model_dir), "--repo", repo, "--dry-run"], f"--repo '{re.escape(repo)}'")


# --- the Space --------------------------------------------------------------------------------------

@pytest.fixture
def space_root(tmp_path, make_model, tokenizer) -> Path:
    """A small copy of the app's layout, with things that must not be uploaded."""
    root = tmp_path / "app"
    (root / "dawn" / "__pycache__").mkdir(parents=True)
    (root / "ui").mkdir()
    (root / "app.py").write_text("import dawn\n")
    (root / "dawn" / "__init__.py").write_text("")
    (root / "dawn" / "model.py").write_text("x = 1\n")
    (root / "dawn" / "__pycache__" / "model.cpython-311.pyc").write_bytes(b"\0")
    (root / "ui" / "view.js").write_text("// view\n")
    (root / "ui" / "view.css").write_text("body {}\n")
    (root / "requirements.txt").write_text("torch\n")
    (root / "packages.txt").write_text("fonts-noto-cjk\n")
    (root / "README.md").write_text(SPACE_FRONT_MATTER)
    (root / "tests").mkdir()
    (root / "tests" / "test_x.py").write_text("")
    ckpt = root / "checkpoints"
    make_model_folder(ckpt / "lstm", make_model, tokenizer)
    (ckpt / "lstm" / ".resume").mkdir()
    (ckpt / "lstm" / ".resume" / "model.safetensors").write_bytes(b"state")
    (ckpt / "lstm" / "notes.txt").write_text("not in the manifest")
    (ckpt / "scratch").mkdir()
    (ckpt / "scratch" / "junk.bin").write_bytes(b"junk")
    (ckpt / "benchmark.json").write_text("{}")
    (ckpt / "bleu_by_length.png").write_bytes(b"\x89PNG")
    return root


def test_space_dry_run_lists_exactly_the_app_files(space_root, capsys):
    assert main(["--space", "--root", str(space_root), "--repo", "someone/code-dawn", "--dry-run"]) == 0
    out, err = capsys.readouterr()
    plan = _plan(out)
    manifest = json.loads((space_root / "checkpoints" / "lstm" / MANIFEST).read_text())["files"]
    assert set(plan) == {"app.py", "requirements.txt", "packages.txt", "README.md",
                         "dawn/__init__.py", "dawn/model.py", "ui/view.js", "ui/view.css",
                         "checkpoints/benchmark.json", "checkpoints/bleu_by_length.png",
                         *(f"checkpoints/lstm/{name}" for name in [*manifest, MANIFEST])}
    assert plan["README.md"] == len(SPACE_FRONT_MATTER.encode())
    assert "space repo someone/code-dawn (https://huggingface.co/spaces/someone/code-dawn)" in out
    assert "skipped:" in err and "scratch" in err


def test_space_without_ui_folder(space_root, capsys):
    shutil.rmtree(space_root / "ui")
    assert main(["--space", "--root", str(space_root), "--repo", "someone/s", "--dry-run"]) == 0
    assert not [p for p in _plan(capsys.readouterr().out) if p.startswith("ui/")]


@pytest.mark.parametrize("readme,message", [
    ("# no front matter\n", "front matter lacks sdk, sdk_version, python_version, app_file"),
    (SPACE_FRONT_MATTER.replace('python_version: "3.11"\n', ""), "front matter lacks python_version"),
    (SPACE_FRONT_MATTER.replace("app_file: app.py", "app_file: main.py"), "app_file 'main.py' does not exist"),
])
def test_space_readme_without_valid_front_matter_is_refused(space_root, capsys, readme, message):
    (space_root / "README.md").write_text(readme)
    _refused(capsys, ["--space", "--root", str(space_root), "--repo", "someone/s", "--dry-run"], message)


@pytest.mark.parametrize("name", ["app.py", "requirements.txt", "packages.txt"])
def test_space_missing_a_required_file_is_refused(space_root, capsys, name):
    (space_root / name).unlink()
    _refused(capsys, ["--space", "--root", str(space_root), "--repo", "someone/s", "--dry-run"],
             re.escape(name) + ": missing")


def test_space_with_a_damaged_checkpoint_is_refused(space_root, capsys):
    (space_root / "checkpoints" / "lstm" / "tokenizer.json").write_text("{}")
    _refused(capsys, ["--space", "--root", str(space_root), "--repo", "someone/s", "--dry-run"],
             r"tokenizer\.json: SHA-256 does not match")


def test_space_upload_without_a_token_is_refused(space_root, capsys):
    _refused(capsys, ["--space", "--root", str(space_root), "--repo", "someone/s"], "no Hugging Face token")
