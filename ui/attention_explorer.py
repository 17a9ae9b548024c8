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

from dawn.explain import PAYLOAD, explain_all
from dawn.registry import MODEL_NAMES, model_strings
from dawn.text import MAX_SOURCE_CHARS
from dawn.translator import Translator

STATIC = Path(__file__).resolve().parent / "static"
TEMPLATE = '<div class="ax" data-component="attention-explorer"></div>'  # the JS fills it; the template never changes

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "empty": "Translate a sentence to explore what each model looked at and what it needed.",
        "nothing": "The model produced no output tokens, so there is nothing to explain.",
        "strip.target": "English",
        "strip.source": "Chinese",
        "control.map": "Map",
        "control.layer": "Layer",
        "control.head": "Head",
        "control.average": "Average",
        "control.multiples": "All heads",
        "map.cross": "English → Chinese",
        "map.encoder": "Chinese ↔ Chinese",
        "title.attention.cross": "Attention.",
        "title.attention.encoder": "Encoder self-attention.",
        "title.influence": "Influence.",
        "title.coverage": "Coverage, step by step.",
        "caption.attention.cross": "Where the decoder looked while writing each English token (row); darker = more weight (darkest = {max}); each row sums to 1.",
        "caption.attention.encoder": "Each character holds a small meeting with the others: row = the character asking, column = the one it listens to (darkest = {max}).",
        "caption.influence": "What each English token needed: the drop in its log-probability when one character is replaced by <unk> (orange = needed, blue = better without; darkest = {max} nats). Where it differs from attention, attention is not the explanation.",
        "caption.influence.alone": "This LSTM has no attention to show, only its honest map: the drop in each English token's log-probability when one character is replaced by <unk> (orange = needed, blue = better without; darkest = {max} nats).",
        "caption.coverage": "Drag to replay the decoding: each bar adds up the weight a character has received. Grey dashed: looked at less than {never} in total (dropped?); red: more than {again} (looked at again).",
        "caption.coverage.influence": "Drag to replay the decoding: each bar adds up each step's share of influence. Grey dashed: under {never} (ignored?); red: over {again} (used again).",
        "coverage.step": "Step {n} of {T} ({token}): {never} characters not yet looked at, {again} looked at again.",
        "hint.token": "Tap an English token to see what the model almost said instead.",
        "hint.cell": "Click a cell of one head to work through the whiteboard's three steps with the model's own numbers.",
        "alts.title": "Step {n}: the model wrote “{token}”. Its top 5:",
        "alts.chosen": "Probability of the chosen token: {p}%.",
        "beam.title": "Beam search (k = {k}) at step {n}:",
        "beam.kept": "kept",
        "beam.finished": "finished",
        "beam.dropped": "dropped",
        "wb.title": "The whiteboard for “{token}” looking at “{char}” (layer {layer}, head {head}, d_k = {dk})",
        "wb.step1": "1) score q·k",
        "wb.step2": "2) ÷ √d_k = {sqrt}",
        "wb.step3": "3) softmax",
        "wb.sum": "Output y = Σ α_j v_j = {y} (first {dims} of {dk} numbers).",
        "wb.term": "This cell adds α × v = {a} × {v} = {av} for “{char}”.",
        "wb.check": "Whiteboard weight {a}; the model's own weight in the map: {own}.",
        "wb.pickhead": "The whiteboard works on one head: pick a head (not the average), then click a cell.",
        "wb.additive": "This model scores each character with its own small network, e = vᵀ tanh(W s + U h), then takes the softmax: the map shows those weights.",
    },
    "zh": {
        "empty": "翻译一句话，看看每个模型在看哪里、真正用到了哪些字。",
        "nothing": "模型没有输出任何词，没有可解释的内容。",
        "strip.target": "英文",
        "strip.source": "中文",
        "control.map": "图",
        "control.layer": "层",
        "control.head": "头",
        "control.average": "平均",
        "control.multiples": "所有头",
        "map.cross": "英文 → 中文",
        "map.encoder": "中文 ↔ 中文",
        "title.attention.cross": "注意力。",
        "title.attention.encoder": "编码器自注意力。",
        "title.influence": "影响力。",
        "title.coverage": "逐步覆盖。",
        "caption.attention.cross": "写每个英文词（行）时，解码器看了哪些汉字；颜色越深权重越大（最深＝{max}），每行加起来等于 1。",
        "caption.attention.encoder": "每个字都和其他字开了个小会：行是发问的字，列是它在听的字（最深＝{max}）。",
        "caption.influence": "每个英文词真正需要什么：把一个汉字换成 <unk> 后，这个词的对数概率下降多少（橙色＝需要，蓝色＝没有它反而更好；最深＝{max} 纳特）。和注意力不一样的地方，说明注意力并不是解释。",
        "caption.influence.alone": "这个 LSTM 没有注意力可看，只有这张诚实的图：把一个汉字换成 <unk> 后，每个英文词的对数概率下降多少（橙色＝需要，蓝色＝没有它反而更好；最深＝{max} 纳特）。",
        "caption.coverage": "拖动滑块重放解码过程：每根柱子累加一个字得到的权重。灰色虚线：总共不到 {never}（被漏掉了？）；红色：超过 {again}（被反复看）。",
        "caption.coverage.influence": "拖动滑块重放解码过程：每根柱子累加每一步的影响力份额。灰色虚线：不到 {never}（被忽略？）；红色：超过 {again}（被反复使用）。",
        "coverage.step": "第 {n} / {T} 步（{token}）：{never} 个字还没被看过，{again} 个字被反复看。",
        "hint.token": "点一个英文词，看看模型差点说了什么。",
        "hint.cell": "点某一个头里的一个格子，用模型自己的数字走一遍白板上的三步。",
        "alts.title": "第 {n} 步：模型写了“{token}”。前 5 个候选：",
        "alts.chosen": "所选词的概率：{p}%。",
        "beam.title": "束搜索（k = {k}）第 {n} 步：",
        "beam.kept": "保留",
        "beam.finished": "完成",
        "beam.dropped": "丢弃",
        "wb.title": "白板：“{token}”看向“{char}”（第 {layer} 层，第 {head} 个头，d_k = {dk}）",
        "wb.step1": "1）打分 q·k",
        "wb.step2": "2）÷ √d_k = {sqrt}",
        "wb.step3": "3）softmax",
        "wb.sum": "输出 y = Σ α_j v_j = {y}（{dk} 个数中的前 {dims} 个）。",
        "wb.term": "这个格子贡献 α × v = {a} × {v} = {av}（“{char}”）。",
        "wb.check": "白板算出的权重 {a}；模型图里自己的权重：{own}。",
        "wb.pickhead": "白板只算一个头：先选一个头（不是平均），再点格子。",
        "wb.additive": "这个模型用一个小网络给每个字打分，e = vᵀ tanh(W s + U h)，再取 softmax：图上画的就是这些权重。",
    },
}

