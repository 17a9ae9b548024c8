"""The training replay on the server side: reading checkpoints/NAME/replay.json, the /replay(model) API and the
explorer's replay prop. The replays are real: the one a tiny training.train run writes, and a quicker one from
a tiny model trained for a few steps with dawn/replay.py's snapshots (replay_fixture)."""

from __future__ import annotations

import json

import gradio as gr
import pytest
from replay_fixture import tiny_replay

from ui.attention_explorer import REPLAY_FILE, load_replay, replay_handler, replay_prop


@pytest.fixture(scope="module")
def replay(tokenizer, pairs):
    from dawn.translator import build_model
    from tiny_corpus import TINY

    import torch
    torch.manual_seed(0)
    config = {**TINY["lstm_attention"], "src_vocab_size": tokenizer.src_vocab_size,
              "tgt_vocab_size": tokenizer.tgt_vocab_size}
    return tiny_replay(build_model("lstm_attention", config), tokenizer, pairs, "lstm_attention")


def write(folder, data) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / REPLAY_FILE).write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False),
                                      encoding="utf-8")


def test_what_a_training_run_writes_is_what_the_page_reads(tmp_path, train_argv, run_train):
    out = tmp_path / "lstm_attention"
    assert run_train(train_argv("lstm_attention", out, "--epochs", "2")) == 0   # engineer 23's snapshot hook
    got = replay_handler({"lstm_attention": out})("lstm_attention")
    steps = [s["step"] for s in got["snapshots"]]
    assert got["model"] == "lstm_attention" and steps[0] == 0 and steps == sorted(set(steps)) and len(steps) >= 2
    assert replay_prop(out) == {"url": replay_prop(out)["url"], "model": "lstm_attention", "snapshots": len(steps),
                                "map": "attention"}
    for s in got["snapshots"]:
        assert {"step", "epoch", "valid_bleu", "translation", "cross_attention", "influence", "short"} <= set(s)


def test_the_tiny_replay_really_learns(replay):
    first, last = replay["snapshots"][0], replay["snapshots"][-1]
    assert [s["step"] for s in replay["snapshots"]] == [0, 4, 8]
    assert last["valid_loss"] < first["valid_loss"]
    assert first["translation"] != last["translation"]
    assert all(sum(row) == replay["scale"] for row in last["cross_attention"][-1])
    assert first["valid_bleu"] is None and last["valid_bleu"] is not None


def test_load_replay_returns_steps_increasing(tmp_path, replay):
    shuffled = {**replay, "snapshots": replay["snapshots"][::-1]}
    write(tmp_path / "lstm_attention", shuffled)
    got = load_replay(tmp_path / "lstm_attention")
    assert [s["step"] for s in got["snapshots"]] == [0, 4, 8]
    assert got["model"] == "lstm_attention" and got["sentence"] == replay["sentence"]


def test_the_replay_prop_is_small_and_points_at_the_file(tmp_path, replay):
    """The page's first HTML carries the URL of replay.json and a summary, never the snapshots (~230 KB)."""
    write(tmp_path / "lstm_attention", replay)
    prop = replay_prop(tmp_path / "lstm_attention")
    assert len(json.dumps(prop)) < 300
    assert prop["url"].startswith(f"/gradio_api/file={(tmp_path / 'lstm_attention' / REPLAY_FILE).resolve()}?v=")
    assert (prop["model"], prop["snapshots"], prop["map"]) == ("lstm_attention", 3, "attention")
    without = {**replay, "model": "lstm", "snapshots": [{**s, "cross_attention": None} for s in replay["snapshots"]]}
    write(tmp_path / "lstm", without)
    assert replay_prop(tmp_path / "lstm")["map"] == "influence"        # the plain LSTM's maps are influence maps


@pytest.mark.parametrize("content, message", [
    ("not json", "not a training replay"), ({"model": "x"}, "not a training replay"),
    ({"snapshots": []}, "no snapshots"), ({"snapshots": [{"step": 1}, {"step": 1}]}, "repeats a step"),
    ({"snapshots": [{"epoch": 1}]}, "not a training replay"),
])
def test_a_broken_replay_gets_a_clear_message(tmp_path, content, message):
    write(tmp_path / "m", content)
    with pytest.raises(ValueError, match=message):
        load_replay(tmp_path / "m")
    assert message in replay_prop(tmp_path / "m")["error"]


def test_a_model_without_replay_says_so(tmp_path):
    (tmp_path / "lstm").mkdir()
    with pytest.raises(ValueError, match="no training replay for 'lstm'"):
        load_replay(tmp_path / "lstm")
    assert replay_prop(tmp_path / "lstm") == {"missing": True}


def test_replay_handler(tmp_path, replay):
    write(tmp_path / "lstm_attention", replay)
    (tmp_path / "lstm").mkdir()
    handler = replay_handler({"lstm": tmp_path / "lstm", "lstm_attention": tmp_path / "lstm_attention"})
    got = handler("lstm_attention")
    json.dumps(got)
    assert {"model", "sentence", "snapshots"} <= set(got)
    steps = [s["step"] for s in got["snapshots"]]
    assert steps == sorted(steps)
    for s in got["snapshots"]:
        assert {"step", "epoch", "valid_bleu", "translation", "cross_attention", "influence"} <= set(s)
    with pytest.raises(gr.Error, match="no training replay for 'lstm'"):
        handler("lstm")
    with pytest.raises(gr.Error, match="unknown model 'gpt'"):
        handler("gpt")
    with pytest.raises(gr.Error, match="unknown model; expected"):
        handler("<script>")
