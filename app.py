"""Code Dawn 2014 (代码破晓) — the companion demo. UI only: the logic lives in dawn/demo.py.

    python app.py                                                 # http://127.0.0.1:7860
    GRADIO_SERVER_NAME=0.0.0.0 GRADIO_SERVER_PORT=7861 python app.py
    DAWN_CHECKPOINTS=/elsewhere python app.py                     # other checkpoints (default: ./checkpoints)

API (one endpoint, exactly two inputs):

    from gradio_client import Client
    lstm, transformer, lstm_scores, transformer_scores, note = Client("http://127.0.0.1:7860/").predict(
        "猫追老鼠。", "The cat is chasing the mouse.", api_name="/translate")
"""

from __future__ import annotations

import os
from pathlib import Path

import gradio as gr
import torch
from PIL import Image

from dawn import load_translator
from dawn import demo as D
from dawn.demo import PairResult
from dawn.story import STORY_REFERENCE, STORY_SENTENCE
from dawn.whiteboard import STORY_VECTORS

CHECKPOINTS = Path(os.environ.get("DAWN_CHECKPOINTS", Path(__file__).resolve().parent / "checkpoints"))  # NAME/ per model
MODEL_NAMES = ("lstm", "transformer")
BEAM_SIZE = 4
CONCURRENCY = 2    # two CPU cores: at most two translations run at once (torch already uses the cores)
QUEUE_MAX = 64     # requests waiting beyond this are refused at once ("queue is full") instead of waiting minutes
STATE_TTL_S = 900  # per-visitor attention weights are dropped after 15 minutes

EXAMPLES = [  # short to long: [source, reference]
    ["猫追老鼠。", "The cat is chasing the mouse."],
    ["老鼠追猫。", "The mouse is chasing the cat."],
    ["我爱你。", "I love you."],
    ["今天天气很好。", "The weather is nice today."],
    ["我們明天見。", "See you tomorrow."],
    ["我明天要去图书馆看书。", "I'm going to the library to read tomorrow."],
    ["虽然他很累，但是他还是把工作做完了。", "Although he was very tired, he still finished the work."],
    [STORY_SENTENCE, STORY_REFERENCE],
    ["如果你明天有时间的话，我们可以一起去公园散步，然后找一家安静的咖啡馆坐下来，慢慢聊聊这几年各自的生活。",
     "If you have time tomorrow, we could take a walk in the park together, then find a quiet café to sit in "
     "and talk about what each of us has been doing these past few years."],
]
DECODING = [("贪心 greedy", "greedy"), (f"束搜索 beam ({BEAM_SIZE})", "beam")]
AVERAGE = 0  # head selector value meaning "average over heads"

INTRO = """# 代码破晓：2014 · Code Dawn 2014
同一句中文，交给两个小模型：一个是 2014 年式的 LSTM 序列到序列模型，只能把整句压进一个向量；另一个是用**注意力**的 Transformer，写每个英文词时都能回头看每个汉字。

One Chinese sentence, two tiny models: a 2014-style LSTM sequence-to-sequence model that must squeeze the whole sentence into one vector, and a Transformer whose **attention** lets every English word look back at every Chinese character."""
FOOTER = """---
故事《代码破晓：2014》© 李林 2025，引用的故事文字以 [CC BY-NC 4.0](https://creativecommons.org/licenses/by-nc/4.0/) 授权。

Story *Code Dawn: 2014* © Li Lin 2025; the story text quoted here is licensed CC BY-NC 4.0.

训练与测试数据 / Training and test data: Tatoeba, CC-BY 2.0 (France) — [manythings.org/anki](https://www.manythings.org/anki/) and [tatoeba.org](https://tatoeba.org)."""

TRANSLATORS = {name: load_translator(CHECKPOINTS / name) for name in MODEL_NAMES}  # loaded once, at start
_shape = TRANSLATORS["transformer"].config["model"]  # layer and head counts for the selectors
DECODER_LAYERS, ENCODER_LAYERS, HEADS = _shape["decoder_layers"], _shape["encoder_layers"], _shape["n_heads"]


