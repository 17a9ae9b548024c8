"""The training-data lens: `python -m training.lens` builds exactly the training split (no test pair, no story
sentence, no validation pair, duplicates once) within the size limits; dawn/lens.py finds Chinese anywhere and
English on whole words; ui/lens.py answers /lookup with counts, the five shortest examples and their spans, and
refuses bad input with a plain message. Tiny corpora written here; the shipped lens is checked as committed."""

from __future__ import annotations

import json
import lzma
import re

import pytest
from tiny_corpus import ROOT, make_pairs, write_test_set, write_tsv

from dawn.card import CORPORA
from dawn.registry import MODEL_NAMES
from dawn.lens import (MANIFEST_FILE, MAX_FILE_BYTES, PAIRS_FILE, LensError, LensIndex, Pair, check_sizes,
                       read_pairs, verify)
from training.lens import main as build
from ui.inputs import ENGLISH, InputError
from ui.lens import EXAMPLES, Lens, lookup_handler

STORY_PAIR = ("那天结果真的出了太阳。", "That day the sun did come out.")  # holds a clause of the story's sentence
LONG_PAIR = ("很" * 121 + "好。", "Very good.")                                           # over 120 characters
EXTRA = [  # a second corpus, NAME.zh / NAME.en, with English to match on word boundaries
    ("我喝矿泉水。", "I drink mineral water."), ("矿泉水很好。", "Mineral, water is good."),
    ("这是一个类别。", "This is a category."), ("猫的玩具。", "The cat's toy."), ("一只猫。", "A cat."),
    ("他在山上。", "He is on the mountain."), ("她爬山。", "She climbs the mountain."),
]


@pytest.fixture
def corpora(tmp_path, datasets_cache):
    """cmn.tsv (the 90 tiny pairs, a Traditional twin of one of them, a test-set pair, a story pair, a long
    pair) and extra/stories.{zh,en}; a test folder holding 他有鱼。"""
    cmn = write_tsv(tmp_path / "cmn.tsv", [*make_pairs(), ("我們喜歡貓。", "We like cats."), STORY_PAIR, LONG_PAIR])
    (tmp_path / "extra").mkdir()
    (tmp_path / "extra" / "stories.zh").write_text("\n".join(z for z, _ in EXTRA) + "\n", encoding="utf-8")
    (tmp_path / "extra" / "stories.en").write_text("\n".join(e for _, e in EXTRA) + "\n", encoding="utf-8")
    test_dir = tmp_path / "tatoeba-test"
    write_test_set(test_dir / "tiny-test", ["他有鱼。"], ["A sentence that is not in the corpus."], ["cmn_Hans"])
    return [str(cmn), str(tmp_path / "extra")], test_dir


def build_argv(data, test_dir, out) -> list[str]:
    return ["--data", *data, "--test-dir", str(test_dir), "--out", str(out), "--valid-fraction", "0.1"]


@pytest.fixture
def lens_dir(tmp_path, corpora):
    data, test_dir = corpora
    out = tmp_path / "checkpoints" / "lens"
    assert build(build_argv(data, test_dir, out)) == 0
    return out


@pytest.fixture
def lens(lens_dir) -> Lens:
    return Lens(lens_dir)


# ----------------------------------------------------------------------------- the build

def training_split(data, test_dir) -> tuple[list[tuple[str, str, str]], list]:
    """What training.recipe.prepare_data makes of the corpora: (corpus, zh, en) training pairs, duplicates
    included, and the valid (zh, en, corpus) triples."""
    from training.recipe import parse_args, prepare_data
    args = parse_args(["--model", MODEL_NAMES[0], "--out", "/nonexistent", "--data", *data,
                       "--test-dir", str(test_dir), "--valid-fraction", "0.1"])
    train_by, valid, _ = prepare_data(args, log=lambda _m: None)
    return [(name, zh, en) for name, pairs in train_by.items() if not name.endswith("_concat") for zh, en in pairs], valid


def test_the_lens_holds_exactly_the_training_split(lens_dir, corpora):
    train, valid = training_split(*corpora)
    expected = set(train)
    stored = list(read_pairs(lens_dir / PAIRS_FILE))
    assert {(p.corpus, p.zh, p.en) for p in stored} == expected       # what training trained on, no more
    assert len(stored) == len(expected)                               # each pair once (the Traditional twin too)
    zh = {p.zh for p in stored}
    assert "他有鱼。" not in zh                                          # a test-set sentence
    assert STORY_PAIR[0] not in zh and LONG_PAIR[0] not in zh         # a story sentence, over 120 characters
    assert not zh & {z for z, _, _ in valid}                          # no validation pair
    assert [len(p.zh) for p in stored] == sorted(len(p.zh) for p in stored)   # shortest Chinese first


