"""The committed checkpoints: they verify, load, fit the size budget, carry a
model card, and still translate a few sentences exactly as when they were committed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dawn import load_translator
from dawn.checkpoint import verify_checkpoint
from dawn.metrics import BUCKETS

ROOT = Path(__file__).resolve().parents[1]
CHECKPOINTS = ROOT / "checkpoints"  # the committed ones, whatever DAWN_CHECKPOINTS says
MODELS = ("lstm", "transformer")

# Greedy outputs recorded from the committed checkpoints. Regenerate after retraining with
#   python -c "from dawn import load_translator as L; t=L('checkpoints/NAME'); print(t.translate('…').text)"
GOLDEN = {
    "lstm": {"我们决定去爬山。": "We decided to go to the party.", "猫追老鼠。": "The cat is old.",
             "我爱你。": "I love you.", "今天天气很好。": "It's a good day today.", "我們明天見。": "We'll see tomorrow."},
    "transformer": {"我们决定去爬山。": "We decided to climb the mountain.", "猫追老鼠。": "The cat chased the mouse.",
                    "老鼠追猫。": "A mouse ran away.", "我爱你。": "I love you.", "我們明天見。": "We'll see tomorrow."},
}


@pytest.fixture(scope="module")
def committed():
    return {name: load_translator(CHECKPOINTS / name) for name in MODELS}


@pytest.mark.parametrize("name", MODELS)
def test_checkpoint_verifies_and_fits_the_size_budget(name):
    files = verify_checkpoint(CHECKPOINTS / name)
    assert {"model.safetensors", "config.json", "tokenizer_zh.json", "tokenizer_en.json",
            "train_log.json", "README.md", "metrics.json"} <= set(files)
    assert len(files["model.safetensors"]) <= 10_000_000  # ≤ 10 MB of weights
    assert not any(name.endswith((".pt", ".pth", ".bin", ".pkl")) for name in files)


@pytest.mark.parametrize("name", MODELS)
def test_model_card_records_data_size_command_time_and_scores(name, committed):
    d = CHECKPOINTS / name
    card = (d / "README.md").read_text()
    config, log = json.loads((d / "config.json").read_text()), json.loads((d / "train_log.json").read_text())
    assert config["num_parameters"] == committed[name].num_parameters
    assert f"{config['num_parameters']:,}" in card
    assert "CC-BY 2.0 (France)" in card and "manythings.org/anki and tatoeba.org" in card
    assert config["training"]["command"] in card
    assert f"{log['training_time_s'] / 60:.1f} min" in card
    assert log["training_time_s"] <= 30 * 60  # the recorded figure: each model trains in ≤ 30 minutes
    assert config["training"]["dropped_test_overlap"] > 0


@pytest.mark.parametrize("name", MODELS)
def test_metrics_file_has_the_promised_fields(name):
    m = json.loads((CHECKPOINTS / name / "metrics.json").read_text())
    for key in ("test_set", "n", "decoding", "bleu", "chrf", "signature", "bleu_mandarin", "chrf_mandarin", "by_length"):
        assert key in m, key
    assert [b["bucket"] for b in m["by_length"]] == [name for name, _, _ in BUCKETS]
    assert sum(b["n"] for b in m["by_length"]) == m["n"]
    assert m["signature"]["bleu"].startswith("nrefs:1|case:mixed|eff:no|tok:13a")


@pytest.mark.parametrize("name", MODELS)
def test_golden_translations(name, committed):
    assert GOLDEN[name], "no golden outputs recorded"
    for source, expected in GOLDEN[name].items():
        assert committed[name].translate(source).text == expected, source


def test_transformer_translates_the_everyday_sentences_correctly(committed):
    t = committed["transformer"]
    assert t.translate("我们决定去爬山。").text.rstrip(".").lower() in {
        "we decided to climb the mountain", "we decided to go mountain climbing", "we decided to go hiking",
        "we've decided to climb the mountain", "we decided to climb mountains", "we decided to climb a mountain"}
    assert t.translate("猫追老鼠。").text.lower().startswith(("the cat chase", "the cat is chasing", "a cat chase"))
    assert t.translate("我们明天见。").text in {"We'll see tomorrow.", "See you tomorrow."}
    assert t.translate("我爱你。", beam_size=4).text == "I love you."
