"""The committed checkpoints: they verify, load (our way and the hub's way), fit the
10 MB-per-file budget, carry a model card whose hub metadata matches metrics.json,
and still translate a few sentences exactly as when they were committed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from dawn import load_translator
from dawn.card import BUDGET_MIN, scores_on
from dawn.checkpoint import REPLAY_FILE, WEIGHTS_INDEX, verify_checkpoint
from dawn.replay import MAX_REPLAY_BYTES
from dawn.metrics import BUCKETS, LONG_BUCKETS
from dawn.registry import MODEL_NAMES as MODELS
from dawn.registry import MODELS as SPECS
from dawn.story import STORY_SENTENCE

ROOT = Path(__file__).resolve().parents[1]
CHECKPOINTS = ROOT / "checkpoints"  # the committed ones, whatever DAWN_CHECKPOINTS says

# Greedy outputs recorded from the committed checkpoints. Regenerate after retraining with
#   python -c "from dawn import load_translator as L; t=L('checkpoints/NAME'); print(t.translate('…').text)"
GOLDEN = {
    "lstm": {"我们决定去爬山。": "We decided to go to the hospital.", "猫追老鼠。": "The cat is too old to go.",
             "我爱你。": "I love you.", "今天天气很好。": "Today is very good.", "我們明天見。": "We'll see you tomorrow."},
    "lstm_attention": {"我们决定去爬山。": "We decided to go to the climb.", "猫追老鼠。": "The cat is rice.",
                       "我爱你。": "I love you.", "今天天气很好。": "It's very nice today.",
                       "我們明天見。": "We'll see tomorrow."},
    "transformer": {"我们决定去爬山。": "We decided to climb.", "猫追老鼠。": "The cat chased the mouse.",
                    "我爱你。": "I love you.", "今天天气很好。": "Today's weather is good.",
                    "我們明天見。": "We'll see tomorrow."},
}


@pytest.fixture(scope="module")
def committed():
    return {name: load_translator(CHECKPOINTS / name) for name in MODELS}


@pytest.mark.parametrize("name", MODELS)
def test_checkpoint_verifies_and_every_weight_file_fits_spaces(name):
    files = verify_checkpoint(CHECKPOINTS / name)
    weights = [f for f in files if f.startswith("model") and f.endswith(".safetensors")]
    assert weights and all(len(files[f]) <= 10_000_000 for f in weights)  # Spaces: ≤ 10 MB per file without LFS
    if len(weights) > 1:  # sharded: the standard index names exactly these shards
        index = json.loads(files[WEIGHTS_INDEX])
        assert sorted(set(index["weight_map"].values())) == sorted(weights)
    # sealed: what decides the outputs; beside them, the documents (editable without re-sealing)
    assert {"config.json", "tokenizer.json", "tokenizer_config.json", "target_tokenizer/tokenizer.json",
            "target_tokenizer/tokenizer_config.json"} <= set(files)
    d = CHECKPOINTS / name
    on_disk = {p.relative_to(d).as_posix() for p in d.rglob("*") if p.is_file() and not p.name.startswith(".")}
    documents = {"training.json", "train_log.json", "README.md", "metrics.json"} | ({REPLAY_FILE} & on_disk)
    assert not documents & set(files)
    assert not any(f.endswith((".pt", ".pth", ".bin", ".pkl")) for f in files)
    assert on_disk == set(files) | {"manifest.json"} | documents  # nothing else lies beside them


@pytest.mark.parametrize("name", MODELS)
def test_model_card_records_data_size_command_time_and_scores(name, committed):
    from huggingface_hub import ModelCard
    d = CHECKPOINTS / name
    card = ModelCard.load(d / "README.md")
    tr, log = json.loads((d / "training.json").read_text()), json.loads((d / "train_log.json").read_text())
    metrics = json.loads((d / "metrics.json").read_text())
    assert tr["num_parameters"] == committed[name].num_parameters <= 15_000_000
    assert f"{tr['num_parameters']:,}" in card.text
    assert "CC-BY 2.0 (France)" in card.text and "manythings.org/anki and tatoeba.org" in card.text
    assert tr["command"] in card.text
    assert f"{log['training_time_s'] / 60:.1f} min" in card.text
    if log["device"] == "cpu":  # measured on the 2-core CPU: the card says whether it fits the 2-hour budget
        over = log["training_time_s"] / 60 - BUDGET_MIN
        assert (f"Over the 2-hour budget by **{over:.1f} min**" if over > 0 else "Within the 2-hour budget") in card.text
    else:  # trained on a GPU: the card also gives the recipe's time on the 2-core CPU (lab.experiments.recipe_time)
        assert "The recipe on the 2-core CPU" in card.text
    if len(log["history"]) < tr["epochs"]:  # an interrupted run says so, with how far it got
        assert f"Stopped after {len(log['history'])} of {tr['epochs']} epochs" in card.text
    assert tr["dropped_test_overlap"] > 0
    # hub metadata, and a model-index generated from metrics.json
    data = card.data
    assert data.pipeline_tag == "translation" and set(data.language) == {"zh", "en"} and data.license
    # datasets: the training corpora on the hub; the test sets only in the model-index
    assert "Helsinki-NLP/tatoeba" in data.datasets and "google/xquad" in data.datasets
    assert not {"Helsinki-NLP/tatoeba_mt", "facebook/flores"} & set(data.datasets)
    for section in ("## Intended use", "## Limitations", "## Bias and risks", "## Traditional Chinese input",
                    "## Code and licences", "MIT licence", "CC BY-SA 4.0", "CC BY-NC 4.0"):
        assert section in card.text, section
    found = {(r.dataset_type, r.metric_type): r.metric_value for r in data.eval_results}
    for key, dataset in (("tatoeba", "Helsinki-NLP/tatoeba_mt"), ("flores200", "facebook/flores")):
        m = scores_on(metrics, key)
        assert found[(dataset, "bleu")] == m["bleu"] and found[(dataset, "chrf")] == m["chrf"]


@pytest.mark.parametrize("name", MODELS)
def test_metrics_file_has_the_promised_fields(name):
    m = json.loads((CHECKPOINTS / name / "metrics.json").read_text())
    for key in ("test_set", "n", "decoding", "bleu", "chrf", "signature", "bleu_mandarin", "chrf_mandarin", "by_length",
                "flores200", "unk", "story"):
        assert key in m, key
    assert [b["bucket"] for b in m["by_length"]] == [b for b, _, _ in BUCKETS]
    assert sum(b["n"] for b in m["by_length"]) == m["n"]
    f = m["flores200"]
    assert {"bleu", "chrf", "signature", "n", "by_length"} <= set(f) and f["n"] == 1012
    assert [b["bucket"] for b in f["by_length"]] == [b for b, _, _ in LONG_BUCKETS]
    assert sum(b["n"] for b in f["by_length"]) == f["n"]
    assert m["signature"]["bleu"].startswith("nrefs:1|case:mixed|eff:no|tok:13a")
    assert m["unk"]["story_sentence"] == 0.0 and m["unk"]["flores200"] <= 0.005


@pytest.mark.parametrize("name", [n for n in MODELS if (CHECKPOINTS / n / REPLAY_FILE).is_file()])
def test_committed_replay_spans_the_run_that_made_the_weights(name, committed):
    """A checkpoint's training replay: 8+ snapshots from step 0 to the run's last step, within 1 MB, and the
    last snapshot's greedy translations are the committed weights' own (best epoch = last epoch)."""
    path = CHECKPOINTS / name / REPLAY_FILE
    assert path.stat().st_size <= MAX_REPLAY_BYTES
    replay, log = json.loads(path.read_text()), json.loads((CHECKPOINTS / name / "train_log.json").read_text())
    steps = [s["step"] for s in replay["snapshots"]]
    assert len(steps) >= 8 and steps[0] == 0 and steps == sorted(set(steps))
    assert steps[-1] == log["history"][-1]["step"]
    assert [s["valid_bleu"] for s in replay["snapshots"][1:] if s.get("valid_bleu") is not None]
    if max(log["history"], key=lambda h: h["valid_bleu"]) is log["history"][-1]:
        assert replay["snapshots"][-1]["translation"] == committed[name].translate(replay["sentence"]).text


@pytest.mark.parametrize("name", MODELS)
def test_golden_translations(name, committed):
    assert GOLDEN[name], "no golden outputs recorded"
    for source, expected in GOLDEN[name].items():
        assert committed[name].translate(source).text == expected, source


def test_attention_model_returns_one_layer_of_alignment(committed):
    for beam in (1, 4):
        r = committed["lstm_attention"].translate(STORY_SENTENCE, beam_size=beam)
        (alpha,) = r.cross_attentions
        assert alpha.shape == (1, len(r.target_tokens), len(r.source_tokens))
        assert torch.allclose(alpha.sum(-1), torch.ones(1, len(r.target_tokens)), atol=1e-5)


def test_transformer_loads_with_plain_transformers_and_translates_the_same(committed):
    from transformers import AutoTokenizer, MarianMTModel
    folder = str(CHECKPOINTS / "transformer")
    tok, model = AutoTokenizer.from_pretrained(folder), MarianMTModel.from_pretrained(folder).eval()
    sentences = ["我们决定去爬山。", "猫追老鼠。", "我爱你。", "今天天气很好。", "他在2014年去了北京。", STORY_SENTENCE]
    with torch.inference_mode():
        out = model.generate(**tok(sentences, return_tensors="pt", padding=True), num_beams=1)
    assert tok.batch_decode(out, skip_special_tokens=True) == committed["transformer"].translate_batch(sentences)


@pytest.mark.parametrize("name,cls_path", [(s.name, f"dawn.{s.module}.{s.class_name}") for s in SPECS
                                           if s.attention != "self"])  # the recurrent models: the hub mixin
def test_recurrent_models_load_with_from_pretrained(name, cls_path, committed):
    import importlib
    module, cls = cls_path.rsplit(".", 1)
    model = getattr(importlib.import_module(module), cls).from_pretrained(str(CHECKPOINTS / name))
    ours = committed[name].model
    for (k, a), (_, b) in zip(sorted(model.state_dict().items()), sorted(ours.state_dict().items())):
        assert torch.equal(a, b), k


def test_the_transformer_fine_tunes_with_plain_transformers_on_a_target_with_chinese():
    """Labels read with target_tokenizer/ stay inside the decoder's 8,000 ids; one training step runs."""
    from transformers import AutoTokenizer, MarianMTModel
    folder = str(CHECKPOINTS / "transformer")
    tok, model = AutoTokenizer.from_pretrained(folder), MarianMTModel.from_pretrained(folder)
    labels_tok = AutoTokenizer.from_pretrained(folder, subfolder="target_tokenizer")
    english = ["The character 猫 means cat.", "爬山 is mountain climbing。"]
    assert max(max(ids) for ids in tok(text_target=english)["input_ids"]) >= model.config.decoder_vocab_size
    batch = tok(["猫追老鼠。", "我们决定去爬山。"], return_tensors="pt", padding=True)
    batch["labels"] = labels_tok(text_target=english, return_tensors="pt", padding=True)["input_ids"]
    assert int(batch["labels"].max()) < model.config.decoder_vocab_size
    batch["labels"][batch["labels"] == tok.pad_token_id] = -100
    model.train()
    loss = model(**batch).loss
    loss.backward()
    assert torch.isfinite(loss)
