"""Everything the app does except drawing widgets: clean the input, translate with
both models, score and time them, and turn attention weights, the LSTM's final
state and the benchmark files into figures and text (the whiteboard: dawn/whiteboard.py).

    from dawn import load_translator
    from dawn.demo import translate_pair, cross_attention_figure
    models = {name: load_translator(f"checkpoints/{name}") for name in ("lstm", "transformer")}
    r = translate_pair(models, "猫追老鼠。", "The cat is chasing the mouse.", beam_size=1)
    r.outputs["transformer"].text, r.outputs["transformer"].bleu, r.outputs["transformer"].ms
    image, caption = cross_attention_figure(r.outputs["transformer"].translation, layer=2, head=None)

Nothing here lets an exception reach the user: bad input gives a result with a
bilingual message (中文 / English) instead. Every function is pure apart from
the clock and reading checkpoints/*/metrics.json.
"""

from __future__ import annotations

import functools
import json
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from dawn.metrics import sentence_scores
from dawn.plots import heatmap, state_strip
from dawn.text import MAX_SOURCE_CHARS, normalize_en, strip_unprintable
from dawn.translator import Translation, Translator

MAX_RAW_CHARS = 50 * MAX_SOURCE_CHARS  # raw input beyond this is dropped before any cleaning work
MAX_REFERENCE_CHARS = 2000            # references are only scored, but keep them bounded too
UNK = "<unk>"

MESSAGE_EMPTY = "请输入一句中文。 / Please type a Chinese sentence to translate."
MESSAGE_NOTHING = ("这里没有可以翻译的字（只有标点、符号或表情）。 / "
                   "There is nothing to translate here: only punctuation, symbols or emoji.")
MODEL_LABELS = {"lstm": "LSTM (2014 seq2seq, no attention / 无注意力)",
                "transformer": "Transformer (attention / 注意力)"}


# ----------------------------------------------------------------------------- input

def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return 0x3400 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x3FFFF


def prepare_source(text: str | None) -> tuple[str, str]:
    """Raw user text -> (text to translate, note for the user). An empty first item means: do not translate.

    1) drop control characters, NUL, lone surrogates, private-use and format (bidi) characters
    2) NFKC, as the tokenizer does (，-> ,), so that the length we cap is what the model sees (ﷺ is 18 characters)
    3) keep at most MAX_SOURCE_CHARS characters, and say so
    """
    raw = "" if text is None else str(text)
    notes = []
    if len(raw) > MAX_RAW_CHARS:
        raw = raw[:MAX_RAW_CHARS]
    removed = sum(1 for ch in raw if ch not in "\t\n\r" and unicodedata.category(ch) in ("Cc", "Cs", "Cn", "Co", "Cf"))
    clean = strip_unprintable(raw)                                            # 1)
    clean = "".join(ch for ch in clean if unicodedata.category(ch) != "Cf")
    clean = strip_unprintable(unicodedata.normalize("NFKC", clean))          # 2)
    if not clean:
        return "", MESSAGE_EMPTY
    if not any(unicodedata.category(ch)[0] in "LN" for ch in clean):
        return "", MESSAGE_NOTHING
    if removed:
        notes.append(f"已删除 {removed} 个不可见或控制字符。 / Removed {removed} invisible or control character(s).")
    if len(clean) > MAX_SOURCE_CHARS:                                         # 3)
        notes.append(f"输入有 {len(clean):,} 个字符，只翻译前 {MAX_SOURCE_CHARS} 个。 / "
                     f"The input has {len(clean):,} characters; only the first {MAX_SOURCE_CHARS} are translated.")
        clean = clean[:MAX_SOURCE_CHARS].strip()
    if not any(_is_cjk(ch) for ch in clean):
        notes.append("没有汉字：两个模型只学过中译英，译文多半没有意义。 / "
                     "No Chinese characters: both models only learned Chinese→English, so expect nonsense.")
    return clean, "\n\n".join(notes)


# ----------------------------------------------------------------------------- translation

