"""dawn/demo.py: the app's logic, called directly on the committed checkpoints."""

from __future__ import annotations

import json
import unicodedata

import pytest
import torch
from PIL import Image

from dawn import demo as D
from dawn.text import MAX_SOURCE_CHARS

from dawn.story import STORY_SENTENCE as STORY


# ----------------------------------------------------------------------------- input

@pytest.mark.parametrize("text", ["", "   ", "\n\t ", None])
def test_empty_input_is_a_message_not_an_error(text):
    clean, note = D.prepare_source(text)
    assert clean == "" and note == D.MESSAGE_EMPTY


@pytest.mark.parametrize("text", ["😀🎉", "。，！？", "...!!!", "★☆♥"])
def test_nothing_translatable_is_a_message(text):
    assert D.prepare_source(text) == ("", D.MESSAGE_NOTHING)


def test_long_input_is_truncated_with_a_note():
    clean, note = D.prepare_source("猫" * 1000)
    assert clean == "猫" * MAX_SOURCE_CHARS
    assert "1,000" in note and str(MAX_SOURCE_CHARS) in note


def test_control_characters_and_lone_surrogates_are_removed():
    clean, note = D.prepare_source("猫\x00追\ud800老\u202e鼠\x07。")
    assert clean == "猫追老鼠。"
    assert "4" in note and "Removed" in note


def test_text_without_chinese_is_translated_with_a_warning():
    clean, note = D.prepare_source("hello world")
    assert clean == "hello world" and "No Chinese" in note


def test_nfkc_happens_before_truncation():
    clean, _ = D.prepare_source("ﷺ" * 50)   # one code point that NFKC expands to 18 characters
    assert len(clean) <= MAX_SOURCE_CHARS


# ----------------------------------------------------------------------------- translation

def test_translate_pair_story_sentence(translators):
    r = D.translate_pair(translators, STORY, "Although the weather was bad yesterday, we still went climbing.", beam_size=1)
    assert r.source == unicodedata.normalize("NFKC", STORY) and set(r.outputs) == {"lstm", "transformer"}
    for out in r.outputs.values():
        assert out.error is None and out.text.strip()
        assert 0 <= out.bleu <= 100 and 0 <= out.chrf <= 100
        assert out.ms > 0
        assert "BLEU" in D.score_line(out) and "ms" in D.score_line(out)


def test_beam_search_and_empty_reference(translators):
    r = D.translate_pair(translators, "猫追老鼠。", "", beam_size=4)
    assert r.beam_size == 4
    for out in r.outputs.values():
        assert out.text.strip() and out.bleu is None and out.chrf is None
        assert "no reference" in D.score_line(out)


def test_empty_input_translates_nothing(translators):
    r = D.translate_pair(translators, "", "Some reference.", beam_size=1)
    assert r.note == D.MESSAGE_EMPTY
    assert all(o.text == "" and o.translation is None and D.score_line(o) == "" for o in r.outputs.values())


def test_exceptions_inside_a_model_become_messages(translators):
    class Broken:
        def translate(self, text, beam_size=1):
            raise RuntimeError("boom")

    r = D.translate_pair({"lstm": Broken(), "transformer": translators["transformer"]}, "猫追老鼠。", "", 1)
    assert r.outputs["lstm"].text == "" and "boom" in r.outputs["lstm"].error
    assert "⚠️" in D.score_line(r.outputs["lstm"])
    assert r.outputs["transformer"].text.strip()


def test_bad_beam_size_falls_back_to_greedy(translators):
    assert D.translate_pair(translators, "我爱你。", "", beam_size=999).beam_size == 1


# ----------------------------------------------------------------------------- figures

@pytest.fixture(scope="module")
def story_result(translators):
    return D.translate_pair(translators, STORY, "", beam_size=1)


def test_cross_attention_rows_sum_to_one(story_result):
    tr = story_result.outputs["transformer"].translation
    for a in tr.cross_attentions:                          # (H, T, S)
        assert a.shape[1:] == (len(tr.target_tokens), len(tr.source_tokens))
        torch.testing.assert_close(a.float().sum(-1), torch.ones(a.shape[:2]), atol=1e-3, rtol=0)


