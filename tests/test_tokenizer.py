"""The one tokenizer: special ids, English ids first, Chinese characters by coverage,
corpus tags, </s> appended, exact English round trip, save/load, old checkpoints refused, and the
target-side tokenizer that keeps plain-transformers labels inside the decoder's vocabulary."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from tokenizers import Tokenizer

from dawn.tokenizer import (BOS, EOS, OLD_FILES, PAD, SPECIALS, TARGET_DIR, TOKENIZER_CONFIG, TOKENIZER_FILE, UNK,
                            PairTokenizer, char_counts, chars_by_coverage)

ENGLISH = [
    "I don't like cats, really.",
    "Hello, world!",
    "Tom's \"new\" car (red) isn't cheap: $5,000?",
    "We'll see... won't we?",
    "She said: 'No!'",
]
CHINESE = ["我喜欢猫。", "你好，世界！", "汤姆的新车不便宜。", "我们走着瞧。"]
TAGS = ["<bible>", "<code>"]


@pytest.fixture(scope="module")
def tok() -> PairTokenizer:
    return PairTokenizer.train(CHINESE, ENGLISH, en_vocab_size=120, zh_coverage=1.0, zh_min_count=1, tags=TAGS)


def _id(tok: PairTokenizer, token: str) -> int:
    return tok.tok.token_to_id(token)


def test_special_ids_are_0_to_3(tok):
    assert (PAD, BOS, EOS, UNK) == (0, 1, 2, 3)
    assert [_id(tok, s) for s in SPECIALS] == [0, 1, 2, 3]


def test_english_ids_come_first_then_chinese_characters_and_tags(tok):
    """The decoder's vocabulary is [0, tgt_vocab_size); characters and tags only feed the encoder."""
    assert 4 < tok.tgt_vocab_size <= 120 and tok.src_vocab_size > tok.tgt_vocab_size
    for text in ENGLISH:
        assert max(tok.encode_target(text)) < tok.tgt_vocab_size
    chars = sorted({ch for s in CHINESE for ch in s if ch not in "，！"})
    assert all(_id(tok, ch) >= tok.tgt_vocab_size for ch in chars)
    assert all(_id(tok, t) >= tok.tgt_vocab_size for t in TAGS)
    assert tok.src_vocab_size == tok.tgt_vocab_size + len(chars) + len(TAGS)


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


def test_chinese_is_one_token_per_character(tok):
    ids = tok.encode_source("我喜欢猫。")
    assert ids[-1] == EOS
    assert tok.source_tokens(ids) == ["我", "喜", "欢", "猫", "。", "</s>"]


def test_latin_text_inside_chinese_goes_through_the_english_subwords(tok):
    """A word in Latin script in the source becomes the same subwords the decoder writes."""
    src = tok.encode_source("汤姆 really")
    assert src[:2] == [_id(tok, "汤"), _id(tok, "姆")]
    assert src[2:] == tok.encode_target("really")
    assert all(i < tok.tgt_vocab_size for i in src[2:-1])


def test_chinese_traditional_spaces_and_fullwidth_are_normalised(tok):
    assert tok.encode_source("我 喜歡 貓。") == tok.encode_source("我喜欢猫。")
    # NFKC: the full-width comma of the training data and an ASCII comma are one token
    assert tok.encode_source("你好，世界") == tok.encode_source("你好,世界")


def test_unknown_characters_become_unk(tok):
    ids = tok.encode_source("猫龘")
    assert ids == [_id(tok, "猫"), UNK, EOS]
    assert tok.unk_rate(["猫龘"]) == 0.5          # </s> is not counted
    assert tok.unk_rate(CHINESE) == 0.0


def test_a_chinese_character_in_the_target_is_unk_for_the_decoder(tok):
    ids = tok.encode_target("cat 猫")
    assert UNK in ids and max(ids) < tok.tgt_vocab_size


