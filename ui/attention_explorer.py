"""The attention explorer: one Gradio component, drawn in the browser, used once per model.

    from ui.attention_explorer import AttentionExplorer, attention_handler, replay_prop, whatif_handler
    whatif = whatif_handler(translators)                 # the /whatif(source, model, prefix) API function
    explorers = {name: AttentionExplorer(model=name, lang="en", whatif=whatif, replay=replay_prop(folder / name))
                 for name in translators}
    attention = attention_handler(translators)           # the /attention(source, decoding) API function
    button.click(attention, [source, decoding], api_name="attention", outputs=result_json).then(
        lambda r: tuple(r["models"][n] for n in explorers), result_json, list(explorers.values()))

The server sends numbers once per translation (dawn/explain.py: tokens, 8-bit
attention, influence, alternatives, beam, whiteboard scores); the browser
(static/attention_explorer.js, its CSS beside it) draws and links everything.
Hover, pin, layer/head/average, small multiples, linked selection across
explorers, the coverage scrubber, the whiteboard, the alternatives, the beam
step by step, the training replay (replay.json, sent once as a prop) and the
exports never call the server. "What if" does, on a click: with `whatif`, the
component's server function continues a forced beginning (dawn/whatif.py).

A value may be one model's payload, or a whole /attention result from which
the explorer shows `model`. `lang` is "en", "zh" or "auto" (the page's
<html lang>, re-read when the page dispatches a "dawn-lang" event).
`view="encoder"` opens on the Transformer's encoder self-attention.

Try it alone (no page needed):  python -m ui.attention_explorer
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import gradio as gr
import torch

from dawn.explain import PAYLOAD, explain_all
from dawn.registry import MODEL_NAMES, model_strings
from dawn.replay import REPLAY_FILE
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
        "beam.view": "Beam search (k = {k}), step by step.",
        "beam.hint": "Every candidate the search weighed at this step, with its total log-probability; bold: on the way to the final translation. Click one to light its step's row in the map.",
        "beam.step": "Step {n} of {N}",
        "whatif.title": "What if?",
        "whatif.hint": "Choose another token among a step's top 5, or type an English beginning: the model is forced to start that way and continues on its own.",
        "whatif.placeholder": "Type an English beginning, e.g. The cat",
        "whatif.go": "Continue",
        "whatif.busy": "The model is continuing…",
        "whatif.choose": "choose",
        "whatif.choose.label": "Choose “{token}” instead and let the model continue",
        "whatif.result": "Beginning “{prefix}”:",
        "whatif.logp": "log p of this whole translation: {new}; of the model's own: {own} (closer to 0 = more likely).",
        "whatif.forced": "forced",
        "whatif.nomap": "This LSTM has no attention, so there is no map of the continuation.",
        "title.whatif": "The continuation's attention.",
        "caption.whatif": "Where the decoder looked for each token of the what-if translation (last layer, heads averaged). Tap a token above for its top 5.",
        "export.where": "(layer {layer}, {head})",
        "legend.attention": "attention weight",
        "legend.influence": "drop in log-probability, nats (orange: needed, blue: better without)",
        "replay.title": "Watching attention learn.",
        "replay.caption": "The story sentence as this model translated it at points of its training, from the untrained start to the end: blurry at first, then a diagonal forms. Beside it, 猫追老鼠。 at the same point.",
        "replay.none": "No training replay for this model yet: its committed checkpoint was trained before training recorded snapshots. Retraining it (python -m training.train) writes checkpoints/{model}/replay.json, and the slider appears here.",
        "replay.together": "move all models together",
        "replay.step": "Snapshot {n} of {N}: step {step}, epoch {epoch}, validation BLEU {bleu}, validation loss {loss}",
        "replay.map.attention": "Attention (last layer, heads averaged), story sentence.",
        "replay.map.influence": "Influence (no attention in this model), story sentence.",
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
        "wb.additive": "This model scores each character with its own small network, e = vᵀ tanh(W_s s + W_h h), then takes the softmax: the map shows those weights.",
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
        "beam.view": "束搜索（k = {k}），一步一步看。",
        "beam.hint": "这一步搜索掂量过的每个候选及其累计对数概率；粗体：通向最终译文的那一条。点一个候选，图上会点亮这一步的那一行。",
        "beam.step": "第 {n} / {N} 步",
        "whatif.title": "如果……会怎样？",
        "whatif.hint": "在某一步的前 5 个候选里换一个词，或者输入一个英文开头：模型被迫这样开头，然后自己接着往下写。",
        "whatif.placeholder": "输入一个英文开头，例如 The cat",
        "whatif.go": "接着写",
        "whatif.busy": "模型正在接着写……",
        "whatif.choose": "选它",
        "whatif.choose.label": "改选“{token}”，让模型接着写",
        "whatif.result": "以“{prefix}”开头：",
        "whatif.logp": "这整句译文的对数概率：{new}；模型自己那句：{own}（越接近 0 越可能）。",
        "whatif.forced": "强制",
        "whatif.nomap": "这个 LSTM 没有注意力，所以续写没有注意力图。",
        "title.whatif": "续写的注意力。",
        "caption.whatif": "写“如果”译文的每个词时解码器看了哪里（最后一层，各头平均）。点上面的词看它的前 5 个候选。",
        "export.where": "（第 {layer} 层，{head}）",
        "legend.attention": "注意力权重",
        "legend.influence": "对数概率的下降，纳特（橙色：需要，蓝色：没有它更好）",
        "replay.title": "看注意力是怎么学会的。",
        "replay.caption": "这个模型在训练的不同时刻怎么翻译故事里的长句，从未训练开始到训练结束：起初一片模糊，然后一条对角线慢慢成形。旁边是同一时刻的“猫追老鼠。”。",
        "replay.none": "这个模型还没有训练回放：仓库里的检查点是在训练开始记录快照之前训练的。重新训练（python -m training.train）会写出 checkpoints/{model}/replay.json，滑块就会出现在这里。",
        "replay.together": "所有模型一起移动",
        "replay.step": "第 {n} / {N} 个快照：第 {step} 步，第 {epoch} 轮，验证集 BLEU {bleu}，验证集损失 {loss}",
        "replay.map.attention": "注意力（最后一层，各头平均），故事里的长句。",
        "replay.map.influence": "影响力（这个模型没有注意力），故事里的长句。",
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
        "wb.additive": "这个模型用一个小网络给每个字打分，e = vᵀ tanh(W_s s + W_h h)，再取 softmax：图上画的就是这些权重。",
    },
}

for _lang, _table in STRINGS.items():
    _table.update(model_strings(_lang))  # model.NAME: the same labels as the page's (dawn/registry.py)


def _asset(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


class AttentionExplorer(gr.HTML):
    """One model's translation, explained: attention and influence maps, coverage, alternatives, whiteboard."""

    def __init__(self, value: dict | None = None, *, model: str | None = None, lang: str = "auto",
                 view: str = "cross", whatif: Callable | None = None, replay: dict | None = None, **kwargs):
        if view not in ("cross", "encoder"):
            raise ValueError(f"view must be 'cross' or 'encoder', got {view!r}")
        if lang not in ("auto", "en", "zh"):
            raise ValueError(f"lang must be 'auto', 'en' or 'zh', got {lang!r}")
        kwargs.setdefault("apply_default_css", False)
        # server.glyphs(text) draws the exported SVG's text as outlines; server.whatif(source, model, prefix)
        # (given /whatif's function) continues a forced beginning.
        kwargs["server_functions"] = [glyphs] + ([explorer_whatif(whatif)] if whatif is not None else [])
        super().__init__(value=value, html_template=TEMPLATE, css_template=_asset("attention_explorer.css"),
                         js_on_load=_asset("attention_explorer.js"), model=model, lang=lang, view=view,
                         strings=STRINGS, replay=replay, **kwargs)
        # props as plain attributes: Gradio reads them back when a handler returns gr.update(lang=...)
        self.model, self.lang, self.view, self.strings, self.replay = model, lang, view, STRINGS, replay

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
            result = explain_all(translators, src.sentences[index], beam_size, normalized=True)  # checked above
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


