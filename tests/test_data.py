"""The corpus: loading, normalisation, test-overlap removal, the split and concatenations."""

from __future__ import annotations

import pytest
from tiny_corpus import write_test_set, write_tsv

from dawn.data import (DataError, add_concatenations, load_pairs, load_test_set, remove_test_overlap,
                       split_by_english)
from dawn.text import normalize_en, normalize_zh, strip_unprintable

pytestmark = pytest.mark.usefixtures("datasets_cache")


# --- text normalisation --------------------------------------------------------

def test_normalize_zh_converts_traditional_and_strips_control_characters():
    assert normalize_zh("我喜歡貓。") == "我喜欢猫。"
    assert normalize_zh("漢字\x00") == "汉字"
    assert normalize_zh("  汉\t字\n") == "汉 字"
    assert normalize_zh("\ud800猫\x07") == "猫"  # lone surrogate and BEL are removed


def test_normalize_en_cleans_whitespace_only():
    assert normalize_en("  Hello,\u00a0  world!\r\n") == "Hello, world!"
    assert normalize_en("Don't STOP.") == "Don't STOP."
    assert strip_unprintable("\x00\x1b[31m") == "[31m"


# --- load_pairs ------------------------------------------------------------------

def test_load_pairs_reads_three_column_tsv(corpus_file, pairs):
    assert load_pairs(corpus_file) == pairs


def test_load_pairs_reads_two_column_tsv_and_skips_blank_lines(tmp_path):
    path = tmp_path / "two.tsv"
    path.write_text("Hello.\t你好。\n\nGoodbye.\t再见。\n", encoding="utf-8")
    assert load_pairs(path) == [("你好。", "Hello."), ("再见。", "Goodbye.")]
    assert load_pairs(str(path)) == load_pairs(path)


def test_load_pairs_normalises_traditional_to_simplified(tmp_path):
    path = tmp_path / "trad.tsv"
    path.write_text("I like cats.\t我喜歡貓。\tattr\nThis is a dragon.\t這是一條龍。\tattr\n", encoding="utf-8")
    assert load_pairs(path) == [("我喜欢猫。", "I like cats."), ("这是一条龙。", "This is a dragon.")]


def test_load_pairs_missing_file(tmp_path):
    missing = tmp_path / "nope.txt"
    with pytest.raises(DataError, match="no such file") as e:
        load_pairs(missing)
    assert str(missing) in str(e.value)


def test_load_pairs_directory_is_not_a_corpus(tmp_path):
    with pytest.raises(DataError, match="is not a file"):
        load_pairs(tmp_path)


@pytest.mark.parametrize("bad_line", ["Only English, no tab", "a\tb\tc\td"])
def test_load_pairs_wrong_column_count_names_file_and_line(tmp_path, bad_line):
    path = tmp_path / "bad.tsv"
    path.write_text(f"Hello.\t你好。\nGoodbye.\t再见。\n{bad_line}\n", encoding="utf-8")
    with pytest.raises(DataError) as e:
        load_pairs(path)
    msg = str(e.value)
    assert f"{path}:3:" in msg
    assert f"found {len(bad_line.split(chr(9)))}" in msg
    assert "2 or 3" in msg