def test_decode_target_drops_source_only_ids(tok):
    ids = tok.encode_target("Hello, world!")
    assert tok.decode_target(ids[:2] + [_id(tok, "猫"), _id(tok, "<bible>")] + ids[2:]) == "Hello, world!"


def test_a_tag_goes_first(tok):
    plain, tagged = tok.encode_source("我喜欢猫。"), tok.encode_source("我喜欢猫。", tag="<bible>")
    assert tagged == [_id(tok, "<bible>")] + plain
    assert tok.source_tokens(tagged)[0] == "<bible>"


def test_empty_input(tok):
    assert tok.encode_source("") == [EOS]
    assert tok.encode_target("") == [EOS]
    assert tok.decode_target([]) == ""


# --- the vocabulary by coverage ------------------------------------------------------

def test_char_counts_sees_only_cjk_characters():
    assert char_counts(["猫追老鼠，abc 123!", "猫。"]) == Counter({"猫": 2, "追": 1, "老": 1, "鼠": 1, "。": 1})


def test_chars_by_coverage_keeps_the_fewest_most_frequent_characters():
    counts = Counter({"的": 50, "猫": 30, "狗": 15, "龙": 4, "龘": 1})   # 100 occurrences
    assert chars_by_coverage(counts, 0.5) == ["的"]                # 50% reached by the first
    assert chars_by_coverage(counts, 0.8) == ["的", "猫"]
    assert chars_by_coverage(counts, 0.9) == ["的", "猫", "狗"]
    assert chars_by_coverage(counts, 1.0) == ["的", "猫", "狗", "龙"]  # 龘 is seen once: below min_count 2
    assert chars_by_coverage(counts, 1.0, min_count=1) == ["的", "猫", "狗", "龙", "龘"]
    assert chars_by_coverage(Counter(), 0.99) == []


def test_trained_vocabulary_follows_coverage():
    zh = ["猫猫猫猫猫猫猫猫狗", "猫狗狗龙"]  # 猫 9, 狗 3, 龙 1
    en = ["cats and dogs"] * 2
    small = PairTokenizer.train(zh, en, en_vocab_size=60, zh_coverage=0.6)
    assert small.src_vocab_size - small.tgt_vocab_size == 1          # 猫 alone covers 9/13
    assert small.encode_source("猫狗")[:-1] == [small.tgt_vocab_size, UNK]
    assert small.unk_rate(["猫狗"]) == 0.5
    full = PairTokenizer.train(zh, en, en_vocab_size=60, zh_coverage=1.0)
    assert full.src_vocab_size - full.tgt_vocab_size == 2            # 龙 (seen once) stays out at min_count 2
    assert full.unk_rate(["猫狗龙"]) == pytest.approx(1 / 3)
    assert PairTokenizer.train(zh, en, en_vocab_size=60, zh_coverage=1.0, zh_min_count=1).unk_rate(["猫狗龙"]) == 0


# --- files ------------------------------------------------------------------------------

def test_to_files_and_reload_give_identical_ids(tok, tmp_path):
    files = tok.to_files()
    assert set(files) == {TOKENIZER_FILE, TOKENIZER_CONFIG, f"{TARGET_DIR}/{TOKENIZER_FILE}",
                          f"{TARGET_DIR}/{TOKENIZER_CONFIG}"}
    for name, data in files.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(data)
        assert data.lstrip().startswith(b"{")  # plain JSON
    again = PairTokenizer.load(tmp_path)
    assert (again.tgt_vocab_size, again.src_vocab_size) == (tok.tgt_vocab_size, tok.src_vocab_size)
    for text in ENGLISH + ["unseen words: zebra!"]:
        assert again.encode_target(text) == tok.encode_target(text)
        assert again.decode_target(tok.encode_target(text)) == tok.decode_target(tok.encode_target(text))
    for text in CHINESE + ["龘猫"]:
        assert again.encode_source(text) == tok.encode_source(text)
        assert again.encode_source(text, "<code>") == tok.encode_source(text, "<code>")
    assert again.tok.get_vocab() == tok.tok.get_vocab()


