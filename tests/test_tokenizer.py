"""Tokenizers: special ids, </s> appended, exact English round trip, save/load."""

from __future__ import annotations

import pytest
from tokenizers import Tokenizer

from dawn.tokenizer import BOS, EN_FILE, EOS, PAD, SPECIALS, UNK, ZH_FILE, PairTokenizer

ENGLISH = [
    "I don't like cats, really.",
    "Hello, world!",
    "Tom's \"new\" car (red) isn't cheap: $5,000?",
    "We'll see... won't we?",
    "She said: 'No!'",
]
CHINESE = ["我喜欢猫。", "你好，世界！", "汤姆的新车不便宜。", "我们走着瞧。"]


@pytest.fixture(scope="module")
def tok() -> PairTokenizer:
    return PairTokenizer.train(CHINESE, ENGLISH, zh_vocab_size=100, en_vocab_size=120)


def test_special_ids_are_0_to_3(tok):
    assert (PAD, BOS, EOS, UNK) == (0, 1, 2, 3)
    for t in (tok.zh, tok.en):
        assert [t.token_to_id(s) for s in SPECIALS] == [0, 1, 2, 3]


@pytest.mark.parametrize("text", ENGLISH)
def test_english_round_trip_is_exact(tok, text):
    ids = tok.encode_target(text)
    assert ids[-1] == EOS and EOS not in ids[:-1]
    assert UNK not in ids
    assert tok.decode_target(ids) == text
    assert tok.decode_target(ids[:-1]) == text  # without </s> too


def test_english_punctuation_and_contractions_are_separate_tokens(tok):
    tokens = tok.target_tokens(tok.encode_target("I don't like cats, really."))
    assert tokens[-1] == "</s>"
    assert "," in tokens and "." in tokens and "'" in tokens


def test_english_vocab_size_is_respected(tok):
    assert tok.tgt_vocab_size <= 120


def test_chinese_is_one_token_per_character(tok):
    ids = tok.encode_source("我喜欢猫。")
    assert ids[-1] == EOS
    assert tok.source_tokens(ids) == ["我", "喜", "欢", "猫", "。", "</s>"]


def test_chinese_traditional_spaces_and_fullwidth_are_normalised(tok):
    assert tok.encode_source("我 喜歡 貓。") == tok.encode_source("我喜欢猫。")
    # NFKC: the full-width comma of the training data and an ASCII comma are one token
    assert tok.encode_source("你好，世界") == tok.encode_source("你好,世界")


def test_unknown_characters_become_unk(tok):
    ids = tok.encode_source("猫龘")
    assert ids == [tok.zh.token_to_id("猫"), UNK, EOS]


def test_empty_input(tok):
    assert tok.encode_source("") == [EOS]
    assert tok.encode_target("") == [EOS]
    assert tok.decode_target([]) == ""


def test_to_files_and_reload_give_identical_ids(tok, tmp_path):
    files = tok.to_files()
    assert set(files) == {ZH_FILE, EN_FILE}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        assert data.lstrip().startswith(b"{")  # plain JSON
    again = PairTokenizer.load(tmp_path)
    for text in ENGLISH + ["unseen words: zebra!"]:
        assert again.encode_target(text) == tok.encode_target(text)
        assert again.decode_target(tok.encode_target(text)) == tok.decode_target(tok.encode_target(text))
    for text in CHINESE + ["龘猫"]:
        assert again.encode_source(text) == tok.encode_source(text)
    assert again.zh.get_vocab() == tok.zh.get_vocab() and again.en.get_vocab() == tok.en.get_vocab()


def test_tokenizer_with_wrong_special_ids_is_refused(tok):
    from tokenizers import models

    bad = Tokenizer(models.WordLevel({"<unk>": 0, "<pad>": 1, "<s>": 2, "</s>": 3}, unk_token="<unk>"))
    with pytest.raises(ValueError, match=r"Chinese tokenizer: special tokens .* must have ids 0\.\.3"):
        PairTokenizer(bad, tok.en)
