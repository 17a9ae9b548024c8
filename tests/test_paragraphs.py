"""Paragraphs: split at sentence ends (dawn/text.py), checked and bounded (ui/inputs.py), translated
sentence by sentence by every model with the maps for one chosen sentence (ui/pipeline.py)."""

from __future__ import annotations

import pytest

from ui.inputs import InputError, check_sentence, check_source
from ui.pipeline import PARAGRAPH_BATCH, Models, translate_page
from dawn.text import MAX_SENTENCE_CHARS, MAX_SENTENCES, MAX_SOURCE_CHARS, split_sentences
from dawn.translator import Translation
from ui.render import api_outputs, note_text

SENTENCE = "虽然昨天天气不好，但我们还是决定去爬山。"  # 20 characters, one sentence


@pytest.mark.parametrize("text,sentences", [
    ("我爱你。你呢?", ["我爱你。", "你呢?"]),
    ("猫追老鼠!!老鼠跑了?真的。", ["猫追老鼠!!", "老鼠跑了?", "真的。"]),       # ！！ and ？ after NFKC
    ("等等......好吧。", ["等等......", "好吧。"]),                           # …… after NFKC
    ("他说:“好。”然后走了。", ["他说:“好。”", "然后走了。"]),                # the closing quote stays
    ("价格是3.5元。很便宜", ["价格是3.5元。", "很便宜"]),                     # a decimal point is no end
    ("一;二,三。四", ["一;二,三。", "四"]),                                   # ；and ，join clauses
    ("。猫。 。 狗", ["。猫。。", "狗"]),                                     # punctuation alone joins a sentence
    ("没有句号", ["没有句号"]),
    ("", []),
])
def test_split_sentences(text, sentences):
    assert split_sentences(text) == sentences


def test_check_source_splits_after_normalising():
    s = check_source("猫追老鼠！老鼠跑了？我們明天見。")
    assert s.sentences == ["猫追老鼠!", "老鼠跑了?", "我们明天见。"] and "".join(s.sentences) == s.text
    assert check_source("猫追老鼠。").sentences == ["猫追老鼠。"]