@dataclass
class ModelOutput:
    text: str = ""                          # the English translation ("" when there is none)
    bleu: float | None = None               # sentence BLEU against the reference; None without one
    chrf: float | None = None               # sentence chrF against the reference; None without one
    ms: float | None = None                 # decoding time in milliseconds
    translation: Translation | None = None  # tokens and attention weights, for the figures
    error: str | None = None                # set when the model failed on this input


@dataclass
class PairResult:
    source: str                 # the cleaned text both models translated ("" when nothing was)
    reference: str              # the cleaned reference ("" when none was given)
    note: str                   # messages for the user (empty input, truncation, ...); "" when all is well
    beam_size: int
    outputs: dict[str, ModelOutput] = field(default_factory=dict)  # model name -> its result


def translate_pair(translators: dict[str, Translator], source: str | None, reference: str | None,
                   beam_size: int = 1) -> PairResult:
    """Translate one sentence with every model; score each against the reference (if any) and time it."""
    clean, note = prepare_source(source)
    ref = normalize_en("" if reference is None else str(reference)[:MAX_REFERENCE_CHARS])
    beam_size = int(beam_size) if isinstance(beam_size, (int, float)) and 1 <= beam_size <= 8 else 1
    result = PairResult(clean, ref, note, beam_size, {name: ModelOutput() for name in translators})
    if not clean:
        return result
    for name, translator in translators.items():
        start = time.perf_counter()
        try:
            tr = translator.translate(clean, beam_size=beam_size)
            out = ModelOutput(text=tr.text, ms=round((time.perf_counter() - start) * 1000.0, 1), translation=tr)
            if ref:
                scores = sentence_scores(tr.text, ref)
                out.bleu, out.chrf = scores["bleu"], scores["chrf"]
        except Exception as e:  # a bug on some odd input must become a message, never a traceback
            out = ModelOutput(error=f"{MODEL_LABELS.get(name, name)}: 翻译失败 / translation failed "
                                    f"({type(e).__name__}: {str(e)[:200]})")
        result.outputs[name] = out
    n_unk = max((o.translation.source_tokens.count(UNK) for o in result.outputs.values() if o.translation), default=0)
    if n_unk:
        result.note = "\n\n".join(filter(None, [result.note,
                                  f"{n_unk} 个字不在模型的词表里（显示为 `<unk>`）。 / "
                                  f"{n_unk} character(s) are not in a model's vocabulary (shown as `<unk>`)."]))
    return result


def score_line(out: ModelOutput) -> str:
    """One line of Markdown under a translation: scores and time, or why there are none."""
    if out.error:
        return f"⚠️ {out.error}"
    if out.ms is None:
        return ""
    scores = (f"BLEU **{out.bleu:.1f}** · chrF **{out.chrf:.1f}**" if out.bleu is not None
              else "无参考译文，不计分 / no reference, no score")
    empty = "" if out.text else "模型没有输出 / the model produced no output · "
    return f"{empty}{scores} · {out.ms:,.0f} ms"


# ----------------------------------------------------------------------------- attention figures

def _never_raises(draw):
    """A figure builder that returns (None, message) instead of raising: the page must never show a traceback."""
    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        try:
            return draw(*args, **kwargs)
        except Exception as e:
            return None, f"⚠️ 画图失败 / could not draw this figure ({type(e).__name__}: {str(e)[:200]})"
    return wrapper


def _pick_head(weights: torch.Tensor, head: int | None) -> tuple[np.ndarray, str]:
    """(H, T, S) -> (T, S): one head, or the average over heads  Ā = (1/H) Σ_h A_h."""
    H = weights.size(0)
    if head is None:
        return weights.float().mean(0).numpy(), f"average of {H} heads / {H} 个头的平均"
    if not 1 <= head <= H:
        raise ValueError(f"head {head} does not exist; choose 1 to {H}")
    return weights[head - 1].float().numpy(), f"head {head} / 第 {head} 个头"