def test_transformers_autotokenizer_reads_the_same_ids(tok, tmp_path):
    from transformers import AutoTokenizer

    _write(tok, tmp_path)
    auto = AutoTokenizer.from_pretrained(tmp_path)
    assert (auto.pad_token_id, auto.bos_token_id, auto.eos_token_id, auto.unk_token_id) == (PAD, BOS, EOS, UNK)
    for text in ["我喜欢猫。", "你好，世界！", "猫龘"]:  # Simplified: the app converts Traditional first
        assert auto(text)["input_ids"] == tok.encode_source(text)
    for text in ENGLISH:
        assert auto.decode(tok.encode_target(text), skip_special_tokens=True) == text


def _write(tok, folder: Path) -> Path:
    for name, data in tok.to_files().items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


# --- the target side for plain transformers: never an id past the decoder's vocabulary ----------

TARGETS_WITH_CHINESE = ["The word 猫 means cat.", "He wrote 你好 on the board。", "龘 is rare.", "<bible> verse", "猫"]


def test_plain_transformers_text_target_on_the_shared_tokenizer_passes_the_decoder_vocabulary(tok, tmp_path):
    """The cause: transformers has no target mode for a tokenizers-backed tokenizer, so text_target
    runs the shared tokenizer.json and a Chinese character keeps its source id."""
    from transformers import AutoTokenizer

    auto = AutoTokenizer.from_pretrained(_write(tok, tmp_path))
    assert max(auto(text_target="The word 猫 means cat.")["input_ids"]) >= tok.tgt_vocab_size


def test_the_target_tokenizer_keeps_every_id_inside_the_decoder_vocabulary(tok, tmp_path):
    from transformers import AutoTokenizer

    target = AutoTokenizer.from_pretrained(_write(tok, tmp_path), subfolder=TARGET_DIR)
    assert (target.pad_token_id, target.eos_token_id, target.unk_token_id) == (PAD, EOS, UNK)
    labels = target(text_target=TARGETS_WITH_CHINESE, padding=True)["input_ids"]
    assert max(max(row) for row in labels) < tok.tgt_vocab_size
    for text, ids in zip(TARGETS_WITH_CHINESE[:3], labels):  # each has a Chinese character
        assert UNK in ids, text
    # the same ids as encode_target (training's) for every target, tags aside (they are plain text there)
    for text in ENGLISH + TARGETS_WITH_CHINESE[:3] + ["unseen words: zebra!"]:
        assert target(text_target=text)["input_ids"] == tok.encode_target(text), text


def test_an_old_two_file_tokenizer_is_refused_clearly(tmp_path):
    for name in OLD_FILES:
        (tmp_path / name).write_text("{}")
    with pytest.raises(ValueError, match=r"an old checkpoint \(tokenizer_zh\.json \+ tokenizer_en\.json\).*retrain"):
        PairTokenizer.load(tmp_path)


def test_missing_tokenizer_files_are_refused(tok, tmp_path):
    (tmp_path / TOKENIZER_FILE).write_bytes(tok.to_files()[TOKENIZER_FILE])
    with pytest.raises(ValueError, match=f"{TOKENIZER_FILE} or {TOKENIZER_CONFIG} is missing"):
        PairTokenizer.load(tmp_path)


def test_tokenizer_with_wrong_special_ids_is_refused():
    from tokenizers import models

    bad = Tokenizer(models.WordLevel({"<unk>": 0, "<pad>": 1, "<s>": 2, "</s>": 3, "a": 4, "b": 5}, unk_token="<unk>"))
    with pytest.raises(ValueError, match=r"special tokens .* must have ids 0\.\.3"):
        PairTokenizer(bad, 5)


@pytest.mark.parametrize("size", [4, 10_000])
def test_target_vocabulary_size_out_of_range_is_refused(tok, size):
    with pytest.raises(ValueError, match=f"tgt_vocab_size {size} outside 5\\.\\."):
        PairTokenizer(tok.tok, size)
