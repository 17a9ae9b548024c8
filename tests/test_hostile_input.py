"""Hostile input, table-driven: every entry gets translations or a clear InputError — never another
exception — finishes quickly with bounded output, and the models still translate normally afterwards.
The issue's named bad inputs also go through the running app's API (a clean error, nothing hangs)."""

from __future__ import annotations

import time

import pytest

from ui.inputs import ENGLISH, InputError
from ui.pipeline import translate_page
from dawn.text import MAX_SENTENCE_CHARS, MAX_SENTENCES, MAX_SOURCE_CHARS
from ui.render import api_outputs, error_text

CPU_SECONDS_PER_INPUT = 30  # CPU time, not wall time: a busy machine slows the clock, not the work
MAX_OUTPUT_CHARS = 256 * 20  # at most 256 target tokens (max_target_len), each a short subword
API_SECONDS = 120            # wall time for one API call on a shared, busy CPU: "nothing hangs"

SOURCES = {  # name: (text, the InputError code, or None when it is translated)
    "empty": ("", "empty"),
    "none": (None, "empty"),
    "whitespace": ("   \n\t \u3000 ", "empty"),
    "only newlines": ("\n" * 5000, "empty"),
    "10,000 characters": ("猫追老鼠。" * 2000, "too_long"),
    "10,000 latin letters": ("a" * 10_000, "too_long"),
    "punctuation only": ("。，！？；：“”（）……", "nothing"),
    "ascii punctuation": ("!!!???...,,,;;;", "nothing"),
    "emoji only": ("😀🐱🐭🎉👍🏽", "nothing"),
    "emoji in a sentence": ("🐱追🐭！", None),
    "arabic (rtl)": ("القطة تطارد الفأر", "no_chinese"),
    "hebrew (rtl)": ("החתול רודף אחרי העכבר", "no_chinese"),
    "bidi override": ("\u202e猫追老鼠\u202c", None),
    "control characters": ("\x01\x02猫\x1b[31m追\x7f老鼠\x08。", None),
    "nul only": ("\x00" * 50, "empty"),
    "nul inside": ("猫\x00追\x00老鼠", None),
    "lone surrogate": ("\ud800", "empty"),
    "surrogate inside": ("猫\udfff追老鼠", None),
    "zero-width characters": ("猫\u200b追\u200d老鼠\ufeff。", None),
    "private use": ("\ue000\ue001猫\uf8ff", None),
    "nfkc expansion": ("\ufdfa" * 300, "too_long"),
    "combining marks": ("a\u0301\u0302\u0303" * 1000, "too_long"),
    "html script": ("<script>alert('x')</script>", "markup"),
    "html in chinese": ("<img src=x onerror=alert(1)>猫追老鼠", "markup"),
    "closing script": ("</script><script>alert(2)</script>", "markup"),
    "html entity": ("猫&lt;追", "markup"),
    "sql": ("'; DROP TABLE users; --", "no_chinese"),
    "sql in chinese": ("我爱你' OR 1=1; --", None),
    "markdown": ("**粗体** `代码` [链接](http://example.com) # 标题", None),
    "format strings": ("%s %d {0} {{}} ${x} \\n \\x00 猫", None),
    "dollar signs": ("$$ $x^2$ $$ 价格是$5", None),
    "traditional": ("我們明天見，記得帶傘。", None),
    "cantonese": ("佢哋唔喺度，你聽日再嚟啦。", None),
    "classical": ("學而時習之，不亦說乎？", None),
    "pinyin": ("wǒ ài nǐ, māo zhuī lǎoshǔ", "no_chinese"),
    "english": ("The cat chases the mouse.", "no_chinese"),
    "digits": ("1234567890", "no_chinese"),
    "full-width digits": ("２０２５年１２月３１日", None),
    "mixed": ("我有3只猫和2 dogs🐶！OK?", None),
    "rare characters": ("龘靐齉爩", None),
    "japanese": ("猫がネズミを追いかける。", None),
    "korean": ("고양이가 쥐를 쫓는다", "no_chinese"),
    "the longest sentence": ("猫" * MAX_SENTENCE_CHARS, None),
    "one sentence too long": ("猫" * (MAX_SENTENCE_CHARS + 1), "sentence_too_long"),
    "a paragraph": ("猫追老鼠。老鼠跑了！我们明天见？好。", None),
    "too many sentences": ("猫。" * (MAX_SENTENCES + 1), "too_many_sentences"),
    "only sentence ends": ("。！？……" * 100, "nothing"),
}


@pytest.mark.parametrize("name", list(SOURCES))
def test_hostile_source(models, name):
    raw, code = SOURCES[name]
    start = time.process_time()
    try:
        r = translate_page(models, raw, "The cat chases the mouse.", "greedy")
    except InputError as e:
        assert e.code == code, f"{name}: refused as {e.code}, expected {code}"
        for lang in ("en", "zh"):
            message = error_text(lang, e.note)
            assert message.strip() and len(message) < 300 and "<" not in message  # never echoes markup
    else:
        assert code is None, f"{name}: translated, expected InputError {code}"
        assert 0 < len(r.source) <= MAX_SOURCE_CHARS
        for out in r.outputs.values():
            assert out.problem is None, out.detail
            assert isinstance(out.text, str) and len(out.text) <= MAX_OUTPUT_CHARS
        assert all(isinstance(s, str) for s in api_outputs("en", r))
    assert time.process_time() - start < CPU_SECONDS_PER_INPUT