def _labels(tokens: list[str]) -> list[str]:
    """Tick labels shown as typed: matplotlib would read "$...$" as mathematics (and fail on "$$")."""
    return [t.replace("$", r"\$") for t in tokens]


def _pick_layer(layers: list[torch.Tensor], layer: int) -> torch.Tensor:
    if not 1 <= layer <= len(layers):
        raise ValueError(f"layer {layer} does not exist; choose 1 to {len(layers)}")
    return layers[layer - 1]


@_never_raises
def cross_attention_figure(tr: Translation | None, layer: int, head: int | None) -> tuple[Image.Image | None, str]:
    """Decoder→encoder attention of one layer: rows = English output tokens (queries), columns = Chinese characters.

    Row t is softmax(q_t Kᵀ / √d_k) — where the decoder looked while writing token t; each row sums to 1.
    Returns (image, caption); image is None with the reason in the caption when there is nothing to draw.
    """
    if tr is not None and tr.cross_attentions is not None and not tr.target_tokens:
        return None, "译文是空的，没有可画的。 / The translation is empty: nothing to draw."
    image, error = _attention_image(tr, "cross_attentions", layer, head, rows=tr and tr.target_tokens,
                                    cols=tr and tr.source_tokens, title="Cross-attention, decoder layer {layer}, {which}\n"
                                    "交叉注意力：写每个英文词时看了哪些汉字",
                                    xlabel="Chinese source / 中文原文", ylabel="English output / 英文译文")
    if image is None:
        return None, error
    return image, f"Each row sums to 1. / 每一行加起来等于 1。 ({len(tr.target_tokens)} × {len(tr.source_tokens)})"


def _attention_image(tr: Translation | None, attr: str, layer: int, head: int | None, rows, cols, title: str,
                     xlabel: str, ylabel: str) -> tuple[Image.Image | None, str]:
    """Shared by both attention figures: pick layer and head of tr.<attr>, draw it. Returns (image, error)."""
    if tr is None:
        return None, "先翻译一句。 / Translate a sentence first."
    if getattr(tr, attr) is None:
        return None, "这个模型没有注意力。 / This model has no attention."
    try:
        weights, which = _pick_head(_pick_layer(getattr(tr, attr), layer), head)
    except ValueError as e:
        return None, f"⚠️ {e}"
    image = heatmap(weights, rows=_labels(rows), cols=_labels(cols), title=title.format(layer=layer, which=which),
                    xlabel=xlabel, ylabel=ylabel)
    return image, ""


@_never_raises
def encoder_attention_figure(tr: Translation | None, layer: int, head: int | None) -> tuple[Image.Image | None, str]:
    """Encoder self-attention of one layer: row i = how character i spreads its attention over all characters."""
    image, error = _attention_image(tr, "encoder_attentions", layer, head, rows=tr and tr.source_tokens,
                                    cols=tr and tr.source_tokens, title="Encoder self-attention, layer {layer}, {which}\n"
                                    "每个字都和其他字开了个小会",
                                    xlabel="attended character / 被看的字", ylabel="character asking / 提问的字")
    if image is None:
        return None, error
    return image, "Each character holds a small meeting with the others. / 每个字都和其他字开了个小会。"


@_never_raises
def lstm_panel(tr: Translation | None) -> tuple[Image.Image | None, str]:
    """The LSTM's single final state — all its decoder ever receives — and why that is the bottleneck."""
    if tr is None or tr.final_state is None:
        return None, "先翻译一句。 / Translate a sentence first."
    L, d = tr.final_state.shape            # (n_layers, d)
    n = len(tr.source_tokens)
    text = (f"无论句子是 5 个字还是 200 个字，LSTM 编码器都得把它整句压进这一个固定大小的状态"
            f"（{L}×{d} 个数，这里来自 {n} 个词元），解码器只凭它写出全部译文，再也看不到任何一个原字。"
            f"这一个向量就是瓶颈：句子越长，要丢掉的就越多——注意力让每个输出词都能回头看每个原字，正是为了打破它。\n\n"
            f"Whether the sentence has 5 characters or 200, the LSTM encoder must squeeze all of it into this one "
            f"fixed-size state ({L}×{d} numbers, here from {n} tokens), and the decoder writes the whole translation "
            f"from it without ever looking back at a single character. That one vector is the bottleneck: the longer "
            f"the sentence, the more must be lost — attention removes it by letting every output word look at every "
            f"source character.")
    return state_strip(tr.final_state.float().numpy(), n), text


