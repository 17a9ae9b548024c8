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


SPACE_README_BODY = """
![the page](docs/screenshots/page.png) and ![a figure](checkpoints/bleu_by_length.png "BLEU"),
[the code](dawn/model.py), [the models](dawn/), [elsewhere](https://example.com/x.png), [up](#code-dawn-2014)
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
    documents = {"README.md", "metrics.json", "training.json", "train_log.json"}   # not sealed, uploaded beside
    assert set(plan) == set(manifest) | {MANIFEST} | documents and not documents & set(manifest)
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
    assert {"generation_config.json", "metrics.json", "training.json", "replay.json"} <= set(plan)  # replay: a document
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
    (model_dir / "README.md").unlink()
    _refused(capsys, ["--model", str(model_dir), "--repo", "someone/x", "--dry-run"], r"README\.md: missing model card")


@pytest.mark.parametrize("card,message", [
    (b"# A card without metadata\n", "metadata lacks language, license, tags, pipeline_tag, library_name"),
    (b"---\nlanguage: [zh, en]\nlicense: mit\ntags: [x]\ndatasets: [facebook/flores]\nlibrary_name: pytorch\n"
     b"pipeline_tag: translation\n---\n# card\n", "datasets lists the test sets facebook/flores as training data"),
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
    (root / "README.md").write_text(SPACE_FRONT_MATTER + SPACE_README_BODY)
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (root / "LICENSE").write_text("MIT\n")
    (root / "training").mkdir()
    (root / "training" / "train.py").write_text("")
    (root / "docs" / "screenshots").mkdir(parents=True)
    (root / "docs" / "screenshots" / "page.png").write_bytes(b"\x89PNG")
    (root / "docs" / "notes.md").write_text("not shown by the README")
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
    documents = ["README.md", "metrics.json", "training.json", "train_log.json"]
    assert set(plan) == {"app.py", "requirements.txt", "packages.txt", "README.md", "pyproject.toml", "LICENSE",
                         "dawn/__init__.py", "dawn/model.py", "ui/view.js", "ui/view.css", "training/train.py",
                         "docs/screenshots/page.png", "checkpoints/benchmark.json", "checkpoints/bleu_by_length.png",
                         *(f"checkpoints/lstm/{name}" for name in [*manifest, MANIFEST, *documents])}
    assert plan["README.md"] == len((SPACE_FRONT_MATTER + SPACE_README_BODY).encode())
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


def test_space_whose_readme_shows_a_missing_file_is_refused(space_root, capsys):
    (space_root / "docs" / "screenshots" / "page.png").unlink()
    _refused(capsys, ["--space", "--root", str(space_root), "--repo", "someone/s", "--dry-run"],
             r"README\.md: shows docs/screenshots/page\.png, which does not exist")


def test_the_real_space_upload_holds_every_file_its_readme_shows(capsys):
    """This repository's README: every image and linked file goes up (screenshots and figures included)."""
    from training.publish import ROOT, readme_files

    shown = readme_files(ROOT)
    assert any(p.startswith("docs/screenshots/") for p in shown) and "checkpoints/bleu_by_length.png" in shown
    assert main(["--space", "--repo", "someone/code-dawn", "--dry-run"]) == 0
    plan = _plan(capsys.readouterr().out)
    assert set(shown) <= set(plan)
    assert {"pyproject.toml", "LICENSE", "requirements.txt", "training/publish.py"} <= set(plan)


# --- real uploads that fail: one line, exit code 2, no traceback ----------------------------------

def test_an_offline_upload_with_a_token_ends_in_one_line(model_dir, capsys, monkeypatch):
    import huggingface_hub
    import huggingface_hub.constants

    monkeypatch.setattr(training.publish, "HfApi", huggingface_hub.HfApi)   # the real client, offline
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    err = _refused_upload(capsys, ["--model", str(model_dir), "--repo", "someone/x", "--token", "hf_fake"])
    assert "the upload to someone/x failed" in err


