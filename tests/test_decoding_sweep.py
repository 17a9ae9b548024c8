"""The decoding-only sweeps on validation: the length penalty (lab/experiments/decoding_sweep.py) and repeated
n-grams forbidden (lab/experiments/decoding_sweep.py), and their way into beam search."""

from __future__ import annotations

import json

import pytest
import sacrebleu
from tiny_corpus import make_pairs, train_args, write_test_set, write_tsv

import dawn.translator
from dawn import load_translator
from dawn.translator import Translator


def test_translate_batch_hands_the_length_penalty_to_beam_search(make_model, tokenizer, monkeypatch):
    seen = []
    real = dawn.translator.beam_search

    def spy(model, src, mask, beam_size, length_penalty=1.0, trace=None, no_repeat_ngram=0):
        seen.append((beam_size, length_penalty, no_repeat_ngram))
        return real(model, src, mask, beam_size, length_penalty=length_penalty, trace=trace,
                    no_repeat_ngram=no_repeat_ngram)

    monkeypatch.setattr(dawn.translator, "beam_search", spy)
    t = Translator(make_model("transformer"), tokenizer, "transformer", {})
    t.translate_batch(["我喜欢猫。"], beam_size=3, length_penalty=2.5)
    t.translate_batch(["我喜欢猫。"], beam_size=3)
    t.translate_batch(["我喜欢猫。"], beam_size=3, no_repeat_ngram=3)
    t.translate_batch(["我喜欢猫。"], beam_size=1, length_penalty=2.5, no_repeat_ngram=3)  # greedy: no beam search
    assert seen == [(3, 2.5, 0), (3, 1.0, 0), (3, 1.0, 3)]
    t.no_repeat_ngram = 2                       # the translator's own rule (the app sets the registry's)
    t.translate_batch(["我喜欢猫。"], beam_size=3)
    t.translate("我喜欢猫。", beam_size=3)
    t.translate_batch(["我喜欢猫。"], beam_size=3, no_repeat_ngram=0)     # an explicit argument wins
    assert seen[3:] == [(3, 1.0, 2), (3, 1.0, 2), (3, 1.0, 0)]


@pytest.fixture(scope="module")
def trained(tmp_path_factory, datasets_cache):
    """A tiny Transformer trained for a few epochs, and a three-sentence stand-in for FLORES."""
    from training.train import main
    d = tmp_path_factory.mktemp("length_penalty")
    corpus = write_tsv(d / "corpus.tsv", make_pairs())
    write_test_set(d / "tests" / "t", ["他有鱼。"], ["A sentence that is not in the corpus."])
    assert main(train_args("transformer", corpus, d / "tests", d / "transformer", "--epochs", "6", "--lr", "0.01")) == 0
    flores = d / "flores"
    flores.mkdir()
    (flores / "zho_Hans.devtest").write_text("我喜欢猫。\n你要书。\n他有鱼。\n", encoding="utf-8")
    (flores / "eng_Latn.devtest").write_text("I like cats.\nYou want a book.\nHe has a fish.\n", encoding="utf-8")
    return d / "transformer", flores


def test_sweep_scores_each_penalty_and_chooses_on_validation(trained, tmp_path, monkeypatch):
    from training.scoring import translate_sentences, valid_sample
    from lab.experiments.decoding_sweep import main
    ckpt, flores = trained
    out = tmp_path / "lp.json"
    penalties_seen = set()
    real = Translator.translate_batch

    def spy(self, sentences, beam_size=1, length_penalty=1.0, no_repeat_ngram=0):
        penalties_seen.add((beam_size, length_penalty))
        return real(self, sentences, beam_size=beam_size, length_penalty=length_penalty, no_repeat_ngram=no_repeat_ngram)

    monkeypatch.setattr(Translator, "translate_batch", spy)
    assert main(["length-penalty", "--checkpoint", str(ckpt), "--flores", str(flores), "--penalties", "0.0", "1.0", "4.0",
                 "--beam-size", "3", "--threads", "1", "--out", str(out)]) == 0
    monkeypatch.undo()
    assert penalties_seen == {(3, 0.0), (3, 1.0), (3, 4.0)}  # each row decoded at its own α
    report = json.loads(out.read_text())
    r = report["models"]["transformer"]
    assert [row["length_penalty"] for row in r["rows"]] == [0.0, 1.0, 4.0]
    assert r["beam_size"] == 3 and r["threads"] == 1 and r["n_valid"] > 0
    # α = 1.0 is exactly training.evaluate's beam decoding of the same validation sample
    t = load_translator(ckpt)
    pairs = valid_sample(t)
    hyps = translate_sentences(t, [z for z, _ in pairs], 3, 64, "test")
    expected = sacrebleu.corpus_bleu(hyps, [[e for _, e in pairs]])
    assert r["rows"][1]["valid"]["bleu"] == round(expected.score, 2)
    assert r["rows"][1]["valid"]["length_ratio"] == round(expected.sys_len / expected.ref_len, 3)
    for row in r["rows"]:
        assert 0 <= row["flores200"]["bleu"] <= 100 and 0 < row["flores200"]["brevity_penalty"] <= 1
    chosen = next(row for row in r["rows"] if row["length_penalty"] == r["best_on_valid"])
    assert chosen["valid"]["bleu"] == max(row["valid"]["bleu"] for row in r["rows"])  # chosen by valid BLEU alone
    assert ("best_vs_1.0_on_valid" in r) == (r["best_on_valid"] != 1.0)
    assert report["chosen_on"].startswith("each model's validation sample")