def test_the_manifest_counts_checksums_and_card(lens_dir, corpora):
    manifest = verify(lens_dir)                                       # sizes and SHA-256 agree
    stored = list(read_pairs(lens_dir / PAIRS_FILE))
    train, _ = training_split(*corpora)
    assert manifest["split"] == "train" and manifest["pairs"] == len(stored)
    assert manifest["duplicates"] == len(train) - len(set(train))     # 我們喜歡貓。 became 我们喜欢猫。 (unless valid)
    assert {n: c["pairs"] for n, c in manifest["corpora"].items()} == {
        n: sum(p.corpus == n for p in stored) for n in ("cmn", "stories")}
    assert manifest["corpora"]["cmn"]["licence"] == CORPORA["cmn"][1]
    assert manifest["command"].startswith("python -m training.lens --data ")
    card = (lens_dir / "README.md").read_text(encoding="utf-8")
    for words in (manifest["command"], CORPORA["cmn"][1], "| `stories` |", "test set", PAIRS_FILE):
        assert words in card, words
    assert all(f.stat().st_size <= MAX_FILE_BYTES for f in lens_dir.iterdir())


def test_a_corpus_inside_a_test_folder_is_refused(tmp_path, corpora, capsys):
    data, test_dir = corpora
    write_tsv(test_dir / "sneaky.tsv", make_pairs()[:5])
    assert build(build_argv([str(test_dir / "sneaky.tsv")], test_dir, tmp_path / "lens")) == 2
    assert "test pairs never enter the lens" in capsys.readouterr().err
    assert not (tmp_path / "lens" / PAIRS_FILE).exists()


def test_a_damaged_or_oversized_lens_is_refused(lens_dir):
    path = lens_dir / PAIRS_FILE
    path.write_bytes(path.read_bytes()[:-1] + b"\0")
    with pytest.raises(LensError, match="differs from"):
        verify(lens_dir)
    with pytest.raises(LensError, match="over the"):
        check_sizes({"a.xz": MAX_FILE_BYTES + 1})
    with pytest.raises(LensError, match="add up to"):
        check_sizes({f"{k}.xz": MAX_FILE_BYTES for k in range(5)})
    with pytest.raises(LensError, match="missing"):
        verify(lens_dir.parent / "nowhere")


def test_publishing_the_space_uploads_the_lens_checked(lens_dir):
    from training.publish import PublishError, lens_upload
    names = sorted(name for _, name in lens_upload(lens_dir))
    assert names == sorted([PAIRS_FILE, MANIFEST_FILE, "README.md"])
    (lens_dir / PAIRS_FILE).write_bytes(b"")
    with pytest.raises(PublishError, match="does not verify"):
        lens_upload(lens_dir)


# ----------------------------------------------------------------------------- matching

@pytest.fixture(scope="module")
def index() -> LensIndex:
    pairs = [Pair("cmn", zh, en) for zh, en in make_pairs()] + [Pair("stories", zh, en) for zh, en in EXTRA]
    pairs.append(Pair("stories", "他说：“好，走吧！”", "He said: \"Fine, let's go!\""))
    return LensIndex(pairs)


def test_chinese_matches_anywhere_after_training_normalisation(index):
    hits = index.find("矿泉水", "zh")
    assert [index.pair(i).zh for i in hits] == ["我喝矿泉水。", "矿泉水很好。"]
    assert list(index.find("礦泉水", "zh")) == list(hits)              # Traditional, as training converted it
    assert len(index.find("猫", "zh")) == 5 * 3 + 2                    # 5 subjects x 3 verbs, 2 stories
    assert len(index.find("好,走", "zh")) == 1                          # full-width ，in the pair, plain , typed
    assert len(index.find("苏小雨", "zh")) == 0


def test_english_matches_whole_words_in_any_case(index):
    cats = [index.pair(i).en for i in index.find("CAT", "en")]
    assert cats == ["A cat.", "The cat's toy."]                         # shortest first; never "category"
    assert [index.pair(i).en for i in index.find("mineral water", "en")] == [
        "I drink mineral water.", "Mineral, water is good."]           # words in order, anything between
    assert len(index.find("categor", "en")) == 0 and len(index.find("category", "en")) == 1
    assert len(index.find("mountain", "en")) == 2


def test_spans_mark_the_match_in_the_stored_text(index):
    for text, side in (("矿泉水", "zh"), ("礦泉水", "zh"), ("CAT", "en"), ("mineral water", "en"), ("好,走", "zh")):
        for i in index.find(text, side):
            line = getattr(index.pair(i), side)
            start, end = index.span(i, text, side)
            assert 0 <= start < end <= len(line)
            got = line[start:end]
            if side == "en":
                assert got.lower().split()[0].strip(",") == text.lower().split()[0]
            else:
                assert len(got) == len(text)


def test_counts_by_corpus(index):
    hits = index.find("猫", "zh")
    assert index.counts(hits) == {"cmn": 15, "stories": 2}
    assert list(index.counts(hits)) == ["cmn", "stories"]             # most first


# ----------------------------------------------------------------------------- /lookup

def test_lookup_answers_with_counts_examples_and_a_note(lens):
    r = lens.lookup("猫", "zh")
    assert set(r) == {"text", "side", "total", "pairs", "by_corpus", "examples", "note"}
    assert r["total"] == sum(r["by_corpus"].values()) > EXAMPLES
    assert len(r["examples"]) == EXAMPLES
    assert [len(e["zh"]) for e in r["examples"]] == sorted(len(e["zh"]) for e in r["examples"])
    for e in r["examples"]:
        assert e["zh"][e["start"]:e["end"]] == "猫" and e["licence"]
    assert f"{r['total']}" in r["note"] and "shortest" in r["note"]
    json.dumps(r)