for _lang, _table in STRINGS.items():
    _table.update(model_strings(_lang))  # model.NAME: the same labels as the page's (dawn/registry.py)


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


def attention_handler(translators: dict[str, Translator]) -> Callable[..., dict]:
    """The /attention(source, decoding, sentence) API function for these translators (in page order).

    Returns {"source", "decoding", "beam_size", "sentences", "sentence", "models": {name: payload}} (see
    dawn/explain.py); bad input raises gr.Error with the input checker's message, and nothing in the log.
    """
    from dawn.inputs import InputError, check_decoding, check_sentence, check_source

    @torch.inference_mode()
    def attention(source: str, decoding: str = "greedy", sentence: int = 0) -> dict:
        try:
            beam_size = check_decoding(decoding)
            src = check_source(source)
            index = check_sentence(sentence, len(src.sentences))
            result = explain_all(translators, src.sentences[index], beam_size)
        except ValueError as e:  # InputError, or explain()'s own refusal (e.g. too many tokens)
            raise gr.Error(str(e), print_exception=False) from None
        result.update(decoding=decoding, sentences=src.sentences, sentence=index)
        return result

    attention.__doc__ = ATTENTION_API
    return attention


ATTENTION_API = f"""Every model's translation of one sentence, with what explains it: attention, influence, \
alternatives and the beam record.
Parameters: source, a Chinese sentence or paragraph (at most {MAX_SOURCE_CHARS:,} characters, split at 。！？); \
decoding, "greedy" or "beam"; sentence, which sentence of a paragraph to explain, counting from 0 (default 0).
Returns JSON: source (the sentence explained), decoding, beam_size, sentences (the paragraph split), sentence \
(its index), models {{name: payload}} in historical order.
{PAYLOAD}"""


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