def _refused_upload(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "nothing was published" in lines[0], err
    assert "Traceback" not in err + out
    return err


def test_a_refused_upload_ends_in_one_line(model_dir, capsys, monkeypatch):
    import httpx
    from huggingface_hub.errors import HfHubHTTPError

    url = "https://huggingface.co/api/repos/create"
    response = httpx.Response(403, request=httpx.Request("POST", url))

    class Refused:
        def __init__(self, token=None): pass
        def create_repo(self, *args, **kwargs):
            raise HfHubHTTPError("403 Forbidden: you don't have the rights to create a model under the namespace "
                                 f"\"someone\".\nCannot access content at: {url}.", response=response)

    monkeypatch.setattr(training.publish, "HfApi", Refused)
    err = _refused_upload(capsys, ["--model", str(model_dir), "--repo", "someone/x", "--token", "hf_fake"])
    assert "403 Forbidden" in err


def test_an_upload_sends_every_planned_file_and_the_card_names_the_repo(tmp_path, make_model, tokenizer, capsys,
                                                                        monkeypatch):
    from dawn.card import write_model_card

    commits = []

    class Recorder:
        def __init__(self, token=None): pass
        def create_repo(self, repo_id, **kwargs): pass
        def create_commit(self, repo_id, operations, **kwargs):
            commits.append({op.path_in_repo: op.path_or_fileobj for op in operations})
            return type("Info", (), {"commit_url": f"https://huggingface.co/{repo_id}/commit/1"})()

    monkeypatch.setattr(training.publish, "HfApi", Recorder)
    d = make_model_folder(tmp_path / "lstm", make_model, tokenizer)
    write_model_card(d)                                     # the card as training writes it: local snippets
    assert f'"{d}"' in (d / "README.md").read_text()
    assert main(["--model", str(d), "--repo", "someone/tiny-lstm", "--token", "hf_fake"]) == 0
    (sent,) = commits
    assert {"model.safetensors", "tokenizer.json", "target_tokenizer/tokenizer.json", MANIFEST, "README.md"} <= set(sent)
    card = sent["README.md"].decode()
    assert 'load_translator("someone/tiny-lstm")' in card and f'"{d}"' not in card
    assert "pip install git+https://huggingface.co/spaces/someone/code-dawn-2014" in card
    assert "done: https://huggingface.co/someone/tiny-lstm/commit/1" in capsys.readouterr().out


def test_a_card_edited_by_hand_is_published_as_edited(model_dir, capsys):
    """The card is a document: a hand-written section needs no re-seal, and goes up unchanged."""
    card = model_dir / "README.md"
    card.write_text(card.read_text() + "\n## Limitations\n\nWritten by hand.\n")
    assert main(["--model", str(model_dir), "--repo", "someone/x", "--dry-run"]) == 0
    assert _plan(capsys.readouterr().out)["README.md"] == card.stat().st_size


def test_space_gets_the_cpu_build_of_torch_and_stage_writes_what_would_go(space_root, tmp_path, capsys):
    """The Space's requirements take torch from PyTorch's CPU index, pinned to its "+cpu" build (the public index's
    torch is the CUDA build, about 3 GB); --stage writes the exact files, everything else byte for byte."""
    (space_root / "requirements.txt").write_text("# the app\ntorch==2.13.0   # the model code\ngradio==6.31.0\n")
    staged = tmp_path / "staged"
    assert main(["--space", "--root", str(space_root), "--repo", "someone/s", "--dry-run", "--stage", str(staged)]) == 0
    assert "staged: " in capsys.readouterr().out
    lines = (staged / "requirements.txt").read_text().splitlines()
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in lines
    assert "torch==2.13.0+cpu   # the model code" in lines and "gradio==6.31.0" in lines
    assert not any(line.startswith("torch==2.13.0 ") or line == "torch==2.13.0" for line in lines)
    for name in ("app.py", "packages.txt", "README.md", "dawn/model.py", "checkpoints/lstm/config.json"):
        assert (staged / name).read_bytes() == (space_root / name).read_bytes(), name
    # the repository's own requirements.txt is untouched (it still installs here and in CI)
    assert (space_root / "requirements.txt").read_text().startswith("# the app\ntorch==2.13.0 ")


def test_the_real_space_requirements_pin_the_cpu_wheel(tmp_path, capsys):
    assert main(["--space", "--repo", "someone/code-dawn", "--dry-run", "--stage", str(tmp_path / "s")]) == 0
    text = (tmp_path / "s" / "requirements.txt").read_text()
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in text
    assert re.search(r"^torch==[\d.]+\+cpu\b", text, re.M), text