def test_hostile_reference(models):
    for reference in ("", None, "\x00\ud800", "x" * 100_000, "<b>" * 1000, "<img src=x onerror=alert(1)>"):
        r = translate_page(models, "猫追老鼠。", reference, "greedy")
        assert all(isinstance(o.text, str) and o.problem is None for o in r.outputs.values())


def test_longest_sentence_with_beam_search(models):
    start = time.process_time()
    r = translate_page(models, "虽然昨天天气不好，但我们还是决定去爬山，" * 10, "", "beam")  # one sentence of 200 characters
    assert len(r.source) == MAX_SENTENCE_CHARS and len(r.sentences) == 1
    assert all(len(o.text) <= MAX_OUTPUT_CHARS and o.problem is None for o in r.outputs.values())
    assert time.process_time() - start < 2 * CPU_SECONDS_PER_INPUT


def test_still_works_afterwards(models):
    r = translate_page(models, "猫追老鼠。", "The cat is chasing the mouse.", "greedy")
    assert r.notes == []
    assert all(o.problem is None and o.ms > 0 and o.bleu is not None for o in r.outputs.values())


# ----------------------------------------------------------------------------- the same through the API

API_CASES = {  # the list: name -> (source, the English message's start, or None: translated with a note)
    "empty": ("", ENGLISH["empty"]),
    "10,000 characters": ("猫追老鼠。" * 2000, "The source has 10,000 characters"),
    "emoji only": ("😀🐱🐭🎉", ENGLISH["nothing"]),
    "markup": ("<img src=x onerror=alert(1)>", ENGLISH["markup"]),
    "latin only": ("The cat chases the mouse.", ENGLISH["no_chinese"]),
    "traditional": ("我們明天見。", None),
}


@pytest.fixture(scope="module")
def client(app_url):
    from gradio_client import Client
    return Client(app_url, verbose=False)


@pytest.mark.parametrize("name", list(API_CASES))
def test_bad_input_through_the_api(client, name):
    from gradio_client.exceptions import AppError
    source, message = API_CASES[name]
    start = time.monotonic()
    if message is None:
        *strings, notes = client.predict(source, "See you tomorrow.", "greedy", api_name="/translate")
        assert "Traditional" in notes and "我们明天见" in notes
        assert any(s.strip() for s in strings[:3])
    else:
        with pytest.raises(AppError) as e:
            client.predict(source, "", "greedy", api_name="/translate")
        assert str(e.value).startswith(message) or message in str(e.value)
    assert time.monotonic() - start < API_SECONDS


def test_bad_decoding_through_the_api(client):
    from gradio_client.exceptions import AppError
    with pytest.raises((AppError, ValueError)):
        client.predict("猫追老鼠。", "", "sampling", api_name="/translate")


# ----------------------------------------------------------------------------- bad API input: a clean error, a quiet log

API_BAD = {  # endpoint -> argument tuples that must each be refused with a clean message
    "/translate": [("", "", "greedy"), ("猫" * 5000, "", "greedy"), ("猫追老鼠。", "", "sampling"),
                   ("猫追老鼠。", "", ["beam"]), ("猫追老鼠。", "", {"x": 1}), ("<b>猫</b>", "", "beam")],
    "/attention": [("", "greedy"), ("猫追老鼠。", "sampling"), ("猫追老鼠。", ["beam"]), (None, "greedy"),
                   ("猫追老鼠。老鼠跑了。", "greedy", 2), ("猫追老鼠。", "greedy", -1), ("猫追老鼠。", "greedy", "0"),
                   ("猫" * (MAX_SENTENCE_CHARS + 1), "greedy")],
    "/whiteboard": [("a, b", "1", "1"), ("", "", ""), (None, None, None), ("1, 0", "0, 1", "1, 1", "yes"),
                    ("1, 0", "0, 1", "1, 1", False, "猫猫"), (1, 2, 3), ("1, 0", "0, 1", "1, 1", False, "猫追老鼠", 1)],
    "/whatif": [("猫追老鼠。", "gpt", "The"), ("", "transformer", "The"), ("猫追老鼠。", "transformer", ["x"]),
                ("猫追老鼠。", None, "The"), ("<b>猫</b>", "lstm", "A")],
    "/replay": [("gpt",), (None,), (["lstm"],)],
    "/lookup": [("", "zh"), ("猫", "fr"), (None, "zh"), ("猫" * 5000, "zh"), ("?!", "en"), (["猫"], "zh"), ("猫", None)],
}


def _log_lines(path) -> list[str]:
    return path.read_text(encoding="utf-8", errors="replace").splitlines()


@pytest.mark.parametrize("endpoint", list(API_BAD))
def test_bad_api_input_is_a_clean_error_and_no_traceback(client, app_log, endpoint):
    from gradio_client.exceptions import AppError
    for args in API_BAD[endpoint]:
        before = len(_log_lines(app_log))
        with pytest.raises((AppError, ValueError)) as e:
            client.predict(*args, api_name=endpoint)
        message = str(e.value)
        assert message.strip() and "Traceback" not in message and len(message) < 400, (args, message)
        new = _log_lines(app_log)[before:]
        assert len(new) <= 1 and not any("Traceback" in line or "Error:" in line for line in new), (args, new)
    assert client.predict("猫追老鼠。", "greedy", api_name="/attention")["models"]   # and it still answers
