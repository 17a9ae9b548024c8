"""Training: batching, the schedule, the loss goes down, and the CLI end to end
(checkpoint contents, several corpora mixed and tagged, the quick preset, exact resume
after a SIGKILL, clear errors)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F
from safetensors.torch import load_file
from tiny_corpus import ROOT, make_pairs, train_args

from dawn.checkpoint import MANIFEST, load_weights, verify_checkpoint
from dawn.decoding import max_output_len
from dawn.registry import MODEL_NAMES
from dawn.tokenizer import BOS, PAD, PairTokenizer
from dawn.translator import Translator, load_translator, model_from_config
from training.engine import collate, evaluate_loss, lr_at, make_batches
from dawn.registry import spec
from training.recipe import QUICK
from training.train import REPLAY, STATE_DIR

MODELS = list(MODEL_NAMES)
TIMING_KEYS = {"train_tokens_per_s", "elapsed_s", "training_time_s", "threads", "machine"}

pytestmark = pytest.mark.usefixtures("datasets_cache")


def _examples(tokenizer, pairs):
    """(source ids, target ids), both ending in </s>, as training.train builds them."""
    return [(tokenizer.encode_source(z), tokenizer.encode_target(e)) for z, e in pairs]


# --- pieces of the loop ----------------------------------------------------------------

def test_make_batches_covers_every_example_once_within_the_token_budget(tokenizer):
    examples = _examples(tokenizer, make_pairs())
    batches = make_batches(examples, batch_tokens=120, seed=3)
    assert sorted(i for b in batches for i in b) == list(range(len(examples)))
    for b in batches:
        longest = max(len(examples[i][0]) + len(examples[i][1]) + 1 for i in b)
        assert longest * len(b) <= 120 or len(b) == 1
    assert make_batches(examples, 120, seed=3) == batches
    assert make_batches(examples, 120, seed=4) != batches


def test_collate_shifts_the_target(tokenizer):
    examples = _examples(tokenizer, [("我有猫。", "I have cats."), ("你要茶。", "You want tea.")])
    src, mask, tgt_in, tgt_out = collate(examples, [0, 1])
    assert src.shape == mask.shape and tgt_in.shape == tgt_out.shape
    assert (tgt_in[:, 0] == BOS).all()
    assert tgt_out[0].tolist() == tokenizer.encode_target("I have cats.")          # y </s>
    assert tgt_in[0].tolist() == [BOS] + tokenizer.encode_target("I have cats.")[:-1]  # <s> y
    assert (tgt_out == PAD).sum() == (tgt_in == PAD).sum()


def test_lr_schedule_warms_up_then_decays_to_a_tenth():
    peak, warmup, total = 1e-3, 10, 110
    assert lr_at(0, total, peak, warmup) == pytest.approx(peak / warmup)
    assert lr_at(warmup - 1, total, peak, warmup) == pytest.approx(peak)
    assert lr_at(warmup, total, peak, warmup) == pytest.approx(peak)
    assert lr_at(total, total, peak, warmup) == pytest.approx(peak / 10)
    lrs = [lr_at(s, total, peak, warmup) for s in range(total + 1)]
    assert all(a <= b for a, b in zip(lrs[:warmup], lrs[1:warmup + 1]))
    assert all(a >= b for a, b in zip(lrs[warmup:], lrs[warmup + 1:]))


@pytest.mark.parametrize("kind", MODELS)
def test_a_few_training_steps_lower_the_loss(kind, make_model, tokenizer):
    torch.manual_seed(0)
    model = make_model(kind).train()
    examples = _examples(tokenizer, make_pairs())
    before = evaluate_loss(model, examples, batch_tokens=400)
    assert model.training  # evaluate_loss puts the model back in training mode
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    for epoch in range(3):
        for idx in make_batches(examples, 400, seed=epoch):
            src, mask, tgt_in, tgt_out = collate(examples, idx)
            loss = F.cross_entropy(model(src, mask, tgt_in).flatten(0, 1), tgt_out.flatten(), ignore_index=PAD)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    after = evaluate_loss(model, examples, batch_tokens=400)
    assert after < before - 1.0, (before, after)


# --- the CLI ---------------------------------------------------------------------------------

def _history(out):
    log = json.loads((out / "train_log.json").read_text())
    return [{k: v for k, v in h.items() if k not in TIMING_KEYS} for h in log["history"]]


@pytest.mark.parametrize("kind", MODELS)
def test_cli_writes_a_complete_loadable_checkpoint(kind, tmp_path, train_argv, run_train):
    out = tmp_path / kind
    assert run_train(train_argv(kind, out, "--epochs", "3")) == 0
    names = {p.name for p in out.iterdir()}
    expected = {"model.safetensors", "config.json", "training.json", "train_log.json", "tokenizer.json",
                "tokenizer_config.json", "target_tokenizer", MANIFEST, "README.md", STATE_DIR, REPLAY}
    assert names == expected | ({"generation_config.json"} if kind == "transformer" else set())
    documents = {"training.json", "train_log.json", "README.md", REPLAY}  # editable: not in the manifest
    assert set(verify_checkpoint(out)) == (names - {MANIFEST, STATE_DIR, "target_tokenizer"} - documents) | {
        "target_tokenizer/tokenizer.json", "target_tokenizer/tokenizer_config.json"}  # every sealed file

    config = json.loads((out / "config.json").read_text())
    if kind == "transformer":                                          # a MarianConfig, for plain transformers
        assert config["model_type"] == "marian" and config["d_model"] == 16
        assert config["architectures"] == ["MarianMTModel"]
    else:                                                              # the dataclass fields
        assert config["model_type"] == kind and config["d_embed" if kind == "lstm_attention" else "d_model"] == 16
    tr = json.loads((out / "training.json").read_text())
    assert tr["model_type"] == kind and tr["seed"] == 7 and tr["epochs"] == 3 and tr["preset"] == "final"
    assert tr["model_config"]["src_vocab_size"] == config.get("vocab_size", config.get("src_vocab_size"))
    c = tr["corpora"]["corpus"]
    assert (c["loaded"], c["dropped_test_overlap"], c["dropped_story"]) == (90, 1, 0)  # 他有鱼。 is in the test set
    assert c["train"] + c["valid"] == tr["train_pairs"] + tr["valid_pairs"] == 89
    assert tr["command"].startswith(f"python -m training.train --model {kind} ")
    assert tr["vocab"]["english_subwords"] <= 120 and tr["vocab"]["valid_unk_rate"] == 0.0
    assert ("as one comma chain" in tr["long_examples"]) == (spec(kind).recipe.long_examples == "comma")  # the model's default join

    log = json.loads((out / "train_log.json").read_text())
    losses = [h["train_loss"] for h in log["history"]]
    assert [h["epoch"] for h in log["history"]] == [1, 2, 3]
    assert losses[-1] < losses[0] and log["history"][-1]["valid_loss"] < log["history"][0]["valid_loss"]
    assert log["best_epoch"] == tr["best_epoch"]

    t = load_translator(out)
    assert t.model_type == kind and t.num_parameters == tr["num_parameters"]
    assert isinstance(t.translate("他要猫。", beam_size=2).text, str)
    card = (out / "README.md").read_text()
    assert card.startswith("---\n") and "pipeline_tag: translation" in card
    assert f"# `{kind}`" in card and f"{tr['num_parameters']:,}" in card
    assert "| epoch | train loss |" in card and f"| 3 | {losses[-1]} |" in card


def test_cli_trained_model_learns_to_stop(tmp_path, train_argv, run_train):
    """Every training target ends in </s>, so even a tiny model soon stops well before the length limit."""
    out = tmp_path / "lstm"
    assert run_train(train_argv("lstm", out, "--epochs", "5", "--lr", "0.01")) == 0
    config = json.loads((out / "config.json").read_text())
    _, model = model_from_config(config)                            # the last epoch's weights, not the best
    load_weights(model, (out / STATE_DIR / "model.safetensors").read_bytes(), out / STATE_DIR)
    model.eval()
    t = Translator(model, PairTokenizer.load(out), "lstm", config)
    for zh, _ in make_pairs()[::9]:
        r = t.translate(zh)
        assert 0 < len(r.target_tokens) < max_output_len(len(r.source_tokens), model.config.max_target_len) // 2, r
        assert r.text.endswith(".")


@pytest.mark.parametrize("kind", MODELS)
def test_resume_after_sigkill_reaches_the_same_weights(kind, tmp_path, train_argv, run_train, subprocess_env):
    # The state is saved every 3 steps and at each epoch's end. Killed 4 steps into epoch 2, training
    # resumes from the last save and must redo the lost steps identically. The LSTM with attention
    # also draws a fractional corpus mix (1.5): each epoch a different random half is seen twice.
    # The Transformer also keeps a weight average (--ema), which must resume exactly too.
    extra = ["--epochs", "3"] + {"lstm_attention": ["--mix", "corpus=1.5"], "transformer": ["--ema", "0.9"]}.get(kind, [])
    reference, interrupted = tmp_path / "reference", tmp_path / "interrupted"
    assert run_train(train_argv(kind, reference, *extra)) == 0
    per_epoch = json.loads((reference / "train_log.json").read_text())["history"][0]["step"]
    kill_at = per_epoch + 4
    last_save = max(per_epoch, 3 * ((kill_at - 1) // 3))

    argv = train_argv(kind, interrupted, *extra)
    killed = subprocess.run([sys.executable, "-m", "training.train", *argv], cwd=ROOT, capture_output=True,
                            env={**subprocess_env, "DAWN_FAULT_KILL_AT_STEP": str(kill_at)}, timeout=600)
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()[-2000:]
    progress = json.loads((interrupted / STATE_DIR / "progress.json").read_text())
    assert (progress["step"], progress["epoch"]) == (last_save, 1)
    assert [h["epoch"] for h in progress["history"]] == [1]

    assert run_train(argv + ["--resume"]) == 0
    state_files = ["model.safetensors", "optimizer.safetensors"] + (["ema.safetensors"] if kind == "transformer" else [])
    for name in ["model.safetensors", "tokenizer.json", "tokenizer_config.json"] + [f"{STATE_DIR}/{f}" for f in state_files]:
        assert (interrupted / name).read_bytes() == (reference / name).read_bytes(), name
    assert _history(interrupted) == _history(reference)
    verify_checkpoint(interrupted)
    legs = json.loads((interrupted / "training.json").read_text())["legs"]  # the killed leg, then the one that finished
    assert [(leg["start_step"], leg["ended"]) for leg in legs] == [
        (0, "killed (resumed from its last saved state)"), (last_save, "finished")]


@pytest.mark.parametrize("kind", ["transformer"])
def test_stop_after_saves_stops_and_resumes_to_the_same_weights(kind, tmp_path, train_argv, run_train, capsys):
    # --stop-after: the leg ends cleanly at a step boundary (here after its first step: 0.0001 min is 6 ms),
    # exit code 3; --resume runs the next leg, and the weights are those of an uninterrupted run.
    reference, legged = tmp_path / "reference", tmp_path / "legged"
    assert run_train(train_argv(kind, reference, "--epochs", "2")) == 0
    assert run_train(train_argv(kind, legged, "--epochs", "2", "--stop-after", "0.0001")) == 3
    assert "stopped after 0.0001 min (--stop-after) at step 1" in capsys.readouterr().err
    progress = json.loads((legged / STATE_DIR / "progress.json").read_text())
    assert progress["step"] == 1 and progress["legs"][0]["ended"] == "stop-after"
    assert run_train(train_argv(kind, legged, "--epochs", "2", "--resume")) == 0
    for name in ["model.safetensors", f"{STATE_DIR}/model.safetensors", f"{STATE_DIR}/optimizer.safetensors"]:
        assert (legged / name).read_bytes() == (reference / name).read_bytes(), name
    total = _history(reference)[-1]["step"]
    for record in ("training.json", "train_log.json"):
        legs = json.loads((legged / record).read_text())["legs"]
        assert [(leg["leg"], leg["start_step"], leg["end_step"], leg["ended"]) for leg in legs] == [
            (1, 0, 1, "stop-after"), (2, 1, total, "finished")], record
        assert all(leg["minutes"] >= 0 and leg["processes"] == 1 and leg["machine"] for leg in legs)
        assert legs[1]["target_tokens"] > 0 and legs[1]["target_tokens_per_s"] > 0
    with pytest.raises(SystemExit) as refused:
        run_train(train_argv(kind, tmp_path / "bad", "--stop-after", "0"))
    assert refused.value.code == 2 and "--stop-after must be a positive number of minutes" in capsys.readouterr().err


@pytest.mark.parametrize("decay", [0.0, 0.5])
def test_ema_validates_and_saves_the_averaged_weights(decay, tmp_path, train_argv, run_train):
    # ema <- decay * ema + (1 - decay) * weights after every step; with --ema 0 the raw weights are kept
    out = tmp_path / "ema"
    assert run_train(train_argv("transformer", out, "--epochs", "1", "--lr", "0.02", "--ema", str(decay))) == 0
    saved = load_translator(out).model.state_dict()                        # stored fp16, loaded as fp32
    raw = load_file(out / STATE_DIR / "model.safetensors")                 # fp32, the optimizer's weights
    assert json.loads((out / "training.json").read_text())["ema"] == decay
    (entry,) = json.loads((out / "train_log.json").read_text())["history"]
    assert ("valid_loss_raw" in entry) == bool(decay)
    assert (out / STATE_DIR / "ema.safetensors").exists() == bool(decay)
    kept = load_file(out / STATE_DIR / "ema.safetensors") if decay else raw
    shared = [k for k in saved if k in kept]
    assert shared and all(torch.allclose(saved[k], kept[k], atol=1e-3, rtol=1e-2) for k in shared)
    if decay:  # the average lags behind the last step's weights
        assert max((raw[k] - kept[k]).abs().max().item() for k in shared) > 0.01


def test_resume_without_saved_state_is_refused(tmp_path, train_argv, run_train, capsys):
    out = tmp_path / "fresh"
    assert run_train(train_argv("lstm", out, "--resume")) == 2
    err = capsys.readouterr().err
    assert f"--resume given but {out / STATE_DIR} holds no saved state" in err
    assert not (out / "model.safetensors").exists()


def test_unwritable_out_is_refused_before_training(tmp_path, train_argv, run_train, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert run_train(train_argv("lstm", blocker / "ckpt")) == 2
    err = capsys.readouterr().err
    assert f"error: cannot write to {blocker / 'ckpt'}" in err
    assert "loaded" not in err  # it stopped before reading the corpus
    assert blocker.read_text() == "not a folder"


def test_bad_corpus_is_refused(tmp_path, train_argv, run_train, capsys):
    bad = tmp_path / "bad.tsv"
    bad.write_text("Hello.\t你好。\nbroken line\n", encoding="utf-8")
    argv = train_argv("lstm", tmp_path / "out")
    argv[argv.index("--data") + 1] = str(bad)
    assert run_train(argv) == 2
    assert f"error: {bad}:2: expected 2 or 3 tab-separated columns" in capsys.readouterr().err


def test_missing_test_dir_is_refused(tmp_path, train_argv, run_train, capsys):
    argv = train_argv("lstm", tmp_path / "out")
    argv[argv.index("--test-dir") + 1] = str(tmp_path / "no-tests")
    assert run_train(argv) == 2
    assert "no *.zho / *.eng (or zho_*.devtest / eng_*.devtest) test files found" in capsys.readouterr().err


def test_resume_with_different_settings_is_refused(tmp_path, train_argv, run_train, capsys):
    out = tmp_path / "run"
    assert run_train(train_argv("lstm", out, "--epochs", "1")) == 0
    assert run_train(train_argv("lstm", out, "--epochs", "2", "--lr", "0.005", "--resume")) == 2
    err = capsys.readouterr().err
    assert "--resume with different settings" in err and "lr was 0.001, now 0.005" in err


# --- several corpora: test overlap, story sentences, the mix and the tags ------------------------------

NUMBERS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]
FRUITS = [("苹果", "apples"), ("梨", "pears"), ("桃", "peaches")]


def _fruit_pairs() -> list[tuple[str, str]]:
    """30 pairs whose Chinese shares no character with the tiny corpus except 。"""
    return [(f"{n}个{zf}。", f"{i + 1} {ef}.") for i, n in enumerate(NUMBERS) for zf, ef in FRUITS]


def test_cli_mixes_and_tags_several_corpora(tmp_path, train_argv, run_train, monkeypatch, capsys):
    import training.train

    fruit = _fruit_pairs()
    story_trad = "雖然昨天天氣不好，但我們還是決定去爬山，因為天氣預報說今天會放晴，結果真的出了太陽，山頂的風景美得令人窒息。"
    (tmp_path / "fruit.zh").write_text("\n".join([z for z, _ in fruit] + [story_trad]) + "\n", encoding="utf-8")
    (tmp_path / "fruit.en").write_text("\n".join([e for _, e in fruit] + ["The story."]) + "\n", encoding="utf-8")
    flores = tmp_path / "flores200-devtest"                          # FLORES-style test files remove 2 fruit pairs
    flores.mkdir()
    (flores / "zho_Hans.devtest").write_text("三个梨。\n一句别的话。\n", encoding="utf-8")
    (flores / "eng_Latn.devtest").write_text("Something else.\n10 peaches.\n", encoding="utf-8")

    batches = []
    real_step = training.train.train_step
    def spy(model, optimizer, src, *rest, **kwargs):
        batches.append(src.clone())
        return real_step(model, optimizer, src, *rest, **kwargs)
    monkeypatch.setattr(training.train, "train_step", spy)

    out = tmp_path / "mixed"
    argv = train_argv("lstm", out, "--epochs", "1", "--mix", "corpus=2,fruit=0.5", "--tags", "corpus=<tiny>")
    argv[argv.index("--data") + 1: argv.index("--data") + 2] = [argv[argv.index("--data") + 1], str(tmp_path / "fruit.en")]
    argv[argv.index("--test-dir") + 1: argv.index("--test-dir") + 2] = [argv[argv.index("--test-dir") + 1], str(flores)]
    assert run_train(argv) == 0
    err = capsys.readouterr().err
    assert "fruit: 31 pairs; dropped 2 (test overlap), 1 (story sentences)" in err

    tr = json.loads((out / "training.json").read_text())
    stats = tr["corpora"]
    assert (stats["fruit"]["loaded"], stats["fruit"]["dropped_test_overlap"], stats["fruit"]["dropped_story"]) == (31, 2, 1)
    assert stats["corpus"]["dropped_test_overlap"] == 1
    assert tr["mix"]["corpus"] == 2.0 and tr["mix"]["fruit"] == 0.5 and tr["tags"]["corpus"] == "<tiny>"
    assert "fruit" not in tr["tags"]
    assert (tr["dropped_test_overlap"], tr["dropped_story"]) == (3, 1)

    tok = PairTokenizer.load(out)
    tag = tok.tok.token_to_id("<tiny>")
    assert tag is not None and tag >= tok.tgt_vocab_size
    tiny_ids = {tok.tok.token_to_id(ch) for z, _ in make_pairs() for ch in z[:-1]}
    rows = [row[row != PAD].tolist() for src in batches for row in src]
    tagged = [r for r in rows if r[0] == tag]
    untagged = [r for r in rows if r[0] != tag]
    assert all(tag not in r[1:] for r in rows)
    assert all(set(r[1:-2]) <= tiny_ids for r in tagged)            # the tagged corpus, and only it, starts with its tag
    assert all(not set(r) & tiny_ids for r in untagged)
    assert len(tagged) == 2 * stats["corpus"]["train"]              # weight 2: every pair twice
    assert len(untagged) == round(0.5 * stats["fruit"]["train"])    # weight 0.5: a random half


def test_cli_mix_or_tags_for_an_unknown_corpus_is_refused(tmp_path, train_argv, run_train, capsys):
    assert run_train(train_argv("lstm", tmp_path / "out", "--mix", "nosuch=2")) == 2
    assert "--mix / --tags name corpora that were not loaded: ['nosuch']" in capsys.readouterr().err
    assert run_train(train_argv("lstm", tmp_path / "out", "--mix", "corpus")) == 2
    assert "expected NAME=VALUE" in capsys.readouterr().err


@pytest.mark.parametrize("kind", MODELS)
def test_cli_quick_preset_end_to_end(kind, tmp_path, train_argv, run_train):
    """--preset quick: its epochs, learning rate and corpus mix; explicit flags still win."""
    out = tmp_path / "quick"
    assert run_train(train_argv(kind, out, "--preset", "quick", "--max-train-pairs", "40")) == 0
    tr = json.loads((out / "training.json").read_text())
    assert (tr["preset"], tr["epochs"], tr["lr"]) == ("quick", QUICK["epochs"], QUICK["lr"])   # from the preset
    assert all(tr["mix"][name] == w for name, w in QUICK["mix"].items())
    assert (tr["en_vocab"], tr["warmup"], tr["max_train_pairs"], tr["train_pairs"]) == (120, 5, 40, 40)  # given
    assert tr["model_config"][("d_embed" if kind == "lstm_attention" else "d_model")] == 16
    log = json.loads((out / "train_log.json").read_text())
    assert [h["epoch"] for h in log["history"]] == list(range(1, QUICK["epochs"] + 1))
    t = load_translator(out)
    assert isinstance(t.translate("我有猫。", beam_size=2).text, str)
    verify_checkpoint(out)


def test_recipe_time_rebuilds_the_recipe_and_counts_its_tokens(tmp_path, train_argv, run_train, monkeypatch):
    """lab.experiments.recipe_time re-derives a checkpoint's data from its recorded command: the target tokens
    it counts per epoch are exactly those the training run counted, and the estimate adds up."""
    from lab.experiments import recipe_time

    out = tmp_path / "lstm"
    assert run_train(train_argv("lstm", out, "--epochs", "2")) == 0
    monkeypatch.chdir(ROOT)  # the recorded command's paths are absolute here; the CLI runs from the repo root
    report_path = tmp_path / "recipe_time.json"  # an older file: one machine for all its entries
    report_path.write_text(json.dumps({"machine": "x86_64, 2 CPUs", "models": {"transformer": {"command": "…"}}}))
    assert recipe_time.main(["--checkpoint", str(out), "--threads", "1", "--steps", "3", "--out", str(report_path)]) == 0
    report = json.loads(report_path.read_text())
    r = report["models"]["lstm"]
    assert "machine" not in report and report["models"]["transformer"]["measured_on"] == "x86_64, 2 CPUs"
    assert r["measured_on"].endswith(" CPUs")                       # this CPU, named in its own entry
    log = json.loads((out / "train_log.json").read_text())
    assert r["target_tokens_per_epoch"] == [h["target_tokens"] for h in log["history"]]
    assert r["epochs"] == 2 and r["timed_steps"] == 3 and r["timed_target_tokens"] > 0
    expected_s = sum(r["target_tokens_per_epoch"]) / r["target_tokens_per_s"] + 2 * r["validation_s"]
    assert abs(r["estimated_wall_min"] - expected_s / 60) < 0.1
    assert r["trained_on"]["device"] == "cpu" and r["trained_on"]["epochs_run"] == 2


def test_report_to_tensorboard_logs_loss_lr_and_valid_bleu(tmp_path, train_argv, run_train):
    """--report-to tensorboard (accelerate's tracker): train loss and learning rate every step, valid scores
    every epoch; off by default (no event files)."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    logs = tmp_path / "tb"
    assert run_train(train_argv("lstm", tmp_path / "off", "--epochs", "1", "--logging-dir", str(logs))) == 0
    assert not logs.exists()
    assert run_train(train_argv("lstm", tmp_path / "on", "--epochs", "2", "--report-to", "tensorboard",
                                "--logging-dir", str(logs))) == 0
    events = EventAccumulator(str(logs / "on")).Reload()                  # LOGGING_DIR/OUT_NAME
    history = json.loads((tmp_path / "on" / "train_log.json").read_text())["history"]
    assert {"train/loss", "train/lr", "valid/loss", "valid/bleu", "valid/chrf"} <= set(events.Tags()["scalars"])
    assert len(events.Scalars("train/loss")) == history[-1]["step"]
    assert [round(e.value, 4) for e in events.Scalars("valid/loss")] == [h["valid_loss"] for h in history]


def test_cli_scores_the_narrative_slice_and_trains_on_the_dictionary(tmp_path, test_dir, run_train):
    """A `cmn` corpus, a story-like corpus (gasp) and a CC-CEDICT file: the narrative slice (gasp's valid
    pairs and comma chains of valid cmn pairs) is scored every epoch beside the whole valid split; the
    dictionary is training-only, and its glosses that equal a valid sentence are dropped."""
    from tiny_corpus import train_args, write_tsv

    pairs = make_pairs()
    cmn = write_tsv(tmp_path / "cmn.txt", pairs)
    fruit = _fruit_pairs()
    (tmp_path / "gasp.zh").write_text("\n".join(z for z, _ in fruit) + "\n", encoding="utf-8")
    (tmp_path / "gasp.en").write_text("\n".join(e for _, e in fruit) + "\n", encoding="utf-8")
    # one entry per tiny English sentence, so that every valid cmn sentence has a gloss to drop
    entries = [f"{chr(0x4E00 + i)} {chr(0x4E00 + i)} [yi1] /{en}/" for i, (_, en) in enumerate(pairs)]
    cedict = tmp_path / "cedict_tiny.u8"
    cedict.write_text("# CC-CEDICT\n" + "\n".join(entries) + "\n", encoding="utf-8")
    out = tmp_path / "narr"
    argv = train_args("transformer", cmn, test_dir, out, "--epochs", "2", "--snapshots", "0",
                      "--tags", "cedict=<dict>")
    argv[argv.index("--data") + 1: argv.index("--data") + 2] = [str(cmn), str(tmp_path / "gasp.zh"), str(cedict)]
    assert run_train(argv) == 0

    tr = json.loads((out / "training.json").read_text())
    c = tr["corpora"]
    assert c["cedict"]["valid"] == 0 and c["cedict"]["loaded"] == 90
    assert c["cedict"]["dropped_valid_overlap"] == c["cmn"]["valid"] > 0
    assert c["cedict"]["train"] == 90 - c["cmn"]["valid"] - c["cedict"]["dropped_test_overlap"]
    narrative = tr["narrative_valid"]
    assert narrative["gasp"] == c["gasp"]["valid"] and 0 < narrative["cmn_chain"] <= c["cmn"]["valid"]
    assert "cedict" not in narrative and tr["valid_bleu_narrative"] is not None
    log = json.loads((out / "train_log.json").read_text())
    assert log["narrative_valid"] == narrative
    for h in log["history"]:
        assert isinstance(h["valid_bleu_narrative"], float) and isinstance(h["valid_chrf_narrative"], float)
        assert h["valid_bleu_narrative"] != h["valid_bleu"] or h["valid_chrf_narrative"] != h["valid_chrf"]
    tok = PairTokenizer.load(out)
    assert tok.tok.token_to_id("<dict>") is not None                 # the dictionary's tag
    card = (out / "README.md").read_text()                           # credited on the model card
    assert "CC-CEDICT" in card and "CC BY-SA 4.0; CC-CEDICT, MDBG" in card


def test_trains_without_any_test_set_from_another_folder(tmp_path, corpus_file, subprocess_env):
    """A fresh clone has no ../shared: the quick recipe on a small TSV trains without test sets (nothing to drop
    for overlap; a note says so), run from a folder that has no ../shared beside it."""
    elsewhere = tmp_path / "clone" / "work"
    elsewhere.mkdir(parents=True)
    argv = train_args("lstm", corpus_file, tmp_path, tmp_path / "out", "--epochs", "1", "--snapshots", "0")
    i = argv.index("--test-dir")
    del argv[i:i + 2]                                                     # no --test-dir at all
    done = subprocess.run([sys.executable, "-m", "training.train", "--preset", "quick", *argv], cwd=elsewhere,
                          capture_output=True, text=True, env=subprocess_env, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "no test sets" in done.stdout + done.stderr
    training = json.loads((tmp_path / "out" / "training.json").read_text())
    assert training["test_dirs"] == []
    assert (tmp_path / "out" / "model.safetensors").is_file()
