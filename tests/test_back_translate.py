"""lab/experiments/back_translate.py: a reverse model on the tiny corpus, English sentences back-translated into a
TSV that training.train reads as a train-only corpus."""

from __future__ import annotations

import json

from tiny_corpus import TINY_FLAGS


def test_reverse_tokenizer_swaps_the_sides():
    from lab.experiments.back_translate import ReverseTokenizer
    from dawn.tokenizer import EOS, UNK

    tok = ReverseTokenizer.train(["猫追老鼠。", "老鼠跑了。"], ["The cat chases the mouse.", "The mouse ran."],
                                 en_vocab_size=60, zh_coverage=1.0, zh_min_count=1)
    ids = tok.encode_target("猫追老鼠。")
    assert ids[-1] == EOS and len(ids) == 6 and all(3 < i < tok.tgt_vocab_size for i in ids[:-1])
    assert tok.decode_target(ids) == "猫追老鼠。"
    assert tok.encode_target("狗")[0] == UNK                       # unseen character
    src = tok.encode_source("The cat ran.")
    assert src[-1] == EOS and all(i >= tok.tgt_vocab_size for i in src[:-1])   # English only on the encoder side
    assert max(src) < tok.src_vocab_size


def test_back_translation_writes_train_only_pairs(tmp_path, corpus_file, test_dir, pairs, datasets_cache):
    from lab.experiments.back_translate import CORPUS, main
    from training.recipe import parse_args, prepare_data

    mono = tmp_path / "mono.txt"
    english = ["The cat is here.", "A sentence that is not in the corpus.", "The dog eats fish.", "",
               "The cat is here.", "Yesterday the weather was bad."]
    mono.write_text("\n".join(english) + "\n", encoding="utf-8")
    out = tmp_path / "bt"
    flags = ["--test-dir", str(test_dir), "--zh-coverage", "1.0", "--en-vocab", "120", "--batch-tokens", "200",
             "--warmup", "5", "--valid-fraction", "0.1", *TINY_FLAGS["transformer"]]
    assert main(["--data", str(corpus_file), "--mono", str(mono), "--out", str(out), "--epochs", "1",
                 "--threads", "1", "--valid-sentences", "5", *flags]) == 0

    report = json.loads((out / "back_translation.json").read_text())
    assert report["mono"]["read"] == 5                             # the blank line is not a sentence
    assert report["mono"]["dropped_test_overlap"] == 1             # the test set's English sentence
    assert report["mono"]["dropped_duplicate"] == 1
    assert report["reverse_model"]["history"][0]["epoch"] == 1
    lines = (out / f"{CORPUS}.tsv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == report["synthetic_pairs"]
    assert all(len(line.split("\t")) == 2 for line in lines)
    assert report["synthetic_pairs"] + sum(report["dropped"].values()) == report["mono"]["translated"] == 3
    assert "A sentence that is not in the corpus." not in {line.split("\t")[0] for line in lines}   # English first


def test_synthetic_pairs_are_train_only_in_the_forward_run(tmp_path, corpus_file, test_dir, pairs):
    from training.recipe import parse_args, prepare_data

    zh_valid, en_valid = pairs[0]
    bt = tmp_path / "bt_mine.tsv"                  # any bt_* corpus: 40 synthetic pairs, one repeating a real pair
    bt.write_text("".join(f"Cat number {i}.\t猫{i}。\n" for i in range(40)) + f"{en_valid}\t{zh_valid}\n",
                  encoding="utf-8")
    targs = parse_args(["--model", "transformer", "--data", str(corpus_file), str(bt), "--out", str(tmp_path / "f"),
                        "--test-dir", str(test_dir), "--valid-fraction", "0.3"])
    train_by, valid, stats = prepare_data(targs, lambda msg: None)
    assert stats["corpora"]["bt_mine"]["valid"] == 0 and "bt_mine" not in {c for _, _, c in valid}
    valid_en = {en for _, en, _ in valid}
    assert not valid_en & {en for _, en in train_by["bt_mine"]}     # a valid sentence never trains, either side
    assert len(train_by["bt_mine"]) == 40 + (en_valid not in valid_en)