def test_sweep_refuses_bad_input_with_a_message(trained, tmp_path, capsys):
    from lab.experiments.decoding_sweep import main
    ckpt, _ = trained
    out = tmp_path / "lp.json"
    assert main(["length-penalty", "--checkpoint", str(ckpt), "--flores", str(tmp_path / "missing"), "--out", str(out)]) == 2
    assert "error:" in capsys.readouterr().err and not out.exists()
    with pytest.raises(SystemExit) as e:
        main(["length-penalty", "--checkpoint", str(ckpt), "--beam-size", "1", "--out", str(out)])
    assert e.value.code == 2 and "only changes beam search" in capsys.readouterr().err


def test_no_repeat_sweep_scores_each_size_on_validation_then_flores(trained, tmp_path, monkeypatch):
    from training.scoring import translate_sentences, valid_sample
    from lab.experiments.decoding_sweep import main
    ckpt, flores = trained
    out = tmp_path / "nr.json"
    seen = []
    real = Translator.translate_batch

    def spy(self, sentences, beam_size=1, length_penalty=1.0, no_repeat_ngram=0):
        seen.append((tuple(sorted(sentences)), beam_size, no_repeat_ngram))
        return real(self, sentences, beam_size=beam_size, length_penalty=length_penalty, no_repeat_ngram=no_repeat_ngram)

    monkeypatch.setattr(Translator, "translate_batch", spy)
    assert main(["no-repeat", "--checkpoint", str(ckpt), "--flores", str(flores), "--sizes", "0", "1", "3",
                 "--beam-size", "3", "--threads", "1", "--out", str(out)]) == 0
    monkeypatch.undo()
    r = json.loads(out.read_text())["models"]["transformer"]
    assert [row["no_repeat_ngram"] for row in r["rows"]] == [0, 1, 3]
    assert {n for _, beam, n in seen} == {0, 1, 3} and {beam for _, beam, _ in seen} == {3}
    # n = 0 is exactly training.evaluate's beam decoding of the same validation sample
    t = load_translator(ckpt)
    pairs = valid_sample(t)
    hyps = translate_sentences(t, [z for z, _ in pairs], 3, 64, "test")
    assert r["rows"][0]["valid"]["bleu"] == round(sacrebleu.corpus_bleu(hyps, [[e for _, e in pairs]]).score, 2)
    assert all(0 <= row["valid"]["loop_rate"] <= 1 for row in r["rows"])
    best = max(row["valid"]["bleu"] for row in r["rows"])
    assert next(row for row in r["rows"] if row["no_repeat_ngram"] == r["best_on_valid"])["valid"]["bleu"] == best
    # FLORES only after the choice, with off and the chosen size: 3 sentences each
    assert sorted(r["flores200"]) == sorted({"0", str(r["best_on_valid"])})
    flores_zh = tuple(sorted((flores / "zho_Hans.devtest").read_text(encoding="utf-8").split()))
    assert sorted(n for k, _, n in seen if k == flores_zh) == sorted({0, r["best_on_valid"]})
    assert ("best_vs_off_on_valid" in r) == (r["best_on_valid"] != 0)


def test_evaluate_decodes_with_the_rule_chosen_for_the_model(trained, tmp_path, monkeypatch):
    """training.evaluate scores what the app shows: a folder named like a registry model decodes its beam
    with that model's no_repeat_ngram, and metrics.json says so."""
    from dawn.registry import spec
    from training.evaluate import main
    ckpt, flores = trained                                    # a folder called "transformer"
    used = []
    real = dawn.translator.beam_search

    def spy(model, src, mask, beam_size, length_penalty=1.0, trace=None, no_repeat_ngram=0):
        used.append(no_repeat_ngram)
        return real(model, src, mask, beam_size, length_penalty=length_penalty, trace=trace,
                    no_repeat_ngram=no_repeat_ngram)

    monkeypatch.setattr(dawn.translator, "beam_search", spy)
    assert main(["--checkpoint", str(ckpt), "--flores", str(flores), "--beam-size", "3", "--threads", "1",
                 "--hyp-dir", str(tmp_path)]) == 0
    n = spec("transformer").no_repeat_ngram
    assert n > 0 and used and set(used) == {n}
    metrics = json.loads((ckpt / "metrics.json").read_text())
    assert metrics["no_repeat_ngram"] == n and metrics["decoding"] == f"beam 3, no {n}-gram twice"