def whatif_handler(translators: dict[str, Translator]) -> Callable[[str, str, str | list[int]], dict]:
    """The /whatif(source, model, prefix) API function for these translators.

    prefix: the beginning of an English translation (text) or target token ids (the explorer's
    "choose this one instead"). Returns dawn/whatif.py's payload: {"text", "tokens", "log_prob",
    "cross_attention", ...} with text starting with the prefix; bad input raises gr.Error.
    """
    from dawn.inputs import InputError, check_source
    from dawn.whatif import whatif as continue_prefix

    @torch.inference_mode()
    def whatif(source: str, model: str, prefix: str | list[int]) -> dict:
        """Force the translation of `source` by `model` to begin with `prefix`, and let the model continue."""
        if not isinstance(model, str) or model not in translators:  # echoed only when plainly a name
            shown = f" {model!r}" if isinstance(model, str) and re.fullmatch(r"[\w.-]{1,40}", model) else ""
            raise gr.Error(f"unknown model{shown}; expected one of {', '.join(translators)}")
        try:
            text = check_source(source).text
            return continue_prefix(translators[model], text, prefix, name=model)
        except (InputError, ValueError) as e:
            raise gr.Error(str(e)) from None

    return whatif


def glyphs(text: str) -> dict:
    """The explorer's server function for exports: outlines of the characters in `text` (ui/glyphs.py),
    or {"error": message} (no CJK font on the server: the export then keeps its text as text)."""
    from ui.glyphs import glyph_outlines
    try:
        return glyph_outlines(text)
    except ValueError as e:
        return {"error": str(e)}


