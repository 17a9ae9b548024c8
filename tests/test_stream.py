"""Corpora that stream (training.train --stream, training/stream.py): memory that does not grow with the
corpus, each process its own part of the stream, a resumable order, one clear line for an offline hub id."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from itertools import islice

import pytest
from tiny_corpus import ROOT

from dawn.tokenizer import PairTokenizer
from dawn.translator import load_translator
from training.stream import Cleaner, cleaned, is_valid_pair, open_corpora, process_stream, stream_steps, valid_split
from training.recipe import MAX_ZH_CHARS

pytestmark = pytest.mark.usefixtures("datasets_cache")

STREAM = ["--stream", "--epochs", "1", "--epoch-steps", "3", "--tokenizer-pairs", "2000", "--stream-buffer", "500",
          "--shuffle-buffer", "500", "--valid-per-corpus", "40", "--valid-fraction", "0.02"]


def _write_counting_corpus(path, lines: int):
    """`lines` distinct pairs: "I have 17 cats." / "我有17只猫。", ... (about 30 bytes a line)."""
    animals = [("猫", "cats"), ("狗", "dogs"), ("鱼", "fish"), ("书", "books")]
    with open(path, "w", encoding="utf-8") as f:
        for i in range(lines):
            zh, en = animals[i % 4]
            f.write(f"I have {i} {en}.\t我有{i}只{zh}。\n")
    return path


def _peak_rss_mb(argv: list[str], env: dict) -> tuple[int, float, str]:
    """Run the training CLI; -> (exit code, its peak resident memory in MB, stderr)."""
    with open(os.devnull, "w") as devnull:
        proc = subprocess.Popen([sys.executable, "-m", "training.train", *argv], cwd=ROOT, env=env,
                                stdout=devnull, stderr=subprocess.PIPE, text=True)
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
    return os.waitstatus_to_exitcode(status), usage.ru_maxrss / 1024, err


def test_a_streamed_dictionary_or_synthetic_corpus_is_train_only(tmp_path, corpus_file, test_dir, pairs):
    """As in the in-memory path (prepare_data): a bt_* or cedict corpus gives no valid pair, all of it trains,
    less any pair sharing a side with the valid set."""
    valid_zh, valid_en = next((z, e) for z, e in pairs if is_valid_pair(e, 0.3))   # a real pair on the valid side
    bt = tmp_path / "bt_mine.tsv"
    bt.write_text("".join(f"Cat number {i}.\t猫{i}。\n" for i in range(40)) + f"{valid_en}\t{valid_zh}\n", encoding="utf-8")
    corpora = open_corpora([str(corpus_file), str(bt)])
    valid = valid_split(corpora, Cleaner(test_dir, MAX_ZH_CHARS, 0.3), per_corpus=100)
    assert {c for _, _, c in valid} == {"corpus"} and (valid_zh, valid_en, "corpus") in valid
    cleaner = Cleaner(test_dir, MAX_ZH_CHARS, 0.3, valid=valid)
    trained = list(cleaned(corpora, cleaner, valid=False)["bt_mine"])
    assert len(trained) == 40 and valid_en not in {row["en"] for row in trained}
    assert (cleaner.counts["bt_mine"]["train"], cleaner.counts["bt_mine"]["dropped_valid_overlap"]) == (40, 1)


def test_a_million_line_corpus_trains_in_bounded_memory(tmp_path, test_dir, subprocess_env):
    """The same 3 steps on a 10,000-line and on a 1,000,000-line corpus (about 30 MB): the peak memory of
    the training process does not grow with the corpus. (The in-memory path holds every pair as Python
    strings: hundreds of MB for the large one.)"""
    small = _write_counting_corpus(tmp_path / "small.tsv", 10_000)
    large = _write_counting_corpus(tmp_path / "large.tsv", 1_000_000)
    peaks = {}
    for corpus in (small, large):
        out = tmp_path / corpus.stem
        argv = ["--model", "transformer", "--data", str(corpus), "--test-dir", str(test_dir), "--out", str(out),
                "--threads", "1", "--zh-coverage", "1.0", "--en-vocab", "200", "--batch-tokens", "400",
                "--warmup", "2", "--valid-bleu-sentences", "10", "--d-model", "16", "--n-heads", "2", "--d-ff", "32",
                "--encoder-layers", "1", "--decoder-layers", "1", *STREAM]
        code, peaks[corpus.stem], err = _peak_rss_mb(argv, subprocess_env)
        assert code == 0, err[-3000:]
        tr = json.loads((out / "training.json").read_text())
        assert tr["streamed"] and tr["corpora"][corpus.stem]["train"] > 0
        assert tr["corpora"][corpus.stem]["loaded"] < 100_000       # it read only what 3 steps needed
        assert isinstance(load_translator(out).translate("我有3只猫。").text, str)
    growth = peaks["large"] - peaks["small"]
    print(f"peak RSS: 10k lines {peaks['small']:.0f} MB, 1M lines {peaks['large']:.0f} MB (growth {growth:+.0f} MB)")
    assert large.stat().st_size > 25e6
    assert growth < 40, peaks


def test_each_process_reads_its_own_part_of_the_stream_in_a_resumable_order(tmp_path, test_dir):
    corpus = _write_counting_corpus(tmp_path / "c.tsv", 2_000)
    corpora = open_corpora([str(corpus)])
    lines = [line.split("\t") for line in corpus.read_text(encoding="utf-8").splitlines()[:400]]
    tokenizer = PairTokenizer.train([z for _, z in lines], [e for e, _ in lines], 200, 1.0, zh_min_count=1)
    def batches(rank: int, world_size: int, n: int, skip: int = 0) -> list[list[tuple]]:
        stream = process_stream(corpora, Cleaner(test_dir, MAX_ZH_CHARS, 0.02), {}, {}, tokenizer, seed=3, rank=rank,
                                world_size=world_size, shuffle_buffer=100)
        steps = islice(stream_steps(stream, batch_tokens=300, buffer=200, seed=3), skip, n)
        return [[(tuple(ex[i][0]), tuple(ex[i][1])) for i in idx] for ex, idx, _ in steps]

    rank0, rank1 = (batches(r, 2, 20) for r in (0, 1))
    seen0, seen1 = ({pair for b in bs for pair in b} for bs in (rank0, rank1))
    assert seen0 and seen1 and not seen0 & seen1                      # disjoint parts
    assert batches(0, 2, 20, skip=12) == rank0[12:]                    # --resume replays to the same batches
    assert max(len(s) + len(t) + 1 for b in rank0 for s, t in b) * min(len(b) for b in rank0) <= 300


def test_valid_split_is_by_english_sentence_and_stable():
    assert [is_valid_pair(f"I have {i} cats.", 0.1) for i in range(200)] == \
           [is_valid_pair(f"I have {i} cats.", 0.1) for i in range(200)]
    share = sum(is_valid_pair(f"sentence {i}", 0.1) for i in range(20_000)) / 20_000
    assert 0.09 < share < 0.11


@pytest.mark.parametrize("stream", [True, False])
def test_a_hub_id_offline_fails_with_one_clear_line(stream, tmp_path, train_argv, run_train, capsys):
    argv = train_argv("lstm", tmp_path / "out", *(["--stream", "--epoch-steps", "3"] if stream else []))
    argv[argv.index("--data") + 1] = "Helsinki-NLP/opus-100:en-zh:train" if stream else "Helsinki-NLP/opus-100"
    assert run_train(argv) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and err[0].startswith("error: Helsinki-NLP/opus-100"), err
    assert "offline" in err[0].lower() or "Offline" in err[0]


def test_stream_needs_epoch_steps(tmp_path, train_argv, run_train, capsys):
    with pytest.raises(SystemExit):
        run_train(train_argv("lstm", tmp_path / "out", "--stream"))
    assert "--stream needs --epoch-steps" in capsys.readouterr().err


def test_an_interrupted_stream_resumes_to_the_same_weights(tmp_path, test_dir, run_train, monkeypatch):
    """Ctrl-C at step 6 of 8 (state saved), then --resume: the stream is replayed to where it stopped and
    the run ends with the weights and history of an uninterrupted one."""
    import signal

    import training.train

    corpus = _write_counting_corpus(tmp_path / "c.tsv", 3_000)
    def argv(out) -> list[str]:
        return ["--model", "lstm", "--data", str(corpus), "--test-dir", str(test_dir), "--out", str(out),
                "--seed", "7", "--threads", "1", "--zh-coverage", "1.0", "--en-vocab", "200", "--batch-tokens", "300",
                "--warmup", "2", "--valid-bleu-sentences", "10", "--d-model", "16", "--n-layers", "2", "--save-every", "4",
                *STREAM[:STREAM.index("--epochs")], "--epochs", "2", "--epoch-steps", "4",
                *STREAM[STREAM.index("--tokenizer-pairs"):]]
    reference, interrupted = tmp_path / "reference", tmp_path / "interrupted"
    assert run_train(argv(reference)) == 0

    real_step, calls = training.train.train_step, []
    def interrupt_at_6(*args, **kwargs):
        calls.append(1)
        if len(calls) == 6:
            os.kill(os.getpid(), signal.SIGINT)   # the handler asks the loop to stop after this step
        return real_step(*args, **kwargs)
    monkeypatch.setattr(training.train, "train_step", interrupt_at_6)
    assert run_train(argv(interrupted)) == 130
    monkeypatch.setattr(training.train, "train_step", real_step)
    assert run_train(argv(interrupted) + ["--resume"]) == 0

    for name in ["model.safetensors", ".resume/model.safetensors", ".resume/optimizer.safetensors"]:
        assert (interrupted / name).read_bytes() == (reference / name).read_bytes(), name
    history = lambda out: [{k: v for k, v in h.items() if k not in ("train_tokens_per_s", "elapsed_s")}
                           for h in json.loads((out / "train_log.json").read_text())["history"]]
    assert history(interrupted) == history(reference)
    tr = lambda out: json.loads((out / "training.json").read_text())["corpora"]
    assert tr(interrupted) == tr(reference)
