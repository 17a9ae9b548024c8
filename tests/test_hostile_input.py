"""Hostile input, table-driven: every entry gets a translation or a clear message — never an exception —
finishes quickly with bounded output, and the models still translate normally afterwards."""

from __future__ import annotations

import time

import pytest
from PIL import Image

from dawn import demo as D
from dawn.text import MAX_SOURCE_CHARS

CPU_SECONDS_PER_INPUT = 30  # CPU time, not wall time: a busy machine slows the clock, not the work
MAX_OUTPUT_CHARS = 256 * 20  # at most 256 target tokens (max_target_len), each a short subword

SOURCES = {
    "empty": "",
    "none": None,
    "whitespace": "   \n\t \u3000 ",
    "only newlines": "\n" * 5000,
    "10,000 characters": "猫追老鼠。" * 2000,
    "10,000 latin letters": "a" * 10_000,
    "punctuation only": "。，！？；：“”（）……",
    "ascii punctuation": "!!!???...,,,;;;",
    "emoji only": "😀🐱🐭🎉👍🏽",
    "emoji in a sentence": "🐱追🐭！",
    "arabic (rtl)": "القطة تطارد الفأر",
    "hebrew (rtl)": "החתול רודף אחרי העכבר",
    "bidi override": "\u202e猫追老鼠\u202c",
    "control characters": "\x01\x02猫\x1b[31m追\x7f老鼠\x08。",
    "nul only": "\x00" * 50,
    "nul inside": "猫\x00追\x00老鼠",
    "lone surrogate": "\ud800",
    "surrogate inside": "猫\udfff追老鼠",
    "zero-width characters": "猫\u200b追\u200d老鼠\ufeff。",
    "private use": "\ue000\ue001猫\uf8ff",
    "nfkc expansion": "\ufdfa" * 300,
    "combining marks": "a\u0301\u0302\u0303" * 500,
    "html script": "<script>alert('x')</script>",
    "html in chinese": "<img src=x onerror=alert(1)>猫追老鼠",
    "sql": "'; DROP TABLE users; --",
    "sql in chinese": "我爱你' OR 1=1; --",
    "markdown": "**粗体** `代码` [链接](http://example.com) # 标题",
    "format strings": "%s %d {0} {{}} ${x} \\n \\x00",
    "dollar signs": "$$ $x^2$ $$ 价格是$5",
    "traditional": "我們明天見，記得帶傘。",
    "cantonese": "佢哋唔喺度，你聽日再嚟啦。",
    "classical": "學而時習之，不亦說乎？",
    "pinyin": "wǒ ài nǐ, māo zhuī lǎoshǔ",
    "english": "The cat chases the mouse.",
    "digits": "1234567890",
    "full-width digits": "２０２５年１２月３１日",
    "mixed": "我有3只猫和2 dogs🐶！OK?",
    "rare characters": "龘靐齉爩",
    "japanese": "猫がネズミを追いかける。",
    "korean": "고양이가 쥐를 쫓는다",
}

def assert_bounded_message(text: str) -> None:
    assert isinstance(text, str) and text.strip() and len(text) < 2000


@pytest.mark.parametrize("name", list(SOURCES))
def test_hostile_source(translators, name):
    start = time.process_time()
    r = D.translate_pair(translators, SOURCES[name], "The cat chases the mouse.", beam_size=1)
    assert len(r.source) <= MAX_SOURCE_CHARS
    if not r.source:
        assert_bounded_message(r.note)
    for model, out in r.outputs.items():
        assert out.error is None, out.error
        assert isinstance(out.text, str) and len(out.text) <= MAX_OUTPUT_CHARS
        if r.source:
            assert out.text.strip() or "no output" in D.score_line(out)
        tr = out.translation
        figures = ([D.cross_attention_figure(tr, 1, None), D.encoder_attention_figure(tr, 1, 1)]
                   if model == "transformer" else [D.lstm_panel(tr)])
        for image, caption in figures:
            assert image is None or isinstance(image, Image.Image)
            assert_bounded_message(caption)
    assert time.process_time() - start < CPU_SECONDS_PER_INPUT


def test_hostile_reference(translators):
    for reference in ("", None, "\x00\ud800", "x" * 100_000, "<b>" * 1000):
        r = D.translate_pair(translators, "猫追老鼠。", reference, beam_size=1)
        assert all(isinstance(o.text, str) and o.error is None for o in r.outputs.values())


def test_longest_input_with_beam_search(translators):
    start = time.process_time()
    r = D.translate_pair(translators, "虽然昨天天气不好，但我们还是决定去爬山。" * 500, "", beam_size=4)
    assert len(r.source) == MAX_SOURCE_CHARS and "only the first" in r.note
    assert all(len(o.text) <= MAX_OUTPUT_CHARS and o.error is None for o in r.outputs.values())
    assert time.process_time() - start < 2 * CPU_SECONDS_PER_INPUT


def test_still_works_afterwards(translators):
    r = D.translate_pair(translators, "猫追老鼠。", "The cat is chasing the mouse.", beam_size=1)
    assert r.note == ""
    assert all(o.error is None and o.ms > 0 and o.bleu is not None for o in r.outputs.values())