def explorer_whatif(whatif: Callable) -> Callable:
    """The explorer's server function: server.whatif(source, model, prefix) in the browser. Gradio sends the
    arguments as one list; errors come back as {"error": message} for the explorer to show as text."""

    def whatif_call(args: list) -> dict:
        try:
            if not isinstance(args, list) or len(args) != 3:
                raise gr.Error("what-if takes (source, model, prefix)")
            return whatif(*args)
        except gr.Error as e:
            return {"error": e.message}

    whatif_call.__name__ = "whatif"
    return whatif_call


def load_replay(folder: Path) -> dict:
    """A checkpoint folder's training replay (dawn/replay.py's replay.json), snapshots in increasing step order.
    Raises ValueError with a plain message when the folder has none or it is not a replay."""
    path = Path(folder) / REPLAY_FILE
    if not path.is_file():
        raise ValueError(f"no training replay for {Path(folder).name!r}: {path.parent.name}/{REPLAY_FILE} does not "
                         "exist (the committed checkpoints were trained before snapshots were recorded; "
                         "retraining with python -m training.train writes one)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        snapshots = sorted(data["snapshots"], key=lambda s: s["step"])
    except (ValueError, KeyError, TypeError) as e:
        raise ValueError(f"{path.parent.name}/{REPLAY_FILE} is not a training replay ({e})") from None
    steps = [s["step"] for s in snapshots]
    if not snapshots or len(set(steps)) != len(steps):
        raise ValueError(f"{path.parent.name}/{REPLAY_FILE} has no snapshots or repeats a step")
    return {**data, "snapshots": snapshots}


def replay_prop(folder: Path) -> dict:
    """What an explorer shows as its replay: the replay, or {"missing": True} (the page says so plainly),
    or {"error": message} for a file that is not a replay."""
    if not (Path(folder) / REPLAY_FILE).is_file():
        return {"missing": True}
    try:
        return load_replay(folder)
    except ValueError as e:
        return {"error": str(e)}


def replay_handler(folders: dict[str, Path]) -> Callable[[str], dict]:
    """The /replay(model) API function: {name: checkpoint folder} -> model's replay.json, steps increasing."""

    def replay(model: str) -> dict:
        """The training replay of `model`: {"model", "sentence", "snapshots": [{"step", "epoch", ...}]}."""
        if not isinstance(model, str) or model not in folders:
            shown = f" {model!r}" if isinstance(model, str) and re.fullmatch(r"[\w.-]{1,40}", model) else ""
            raise gr.Error(f"unknown model{shown}; expected one of {', '.join(folders)}")
        try:
            return load_replay(folders[model])
        except ValueError as e:
            raise gr.Error(str(e)) from None

    return replay


def per_model(result: dict | None, names: list[str]) -> tuple:
    """A whole /attention result -> one payload per explorer, in the order of `names` (None where missing)."""
    models = (result or {}).get("models", {})
    return tuple(models.get(n) for n in names)


def harness(translators: dict[str, Translator], sentence: str = "", replays: dict[str, dict] | None = None) -> gr.Blocks:
    """A tiny page with one explorer per model (plus the Transformer's encoder view), for trying and testing.
    replays: {name: replay_prop(...)} to show each model's training replay."""
    attention, whatif = attention_handler(translators), whatif_handler(translators)
    names = list(translators)
    with gr.Blocks(title="Attention explorer") as demo:
        source = gr.Textbox(sentence, label="Chinese", elem_id="ax-source")
        decoding = gr.Radio(["greedy", "beam"], value="greedy", label="Decoding", elem_id="ax-decoding")
        lang = gr.Radio(["en", "zh"], value="en", label="Language", elem_id="ax-lang")
        go = gr.Button("Explain", elem_id="ax-go")
        result = gr.JSON(visible=False)
        explorers = [AttentionExplorer(model=n, lang="en", elem_id=f"ax-{n}", whatif=whatif,
                                       replay=(replays or {}).get(n)) for n in names]
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
    harness(found, STORY_SENTENCE, {n: replay_prop(root / n) for n in found}).queue(
        default_concurrency_limit=1, max_size=16).launch()