# ----------------------------------------------------------------------------- handlers

def keep(value: str) -> str:
    return value


@torch.inference_mode()
def translate(source: str, reference: str, decoding: str) -> tuple[str, str, str, str, str, PairResult]:
    """Both translations, their score lines, a note for the user; the full result goes to the session state."""
    r = D.translate_pair(TRANSLATORS, source, reference, beam_size=BEAM_SIZE if decoding == "beam" else 1)
    lstm, transformer = r.outputs["lstm"], r.outputs["transformer"]
    return lstm.text, transformer.text, D.score_line(lstm), D.score_line(transformer), r.note, r


def _head(head: int) -> int | None:
    return None if head == AVERAGE else int(head)


@torch.inference_mode()
def draw_cross(result: PairResult | None, layer: int, head: int) -> tuple[Image.Image | None, str]:
    tr = result.outputs["transformer"].translation if result else None
    return D.cross_attention_figure(tr, int(layer), _head(head))


@torch.inference_mode()
def draw_encoder(result: PairResult | None, layer: int, head: int) -> tuple[Image.Image | None, str]:
    tr = result.outputs["transformer"].translation if result else None
    return D.encoder_attention_figure(tr, int(layer), _head(head))


@torch.inference_mode()
def draw_lstm(result: PairResult | None) -> tuple[Image.Image | None, str]:
    return D.lstm_panel(result.outputs["lstm"].translation if result else None)


def draw_all(result: PairResult | None, cross_layer: int, cross_head: int, enc_layer: int, enc_head: int):
    return (*draw_cross(result, cross_layer, cross_head), *draw_encoder(result, enc_layer, enc_head), *draw_lstm(result))


def benchmark() -> tuple[str, Image.Image | None]:
    """Read on every page load: metrics appear once training and evaluation have finished."""
    return D.benchmark_markdown(CHECKPOINTS, TRANSLATORS), D.length_figure(CHECKPOINTS)


def whiteboard(cat: str, chase: str, mouse: str, scale: bool, swap: bool) -> tuple[str, Image.Image | None]:
    return D.whiteboard(cat, chase, mouse, scale, swap)


# ----------------------------------------------------------------------------- layout

def selectors(n_layers: int, label: str) -> tuple[gr.Radio, gr.Radio]:
    layer = gr.Radio([(str(i), i) for i in range(1, n_layers + 1)], value=n_layers, label=f"{label} layer / 层")
    head = gr.Radio([("平均 average", AVERAGE)] + [(str(h), h) for h in range(1, HEADS + 1)], value=AVERAGE,
                    label="head / 注意力头")
    return layer, head