def test_lookup_of_english_and_of_what_never_occurs(lens, lens_dir):
    r = lens.lookup("Mountain", "en")
    stored = list(read_pairs(lens_dir / PAIRS_FILE))                  # one of the stories may be a valid pair
    assert r["side"] == "en" and r["total"] == sum(bool(re.search(r"\bmountain\b", p.en, re.I)) for p in stored) > 0
    assert all(e["en"][e["start"]:e["end"]].lower() == "mountain" for e in r["examples"])
    never = lens.lookup("苏小雨", "zh")
    assert never["total"] == 0 and never["examples"] == [] and never["by_corpus"] == {}
    assert "never saw it" in never["note"]
    assert lens.lookup("我們", "zh")["text"] == "我们"                  # as matched: Simplified


def test_the_index_is_read_on_the_first_lookup_only(lens, monkeypatch):
    assert lens._index is None                                        # nothing read when the app starts
    lens.lookup("猫", "zh")
    first = lens._index
    monkeypatch.setattr(LensIndex, "load", lambda *_: pytest.fail("read twice"))
    lens.lookup("狗", "zh")
    assert lens._index is first


@pytest.mark.parametrize("text, side, code", [
    ("", "zh", "lens_empty"), ("   ", "en", "lens_empty"), (None, "zh", "lens_empty"), ("\u200b", "zh", "lens_empty"),
    ("猫" * 201, "zh", "lens_too_long"), ("x" * 200_000, "en", "lens_too_long"),
    ("猫", "fr", "lens_side"), ("猫", None, "lens_side"), ("猫", ["zh"], "lens_side"),
    (3, "zh", "lens_text"), (["猫"], "zh", "lens_text"), ("?!…", "en", "lens_no_word"),
])
def test_bad_input_is_a_plain_input_error(lens, text, side, code):
    with pytest.raises(InputError) as e:
        lens.lookup(text, side)
    assert e.value.code == code and str(e.value) == ENGLISH[code].format(**e.value.note.params)
    assert lens._index is None                                        # refused before any work


def test_the_api_function_says_what_went_wrong_without_a_traceback(lens_dir, tmp_path):
    import gradio as gr
    api = lookup_handler(lens_dir)
    assert api.__name__ == "lookup" and "Args:" in api.__doc__        # the MCP tool's name and description
    assert api("猫", "zh")["total"] > 0
    with pytest.raises(gr.Error, match="must be \"zh\""):
        api("猫", "de")
    with pytest.raises(gr.Error, match="python -m training.lens"):
        lookup_handler(tmp_path / "no-lens")("猫", "zh")


# ----------------------------------------------------------------------------- the committed lens

def test_the_shipped_lens_verifies_and_holds_what_the_models_trained_on():
    folder = ROOT / "checkpoints" / "lens"
    manifest = verify(folder)                                         # checksums, ≤ 10 MB a file, ≤ 40 MB in all
    assert manifest["split"] == "train" and manifest["matches_checkpoints"]
    assert all(manifest["matches_checkpoints"].values())              # per-corpus counts = every training.json
    assert not any("test" in d or "mono" in d for d in manifest["data"])
    assert all(name in CORPORA and c["licence"] == CORPORA[name][1] for name, c in manifest["corpora"].items())
    with lzma.open(folder / PAIRS_FILE, "rt", encoding="utf-8") as f:
        assert sum(1 for _ in f) == manifest["pairs"]


def test_the_whiteboard_says_how_often_its_words_occur_in_training(lens, lens_dir, corpora, monkeypatch, tmp_path):
    """Issue 37, item 4: ④'s intro counts 猫, 追 and 老鼠 in the pairs the models trained on, as the lens finds them
    (the same numbers as the training split itself), in both languages; without a lens the line is left out."""
    import ui.whiteboard as board

    monkeypatch.setattr(board, "lookup", lens.lookup)
    pairs = set(training_split(*corpora)[0])                       # each pair once, as the lens holds them
    n = sum("猫" in zh for _, zh, _ in pairs)
    assert n > 1 and "猫 in %d," % n in board.training_line("en")
    assert "“猫”出现在 %d 个句对中" % n in board.training_line("zh")
    assert not any("老鼠" in zh for _, zh, _ in pairs)                # never in these pairs: said so
    assert "老鼠 in none" in board.training_line("en") and "“老鼠”一次也没有出现" in board.training_line("zh")
    assert f"In the models' {len(lens.index()):,} training pairs" in board.training_line("en")
    assert board.training_line("en") in board.Whiteboard.fill("en", *board_defaults(board))[0]
    monkeypatch.setattr(board, "lookup", Lens(tmp_path / "no-lens-here").lookup)
    assert board.training_line("en") == ""


def board_defaults(board) -> list:
    return [*board.VECTOR_TEXTS, False, False, "追", *board.HEAD_TEXTS[0], *board.HEAD_TEXTS[1], 64]
