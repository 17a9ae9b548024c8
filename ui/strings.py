"""Every word the page shows, in both languages, in one place: STRINGS[lang][key].

The page shows one language at a time. Gradio widgets get their labels from
`text(lang, key)` on the server; the browser views (ui/static/page.js) receive
the same table as JSON and fill every `data-i18n="key"` element with textContent.
Placeholders such as {bleu} are filled with str.format on the server and by
page.js in the browser. The story's words are paraphrased and credited
(dawn/story.py: STORY_CREDIT).
"""

from __future__ import annotations

from dawn.inputs import ENGLISH, NOTE_CODES
from dawn.registry import model_strings
from dawn.story import STORY_CREDIT

LANGS = ("zh", "en")
LANG_CHOICES = [("中文", "zh"), ("English", "en")]  # each language named in itself, as switches are
DEFAULT_LANG = "en"  # until the browser says otherwise (page.js picks the browser's language on load)

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "page.title": "Code Dawn 2014",
        "page.tagline": "One long Chinese sentence, three translators from three moments in history: "
                        "a 2014 LSTM, the same LSTM with attention (2014), and a 2017 Transformer.",
        "page.lang": "Language",
        "page.credit": "Story text paraphrased from {credit}.",
        "page.data": "Training and test data: Tatoeba (CC-BY 2.0 FR) · FLORES-200 (CC BY-SA 4.0).",

        "input.source": "Chinese source",
        "input.reference": "Reference translation (editable, optional)",
        "input.decoding": "Decoding",
        "input.greedy": "greedy",
        "input.beam": "beam search (4)",
        "input.translate": "Translate",
        "input.examples": "Examples, short to long",
        "input.note": "Notes",
        "input.sentence": "Maps for sentence no. (in a paragraph)",

        # model.NAME and model.NAME.short: dawn/registry.py's labels (added below)

        "score.line": "BLEU {bleu} · chrF {chrf} · {ms} ms",
        "score.noref": "no reference, no score · {ms} ms",
        "score.empty": "the model produced no output · ",
        "score.label": "{model}: scores",
        "error.title": "Cannot translate this",
        "problem.missing": "This model is not trained yet: its checkpoint folder is missing.",
        "problem.unreadable": "This model's checkpoint could not be read (half-copied, or from another version).",
        "problem.failed": "This model failed on this input.",

        # error.* and note.*: dawn/inputs.py's ENGLISH messages (added below), so that no line is written twice

        "step1.title": "① The 2014 LSTM fails on the long sentence",
        "step1.caption": "In 2014 a graduate student gives this sentence to his LSTM translator. Its encoder must squeeze "
                         "the whole sentence into one vector, and the decoder writes every English word from that "
                         "vector alone: the first clause survives, the rest turns to nonsense.",
        "step2.title": "② Attention lets the decoder look back",
        "step2.caption": "The same year, Bahdanau, Cho and Bengio let the decoder look back at every Chinese character "
                         "before each English word it writes. The bright cells are where it looked: the clauses line "
                         "up, which the plain LSTM has no way to do.",
        "step3.title": "③ Self-attention: every character holds a small meeting",
        "step3.caption": "The visitor from 2024 writes on the whiteboard: every character holds a small meeting with "
                         "all the others. The 2017 Transformer does this inside the encoder, then its decoder looks "
                         "back as in ②, with several heads at once.",
        "step4.title": "④ The whiteboard",
        "step4.caption": "The same computation by hand, as on the whiteboard in the story: three word vectors, "
                         "dot products, softmax, a weighted sum.",

        "slider.title": "The bottleneck, live: the story's sentence, one clause at a time",
        "slider.label": "Clauses",
        "slider.status": "cut after clause {k} of {n} · {chars} characters",
        "slider.reference": "Reference",
        "slider.caption": "Greedy decoding, chrF against the matching part of the reference. Watch the LSTM fall "
                          "apart as the sentence grows while the attention models hold.",
        "slider.none": "no translation",
        "curve.title.flores200": "BLEU by sentence length, FLORES-200",
        "curve.title.tatoeba": "BLEU by sentence length, Tatoeba test",
        "curve.x": "source length (Chinese characters)",
        "curve.y": "BLEU",
        "curve.none": "Not evaluated yet.",
        "curve.missing": "{model}: not evaluated yet",

        "state.title": "All the LSTM's decoder receives",
        "state.caption": "{n} source tokens → these {layers} × {d} numbers. Whatever the length of the sentence, "
                         "this one fixed-size state is the bottleneck.",
        "state.none": "Translate a sentence to see the LSTM's final state.",
        "explorer.pending": "The interactive attention map is being built; it will appear here.",
    },
    "zh": {
        "page.title": "代码破晓：2014",
        "page.tagline": "同一个中文长句，交给历史上三个时刻的翻译模型：2014 年的 LSTM、同年加上注意力的 LSTM，"
                        "和 2017 年的 Transformer。",
        "page.lang": "语言",
        "page.credit": "故事文字改写自{credit}。",
        "page.data": "训练与测试数据：Tatoeba（CC-BY 2.0 FR）· FLORES-200（CC BY-SA 4.0）。",

        "input.source": "中文原文",
        "input.reference": "参考译文（可改，可空）",
        "input.decoding": "解码方式",
        "input.greedy": "贪心",
        "input.beam": "束搜索（4）",
        "input.translate": "翻译",
        "input.examples": "例句，由短到长",
        "input.note": "提示",
        "input.sentence": "图解释第几句（段落中）",

        "score.line": "BLEU {bleu} · chrF {chrf} · {ms} 毫秒",
        "score.noref": "没有参考译文，不计分 · {ms} 毫秒",
        "score.empty": "模型没有输出 · ",
        "score.label": "{model}：得分",
        "error.title": "无法翻译",
        "problem.missing": "这个模型还没训练好：找不到它的检查点文件夹。",
        "problem.unreadable": "读不了这个模型的检查点（可能没拷完，或来自另一个版本）。",
        "problem.failed": "这个模型在这句上出错了。",

        "error.empty": "请输入一句中文。",
        "error.nothing": "这里没有可以翻译的字：只有标点、符号或表情。",
        "error.markup": "这看起来是 HTML 或其他标记。请输入纯中文文字。",
        "error.too_long": "原文有 {n:,} 个字符，最多只能翻译 {max:,} 个（一段）。",
        "error.sentence_too_long": "第 {i} 句有 {n:,} 个字符，每句最多 {max} 个。请用。！？断句。",
        "error.too_many_sentences": "这一段有 {n} 句，一次最多翻译 {max} 句。",
        "error.sentence": "要解释的句子必须是 0 到 {last} 之间的整数（从 0 数起），收到的是 {value}。",
        "error.no_chinese": "这里没有汉字；这些模型只学过中译英。",
        "error.decoding": "解码方式只能是 {choices}，收到的是 {value}。",
        "note.removed": "已删除 {n} 个不可见或控制字符。",
        "note.traditional": "已按训练时的做法把繁体字转成简体：{text}",
        "note.unknown": "有 {n} 个字不在模型的词表里（显示为 <unk>）。",
        "note.paragraph": "共 {n} 句，逐句翻译；下面的图解释第 {k} 句：{text}",

        "step1.title": "① 2014 年的 LSTM 败在长句上",
        "step1.caption": "2014 年，研究生把这个长句交给他的 LSTM 翻译器。编码器得把整句压进一个向量，解码器只凭这个向量"
                         "写出每一个英文词：第一个分句还像样，后面就成了胡话。",
        "step2.title": "② 注意力让解码器回头看",
        "step2.caption": "同一年，Bahdanau、Cho 和 Bengio 让解码器每写一个英文词之前，都回头看一遍每个汉字。亮的格子就是"
                         "它看的地方：分句一一对上，这是没有注意力的 LSTM 做不到的。",
        "step3.title": "③ 自注意力：每个字都和其他字开了个小会",
        "step3.caption": "来自 2024 年的访客在白板上写道：每个字都和其他字开了个小会。2017 年的 Transformer 在编码器里"
                         "就这样做，解码器再像 ② 那样回头看，而且好几个注意力头同时看。",
        "step4.title": "④ 白板",
        "step4.caption": "故事里白板上的手算：三个词向量，点积、softmax、加权求和。",

        "slider.title": "瓶颈，现场演示：故事里的长句，一个分句一个分句地加长",
        "slider.label": "分句数",
        "slider.status": "截到第 {k} 个分句（共 {n} 个）· {chars} 个字",
        "slider.reference": "参考译文",
        "slider.caption": "贪心解码，chrF 对照参考译文里对应的那一段。句子越长，LSTM 越崩，有注意力的模型却稳得住。",
        "slider.none": "没有译文",
        "curve.title.flores200": "按句长统计的 BLEU（FLORES-200）",
        "curve.title.tatoeba": "按句长统计的 BLEU（Tatoeba 测试集）",
        "curve.x": "原文长度（汉字数）",
        "curve.y": "BLEU",
        "curve.none": "尚未评测。",
        "curve.missing": "{model}：尚未评测",

        "state.title": "LSTM 的解码器收到的全部东西",
        "state.caption": "{n} 个原文词元 → 这 {layers} × {d} 个数。不管句子多长，都只有这一个固定大小的状态：这就是瓶颈。",
        "state.none": "翻译一句，就能看到 LSTM 的最终状态。",
        "explorer.pending": "交互式注意力图正在制作中，做好后会出现在这里。",
    },
}

STRINGS["en"].update({f"{'note' if code in NOTE_CODES else 'error'}.{code}": message for code, message in ENGLISH.items()})
for _lang in LANGS:
    STRINGS[_lang].update(model_strings(_lang))


def text(lang: str, key: str, **params) -> str:
    """STRINGS[lang][key] with its {placeholders} filled; English for an unknown language."""
    table = STRINGS.get(lang, STRINGS[DEFAULT_LANG])
    template = table[key]
    return template.format(credit=STORY_CREDIT, **params) if ("{" in template) else template
