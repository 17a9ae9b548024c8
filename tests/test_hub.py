"""Hub-native models: the recurrent models through huggingface_hub's mixin (save_pretrained /
from_pretrained), the Transformer through plain transformers (MarianMTModel + AutoTokenizer,
offline, generate == load_translator), and model cards whose metadata the hub reads."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import torch
from tiny_corpus import make_pairs, round_to_fp16, train_args, write_metrics, write_test_set, write_tsv

import dawn.checkpoint
from dawn.card import card_data, write_model_card
from dawn.checkpoint import CONFIG, WEIGHTS, WEIGHTS_INDEX, verify_checkpoint
from dawn.decoding import max_output_len
from dawn.registry import MODEL_NAMES, MODELS
from dawn.translator import Translator, load_translator

RECURRENT = [s.name for s in MODELS if s.attention != "self"]  # the hub-mixin models
SENTENCES = ["我喜欢猫。", "他们要茶。", "你有书。", "她喜欢花。", "我们要狗。", "他喜欢鱼。"]


# --- the recurrent models: huggingface_hub's PyTorchModelHubMixin ----------------------------

@pytest.mark.parametrize("sharded", [False, True], ids=["one-file", "sharded"])
@pytest.mark.parametrize("kind", RECURRENT)
def test_recurrent_model_round_trips_through_save_pretrained(kind, sharded, tmp_path, make_model, tokenizer,
                                                             monkeypatch):
    if sharded:
        monkeypatch.setattr(dawn.checkpoint, "MAX_SHARD_BYTES", 4000)
    model = make_model(kind, seed=2)
    round_to_fp16(model)                                     # stored as fp16: make that exact
    model.tokenizer = tokenizer
    model.save_pretrained(tmp_path / "hub")

    files = sorted(p.relative_to(tmp_path / "hub").as_posix() for p in (tmp_path / "hub").rglob("*") if p.is_file())
    assert all(name.endswith((".json", ".safetensors", ".md")) for name in files), files  # nothing pickled
    assert (WEIGHTS_INDEX in files and WEIGHTS not in files) if sharded else WEIGHTS in files
    config = json.loads((tmp_path / "hub" / CONFIG).read_text())
    assert config == model.config.to_dict()                  # the dataclass fields, model_type included

    loaded = type(model).from_pretrained(tmp_path / "hub")
    assert not loaded.training and loaded.config == model.config
    own, back = model.state_dict(), loaded.state_dict()
    assert own.keys() == back.keys()
    assert all(back[k].dtype == own[k].dtype and torch.equal(own[k], back[k]) for k in own)
    src = torch.tensor([tokenizer.encode_source("我们要花。")])
    mask, tgt_in = torch.ones_like(src), torch.tensor([[1, 5, 9, 7]])
    with torch.no_grad():
        assert torch.equal(model(src, mask, tgt_in), loaded(src, mask, tgt_in))
    a, b = Translator(model, tokenizer, kind, {}), Translator(loaded, tokenizer, kind, {})
    for beam in (1, 3):
        assert a.translate_batch(SENTENCES, beam) == b.translate_batch(SENTENCES, beam)


@pytest.mark.parametrize("kind", RECURRENT)
def test_a_checkpoint_folder_loads_with_from_pretrained(kind, tmp_path, make_model, tokenizer):
    """The folder train.py writes is also what the mixin reads: config.json + safetensors."""
    from tiny_corpus import save_like_train

    model = make_model(kind, seed=1)
    round_to_fp16(model)
    d = save_like_train(tmp_path / kind, model, tokenizer)
    loaded = type(model).from_pretrained(d)
    assert all(torch.equal(v, loaded.state_dict()[k]) for k, v in model.state_dict().items())
    assert load_translator(d).translate_batch(SENTENCES) == Translator(loaded, tokenizer, kind, {}).translate_batch(SENTENCES)


# --- the Transformer: plain transformers, offline ----------------------------------------------------

@pytest.fixture(scope="module")
def trained_transformer(tmp_path_factory, datasets_cache):
    """A tiny Transformer trained for a few epochs by training.train, so that its outputs end in </s>."""
    return train_tiny(tmp_path_factory, "transformer", "--epochs", "6", "--lr", "0.01")


def train_tiny(tmp_path_factory, kind: str, *extra: str) -> Path:
    """A tiny `kind` model written by training.train on the test corpus: its checkpoint folder."""
    from training.train import main

    d = tmp_path_factory.mktemp(f"hub_{kind}")
    corpus = write_tsv(d / "corpus.tsv", make_pairs())
    write_test_set(d / "tests" / "t", ["他有鱼。"], ["A sentence that is not in the corpus."])
    out = d / kind
    assert main(train_args(kind, corpus, d / "tests", out, *extra)) == 0
    return out


def test_transformer_loads_with_plain_transformers_and_generates_the_same(trained_transformer):
    from transformers import AutoTokenizer, MarianMTModel

    ours = load_translator(trained_transformer)
    model = MarianMTModel.from_pretrained(trained_transformer)
    tok = AutoTokenizer.from_pretrained(trained_transformer)
    assert not model.training and model.dtype == torch.float32
    for k, v in ours.model.marian.state_dict().items():        # the same weights, positions included
        assert torch.equal(v, model.state_dict()[k]), k

    # the outputs stop with </s> well before any length limit, so both decoders end for the same reason
    for s in SENTENCES:
        r = ours.translate(s)
        assert 0 < len(r.target_tokens) < max_output_len(len(r.source_tokens), ours.model.config.max_target_len), r
    batch = tok(SENTENCES, return_tensors="pt", padding=True)
    generated = tok.batch_decode(model.generate(**batch, num_beams=1), skip_special_tokens=True)
    assert generated == ours.translate_batch(SENTENCES)
    assert all(generated)


def test_transformer_checkpoint_files(trained_transformer):
    names = set(verify_checkpoint(trained_transformer))
    assert {CONFIG, WEIGHTS, "generation_config.json", "tokenizer.json", "tokenizer_config.json"} <= names
    config = json.loads((trained_transformer / CONFIG).read_text())
    assert config["model_type"] == "marian" and config["architectures"] == ["MarianMTModel"]
    generation = json.loads((trained_transformer / "generation_config.json").read_text())
    assert (generation["num_beams"], generation["eos_token_id"], generation["decoder_start_token_id"]) == (1, 2, 1)


# --- model cards: hub metadata, model-index from metrics.json -----------------------------------------

def _card_results(card) -> dict[tuple[str, str], float]:
    return {(r.dataset_type, r.metric_type): r.metric_value for r in card.data.eval_results}


def test_model_card_metadata_validates_and_its_numbers_equal_metrics_json(trained_transformer, tmp_path):
    from huggingface_hub import ModelCard

    d = tmp_path / "transformer"
    shutil.copytree(trained_transformer, d, ignore=shutil.ignore_patterns(".resume"))
    metrics = write_metrics(d)
    write_model_card(d)
    verify_checkpoint(d)                                      # the card and metrics.json are in the manifest

    text = (d / "README.md").read_text()
    card = ModelCard(text, ignore_metadata_errors=False)      # raises on metadata the hub would reject
    data = card.data
    assert data.language == ["zh", "en"] and data.license == "cc-by-sa-4.0"
    assert data.pipeline_tag == "translation" and data.library_name == "transformers"
    assert "translation" in data.tags and data.model_name == "code-dawn-2014-transformer"
    assert not {"Helsinki-NLP/tatoeba_mt", "facebook/flores"} & set(data.datasets or [])  # test sets: model-index only
    assert _card_results(card) == {
        ("Helsinki-NLP/tatoeba_mt", "bleu"): metrics["bleu"], ("Helsinki-NLP/tatoeba_mt", "chrf"): metrics["chrf"],
        ("facebook/flores", "bleu"): metrics["flores200"]["bleu"],
        ("facebook/flores", "chrf"): metrics["flores200"]["chrf"]}
    assert {r.task_type for r in data.eval_results} == {"translation"}
    # the YAML the hub reads back gives the same model-index
    again = ModelCard(str(card))
    assert _card_results(again) == _card_results(card)
    assert "| all | 3 | 12.34 | 30.5 |" in text and "| all | 2 | 1.23 | 18.7 |" in text


@pytest.mark.parametrize("kind", MODEL_NAMES)
def test_card_data_for_every_model(kind):
    from huggingface_hub import ModelCard

    metrics = {"bleu": 11.0, "chrf": 30.0, "decoding": "greedy", "flores200": {"bleu": 0.5, "chrf": 14.0, "decoding": "greedy"}}
    data = card_data(kind, kind, metrics)
    card = ModelCard(f"---\n{data.to_yaml()}\n---\n\n# {kind}\n", ignore_metadata_errors=False)
    assert card.data.library_name == ("transformers" if kind == "transformer" else "pytorch")
    assert _card_results(card) == {("Helsinki-NLP/tatoeba_mt", "bleu"): 11.0, ("Helsinki-NLP/tatoeba_mt", "chrf"): 30.0,
                                   ("facebook/flores", "bleu"): 0.5, ("facebook/flores", "chrf"): 14.0}
    assert card_data(kind, kind, None).eval_results is None     # no metrics yet: no model-index


# --- self-contained folders: save_pretrained writes tokenizer, documents, full card, manifest ---------

@pytest.fixture(scope="module")
def trained_attention(tmp_path_factory, datasets_cache):
    """A tiny LSTM with attention written by training.train (training.json, log, card)."""
    out = train_tiny(tmp_path_factory, "lstm_attention", "--epochs", "2")
    write_metrics(out)
    write_model_card(out)
    return out


def test_from_pretrained_then_save_pretrained_is_a_self_contained_folder(trained_attention, tmp_path):
    from dawn.lstm_attention import LSTMAttentionSeq2Seq
    from ui.pipeline import load_models

    model = LSTMAttentionSeq2Seq.from_pretrained(trained_attention)
    assert model.tokenizer is not None and set(model.hub_documents) == {"training.json", "train_log.json", "metrics.json",
                                                                  "replay.json"}  # training writes the replay
    saved = tmp_path / "lstm_attention"
    model.save_pretrained(saved)

    names = {p.relative_to(saved).as_posix() for p in saved.rglob("*") if p.is_file()}
    assert {"tokenizer.json", "tokenizer_config.json", "target_tokenizer/tokenizer.json", "manifest.json",
            "training.json", "train_log.json", "metrics.json", "replay.json", "README.md"} <= names
    assert (saved / "replay.json").read_bytes() == (trained_attention / "replay.json").read_bytes()
    card = (saved / "README.md").read_text()
    assert card == (trained_attention / "README.md").read_text()      # the full card, not the mixin's generic one
    for section in ("## Data", "## Training", "## Test scores", "## Intended use", "## Limitations",
                    "## Bias and risks", "## Traditional Chinese input", "## Code and licences"):
        assert section in card, section

    original, again = load_translator(trained_attention), load_translator(saved)
    assert again.verified
    for beam in (1, 3):
        assert again.translate_batch(SENTENCES, beam) == original.translate_batch(SENTENCES, beam)
    models = load_models(tmp_path, ("lstm_attention",))                 # and the app reads it
    assert not models.problems and models.translators["lstm_attention"].translate_batch(SENTENCES) == \
        original.translate_batch(SENTENCES)


def test_load_translator_then_save_pretrained_keeps_the_tokenizer(trained_attention, tmp_path):
    t = load_translator(trained_attention)
    t.model.save_pretrained(tmp_path / "again")
    assert load_translator(tmp_path / "again").translate_batch(SENTENCES, 3) == t.translate_batch(SENTENCES, 3)


def test_save_pretrained_without_a_tokenizer_is_refused(make_model, tmp_path):
    with pytest.raises(ValueError, match="has no tokenizer"):
        make_model("lstm").save_pretrained(tmp_path / "bare")


def test_push_to_hub_uploads_the_whole_folder_with_the_repo_id_in_the_card(trained_attention, monkeypatch):
    import huggingface_hub.hub_mixin
    from dawn.lstm_attention import LSTMAttentionSeq2Seq

    uploaded = {}

    class FakeApi:
        def __init__(self, *args, **kwargs): pass
        def create_repo(self, repo_id, **kwargs):
            return type("RepoUrl", (), {"repo_id": repo_id})()
        def upload_folder(self, *, repo_id, folder_path, **kwargs):
            uploaded.update({p.relative_to(folder_path).as_posix(): p.read_bytes()
                             for p in Path(folder_path).rglob("*") if p.is_file()})
            return "https://huggingface.co/commit"

    monkeypatch.setattr(huggingface_hub.hub_mixin, "HfApi", FakeApi)
    model = LSTMAttentionSeq2Seq.from_pretrained(trained_attention)
    model.push_to_hub("someone/code-dawn-2014-lstm-attention", token="hf_fake")
    assert {"tokenizer.json", "target_tokenizer/tokenizer.json", "manifest.json", "README.md"} <= set(uploaded)
    card = uploaded["README.md"].decode()
    assert 'load_translator("someone/code-dawn-2014-lstm-attention")' in card and "## Limitations" in card
    assert "pip install git+https://huggingface.co/spaces/someone/code-dawn-2014" in card


def _python_snippets(card: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", card, re.S)


def test_the_cards_snippet_with_the_repo_id_translates_verbatim(trained_attention, monkeypatch, capsys):
    """What a user copies from the hub page: the repo id is downloaded (here: the folder stands in for the hub)."""
    import dawn.hub
    from dawn.card import card_for_repo

    repo = "someone/code-dawn-2014-lstm-attention"
    monkeypatch.setattr(dawn.hub, "snapshot_download", lambda repo_id, **kw: str(trained_attention) if repo_id == repo
                        else pytest.fail(repo_id))
    card = card_for_repo((trained_attention / "README.md").read_text(), trained_attention, repo,
                         "https://huggingface.co/spaces/someone/code-dawn-2014")
    assert "pip install git+https://huggingface.co/spaces/someone/code-dawn-2014" in card
    snippet = _python_snippets(card)[0]
    assert repo in snippet
    exec(snippet, {})
    assert capsys.readouterr().out.strip() == load_translator(trained_attention).translate("我们决定去爬山。", 4).text


def test_a_repo_id_that_cannot_be_downloaded_is_one_clear_error(monkeypatch):
    from dawn.checkpoint import CheckpointError

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(CheckpointError, match="someone/not-here: no such local folder, and the hub repo"):
        load_translator("someone/not-here")


# --- plain transformers: a folder from MarianMTModel.save_pretrained, and fine-tuning ----------------

def test_a_folder_saved_by_plain_transformers_loads_in_load_translator_and_the_app(trained_transformer, tmp_path):
    from transformers import AutoTokenizer, MarianMTModel
    from ui.pipeline import load_models

    saved = tmp_path / "transformer"
    MarianMTModel.from_pretrained(trained_transformer).save_pretrained(saved)
    AutoTokenizer.from_pretrained(trained_transformer).save_pretrained(saved)
    assert not (saved / "manifest.json").exists()
    with pytest.warns(UserWarning, match="not verified"):
        t = load_translator(saved)
    assert not t.verified
    expected = load_translator(trained_transformer)
    for beam in (1, 3):
        assert t.translate_batch(SENTENCES, beam) == expected.translate_batch(SENTENCES, beam)
    with pytest.warns(UserWarning):
        models = load_models(tmp_path, ("transformer",))
    assert not models.problems and models.translators["transformer"].translate_batch(SENTENCES) == \
        expected.translate_batch(SENTENCES)


def test_plain_transformers_fine_tuning_on_targets_with_chinese_does_not_crash(trained_transformer):
    from transformers import AutoTokenizer, MarianMTModel

    folder = str(trained_transformer)
    tok, model = AutoTokenizer.from_pretrained(folder), MarianMTModel.from_pretrained(folder)
    labels_tok = AutoTokenizer.from_pretrained(folder, subfolder="target_tokenizer")
    decoder_vocab = model.config.decoder_vocab_size
    english = ["The character 猫 means cat.", "He wrote 你好 on the board。"]
    assert max(max(ids) for ids in tok(text_target=english)["input_ids"]) >= decoder_vocab  # the shared one would crash
    batch = tok(["我喜欢猫。", "他有鱼。"], return_tensors="pt", padding=True)
    batch["labels"] = labels_tok(text_target=english, return_tensors="pt", padding=True)["input_ids"]
    assert int(batch["labels"].max()) < decoder_vocab
    batch["labels"][batch["labels"] == tok.pad_token_id] = -100
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    loss = model(**batch).loss
    loss.backward()
    optimizer.step()
    assert torch.isfinite(loss)
