"""ui/attention_explorer.py without a browser: the component, its strings, its assets and the /attention handler."""

from __future__ import annotations

import json
import re
from pathlib import Path

import gradio as gr
import pytest

from dawn.registry import MODEL_NAMES
from dawn.translator import Translator
from ui.attention_explorer import (MOUNT, STATIC, STRINGS, AttentionExplorer, attention_handler, explorer_lookup,
                                   explorer_saliency, glyphs, per_model, replay_prop, saliency_handler, strings)
from ui.glyphs import FONT_FILES, glyph_outlines

JS = (STATIC / "attention_explorer.js").read_text(encoding="utf-8")
CSS = (STATIC / "attention_explorer.css").read_text(encoding="utf-8")


def test_both_languages_have_the_same_strings():
    assert set(STRINGS["en"]) == set(STRINGS["zh"])
    for key in STRINGS["en"]:  # the same {placeholders} in both
        assert set(re.findall(r"{\w+}", STRINGS["en"][key])) == set(re.findall(r"{\w+}", STRINGS["zh"][key])), key


def test_every_string_the_script_asks_for_exists():
    literal = set(re.findall(r'\bt\("([\w.]+)"\s*[,)]', JS))
    dynamic = {f"{prefix}.{kind}" for prefix in ("model",) for kind in MODEL_NAMES}
    dynamic |= {f"beam.{s}" for s in ("kept", "finished", "dropped")}
    dynamic |= {f"map.{m}" for m in ("cross", "encoder")} | {f"title.attention.{m}" for m in ("cross", "encoder")}
    dynamic |= {f"caption.attention.{m}" for m in ("cross", "encoder")} | {"caption.influence.alone", "title.influence"}
    dynamic |= {"replay.map.attention", "replay.map.influence"}
    dynamic |= {"replay.title.attention", "replay.title.model", "replay.caption.attention", "replay.caption.influence"}
    dynamic |= {"aria.attention.cross", "aria.attention.encoder", "aria.influence", "aria.words", "aria.tokens",
                "aria.chars", "beam.word", "beam.token", "replay.broken", "replay.none"}
    dynamic |= {f"{prefix}.{kind}" for prefix in ("title", "aria", "legend", "key", "lines.hint", "evidence")
                for kind in ("influence", "saliency")}
    dynamic |= {f"agreement.views.{v}" for v in ("attention_saliency_influence", "attention_influence", "saliency_influence")}
    missing = (literal | dynamic) - set(STRINGS["en"])
    assert not missing


def test_the_script_writes_text_and_loads_nothing_from_elsewhere():
    assert "innerHTML" not in JS and "insertAdjacentHTML" not in JS and "outerHTML" not in JS
    assert "http://" not in JS.replace("http://www.w3.org/2000/svg", "") and "https://" not in JS  # no CDN
    assert "@import" not in CSS and "url(" not in CSS


def test_component_props_and_validation():
    with gr.Blocks():
        ax = AttentionExplorer(None, model="transformer", lang="zh", view="encoder", elem_classes="mine")
    assert (ax.model, ax.lang, ax.view) == ("transformer", "zh", "encoder")
    assert "strings" not in ax.props and ax.elem_classes == ["mine", "ax-host"]   # the stylesheet's scope
    assert strings() is STRINGS and [f.__name__ for f in ax.server_fns] == ["strings", "glyphs"]
    with pytest.raises(ValueError, match="view"):
        AttentionExplorer(view="sideways")
    with pytest.raises(ValueError, match="lang"):
        AttentionExplorer(lang="fr")
    with pytest.raises(ValueError, match="sent with the page"):
        AttentionExplorer(replay={"model": "lstm", "snapshots": [{"step": 0}]})


def test_the_first_html_carries_no_script_no_strings_and_no_replay(tmp_path):
    """Four explorers cost the page's config a stub, a <head> line and small props each; the script, the stylesheet
    and replay.json are static files served once, and the words come from the `strings` server function."""
    import httpx
    from app_fixtures import serve_blocks

    folder = tmp_path / "lstm"
    folder.mkdir()
    replay = {"model": "lstm", "scale": 255, "sentence": "猫。", "snapshots": [
        {"step": 4, "translation": "Cat.", "cross_attention": None, "influence": [[0.5]]},
        {"step": 0, "translation": "", "cross_attention": None, "influence": []}]}
    (folder / "replay.json").write_text(json.dumps(replay, ensure_ascii=False), encoding="utf-8")
    prop = replay_prop(folder)
    assert set(prop) == {"url", "model", "snapshots", "map"} and prop["snapshots"] == 2 and prop["map"] == "influence"
    with gr.Blocks() as demo:
        explorers = [AttentionExplorer(None, model=n, replay=prop) for n in ("lstm", "lstm_attention", "transformer")]
        explorers.append(AttentionExplorer(None, model="transformer", view="encoder"))
    config = json.dumps(demo.get_config_file(), ensure_ascii=False)
    assert "freshState" not in config and ".ax-numtable" not in config                  # no script, no stylesheet
    assert STRINGS["en"]["replay.none"] not in config and STRINGS["zh"]["replay.none"] not in config   # no words
    assert "Cat." not in config                                                          # no replay
    mine = [c for c in demo.get_config_file()["components"] if c.get("props", {}).get("name") == "attentionexplorer"]
    assert len(mine) == 4 and all(len(json.dumps(c, ensure_ascii=False)) < 3000 for c in mine)
    assert all(c["props"]["js_on_load"] == MOUNT and c["props"]["css_template"] == "" for c in mine)
    head = mine[0]["props"]["head"]
    assert all(c["props"]["head"] == head for c in mine)                                # one URL each: loaded once
    script, style = re.search(r'<script src="([^"]+)"', head)[1], re.search(r'<link rel="stylesheet" href="([^"]+)"', head)[1]
    with serve_blocks(demo) as url:
        for path, text in ((script, JS), (style, CSS)):
            r = httpx.get(url.rstrip("/") + path, timeout=60)
            assert r.status_code == 200 and r.text == text, path
        got = httpx.get(url.rstrip("/") + prop["url"], timeout=60)
        assert got.status_code == 200 and got.json() == replay
        (folder / "other.json").write_text("{}", encoding="utf-8")                      # only replay.json is served
        assert httpx.get(url.rstrip("/") + "/gradio_api/file=" + str(folder / "other.json"), timeout=60).status_code == 403


