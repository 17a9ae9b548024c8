"""The attention explorer: one Gradio component, drawn in the browser, used once per model.

    from ui.attention_explorer import AttentionExplorer, attention_handler
    explorers = {name: AttentionExplorer(model=name, lang="en") for name in translators}
    attention = attention_handler(translators)           # the /attention(source, decoding) API function
    button.click(attention, [source, decoding], api_name="attention", outputs=result_json).then(
        lambda r: tuple(r["models"][n] for n in explorers), result_json, list(explorers.values()))

The server sends numbers once per translation (dawn/explain.py: tokens, 8-bit
attention, influence, alternatives, beam, whiteboard scores); the browser
(static/attention_explorer.js, its CSS beside it) draws and links everything.
Hover, pin, layer/head/average, small multiples, linked selection across
explorers, the coverage scrubber, the whiteboard, the alternatives and the
exports never call the server.

A value may be one model's payload, or a whole /attention result from which
the explorer shows `model`. `lang` is "en", "zh" or "auto" (the page's
<html lang>, re-read when the page dispatches a "dawn-lang" event).
`view="encoder"` opens on the Transformer's encoder self-attention.

Try it alone (no page needed):  python -m ui.attention_explorer
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import gradio as gr
import torch

from dawn.explain import explain_all
from dawn.registry import MODEL_NAMES
from dawn.translator import Translator
from ui.strings import explorer_strings

STATIC = Path(__file__).resolve().parent / "static"
TEMPLATE = '<div class="ax" data-component="attention-explorer"></div>'  # the JS fills it; the template never changes

STRINGS = explorer_strings()  # the explorer's words, from the page's one string table (ui/strings.py)


def _asset(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


class AttentionExplorer(gr.HTML):
    """One model's translation, explained: attention and influence maps, coverage, alternatives, whiteboard."""

    def __init__(self, value: dict | None = None, *, model: str | None = None, lang: str = "auto",
                 view: str = "cross", **kwargs):
        if view not in ("cross", "encoder"):
            raise ValueError(f"view must be 'cross' or 'encoder', got {view!r}")
        if lang not in ("auto", "en", "zh"):
            raise ValueError(f"lang must be 'auto', 'en' or 'zh', got {lang!r}")
        kwargs.setdefault("apply_default_css", False)
        super().__init__(value=value, html_template=TEMPLATE, css_template=_asset("attention_explorer.css"),
                         js_on_load=_asset("attention_explorer.js"), model=model, lang=lang, view=view,
                         strings=STRINGS, **kwargs)
        # props as plain attributes: Gradio reads them back when a handler returns gr.update(lang=...)
        self.model, self.lang, self.view, self.strings = model, lang, view, STRINGS

    def api_info(self) -> dict:
        return {"type": "object", "description": "one model's payload from dawn.explain.explain"}


def attention_handler(translators: dict[str, Translator]) -> Callable[[str, str], dict]:
    """The /attention(source, decoding) API function for these translators (in page order).

    Returns {"source", "decoding", "beam_size", "models": {name: payload}} (see dawn/explain.py);
    bad input raises gr.Error with the input checker's message.
    """
    from dawn.inputs import InputError, check_decoding, check_source

    @torch.inference_mode()
    def attention(source: str, decoding: str = "greedy") -> dict:
        """Every model's translation of `source` with its attention, influence, alternatives and beam record."""
        try:
            beam_size = check_decoding(decoding)
            text = check_source(source).text
            result = explain_all(translators, text, beam_size)
        except InputError as e:
            raise gr.Error(str(e)) from None
        except ValueError as e:
            raise gr.Error(str(e)) from None
        result["decoding"] = decoding
        return result

    return attention


def per_model(result: dict | None, names: list[str]) -> tuple:
    """A whole /attention result -> one payload per explorer, in the order of `names` (None where missing)."""
    models = (result or {}).get("models", {})
    return tuple(models.get(n) for n in names)


def harness(translators: dict[str, Translator], sentence: str = "") -> gr.Blocks:
    """A tiny page with one explorer per model (plus the Transformer's encoder view), for trying and testing."""
    attention = attention_handler(translators)
    names = list(translators)
    with gr.Blocks(title="Attention explorer") as demo:
        source = gr.Textbox(sentence, label="Chinese", elem_id="ax-source")
        decoding = gr.Radio(["greedy", "beam"], value="greedy", label="Decoding", elem_id="ax-decoding")
        lang = gr.Radio(["en", "zh"], value="en", label="Language", elem_id="ax-lang")
        go = gr.Button("Explain", elem_id="ax-go")
        result = gr.JSON(visible=False)
        explorers = [AttentionExplorer(model=n, lang="en", elem_id=f"ax-{n}") for n in names]
        encoder = [AttentionExplorer(model=n, lang="en", view="encoder", elem_id=f"ax-{n}-encoder")
                   for n in names if translators[n].model_type == "transformer"]
        views = explorers + encoder
        view_names = names + [n for n in names if translators[n].model_type == "transformer"]
        go.click(attention, [source, decoding], result, api_name="attention").then(
            lambda r: per_model(r, view_names), result, views, api_visibility="private")
        lang.change(lambda v: [gr.update(lang=v) for _ in views], lang, views, api_visibility="private")
    return demo


if __name__ == "__main__":
    import os

    from dawn import load_translator
    from dawn.story import STORY_SENTENCE

    root = Path(os.environ.get("DAWN_CHECKPOINTS", Path(__file__).resolve().parents[1] / "checkpoints"))
    found = {n: load_translator(root / n) for n in MODEL_NAMES if (root / n).exists()}
    harness(found, STORY_SENTENCE).queue(default_concurrency_limit=1, max_size=16).launch()
