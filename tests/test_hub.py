"""Hub-native models: the recurrent models through huggingface_hub's mixin (save_pretrained /
from_pretrained), the Transformer through plain transformers (MarianMTModel + AutoTokenizer,
offline, generate == load_translator), and model cards whose metadata the hub reads."""

from __future__ import annotations

import json
import shutil

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
    model.save_pretrained(tmp_path / "hub")

    files = sorted(p.name for p in (tmp_path / "hub").iterdir())
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
    from training.train import main

    d = tmp_path_factory.mktemp("hub_transformer")
    corpus = write_tsv(d / "corpus.tsv", make_pairs())
    write_test_set(d / "tests" / "t", ["他有鱼。"], ["A sentence that is not in the corpus."])
    out = d / "transformer"
    assert main(train_args("transformer", corpus, d / "tests", out, "--epochs", "6", "--lr", "0.01")) == 0
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
    assert "translation" in data.tags and data.datasets
    assert data.model_name == "code-dawn-2014-transformer"
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