@pytest.fixture
def tiny_translators(make_model, tokenizer):
    return {kind: Translator(make_model(kind), tokenizer, kind, {"model_type": kind}) for kind in ("lstm", "transformer")}


def test_attention_handler_returns_every_model(tiny_translators):
    attention = attention_handler(tiny_translators)
    r = attention("他有鱼。", "beam")
    json.dumps(r)
    assert r["decoding"] == "beam" and list(r["models"]) == ["lstm", "transformer"]
    assert r["models"]["transformer"]["cross_attention"] is not None
    assert r["models"]["lstm"]["cross_attention"] is None
    assert per_model(r, ["transformer", "lstm", "missing"])[2] is None


@pytest.mark.parametrize("source, decoding", [("", "greedy"), ("😀🎉", "greedy"), ("<b>猫</b>", "greedy"),
                                              ("猫" * 10_000, "greedy"), ("猫追老鼠。", "sideways")])
def test_attention_handler_refuses_bad_input_cleanly(tiny_translators, source, decoding):
    with pytest.raises(gr.Error):
        attention_handler(tiny_translators)(source, decoding)


HAS_CJK_FONT = any(Path(f).is_file() for f in FONT_FILES)


@pytest.mark.skipif(not HAS_CJK_FONT, reason="no Noto Sans CJK installed (apt-get install fonts-noto-cjk)")
def test_glyph_outlines_for_the_exported_svg():
    g = glyph_outlines("猫A猫 ")
    assert g["units_per_em"] == 1000 and list(g["glyphs"]) == ["猫", "A", " "]
    cat = g["glyphs"]["猫"]
    assert cat["d"].startswith("M") and cat["d"].count("Z") >= 3 and cat["advance"] == 1000   # a full-width glyph
    assert 0 < g["glyphs"]["A"]["advance"] < 1000 and g["glyphs"][" "]["d"] == ""
    assert "\U000F0000" not in glyph_outlines("\U000F0000")["glyphs"]              # not in the font: left out
    assert glyphs("猫")["glyphs"]["猫"] == cat                                     # the explorer's server function


def test_without_a_cjk_font_the_export_keeps_text(monkeypatch, tmp_path):
    from ui import glyphs as G
    monkeypatch.setenv("DAWN_CJK_FONT", str(tmp_path / "missing.ttc"))
    G._font.cache_clear()
    try:
        assert "no CJK font" in glyphs("猫")["error"]
    finally:
        G._font.cache_clear()


def test_additive_attention_is_written_as_in_the_code():
    """One notation for Bahdanau's score across the code, the README and both languages of the UI."""
    readme = (STATIC.parents[1] / "README.md").read_text(encoding="utf-8")
    for text in (STRINGS["en"]["wb.additive"], STRINGS["zh"]["wb.additive"], readme):
        assert "vᵀ tanh(W_s s + W_h h)" in text and "U h" not in text


def test_the_explorers_saliency_is_explain_s_for_the_payload_s_own_output(tiny_translators):
    """The saliency view, asked for when picked: the same numbers and agreement as a payload made with it, from a
    payload made without it (nothing decoded again); bad calls come back as {"error": text}."""
    from dawn.explain import explain
    saliency = saliency_handler(tiny_translators)
    call = explorer_saliency(saliency)
    for name, translator in tiny_translators.items():
        full = explain(translator, "他有鱼。", 1, name=name)
        lean = explain(translator, "他有鱼。", 1, name=name, with_saliency=False)
        assert lean["saliency"] is None and full["saliency"]
        got = call([lean["source"], name, lean["target_ids"], lean["agreement"]["top"]])
        json.dumps(got)
        assert got["saliency"] == full["saliency"] and got["words"]["saliency"] == full["words"]["saliency"]
        assert got["agreement"] == full["agreement"], name
    for bad in (["他有鱼。"], ["他有鱼。", "nope", [5], None], ["他有鱼。", "lstm", [0, 1], None],
                ["他有鱼。", "lstm", "abc", None], ["", "lstm", [5], None],
                ["他有鱼。", "lstm", full["target_ids"], {"influence": [10_000]}]):
        assert isinstance(call(bad)["error"], str), bad
    with gr.Blocks():
        ax = AttentionExplorer(None, model="lstm", saliency=saliency, lookup=lambda text, side: {})
    assert [f.__name__ for f in ax.server_fns] == ["strings", "glyphs", "saliency", "lookup"]


def test_the_explorers_lens_answers_errors_as_text():
    """server.lookup([text, side]): ui.lens.lookup's answer, or its refusal as {"error": text} (checked before the
    index is read)."""
    from ui.lens import lookup
    call = explorer_lookup(lookup)
    for bad in (["猫"], ["", "zh"], ["猫", "fr"], [None, "zh"], ["猫" * 5000, "zh"]):
        assert isinstance(call(bad)["error"], str) and call(bad)["error"], bad