def test_load_pairs_line_numbers_count_blank_lines(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("Hello.\t你好。\n\n\nbroken\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"bad\.tsv:4:"):
        load_pairs(path)


def test_load_pairs_empty_side_names_line(tmp_path):
    path = tmp_path / "empty_side.tsv"
    path.write_text("Hello.\t你好。\nGoodbye.\t \n", encoding="utf-8")
    with pytest.raises(DataError, match=r"empty_side\.tsv:2: empty Chinese side"):
        load_pairs(path)


@pytest.mark.parametrize("content", ["", "\n\n  \n"])
def test_load_pairs_empty_corpus(tmp_path, content):
    path = tmp_path / "empty.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match="corpus is empty") as e:
        load_pairs(path)
    assert str(path) in str(e.value)


def test_load_pairs_not_utf8(tmp_path):
    path = tmp_path / "gbk.tsv"
    path.write_bytes("Hello.\t你好。\n".encode("gbk"))
    with pytest.raises(DataError, match="cannot read the corpus as UTF-8") as e:
        load_pairs(path)
    assert str(path) in str(e.value)


# --- remove_test_overlap -----------------------------------------------------------

def test_remove_test_overlap_drops_both_sides_and_counts(tmp_path, pairs):
    tests = tmp_path / "tests"
    # Chinese hit (Traditional script in the test file), English hit, and a sentence not in the corpus.
    write_test_set(tests / "a" / "cmn-eng", ["我喜歡貓。", "没有这句话。"], ["Unrelated sentence.", "Nothing."])
    write_test_set(tests / "b" / "yue-eng", ["完全不同。"], ["She wants tea."])
    kept, dropped = remove_test_overlap(pairs, tests)

    assert dropped == 2 and len(kept) == len(pairs) - 2
    kept_zh, kept_en = {z for z, _ in kept}, {e for _, e in kept}
    assert "我喜欢猫。" not in kept_zh       # removed through its Traditional test twin
    assert "She wants tea." not in kept_en
    for prefix in (tests / "a" / "cmn-eng", tests / "b" / "yue-eng"):
        t = load_test_set(prefix)
        assert not {normalize_zh(z) for z in t.zh} & kept_zh
        assert not set(t.en) & kept_en
    assert kept == [p for p in pairs if p not in {("我喜欢猫。", "I like cats."), ("她要茶。", "She wants tea.")}]


def test_remove_test_overlap_drops_every_translation_of_a_test_sentence(tmp_path):
    pairs = [("你好。", "Hello."), ("您好。", "Hello."), ("喂。", "Hi.")]
    write_test_set(tmp_path / "t", ["别的。"], ["Hello."])
    assert remove_test_overlap(pairs, tmp_path) == ([("喂。", "Hi.")], 2)


def test_remove_test_overlap_without_test_files(tmp_path, pairs):
    with pytest.raises(DataError, match="no \\*.zho / \\*.eng test files"):
        remove_test_overlap(pairs, tmp_path)


# --- split_by_english ----------------------------------------------------------------

def _many_translations():
    """Each English sentence has 1-3 Chinese translations."""
    out = []
    for i in range(60):
        for k in range(1 + i % 3):
            out.append((f"句子{i}版{k}", f"Sentence {i}."))
    return out


def test_split_by_english_no_sentence_straddles_the_split():
    pairs = _many_translations()
    train, valid = split_by_english(pairs, valid_fraction=0.2, seed=3)
    assert not {e for _, e in train} & {e for _, e in valid}
    assert sorted(train + valid) == sorted(pairs)
    assert len({e for _, e in valid}) == 12  # 20% of 60 English sentences


def test_split_by_english_is_deterministic_for_a_seed():
    pairs = _many_translations()
    assert split_by_english(pairs, 0.2, seed=3) == split_by_english(list(pairs), 0.2, seed=3)
    assert split_by_english(pairs, 0.2, seed=3) != split_by_english(pairs, 0.2, seed=4)
    # the input order does not matter either (English sentences are sorted before shuffling)
    assert {e for _, e in split_by_english(pairs[::-1], 0.2, 3)[1]} == {e for _, e in split_by_english(pairs, 0.2, 3)[1]}


def test_split_by_english_keeps_at_least_one_valid_sentence(pairs):
    _, valid = split_by_english(pairs, valid_fraction=0.0001, seed=0)
    assert len(valid) == 1


# --- add_concatenations ------------------------------------------------------------------

def test_add_concatenations_builds_long_examples_from_the_given_pairs(pairs):
    out = add_concatenations(pairs, fraction=0.5, seed=1)
    assert out[: len(pairs)] == pairs
    extra = out[len(pairs):]
    assert 0 < len(extra) <= len(pairs) // 2
    singles = set(pairs)
    for zh, en in extra:
        # each extra example is 2-4 pairs: Chinese joined directly (every sentence ends in 。), English with a space
        parts_zh = [p + "。" for p in zh.split("。")[:-1]]
        parts_en = [p + "." for p in en[:-1].split(". ")]
        assert 2 <= len(parts_zh) <= 4 and len(parts_en) == len(parts_zh)
        assert all(p in singles for p in zip(parts_zh, parts_en))
        assert len(zh) <= 100
    assert add_concatenations(pairs, 0.5, seed=1) == out


def test_add_concatenations_respects_max_zh_chars(pairs):
    out = add_concatenations(pairs, fraction=1.0, seed=0, max_zh_chars=12)
    assert all(len(zh) <= 12 for zh, _ in out[len(pairs):])
    assert add_concatenations(pairs, fraction=0.0, seed=0) == pairs


# --- load_test_set -------------------------------------------------------------------------

def test_load_test_set_with_labels(tmp_path):
    prefix = write_test_set(tmp_path / "cmn-eng" / "test", ["猫追老鼠。", "漢字"], ["The cat chases the mouse.", "Chinese characters"],
                            ["cmn_Hans", " cmn_Hant "])
    t = load_test_set(prefix)
    assert t.zh == ["猫追老鼠。", "漢字"]  # raw: normalised only at translation time
    assert t.en == ["The cat chases the mouse.", "Chinese characters"]
    assert t.labels == ["cmn_Hans", "cmn_Hant"]


def test_load_test_set_without_labels(tmp_path):
    t = load_test_set(write_test_set(tmp_path / "t", ["一"], ["One"]))
    assert t.labels == [""]


def test_load_test_set_mismatched_line_counts(tmp_path):
    prefix = write_test_set(tmp_path / "t", ["一", "二"], ["One"])
    with pytest.raises(DataError, match=r"t\.zho has 2 lines but .*t\.eng has 1"):
        load_test_set(prefix)


def test_load_test_set_mismatched_labels(tmp_path):
    prefix = write_test_set(tmp_path / "t", ["一", "二"], ["One", "Two"], ["cmn_Hans"])
    with pytest.raises(DataError, match=r"t\.zho\.labels has 1 lines"):
        load_test_set(prefix)


def test_load_test_set_missing_file(tmp_path):
    (tmp_path / "t.zho").write_text("一\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"t\.eng: no such file"):
        load_test_set(tmp_path / "t")


def test_written_corpus_round_trips_through_write_tsv(tmp_path, pairs):
    assert load_pairs(write_tsv(tmp_path / "two.tsv", pairs, attribution=False)) == pairs