def test_a_paragraph_up_to_the_limits_is_accepted():
    paragraph = SENTENCE * (MAX_SOURCE_CHARS // len(SENTENCE))
    assert len(paragraph) == MAX_SOURCE_CHARS
    assert len(check_source(paragraph).sentences) == MAX_SOURCE_CHARS // len(SENTENCE) <= MAX_SENTENCES
    assert check_source("猫" * MAX_SENTENCE_CHARS).sentences == ["猫" * MAX_SENTENCE_CHARS]


@pytest.mark.parametrize("text,code", [
    (SENTENCE * (MAX_SOURCE_CHARS // len(SENTENCE)) + "猫", "too_long"),
    ("猫" * (MAX_SENTENCE_CHARS + 1), "sentence_too_long"),
    ("猫。" * (MAX_SENTENCES + 1), "too_many_sentences"),
])
def test_a_paragraph_beyond_the_limits_is_refused(text, code):
    with pytest.raises(InputError) as e:
        check_source(text)
    assert e.value.code == code


def test_sentence_too_long_says_which():
    with pytest.raises(InputError) as e:
        check_source("猫追老鼠。" + "猫" * (MAX_SENTENCE_CHARS + 1) + "。")
    assert e.value.note.params["i"] == 2 and "Sentence 2" in str(e.value)


@pytest.mark.parametrize("index,expected", [(None, 0), (0, 0), (2, 2), (2.0, 2)])
def test_check_sentence(index, expected):
    assert check_sentence(index, 3) == expected


@pytest.mark.parametrize("index", [3, -1, 1.5, "1", True, [0]])
def test_check_sentence_refuses(index):
    with pytest.raises(InputError) as e:
        check_sentence(index, 3)
    assert e.value.code == "sentence"


# ----------------------------------------------------------------------------- the work, counted

class Counting:
    """A stand-in model that records what it is asked to decode; English = the sentence's length."""

    def __init__(self):
        self.single, self.batches = [], []
        self.tokenizer = self                                                # characters are tokens; none unknown

    def encode_source(self, sentence, normalized=False):
        return list(sentence)

    def source_tokens(self, ids):
        return ids

    def translate(self, sentence, beam_size=1, normalized=False, maps=True):
        self.single.append(sentence)
        self.maps = maps
        return Translation(text=f"s{len(sentence)}", source_tokens=list(sentence) + ["</s>"], target_tokens=["s"],
                           log_prob=0.0, ids=[5])

    def translate_batch(self, sentences, beam_size=1):
        self.batches.append(list(sentences))
        return [f"s{len(s)}" for s in sentences]


def test_a_paragraph_is_decoded_once_per_sentence_in_bounded_batches():
    sentences = [("猫" * (i % 7 + 1)) + "。" for i in range(MAX_SENTENCES)]
    model = Counting()
    r = translate_page(Models({"m": model}, {}, ("m",)), "".join(sentences), "", "beam", sentence=5)
    assert model.single == [sentences[5]]                                    # the focus: with its maps
    decoded = [s for batch in model.batches for s in batch]
    assert sorted(decoded) == sorted(sentences[:5] + sentences[6:])          # every other sentence once
    assert all(len(batch) <= PARAGRAPH_BATCH for batch in model.batches)
    assert len(model.batches) == -(-(MAX_SENTENCES - 1) // PARAGRAPH_BATCH)
    out = r.outputs["m"]
    assert out.problem is None, out.detail
    assert out.sentences == [f"s{len(s)}" for s in sentences]                # back in source order
    assert out.text == " ".join(out.sentences) and r.focus == sentences[5] and r.sentence == 5
    assert [n.code for n in r.notes] == ["paragraph"]
    assert "sentence 6" in note_text("en", r.notes) and sentences[5] in note_text("zh", r.notes)


def test_one_sentence_is_decoded_as_before():
    model = Counting()
    r = translate_page(Models({"m": model}, {}, ("m",)), "猫追老鼠。", "", "greedy")
    assert model.single == ["猫追老鼠。"] and model.batches == [] and r.notes == []
    assert r.sentences == ["猫追老鼠。"] and r.focus == r.source


def test_the_page_clamps_a_sentence_number_in_one_call_and_decodes_without_maps():
    """The page's sentence box past the last sentence means the last one, decided before decoding (never a second
    call); the page and /translate decode without maps (they are made when a map is asked for)."""
    model = Counting()
    r = translate_page(Models({"m": model}, {}, ("m",)), "猫追老鼠。老鼠跑了。", "", "greedy", sentence=7, maps=False,
                       clamp=True)
    assert r.sentence == 1 and model.single == ["老鼠跑了。"] and model.maps is False


def test_a_sentence_index_out_of_range_is_refused():
    with pytest.raises(InputError) as e:
        translate_page(Models({"m": Counting()}, {}, ("m",)), "猫追老鼠。老鼠跑了。", "", "greedy", sentence=2)
    assert e.value.code == "sentence"


# ----------------------------------------------------------------------------- the shipped models

def test_the_shipped_models_translate_a_paragraph(models):
    r = translate_page(models, "猫追老鼠。老鼠跑了！我们明天见。", "The cat chases the mouse. The mouse ran away! "
                      "See you tomorrow.", "greedy", sentence=1)
    assert r.sentences == ["猫追老鼠。", "老鼠跑了!", "我们明天见。"] and r.focus == "老鼠跑了!"
    for name, out in r.outputs.items():
        if out.problem:
            continue
        assert len(out.sentences) == 3 and all(s.strip() for s in out.sentences), name
        assert out.text == " ".join(out.sentences) and out.bleu is not None
        alone = models.translators[name].translate("老鼠跑了!").text
        assert out.translation.text == out.sentences[1] == alone      # the maps' sentence, decoded alone
    assert all(isinstance(s, str) for s in api_outputs("en", r))
