"""The training replay (dawn/replay.py): where the snapshots fall, what one records for each model,
and the replay.json that a training run writes beside its checkpoint."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from dawn.checkpoint import MANIFEST, verify_checkpoint
from dawn.explain import ATTENTION_SCALE
from dawn.registry import MODEL_NAMES
from dawn.replay import MAX_REPLAY_BYTES, MAX_TARGET_TOKENS, REPLAY_FILE as REPLAY, replay_json, snapshot, snapshot_steps
from dawn.story import STORY_SENTENCE, WHITEBOARD_SENTENCE
from training.train import STATE_DIR

MODELS = list(MODEL_NAMES)

pytestmark = pytest.mark.usefixtures("datasets_cache")


# --- where the snapshots fall ----------------------------------------------------------

@pytest.mark.parametrize("total, n", [(3000, 8), (10, 8), (7, 8), (1, 2), (20, 12)])
def test_snapshot_steps_span_the_run_first_and_last_included(total, n):
    steps = snapshot_steps(total, n)
    assert steps[0] == 0 and steps[-1] == total
    assert steps == sorted(set(steps))                                   # strictly increasing
    assert len(steps) == min(n, total + 1)                               # n points unless the run is shorter
    gaps = [b - a for a, b in zip(steps, steps[1:])]
    assert max(gaps) - min(gaps) <= 1                                    # evenly spread


def test_snapshot_steps_need_a_first_and_a_last():
    with pytest.raises(ValueError, match="at least 2"):
        snapshot_steps(100, 1)


# --- one snapshot -----------------------------------------------------------------------

@pytest.mark.parametrize("kind", MODELS)
def test_snapshot_records_translation_attention_and_influence(kind, make_model, tokenizer):
    model = make_model(kind, seed=1).train()                             # as the training loop holds it
    rec = snapshot(SimpleNamespace(model=model, tokenizer=tokenizer), ["我有猫。", "他要鱼。"])
    assert model.training                                                # its mode is given back
    for r in (rec, rec["short"]):
        S, T = len(r["source_tokens"]), len(r["target_tokens"])
        assert r["source_tokens"][-1] == "</s>" and 0 < T <= MAX_TARGET_TOKENS
        assert isinstance(r["translation"], str)
        assert len(r["influence"]) == T and all(len(row) == S for row in r["influence"])
        if kind == "lstm":
            assert r["cross_attention"] is None                          # no attention to show
        else:
            L = 1 if kind == "lstm_attention" else 2                     # TINY: the Transformer has 2 decoder layers
            assert len(r["cross_attention"]) == L                        # heads averaged: [L][T][S]
            for layer in r["cross_attention"]:
                assert len(layer) == T and all(len(row) == S and sum(row) == ATTENTION_SCALE for row in layer)
                assert all(0 <= v <= ATTENTION_SCALE for row in layer for v in row)


def test_snapshot_equals_the_translators_greedy_output(make_model, tokenizer):
    from dawn.translator import Translator

    model = make_model("transformer", seed=2)
    rec = snapshot(SimpleNamespace(model=model, tokenizer=tokenizer), ["我们喜欢茶。"])
    t = Translator(model, tokenizer, "transformer", {}).translate("我们喜欢茶。")
    if len(t.target_tokens) <= MAX_TARGET_TOKENS:
        assert rec["translation"] == t.text and rec["target_tokens"] == t.target_tokens
    else:
        assert rec["target_tokens"] == t.target_tokens[:MAX_TARGET_TOKENS]
    assert "short" not in rec


def test_replay_json_is_sorted_compact_and_bounded():
    snaps = [{"step": 5, "translation": "b"}, {"step": 0, "translation": "a"}]
    data = json.loads(replay_json("lstm", [STORY_SENTENCE, WHITEBOARD_SENTENCE], snaps, 5, 2))
    assert [s["step"] for s in data["snapshots"]] == [0, 5]
    assert (data["model"], data["sentence"], data["short_sentence"], data["scale"]) == \
        ("lstm", STORY_SENTENCE, WHITEBOARD_SENTENCE, ATTENTION_SCALE)
    with pytest.raises(ValueError, match="over"):
        replay_json("lstm", [STORY_SENTENCE], [{"step": 0, "translation": "x" * MAX_REPLAY_BYTES}], 0, 2)


# --- a training run ---------------------------------------------------------------------

@pytest.mark.parametrize("kind", MODELS)
def test_training_writes_the_replay_beside_the_checkpoint(kind, tmp_path, train_argv, run_train):
    out = tmp_path / kind
    assert run_train(train_argv(kind, out, "--epochs", "2")) == 0
    raw = (out / REPLAY).read_bytes()
    assert len(raw) <= MAX_REPLAY_BYTES
    data = json.loads(raw)
    snaps = data["snapshots"]
    log = json.loads((out / "train_log.json").read_text())
    total = log["history"][-1]["step"]
    steps = [s["step"] for s in snaps]
    assert data["model"] == kind and data["total_steps"] == total
    assert len(snaps) >= 8 and steps == sorted(set(steps)) and steps[0] == 0 and steps[-1] == total
    assert snaps[0]["epoch"] == 0.0 and snaps[-1]["epoch"] == 2 and snaps[0]["train_loss"] is None
    assert snaps[0]["valid_bleu"] is None and snaps[0]["valid_loss"] > snaps[-1]["valid_loss"]
    assert all(isinstance(s["valid_bleu"], float) for s in snaps[1:])
    assert data["sentence"] == STORY_SENTENCE and data["short_sentence"] == WHITEBOARD_SENTENCE
    # the last snapshot is the last epoch's validation
    assert (snaps[-1]["valid_loss"], snaps[-1]["valid_bleu"]) == (log["history"][-1]["valid_loss"],
                                                                  log["history"][-1]["valid_bleu"])
    for s in snaps:
        assert isinstance(s["translation"], str) and isinstance(s["short"]["translation"], str)
        assert len(s["influence"]) == len(s["target_tokens"])
        assert (s["cross_attention"] is None) == (kind == "lstm")
    # the replay is not part of the checkpoint: the manifest does not list it and loading ignores it
    assert REPLAY not in json.loads((out / MANIFEST).read_text())["files"]
    assert REPLAY not in verify_checkpoint(out)


def test_snapshots_can_be_turned_off_or_refused(tmp_path, train_argv, run_train, capsys):
    out = tmp_path / "off"
    assert run_train(train_argv("lstm", out, "--epochs", "1", "--snapshots", "0")) == 0
    assert not (out / REPLAY).exists()
    with pytest.raises(SystemExit):
        run_train(train_argv("lstm", tmp_path / "x", "--snapshots", "1"))
    assert "--snapshots must be 0 (off) or 2.." in capsys.readouterr().err


def test_resumed_run_keeps_its_snapshots_once(tmp_path, train_argv, run_train, monkeypatch):
    """Interrupted after some snapshots, then resumed: the replay has each planned step exactly once."""
    import training.train

    out = tmp_path / "resumed"
    argv = train_argv("lstm", out, "--epochs", "2")
    real = training.train.train_step
    calls = {"n": 0}
    def stop_after_six(*a, **k):
        calls["n"] += 1
        if calls["n"] == 6:
            import os, signal
            os.kill(os.getpid(), signal.SIGINT)                          # train.py saves its state and returns 130
        return real(*a, **k)
    monkeypatch.setattr(training.train, "train_step", stop_after_six)
    assert run_train(argv) == 130
    first = [s["step"] for s in json.loads((out / REPLAY).read_text())["snapshots"]]
    assert first and first[-1] <= 6
    monkeypatch.setattr(training.train, "train_step", real)
    assert run_train(argv + ["--resume"]) == 0
    steps = [s["step"] for s in json.loads((out / REPLAY).read_text())["snapshots"]]
    total = json.loads((out / "train_log.json").read_text())["history"][-1]["step"]
    assert steps == snapshot_steps(total, 8) and (out / STATE_DIR).is_dir()