with gr.Blocks(title="代码破晓 Code Dawn 2014") as demo:
    gr.Markdown(INTRO)
    with gr.Tab("Translate / 翻译"):
        with gr.Row():
            source = gr.Textbox(STORY_SENTENCE, lines=3, label="中文原文 / Chinese source", elem_id="source")
            reference = gr.Textbox(STORY_REFERENCE, lines=3, label="参考译文（可改，可空）/ Reference (editable, optional)",
                                   elem_id="reference")
        with gr.Row():
            decoding = gr.Radio(DECODING, value="greedy", label="解码 / Decoding", scale=2)
            button = gr.Button("翻译 Translate", variant="primary", scale=1, elem_id="translate-button")
        decoding_state = gr.State("greedy")  # keeps the API endpoint at exactly (source, reference)
        note = gr.Markdown(label="note", elem_id="note")
        with gr.Row():
            with gr.Column():
                lstm_out = gr.Textbox(label=D.MODEL_LABELS["lstm"], lines=3, interactive=False, elem_id="lstm-out")
                lstm_score = gr.Markdown(label="lstm_scores")
            with gr.Column():
                tf_out = gr.Textbox(label=D.MODEL_LABELS["transformer"], lines=3, interactive=False, elem_id="transformer-out")
                tf_score = gr.Markdown(label="transformer_scores")
        gr.Examples(EXAMPLES, inputs=[source, reference], cache_examples=False,
                    label="例句，由短到长 / Examples, short to long")
        result_state = gr.State(None, time_to_live=STATE_TTL_S)

        gr.Markdown("## 注意力图 / Attention maps")
        gr.Markdown("### Transformer：写每个英文词时看了哪些汉字 / where each English word looked")
        with gr.Row():
            cross_layer, cross_head = selectors(DECODER_LAYERS, "decoder")
        cross_img = gr.Image(type="pil", format="png", label="cross-attention / 交叉注意力", interactive=False,
                             elem_id="cross-attention")
        cross_caption = gr.Markdown()
        gr.Markdown("### 每个字都和其他字开了个小会 / Each character holds a small meeting with the others")
        with gr.Row():
            enc_layer, enc_head = selectors(ENCODER_LAYERS, "encoder")
        enc_img = gr.Image(type="pil", format="png", label="encoder self-attention / 编码器自注意力", interactive=False,
                           elem_id="encoder-attention")
        enc_caption = gr.Markdown()
        gr.Markdown("### LSTM：老实交代 / The LSTM, honestly")
        lstm_img = gr.Image(type="pil", format="png", label="final state / 最终状态", interactive=False, elem_id="lstm-state")
        lstm_text = gr.Markdown()

        gr.Markdown("## 测试集成绩 / Benchmark")
        bench_md = gr.Markdown(D.NOT_EVALUATED)
        bench_img = gr.Image(type="pil", format="png", label="BLEU by sentence length / 按句长的 BLEU", interactive=False)

    with gr.Tab("Whiteboard / 白板"):
        gr.Markdown("## 故事里的白板 / The whiteboard from the story\n"
                    "改动三个词向量，看自注意力一步步算出来：softmax(X Xᵀ [/ √d]) X。 / "
                    "Edit the three word vectors and watch self-attention computed step by step.")
        with gr.Row():
            wb_inputs = [gr.Textbox(", ".join(f"{v:g}" for v in vec), label=f"{word} 的向量 / vector of {word}")
                         for word, vec in zip(("猫", "追", "老鼠"), STORY_VECTORS)]
        with gr.Row():
            wb_scale = gr.Checkbox(False, label="除以 √d / scale by 1/√d")
            wb_swap = gr.Checkbox(False, label="换成 老鼠追猫 / swap to 老鼠追猫")
            wb_button = gr.Button("计算 Compute", variant="primary")
        with gr.Row():
            wb_steps = gr.Markdown(elem_id="whiteboard-steps")
            wb_img = gr.Image(type="pil", format="png", label="attention weights a_ij / 注意力权重", interactive=False)

    gr.Markdown(FOOTER)

    # events
    decoding.change(keep, decoding, decoding_state, queue=False, api_visibility="private")
    button.click(translate, [source, reference, decoding_state],
                 [lstm_out, tf_out, lstm_score, tf_score, note, result_state],
                 api_name="translate", concurrency_id="translate").then(
        draw_all, [result_state, cross_layer, cross_head, enc_layer, enc_head],
        [cross_img, cross_caption, enc_img, enc_caption, lstm_img, lstm_text], api_visibility="private")
    for control in (cross_layer, cross_head):
        control.change(draw_cross, [result_state, cross_layer, cross_head], [cross_img, cross_caption],
                       api_visibility="private")
    for control in (enc_layer, enc_head):
        control.change(draw_encoder, [result_state, enc_layer, enc_head], [enc_img, enc_caption],
                       api_visibility="private")
    wb_all = [*wb_inputs, wb_scale, wb_swap]
    gr.on([wb_button.click, wb_scale.change, wb_swap.change, *(t.submit for t in wb_inputs)], whiteboard, wb_all,
          [wb_steps, wb_img], api_visibility="private")
    demo.load(whiteboard, wb_all, [wb_steps, wb_img], api_visibility="private")
    demo.load(benchmark, None, [bench_md, bench_img], api_visibility="private")


if __name__ == "__main__":
    # server name and port come from GRADIO_SERVER_NAME / GRADIO_SERVER_PORT (default 127.0.0.1:7860)
    demo.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_MAX).launch()