@pytest.mark.parametrize("layer,head", [(1, None), (2, None), (1, 1), (2, 4)])
def test_cross_and_encoder_figures(story_result, layer, head):
    tr = story_result.outputs["transformer"].translation
    for figure in (D.cross_attention_figure, D.encoder_attention_figure):
        image, caption = figure(tr, layer, head)
        assert isinstance(image, Image.Image) and image.width > 200 and caption


def test_figures_refuse_politely(story_result):
    tr = story_result.outputs["transformer"].translation
    assert D.cross_attention_figure(tr, 9, None)[0] is None
    assert "does not exist" in D.cross_attention_figure(tr, 1, 9)[1]
    assert D.cross_attention_figure(None, 1, None)[0] is None
    lstm_tr = story_result.outputs["lstm"].translation
    assert D.cross_attention_figure(lstm_tr, 1, None) == (None, "这个模型没有注意力。 / This model has no attention.")
    assert D.encoder_attention_figure(lstm_tr, 1, None)[0] is None


def test_a_figure_that_fails_is_a_message(story_result):
    from dataclasses import replace
    broken = replace(story_result.outputs["transformer"].translation, cross_attentions=[torch.zeros(3)])
    image, caption = D.cross_attention_figure(broken, 1, None)
    assert image is None and "could not draw" in caption


def test_lstm_honest_panel(story_result):
    image, text = D.lstm_panel(story_result.outputs["lstm"].translation)
    assert isinstance(image, Image.Image)
    assert "瓶颈" in text and "bottleneck" in text
    assert D.lstm_panel(None)[0] is None


# ----------------------------------------------------------------------------- benchmark

def test_benchmark_absent_metrics(tmp_path, translators):
    md = D.benchmark_markdown(tmp_path, translators)
    assert md.count(D.NOT_EVALUATED) == 3   # both models and the figure
    assert D.length_figure(tmp_path) is None


def test_benchmark_present_metrics(tmp_path, translators):
    metrics = {"test_set": "tatoeba-test-v2020-07-28", "n": 10000, "decoding": "beam 4", "bleu": 12.345,
               "chrf": 30.1, "signature": {"bleu": "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0",
                                           "chrf": "nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0"},
               "bleu_mandarin": 14.0, "chrf_mandarin": 32.0,
               "by_length": [{"bucket": "1-8", "n": 10, "bleu": 20.0, "chrf": 40.0},
                             {"bucket": "25+", "n": 3, "bleu": 2.0, "chrf": 10.0}]}
    (tmp_path / "transformer").mkdir()
    (tmp_path / "transformer" / "metrics.json").write_text(json.dumps(metrics))
    (tmp_path / "lstm").mkdir()
    (tmp_path / "lstm" / "metrics.json").write_text("{not json")
    assert D.benchmark_markdown(tmp_path, {"transformer": translators["transformer"]}).count("tok:13a") == 1
    (tmp_path / "transformer" / "metrics.json").write_text(json.dumps({**metrics, "signature": "?", "by_length": 3}))
    assert "**12.3**" in D.benchmark_markdown(tmp_path, translators)
    (tmp_path / "transformer" / "metrics.json").write_text(json.dumps(metrics))
    Image.new("RGB", (40, 30), "white").save(tmp_path / "bleu_by_length.png")
    md = D.benchmark_markdown(tmp_path, translators)
    assert "**12.3**" in md and "30.1" in md and "tok:13a" in md and "nc:6" in md and "25+" in md
    assert "could not be read" in md and D.NOT_EVALUATED not in md
    assert D.length_figure(tmp_path).size == (40, 30)


def test_benchmark_on_the_real_checkpoints(checkpoint_root, translators):
    md = D.benchmark_markdown(checkpoint_root, translators)
    for name in ("lstm", "transformer"):  # the committed checkpoints are evaluated: their scores are shown
        metrics = json.loads((checkpoint_root / name / "metrics.json").read_text())
        assert f"{metrics['bleu']:.1f}" in md and metrics["signature"]["bleu"] in md
    assert D.NOT_EVALUATED not in md