# ----------------------------------------------------------------------------- benchmark

NOT_EVALUATED = "尚未评测 / not evaluated yet"


def read_metrics(path: Path) -> tuple[dict | None, str]:
    """(metrics dict, "") from a metrics.json; (None, reason) when it is missing or unreadable."""
    if not path.is_file():
        return None, NOT_EVALUATED
    try:
        m = json.loads(path.read_text(encoding="utf-8"))
        float(m["bleu"]), float(m["chrf"])
        return m, ""
    except (OSError, ValueError, KeyError, TypeError) as e:
        return None, f"⚠️ {path.name} could not be read ({type(e).__name__}) / 无法读取"


def _fmt(v) -> str:
    return f"{float(v):.1f}" if isinstance(v, (int, float)) else "–"


def benchmark_markdown(checkpoint_root: str | Path, translators: dict[str, Translator]) -> str:
    """Corpus BLEU/chrF of every model from checkpoints/NAME/metrics.json, with sacrebleu signatures."""
    root = Path(checkpoint_root)
    rows, signatures, by_length = [], [], {}
    for name, translator in translators.items():
        m, reason = read_metrics(root / name / "metrics.json")
        label = f"{MODEL_LABELS.get(name, name)}<br>{translator.num_parameters / 1e6:.1f} M params"
        if m is None:
            rows.append(f"| {label} | {reason} | | | |")
            continue
        rows.append(f"| {label} | {m.get('test_set', '?')} (n={m.get('n', '?')}) | {m.get('decoding', '?')} "
                    f"| **{_fmt(m['bleu'])}** / {_fmt(m['chrf'])} "
                    f"| {_fmt(m.get('bleu_mandarin'))} / {_fmt(m.get('chrf_mandarin'))} |")
        sig = m.get("signature") if isinstance(m.get("signature"), dict) else {}
        signatures.append(f"- {name}: `{sig.get('bleu', '?')}` · `{sig.get('chrf', '?')}`")
        for b in m.get("by_length") if isinstance(m.get("by_length"), list) else []:
            if isinstance(b, dict) and "bucket" in b:
                by_length.setdefault(str(b["bucket"]), {})[name] = b
    lines = ["| model / 模型 | test set / 测试集 | decoding / 解码 | BLEU / chrF | Mandarin only / 仅普通话 BLEU / chrF |",
             "|---|---|---|---|---|", *rows]
    if signatures:
        lines += ["", "sacrebleu signatures / 签名:", *signatures]
    if by_length:
        names = list(translators)
        lines += ["", "BLEU by source length / 按源句长度的 BLEU:", "",
                  "| length / 字数 | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
        for bucket, per_model in by_length.items():
            cells = [f"{_fmt(per_model[n].get('bleu'))} (n={per_model[n].get('n', '?')})" if n in per_model else "–"
                     for n in names]
            lines.append(f"| {bucket} | " + " | ".join(cells) + " |")
    if not (root / "bleu_by_length.png").is_file():
        lines += ["", f"BLEU-by-length figure / 按句长的 BLEU 图: {NOT_EVALUATED}"]
    return "\n".join(lines)


def length_figure(checkpoint_root: str | Path) -> Image.Image | None:
    """checkpoints/bleu_by_length.png as an image, or None when it has not been drawn yet."""
    path = Path(checkpoint_root) / "bleu_by_length.png"
    try:
        with Image.open(path) as img:
            return img.convert("RGB")
    except OSError:  # missing or not an image
        return None
