"""Every word the page shows, in both languages, in one place: STRINGS[lang][key] — the page's own
views, the whiteboard ("wb." keys) and the attention explorer ("ax." keys).

The page shows one language at a time. Gradio widgets get their labels from
`text(lang, key)` on the server; the browser views (ui/static/page.js) receive
the same table as JSON and fill every `data-i18n="key"` element with textContent;
the explorer gets its part as a prop (explorer_strings()).
Placeholders such as {bleu} are filled with str.format on the server and by
page.js in the browser. The story's words are paraphrased and credited
(dawn/story.py: STORY_CREDIT).
"""

from __future__ import annotations

from dawn.inputs import ENGLISH, NOTE_CODES
from dawn.registry import model_strings
from dawn.story import STORY_CREDIT
from dawn.whiteboard import MESSAGES as WHITEBOARD_ENGLISH

LANGS = ("zh", "en")
LANG_CHOICES = [("中文", "zh"), ("English", "en")]  # each language named in itself, as switches are
DEFAULT_LANG = "en"  # until the browser says otherwise (page.js picks the browser's language on load)

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "page.title": "Code Dawn 2014",
        "page.tagline": "One long Chinese sentence, three translators from three moments in history: "
                        "a 2014 LSTM, the same LSTM with attention (2014), and a 2017 Transformer.",
        "page.lang": "Language",
        "page.story": "2014: a graduate student's LSTM translator turns this long sentence into nonsense. A visitor "
                      "from 2024 shows him the idea that fixed it, attention; below, three translators from history try it.",
        "page.sentence.story": "The long sentence",
        "page.sentence.own": "Your sentence",
        "page.sentence.paragraph": "Your paragraph",
        "page.credit": "Story text paraphrased from {credit}.",
        "page.read": "Read further:",
        "page.paper.lstm": "Sutskever et al. 2014 (the LSTM translator)",
        "page.paper.lstm_attention": "Bahdanau et al. 2014 (attention)",
        "page.paper.transformer": "Vaswani et al. 2017 (the Transformer)",
        "page.code": "the code",
        "page.cards": "model cards:",
        "page.data": "Training and test data: Tatoeba (CC-BY 2.0 FR) · FLORES-200 (CC BY-SA 4.0).",

        "input.source": "Chinese source",
        "input.reference": "Reference translation (editable, optional)",
        "input.decoding": "Decoding",
        "input.decoding.info": "greedy: the likeliest next word every time · beam search: keeps the 4 likeliest "
                               "partial translations and returns the best whole one",
        "input.greedy": "greedy",
        "input.beam": "beam search (4)",
        "input.translate": "Translate",
        "input.story": "↺ Back to the story's sentence",
        "input.examples": "Examples, short to long (tap one: it is translated)",
        "input.note": "Notes",
        "input.sentence": "Maps explain sentence no. (of a paragraph)",
        "try.title": "Try your own sentence",
        "try.hint": "Type Chinese, or tap an example. A reference translation is optional: with one, each translation is "
                    "scored against it; editing the Chinese clears it, because a reference belongs to its sentence.",

        # model.NAME and model.NAME.short: dawn/registry.py's labels (added below)

        "score.line": "BLEU {bleu} · chrF {chrf}",
        "score.noref": "no reference translation, so no score",
        "score.gloss": "BLEU and chrF measure how closely a translation matches a human one, from 0 to 100 (higher is "
                       "better): BLEU counts shared runs of words, chrF shared runs of letters.",
        "score.empty": "the model produced no output · ",
        "score.label": "{model}: scores",
        "error.title": "Cannot translate this",
        "problem.missing": "This model is not trained yet: its checkpoint folder is missing.",
        "problem.unreadable": "This model's checkpoint could not be read (half-copied, or from another version).",
        "problem.failed": "This model failed on this input.",

        # error.* and note.*: dawn/inputs.py's ENGLISH messages (added below), so that no line is written twice

        "step1.title": "① The bottleneck: why the 2014 LSTM loses long sentences",
        "step1.caption": "The LSTM's encoder squeezes the whole sentence into one fixed-size state, and the decoder writes "
                         "every English word from that state alone. The curve shows what that costs as sentences grow longer.",
        "step2.title": "② Attention lets the decoder look back",
        "step2.caption": "The same year, Bahdanau, Cho and Bengio let the decoder look back at every Chinese character "
                         "before each English word it writes. The map shows where it looked: a row is the English word "
                         "being written, a column a Chinese character, and darker cells carry more weight.",
        "step3.title": "③ Self-attention: every character holds a small meeting",
        "step3.caption": "The visitor from 2024 writes on the whiteboard: every character holds a small meeting with "
                         "all the others. The 2017 Transformer does this inside the encoder, then its decoder looks "
                         "back as in ②, with several heads at once.",
        "step4.title": "④ The whiteboard",

        "slider.title": "The story's sentence, one clause at a time",
        "slider.label": "Clauses",
        "slider.status": "cut after clause {k} of {n} · {chars} characters",
        "slider.reference": "Reference",
        "slider.caption": "Each model translates the sentence cut after 1, 2, … clauses (the decoding the page opens on), "
                          "scored with chrF against the matching part of the reference.",
        "slider.none": "no translation",
        "report.title": "Which clauses of the reference share words with each translation",
        "report.kept": "shares words with {k} of {n} clauses",
        "report.found": "words found: {words}",
        "report.nothing": "none of its words",
        "report.how": "This counts shared words, not meaning: a clause gets ✓ when at least half of its content words "
                      "(not “the”, “of”, “to” …) appear in the translation, even if the translation says something else "
                      "with them. chrF is that of the translation's best-matching stretch as long as the clause.",
        "more.show": "More: the clause slider, which clauses share words, the final state",
        "report.noref": "Type a reference translation to see which of its clauses each model kept.",
        "slider.trend": "chrF from the first clause to the whole sentence: {trend}.",
        "cell.title": "The whiteboard with a model's own numbers",
        "cell.hint": "Click a cell of one head in the Transformer's attention map (③): the three steps for that cell, "
                     "with the model's own numbers, appear here.",
        "cell.what": "{model}: “{token}” looking at “{char}” (layer {layer}, head {head}, d_k = {dk}).",
        "curve.title.flores200": "BLEU by sentence length, FLORES-200 (long news sentences)",
        "curve.title.tatoeba": "BLEU by sentence length, Tatoeba test (everyday sentences)",
        "curve.switch.flores200": "Show FLORES-200 (harder, news)",
        "curve.switch.tatoeba": "Show Tatoeba (everyday sentences)",
        "curve.trend": "{model}: BLEU {first} on the shortest sentences ({short} characters), {last} on the longest ({long}).",
        "curve.x": "source length (Chinese characters)",
        "curve.y": "BLEU",
        "curve.none": "Not evaluated yet.",
        "curve.missing": "{model}: not evaluated yet",

        "state.title": "All the LSTM's decoder receives",
        "state.caption": "{n} source tokens → these 2 × {layers} × {d} numbers: h, the LSTM's output, and c, its memory "
                         "cell, {layers} layers of {d} each (red positive, blue negative). Whatever the length of the "
                         "sentence, this one fixed-size state is the bottleneck.",
        "state.none": "Translate a sentence to see the LSTM's final state.",

        # ---- the whiteboard (ui/whiteboard.py, section ④)
        "wb.intro": "Three words, three vectors, self-attention by hand — the board from the episode. "
                    "Change any number or switch: everything below recomputes at once.",
        "wb.vector": "vector of {word}",
        "wb.scale": "divide the scores by √d",
        "wb.positions": "add position encodings",
        "wb.focus": "spell out the row of",
        "wb.invalid": "⚠ {message}. The results below still show the last valid input.",
        "wb.unexpected": "⚠ Something went wrong ({kind}). The results below still show the last valid input.",

        "wb.board.title": "### The board: {sentence}, step by step",
        "wb.board.given": "The word vectors:",
        "wb.board.positions": "Each word gets the encoding of its position added, \\(x_i + p_i\\):",
        "wb.board.identity": "\\(W_Q = W_K = W_V = I\\): every query, key and value is the word vector itself, "
                             "\\(q_i = k_i = v_i = x_i\\) — the board in the story.",
        "wb.board.project": "Queries, keys and values, \\(Q = XW_Q,\\ K = XW_K,\\ V = XW_V\\) (rows: {words}):",
        "wb.board.step1": "#### ① Scores \\(s_{{ij}} = q_i \\cdot k_j\\)",
        "wb.board.step1.scaled": "then divided by \\(\\sqrt{{d_k}} = \\sqrt{{{dk}}} = {root}\\):",
        "wb.board.step2": "#### ② Weights \\(a_{{ij}} = \\mathrm{{softmax}}_j(s_{{ij}}) = \\exp(s_{{ij}}) / \\sum_m \\exp(s_{{im}})\\)",
        "wb.board.step2.shift": "(the largest score, {m}, is subtracted first: the weights stay the same and nothing overflows)",
        "wb.board.step3": "#### ③ Outputs \\(y_i = \\sum_j a_{{ij}} v_j\\)",
        "wb.board.all": "#### All three words at once (rows and columns: {words})",
        "wb.board.rounding": "#### As on the board (three decimals) and exact",
        "wb.board.col.what": "",
        "wb.board.col.board": "as on the board",
        "wb.board.col.exact": "exact",
        "wb.board.weights_of": "weights of {word}",
        "wb.board.output_of": "output of {word}",

        "wb.orders.title": "### Word order: 猫追老鼠 and 老鼠追猫 side by side",
        "wb.orders.intro": "The same three vectors, in the other order. Each card shows who listens to whom (the weights: "
                           "a row is the word asking, a column the word listened to) and what each word comes out as.",
        "wb.orders.formula": "Switch on **position encodings** and every word vector gets its position added, with the "
                             "Transformer paper's formula:",
        "wb.orders.weights": "weights a_ij",
        "wb.orders.outputs": "outputs y_i",
        "wb.orders.asking": "asks ↓ · listens to →",
        "wb.orders.same": "= the same as in {order}",
        "wb.orders.differs": "≠ {order}: differs by {diff}",
        "wb.orders.summary.same": "Every word comes out exactly the same in both orders (largest difference {diff}): the "
                                  "outputs are only permuted. Attention alone cannot tell 猫追老鼠 from 老鼠追猫.",
        "wb.orders.summary.differs": "The two orders now give different outputs: the largest change is {diff}, for {word}. "
                                     "Where a word stands has reached the numbers.",

        "wb.qkv.title": "### Queries, keys, values — and two heads",
        "wb.qkv.intro": "On the board each word uses its own vector three times. A Transformer learns three matrices "
                        "instead: `W_Q` (what a word asks for), `W_K` (how it can be found), `W_V` (what it passes on). The "
                        "identity reproduces the board; other matrices change who listens to whom. Two heads side by "
                        "side attend in two ways at once: multi-head attention. One row per line; an empty box is the identity.",
        "wb.head": "Head {h}",
        "wb.preset": "load a preset",
        "wb.preset.identity": "identity — the board in the story",
        "wb.preset.object": "追 listens to 老鼠 (a learned W_K)",
        "wb.preset.others": "listen to the others (W_K = −I)",
        "wb.preset.uniform": "no preference (W_Q = 0): the average",
        "wb.preset.values": "same weights, values swapped (W_V)",
        "wb.matrix": "{m} of head {h}",
        "wb.heads.listens": "{word} listens most to {other} ({weight})",

        "wb.sqrt.title": "### Why divide by √d",
        "wb.sqrt.intro": "If the entries of q and k have mean 0 and variance 1, each product has variance 1 and the d "
                         "of them add up: q·k has variance d. Scores that spread with d push the softmax towards "
                         "one-hot; dividing by √d brings the variance back to 1.",
        "wb.sqrt.slider": "dimension d of the random vectors",
        "wb.sqrt.setup": "{trials} random queries, each against {keys} random keys, entries drawn from N(0, 1) "
                         "(seeded: the same d always gives the same numbers).",
        "wb.sqrt.measured": "**At d = {d}:** measured Var(q·k) = {var} (theory: {d}), Var(q·k/√d) = {var_scaled} "
                            "(theory: 1). The favourite key gets {raw} of the weight without scaling, {scaled} with it.",
        "wb.sqrt.col.d": "d",
        "wb.sqrt.col.max": "max weight",
        "wb.sqrt.col.max_scaled": "max weight ÷√d",
        "wb.sqrt.col.entropy": "entropy (bits, ≤ {hmax:g})",
        "wb.sqrt.col.entropy_scaled": "entropy ÷√d",
        "wb.sqrt.col.var": "Var(q·k)",

        "wb.code.title": "### The code beside the board",
        "wb.code.intro": "The lines the page runs for every number above (dawn/whiteboard.py), read from the source.",

        "wb.bill.title": "### The n² bill",
        "wb.bill.intro": "Every word scores every word: n words cost n² scores, for each head in each layer. Attention "
                         "computes them all at once; an LSTM reads the same n words in n steps, each waiting for the "
                         "one before.",
        "wb.bill.col.n": "n",
        "wb.bill.col.what": "",
        "wb.bill.col.scores": "scores n²",
        "wb.bill.col.macs": "multiply-adds 2·n²·d_k (d_k = {dk})",
        "wb.bill.col.bytes": "one n×n matrix (float32)",
        "wb.bill.col.lstm": "LSTM: sequential steps",
        "wb.bill.row.3": "the three words on the board",
        "wb.bill.row.54": "the story's long sentence ({n} characters)",
        "wb.bill.row.512": "a page of text",
        "wb.bill.row.4096": "a document",
        "wb.bill.note": "For a whole model, multiply by heads × layers: the paper's base Transformer (8 heads, 6 "
                        "layers) computes 48 such matrices in its encoder alone.",

        # the English messages are dawn/whiteboard.py's MESSAGES (added below), so that no line is written twice

        # ---- the attention explorer (ui/attention_explorer.py); its code reads these keys without "ax."
        "ax.empty": "Translate a sentence to explore what each model looked at and what it needed.",
        "ax.nothing": "The model produced no output tokens, so there is nothing to explain.",
        "ax.strip.target": "English",
        "ax.strip.source": "Chinese",
        "ax.control.map": "Map",
        "ax.control.layer": "Layer",
        "ax.control.head": "Head",
        "ax.control.average": "Average",
        "ax.control.multiples": "All heads",
        "ax.map.cross": "English → Chinese",
        "ax.map.encoder": "Chinese ↔ Chinese",
        "ax.title.attention.cross": "Attention.",
        "ax.title.attention.encoder": "Encoder self-attention.",
        "ax.title.influence": "Influence.",
        "ax.title.coverage": "Coverage, step by step.",
        "ax.caption.attention.cross": "Where the decoder looked while writing each English token (row); darker blue = more weight (darkest = {max}); each row sums to 1.",
        "ax.caption.attention.encoder": "Each character holds a small meeting with the others: row = the character asking, column = the one it listens to (darker blue = more weight; darkest = {max}).",
        "ax.caption.influence": "What each English token needed: the drop in its log-probability when one character is replaced by <unk> (orange = needed, purple = better without; darkest = {max} nats). Where it differs from attention, attention is not the explanation.",
        "ax.caption.influence.alone": "This LSTM has no attention to show, only its honest map: the drop in each English token's log-probability when one character is replaced by <unk> (orange = needed, purple = better without; darkest = {max} nats).",
        "ax.caption.coverage": "Drag to replay the decoding: each bar adds up the weight a character has received. Grey dashed: looked at less than {never} in total (dropped?); red: more than {again} (looked at again).",
        "ax.caption.coverage.influence": "Drag to replay the decoding: each orange bar adds up each step's share of influence. Grey dashed: under {never} (ignored?); red: over {again} (used again).",
        "ax.details.ms": "translated in {ms} ms",
        "ax.details.timings": "decoding {decode} ms, influence {influence} ms",
        "ax.control.table": "Table",
        "ax.aria.attention.cross": "Attention of {model}: {rows} {unit} × {cols} characters.",
        "ax.aria.attention.encoder": "Encoder self-attention of {model}: {rows} {unit} × {cols} characters.",
        "ax.aria.influence": "Influence of {model}: {rows} {unit} × {cols} characters.",
        "ax.aria.words": "English words",
        "ax.aria.tokens": "English tokens",
        "ax.aria.chars": "Chinese characters",
        "ax.aria.whatif": "Attention of the what-if translation: {rows} English tokens × {cols} characters.",
        "ax.aria.replay": "{rows} English tokens × {cols} characters",
        "ax.key.attention": "Blue = attention weight, from 0 (white) to {max} (darkest).",
        "ax.key.influence": "Orange = needed (the log-probability drops without the character), purple = better without; darkest ±{max} nats.",
        "ax.control.rows": "Rows",
        "ax.rows.words": "words",
        "ax.rows.tokens": "tokens",
        "ax.control.fit": "Fit to width",
        "ax.scroll.hint": "← scroll sideways: {n} columns →",
        "ax.coverage.step.influence": "Step {n} of {T} ({token}): {never} characters not yet used, {again} used again.",
        "ax.wb.sent": "The same numbers are on ④ the whiteboard below.",
        "ax.coverage.step": "Step {n} of {T} ({token}): {never} characters not yet looked at, {again} looked at again.",
        "ax.hint.token": "Tap an English token to see what the model almost said instead.",
        "ax.hint.cell": "Click a cell of one head to work through the whiteboard's three steps with the model's own numbers.",
        "ax.alts.title": "Step {n}: the model wrote “{token}”. Its top 5:",
        "ax.alts.chosen": "Probability of the chosen token: {p}%.",
        "ax.beam.title": "Beam search (k = {k}) at step {n}:",
        "ax.beam.kept": "kept",
        "ax.beam.finished": "finished",
        "ax.beam.dropped": "dropped",
        "ax.wb.title": "The whiteboard for “{token}” looking at “{char}” (layer {layer}, head {head}, d_k = {dk})",
        "ax.wb.step1": "1) score q·k",
        "ax.wb.step2": "2) ÷ √d_k = {sqrt}",
        "ax.wb.step3": "3) softmax",
        "ax.wb.sum": "Output y = Σ α_j v_j = {y} (first {dims} of {dk} numbers).",
        "ax.wb.term": "This cell adds α × v = {a} × {v} = {av} for “{char}”.",
        "ax.wb.check": "Whiteboard weight {a}; the model's own weight in the map: {own}.",
        "ax.wb.pickhead": "The whiteboard works on one head: pick a head (not the average), then click a cell.",
        "ax.wb.additive": "This model scores each character with its own small network, e = vᵀ tanh(W_s s + W_h h), then takes the softmax: the map shows those weights.",
        "ax.beam.view": "Beam search (k = {k}), step by step.",
        "ax.beam.hint": "Every candidate the search weighed at this step, with its total log-probability; bold: on the way to the final translation. Click one (or press Enter) to light its row in the map; ← → move between steps, ↑ ↓ between candidates. A word that would repeat a run of words the hypothesis already holds is never a candidate (how long a run: chosen on validation for each model).",
        "ax.beam.word": "Word {n} of {N}: “{token}”",
        "ax.beam.token": "Token {n} of {N}: “{token}”",
        "ax.beam.end": "The end: the translation finishes here (</s>), and so does this view of the search.",
        "ax.beam.list": "Candidates at this step",
        "ax.whatif.title": "What if?",
        "ax.whatif.hint": "Choose another token among a step's top 5, or type an English beginning: the model is forced to start that way and continues on its own.",
        "ax.whatif.placeholder": "Type an English beginning, e.g. The cat",
        "ax.whatif.go": "Continue",
        "ax.whatif.empty": "Type an English beginning first.",
        "ax.whatif.busy": "The model is continuing…",
        "ax.whatif.choose": "choose",
        "ax.whatif.choose.label": "Choose “{token}” instead and let the model continue",
        "ax.whatif.result": "Beginning “{prefix}”:",
        "ax.whatif.logp": "log p of this whole translation: {new}; of the model's own: {own} (closer to 0 = more likely).",
        "ax.whatif.forced": "forced",
        "ax.whatif.nomap": "This LSTM has no attention, so there is no map of the continuation.",
        "ax.title.whatif": "The continuation's attention.",
        "ax.caption.whatif": "Where the decoder looked for each token of the what-if translation (last layer, heads averaged). Tap a token above for its top 5.",
        "ax.export.where": "(layer {layer}, {head})",
        "ax.legend.attention": "attention weight (blue)",
        "ax.legend.influence": "drop in log-probability, nats (orange: needed, purple: better without)",
        "ax.replay.title.attention": "Watching attention learn.",
        "ax.replay.title.model": "Watching the model learn.",
        "ax.replay.caption.attention": "The story sentence as this model translated it at points of its training, from the untrained start to the end, with where it looked (blue: attention, last layer). Beside it, 猫追老鼠。 at the same point.",
        "ax.replay.caption.influence": "The story sentence as this model translated it at points of its training, from the untrained start to the end; each map shows its influence: what each English token needed (orange) or was better without (purple). Beside it, 猫追老鼠。 at the same point.",
        "ax.replay.greedy": "The snapshots translate greedily (the likeliest token every time); the translation above may use beam search.",
        "ax.replay.none": "This model's training was not recorded, so there is no replay to watch.",
        "ax.replay.broken": "This model's training record could not be read, so there is no replay to watch.",
        "ax.replay.loading": "Loading the training replay…",
        "ax.replay.failed": "The training replay did not arrive; reload the page to try again.",
        "ax.replay.together": "move all models together",
        "ax.replay.step": "Snapshot {n} of {N}: step {step}, epoch {epoch}, validation BLEU {bleu}, validation loss {loss}",
        "ax.replay.map.attention": "Attention (last layer, heads averaged), story sentence.",
        "ax.replay.map.influence": "Influence (no attention in this model), story sentence.",
    },
    "zh": {
        "page.title": "代码破晓：2014",
        "page.tagline": "同一个中文长句，交给历史上三个时刻的翻译模型：2014 年的 LSTM、同年加上注意力的 LSTM，"
                        "和 2017 年的 Transformer。",
        "page.lang": "语言",
        "page.story": "2014 年，一个研究生的 LSTM 翻译器把这个长句翻成了一堆胡话。来自 2024 年的访客告诉他解决的办法——注意力；"
                      "下面是历史上三个翻译模型各自的译文。",
        "page.sentence.story": "这个长句",
        "page.sentence.own": "你的句子",
        "page.sentence.paragraph": "你的段落",
        "page.credit": "故事文字改写自{credit}。",
        "page.read": "延伸阅读：",
        "page.paper.lstm": "Sutskever 等 2014（LSTM 翻译器）",
        "page.paper.lstm_attention": "Bahdanau 等 2014（注意力）",
        "page.paper.transformer": "Vaswani 等 2017（Transformer）",
        "page.code": "代码",
        "page.cards": "模型卡：",
        "page.data": "训练与测试数据：Tatoeba（CC-BY 2.0 FR）· FLORES-200（CC BY-SA 4.0）。",

        "input.source": "中文原文",
        "input.reference": "参考译文（可改，可空）",
        "input.decoding": "解码方式",
        "input.decoding.info": "贪心：每次取最可能的下一个词 · 束搜索：同时保留 4 个最可能的半句译文，最后取整句最好的那个",
        "input.greedy": "贪心",
        "input.beam": "束搜索（4）",
        "input.translate": "翻译",
        "input.story": "↺ 回到故事里的长句",
        "input.examples": "例句，由短到长（点一下就翻译）",
        "input.note": "提示",
        "input.sentence": "图解释第几句（段落中）",
        "try.title": "试试你自己的句子",
        "try.hint": "输入中文，或点一个例句。参考译文可填可不填：填了，每个译文都拿它打分；改了中文，参考译文就会清空，因为参考译文只属于它那一句。",

        "score.line": "BLEU {bleu} · chrF {chrf}",
        "score.noref": "没有参考译文，所以不计分",
        "score.gloss": "BLEU 和 chrF 衡量译文和人工译文有多接近，0 到 100，越高越好：BLEU 数共同的连续词，chrF 数共同的连续字母。",
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

        "step1.title": "① 瓶颈：2014 年的 LSTM 为什么丢掉长句",
        "step1.caption": "LSTM 的编码器把整句压进一个固定大小的状态，解码器只凭这个状态写出每一个英文词。下面的曲线显示，句子变长时这要付出什么代价。",
        "step2.title": "② 注意力让解码器回头看",
        "step2.caption": "同一年，Bahdanau、Cho 和 Bengio 让解码器每写一个英文词之前，都回头看一遍每个汉字。图上画的就是它看的地方："
                         "一行是正在写的英文词，一列是一个汉字，格子越深，权重越大。",
        "step3.title": "③ 自注意力：每个字都和其他字开了个小会",
        "step3.caption": "来自 2024 年的访客在白板上写道：每个字都和其他字开了个小会。2017 年的 Transformer 在编码器里"
                         "就这样做，解码器再像 ② 那样回头看，而且好几个注意力头同时看。",
        "step4.title": "④ 白板",

        "slider.title": "故事里的长句，一个分句一个分句地加长",
        "slider.label": "分句数",
        "slider.status": "截到第 {k} 个分句（共 {n} 个）· {chars} 个字",
        "slider.reference": "参考译文",
        "slider.caption": "每个模型翻译截到第 1、2……个分句的句子（用页面打开时的解码方式），chrF 对照参考译文里对应的那一段。",
        "slider.none": "没有译文",
        "report.title": "参考译文的哪些分句和译文有共同的词",
        "report.kept": "{n} 个分句中有 {k} 个有共同的词",
        "report.found": "找到的词：{words}",
        "report.nothing": "一个词也没找到",
        "report.how": "这里数的是共同的词，不是意思：一个分句里的实词（不算 the、of、to 这类词）至少有一半出现在译文里，就打 ✓，"
                      "哪怕译文用这些词说的是别的意思。chrF 取译文中和这个分句一样长、最相近的那一段。",
        "more.show": "更多：分句滑块、哪些分句有共同的词、最终状态",
        "report.noref": "填上参考译文，就能看到每个模型保住了它的哪些分句。",
        "slider.trend": "从第一个分句到整句的 chrF：{trend}。",
        "cell.title": "用模型自己的数字算一遍白板",
        "cell.hint": "在 Transformer 的注意力图（③）里，选一个头，点一个格子：这个格子的三步，用模型自己的数字，会出现在这里。",
        "cell.what": "{model}：“{token}”看向“{char}”（第 {layer} 层，第 {head} 个头，d_k = {dk}）。",
        "curve.title.flores200": "按句长统计的 BLEU（FLORES-200，新闻长句）",
        "curve.title.tatoeba": "按句长统计的 BLEU（Tatoeba 测试集，日常句子）",
        "curve.switch.flores200": "看 FLORES-200（更难，新闻）",
        "curve.switch.tatoeba": "看 Tatoeba（日常句子）",
        "curve.trend": "{model}：最短的句子（{short} 个字）BLEU {first}，最长的（{long} 个字）{last}。",
        "curve.x": "原文长度（汉字数）",
        "curve.y": "BLEU",
        "curve.none": "尚未评测。",
        "curve.missing": "{model}：尚未评测",

        "state.title": "LSTM 的解码器收到的全部东西",
        "state.caption": "{n} 个原文词元 → 这 2 × {layers} × {d} 个数：h 是 LSTM 的输出，c 是它的记忆单元，各 {layers} 层、每层 {d} 个"
                         "（红为正，蓝为负）。不管句子多长，都只有这一个固定大小的状态：这就是瓶颈。",
        "state.none": "翻译一句，就能看到 LSTM 的最终状态。",

        # ---- the whiteboard
        "wb.intro": "三个词，三个向量，手算自注意力——就是那一集黑板上的算法。改任何一个数或开关，下面的一切立刻重算。",
        "wb.vector": "“{word}”的向量",
        "wb.scale": "分数除以 √d",
        "wb.positions": "加上位置编码",
        "wb.focus": "逐步展开这一行",
        "wb.invalid": "⚠ {message}。下面仍是上一次有效输入的结果。",
        "wb.unexpected": "⚠ 出了点问题（{kind}）。下面仍是上一次有效输入的结果。",

        "wb.board.title": "### 黑板：{sentence}，一步一步",
        "wb.board.given": "三个词向量：",
        "wb.board.positions": "每个词加上它所在位置的编码，\\(x_i + p_i\\)：",
        "wb.board.identity": "\\(W_Q = W_K = W_V = I\\)：查询、键、值都是词向量本身，\\(q_i = k_i = v_i = x_i\\)——正是故事里的黑板。",
        "wb.board.project": "查询、键、值：\\(Q = XW_Q,\\ K = XW_K,\\ V = XW_V\\)（各行依次是 {words}）：",
        "wb.board.step1": "#### ① 打分 \\(s_{{ij}} = q_i \\cdot k_j\\)",
        "wb.board.step1.scaled": "再除以 \\(\\sqrt{{d_k}} = \\sqrt{{{dk}}} = {root}\\)：",
        "wb.board.step2": "#### ② 权重 \\(a_{{ij}} = \\mathrm{{softmax}}_j(s_{{ij}}) = \\exp(s_{{ij}}) / \\sum_m \\exp(s_{{im}})\\)",
        "wb.board.step2.shift": "（先减去最大的分数 {m}：权重不变，也不会溢出）",
        "wb.board.step3": "#### ③ 输出 \\(y_i = \\sum_j a_{{ij}} v_j\\)",
        "wb.board.all": "#### 三个词一起算（行和列依次是 {words}）",
        "wb.board.rounding": "#### 黑板上的写法（三位小数）与精确值",
        "wb.board.col.what": "",
        "wb.board.col.board": "黑板上",
        "wb.board.col.exact": "精确值",
        "wb.board.weights_of": "{word} 的权重",
        "wb.board.output_of": "{word} 的输出",

        "wb.orders.title": "### 词序：猫追老鼠与老鼠追猫并排",
        "wb.orders.intro": "同样三个向量，换一个顺序。每张卡片显示谁听谁的（权重：行是提问的词，列是被听的词），以及每个词算出来的输出。",
        "wb.orders.formula": "打开**位置编码**，每个词向量都加上它的位置，用的是 Transformer 论文里的公式：",
        "wb.orders.weights": "权重 a_ij",
        "wb.orders.outputs": "输出 y_i",
        "wb.orders.asking": "提问 ↓ · 被听 →",
        "wb.orders.same": "= 与{order}中完全相同",
        "wb.orders.differs": "≠ {order}：相差 {diff}",
        "wb.orders.summary.same": "每个词在两种顺序里的输出完全相同（最大差 {diff}）：输出只是换了顺序。"
                                  "光靠注意力，分不清猫追老鼠和老鼠追猫。",
        "wb.orders.summary.differs": "两种顺序的输出不一样了：变化最大的是{word}，相差 {diff}。词站在哪里，终于进了数字。",

        "wb.qkv.title": "### 查询、键、值——还有两个头",
        "wb.qkv.intro": "黑板上每个词把自己的向量用了三次。Transformer 改为学习三个矩阵：`W_Q`（一个词要找什么）、"
                        "`W_K`（它怎样被找到）、`W_V`（它传出去什么）。单位矩阵就是黑板；换别的矩阵，谁听谁的就变了。"
                        "两个头并排，同时用两种方式分配注意力——这就是多头机制。每行一行数；留空表示单位矩阵。",
        "wb.head": "头 {h}",
        "wb.preset": "载入预设",
        "wb.preset.identity": "单位矩阵——故事里的黑板",
        "wb.preset.object": "追去听老鼠（学出来的 W_K）",
        "wb.preset.others": "去听别的词（W_K = −I）",
        "wb.preset.uniform": "不偏不倚（W_Q = 0）：取平均",
        "wb.preset.values": "权重不变，换掉值（W_V）",
        "wb.matrix": "头 {h} 的 {m}",
        "wb.heads.listens": "{word} 最听 {other} 的（{weight}）",

        "wb.sqrt.title": "### 为什么要除以 √d",
        "wb.sqrt.intro": "如果 q 和 k 的每个分量均值为 0、方差为 1，那么每个乘积的方差是 1，d 个加起来：q·k 的方差是 d。"
                         "分数随 d 越摊越开，softmax 就会变成非 0 即 1；除以 √d，方差回到 1。",
        "wb.sqrt.slider": "随机向量的维度 d",
        "wb.sqrt.setup": "{trials} 个随机查询，每个对 {keys} 个随机键，分量取自 N(0, 1)（固定随机种子：同一个 d 总是同样的数）。",
        "wb.sqrt.measured": "**d = {d} 时：** 实测 Var(q·k) = {var}（理论值 {d}），Var(q·k/√d) = {var_scaled}（理论值 1）。"
                            "最受青睐的键，不缩放时拿走 {raw} 的权重，缩放后是 {scaled}。",
        "wb.sqrt.col.d": "d",
        "wb.sqrt.col.max": "最大权重",
        "wb.sqrt.col.max_scaled": "最大权重 ÷√d",
        "wb.sqrt.col.entropy": "熵（比特，≤ {hmax:g}）",
        "wb.sqrt.col.entropy_scaled": "熵 ÷√d",
        "wb.sqrt.col.var": "Var(q·k)",

        "wb.code.title": "### 黑板旁边的代码",
        "wb.code.intro": "上面每个数都由这几行算出（dawn/whiteboard.py），直接从源码读出来显示。",

        "wb.bill.title": "### n² 的账单",
        "wb.bill.intro": "每个词都要给每个词打分：n 个词就是 n² 个分数，每个头、每一层都一样。注意力一次全部算完；"
                         "LSTM 读同样 n 个词要走 n 步，每一步都得等上一步。",
        "wb.bill.col.n": "n",
        "wb.bill.col.what": "",
        "wb.bill.col.scores": "分数 n²",
        "wb.bill.col.macs": "乘加 2·n²·d_k（d_k = {dk}）",
        "wb.bill.col.bytes": "一个 n×n 矩阵（float32）",
        "wb.bill.col.lstm": "LSTM：顺序步数",
        "wb.bill.row.3": "黑板上的三个词",
        "wb.bill.row.54": "故事里的长句（{n} 个字）",
        "wb.bill.row.512": "一页文字",
        "wb.bill.row.4096": "一篇文档",
        "wb.bill.note": "整个模型还要乘以头数 × 层数：论文的基础 Transformer（8 个头、6 层）光编码器就要算 48 个这样的矩阵。",

        "wb.error.too_long": "{name}：{chars:,} 个字符太长了（最多 {limit:,}）",
        "wb.error.empty": "{name}：向量是空的——请输入数字，例如 1, 0, 0.5",
        "wb.error.not_a_number": "{name}：{token} 不是数字",
        "wb.error.not_finite": "{name}：{token} 不是有限的数（不能用 NaN 或无穷大）",
        "wb.error.too_large": "{name}：{token} 太大了（请保持在 ±{limit:g} 以内）",
        "wb.error.too_many": "{name}：有 {count} 个数，最多只能 {limit} 个",
        "wb.error.lengths": "三个向量必须一样长，现在是 {lengths}",
        "wb.error.ragged": "{name}：每一行的个数必须相同，现在是 {lengths}",
        "wb.error.rows": "{name} 有 {rows} 行，但向量有 {dim} 个数：它需要 {dim} 行（留空即单位矩阵）",
        "wb.error.qk_columns": "{name_q} 有 {q} 列，{name_k} 有 {k} 列：查询和键必须一样长",
        "wb.error.order": "顺序只能是 {orders}，收到的是 {order}",
        "wb.error.dim": "维度 d 必须是 {low} 到 {high} 之间的整数，收到的是 {d}",

        # ---- the attention explorer
        "ax.empty": "翻译一句话，看看每个模型在看哪里、真正用到了哪些字。",
        "ax.nothing": "模型没有输出任何词，没有可解释的内容。",
        "ax.strip.target": "英文",
        "ax.strip.source": "中文",
        "ax.control.map": "图",
        "ax.control.layer": "层",
        "ax.control.head": "头",
        "ax.control.average": "平均",
        "ax.control.multiples": "所有头",
        "ax.map.cross": "英文 → 中文",
        "ax.map.encoder": "中文 ↔ 中文",
        "ax.title.attention.cross": "注意力。",
        "ax.title.attention.encoder": "编码器自注意力。",
        "ax.title.influence": "影响力。",
        "ax.title.coverage": "逐步覆盖。",
        "ax.caption.attention.cross": "写每个英文词（行）时，解码器看了哪些汉字；蓝色越深权重越大（最深＝{max}），每行加起来等于 1。",
        "ax.caption.attention.encoder": "每个字都和其他字开了个小会：行是发问的字，列是它在听的字（蓝色越深权重越大；最深＝{max}）。",
        "ax.caption.influence": "每个英文词真正需要什么：把一个汉字换成 <unk> 后，这个词的对数概率下降多少（橙色＝需要，紫色＝没有它反而更好；最深＝{max} 纳特）。和注意力不一样的地方，说明注意力并不是解释。",
        "ax.caption.influence.alone": "这个 LSTM 没有注意力可看，只有这张诚实的图：把一个汉字换成 <unk> 后，每个英文词的对数概率下降多少（橙色＝需要，紫色＝没有它反而更好；最深＝{max} 纳特）。",
        "ax.caption.coverage": "拖动滑块重放解码过程：每根柱子累加一个字得到的权重。灰色虚线：总共不到 {never}（被漏掉了？）；红色：超过 {again}（被反复看）。",
        "ax.caption.coverage.influence": "拖动滑块重放解码过程：每根橙色柱子累加每一步的影响力份额。灰色虚线：不到 {never}（被忽略？）；红色：超过 {again}（被反复使用）。",
        "ax.details.ms": "翻译用时 {ms} 毫秒",
        "ax.details.timings": "解码 {decode} 毫秒，影响力 {influence} 毫秒",
        "ax.control.table": "表格",
        "ax.aria.attention.cross": "{model} 的注意力：{rows} 个{unit} × {cols} 个汉字。",
        "ax.aria.attention.encoder": "{model} 的编码器自注意力：{rows} 个{unit} × {cols} 个汉字。",
        "ax.aria.influence": "{model} 的影响力：{rows} 个{unit} × {cols} 个汉字。",
        "ax.aria.words": "英文词",
        "ax.aria.tokens": "英文词元",
        "ax.aria.chars": "汉字",
        "ax.aria.whatif": "“如果”译文的注意力：{rows} 个英文词元 × {cols} 个汉字。",
        "ax.aria.replay": "{rows} 个英文词元 × {cols} 个汉字",
        "ax.key.attention": "蓝色＝注意力权重，从 0（白）到 {max}（最深）。",
        "ax.key.influence": "橙色＝需要（没有这个字，对数概率就下降），紫色＝没有它反而更好；最深 ±{max} 纳特。",
        "ax.control.rows": "行",
        "ax.rows.words": "词",
        "ax.rows.tokens": "词元",
        "ax.control.fit": "适应宽度",
        "ax.scroll.hint": "← 左右滑动：共 {n} 列 →",
        "ax.coverage.step.influence": "第 {n} / {T} 步（{token}）：{never} 个字还没被用到，{again} 个字被反复使用。",
        "ax.wb.sent": "同样的数字也送到了下面的 ④ 白板。",
        "ax.coverage.step": "第 {n} / {T} 步（{token}）：{never} 个字还没被看过，{again} 个字被反复看。",
        "ax.hint.token": "点一个英文词，看看模型差点说了什么。",
        "ax.hint.cell": "点某一个头里的一个格子，用模型自己的数字走一遍白板上的三步。",
        "ax.alts.title": "第 {n} 步：模型写了“{token}”。前 5 个候选：",
        "ax.alts.chosen": "所选词的概率：{p}%。",
        "ax.beam.title": "束搜索（k = {k}）第 {n} 步：",
        "ax.beam.kept": "保留",
        "ax.beam.finished": "完成",
        "ax.beam.dropped": "丢弃",
        "ax.wb.title": "白板：“{token}”看向“{char}”（第 {layer} 层，第 {head} 个头，d_k = {dk}）",
        "ax.wb.step1": "1）打分 q·k",
        "ax.wb.step2": "2）÷ √d_k = {sqrt}",
        "ax.wb.step3": "3）softmax",
        "ax.wb.sum": "输出 y = Σ α_j v_j = {y}（{dk} 个数中的前 {dims} 个）。",
        "ax.wb.term": "这个格子贡献 α × v = {a} × {v} = {av}（“{char}”）。",
        "ax.wb.check": "白板算出的权重 {a}；模型图里自己的权重：{own}。",
        "ax.wb.pickhead": "白板只算一个头：先选一个头（不是平均），再点格子。",
        "ax.wb.additive": "这个模型用一个小网络给每个字打分，e = vᵀ tanh(W_s s + W_h h)，再取 softmax：图上画的就是这些权重。",
        "ax.beam.view": "束搜索（k = {k}），一步一步看。",
        "ax.beam.hint": "这一步搜索掂量过的每个候选及其累计对数概率；粗体：通向最终译文的那一条。点一个候选（或按回车），图上会点亮它那一行；← → 换一步，↑ ↓ 换候选。会重复假设里已有词串的词，不会成为候选（词串多长：按各模型的验证集选定）。",
        "ax.beam.word": "第 {n} / {N} 个词：“{token}”",
        "ax.beam.token": "第 {n} / {N} 个词元：“{token}”",
        "ax.beam.end": "结尾：译文在这里结束（</s>），这里对搜索的逐步查看也到此为止。",
        "ax.beam.list": "这一步的候选",
        "ax.whatif.title": "如果……会怎样？",
        "ax.whatif.hint": "在某一步的前 5 个候选里换一个词，或者输入一个英文开头：模型被迫这样开头，然后自己接着往下写。",
        "ax.whatif.placeholder": "输入一个英文开头，例如 The cat",
        "ax.whatif.go": "接着写",
        "ax.whatif.empty": "请先输入一个英文开头。",
        "ax.whatif.busy": "模型正在接着写……",
        "ax.whatif.choose": "选它",
        "ax.whatif.choose.label": "改选“{token}”，让模型接着写",
        "ax.whatif.result": "以“{prefix}”开头：",
        "ax.whatif.logp": "这整句译文的对数概率：{new}；模型自己那句：{own}（越接近 0 越可能）。",
        "ax.whatif.forced": "强制",
        "ax.whatif.nomap": "这个 LSTM 没有注意力，所以续写没有注意力图。",
        "ax.title.whatif": "续写的注意力。",
        "ax.caption.whatif": "写“如果”译文的每个词时解码器看了哪里（最后一层，各头平均）。点上面的词看它的前 5 个候选。",
        "ax.export.where": "（第 {layer} 层，{head}）",
        "ax.legend.attention": "注意力权重（蓝色）",
        "ax.legend.influence": "对数概率的下降，纳特（橙色：需要，紫色：没有它更好）",
        "ax.replay.title.attention": "看注意力是怎么学会的。",
        "ax.replay.title.model": "看模型是怎么学会的。",
        "ax.replay.caption.attention": "这个模型在训练的不同时刻怎么翻译故事里的长句，从未训练开始到训练结束，以及它看了哪里（蓝色：注意力，最后一层）。旁边是同一时刻的“猫追老鼠。”。",
        "ax.replay.caption.influence": "这个模型在训练的不同时刻怎么翻译故事里的长句，从未训练开始到训练结束；每张图画的是它的影响力：每个英文词需要哪些字（橙色）、没有哪些字反而更好（紫色）。旁边是同一时刻的“猫追老鼠。”。",
        "ax.replay.greedy": "快照用贪心解码翻译（每一步都取最可能的词元）；上面的译文可能用的是束搜索。",
        "ax.replay.none": "这个模型的训练过程没有被记录下来，所以没有回放可看。",
        "ax.replay.broken": "这个模型的训练记录读不出来，所以没有回放可看。",
        "ax.replay.loading": "正在加载训练回放……",
        "ax.replay.failed": "训练回放没有加载成功；请刷新页面再试。",
        "ax.replay.together": "所有模型一起移动",
        "ax.replay.step": "第 {n} / {N} 个快照：第 {step} 步，第 {epoch} 轮，验证集 BLEU {bleu}，验证集损失 {loss}",
        "ax.replay.map.attention": "注意力（最后一层，各头平均），故事里的长句。",
        "ax.replay.map.influence": "影响力（这个模型没有注意力），故事里的长句。",
    },
}

STRINGS["en"].update({f"{'note' if code in NOTE_CODES else 'error'}.{code}": message for code, message in ENGLISH.items()})
STRINGS["en"].update({f"wb.error.{key}": message for key, message in WHITEBOARD_ENGLISH.items()})
for _lang in LANGS:
    STRINGS[_lang].update(model_strings(_lang))   # model.NAME, model.NAME.short: dawn/registry.py's labels


def explorer_strings() -> dict[str, dict[str, str]]:
    """The attention explorer's table, {lang: {key: text}}: its "ax." keys without the prefix, and the model labels."""
    return {lang: {(k[3:] if k.startswith("ax.") else k): v for k, v in table.items()
                   if k.startswith(("ax.", "model."))} for lang, table in STRINGS.items()}


def text(lang: str, key: str, **params) -> str:
    """STRINGS[lang][key] with its {placeholders} filled; English for an unknown language."""
    table = STRINGS.get(lang, STRINGS[DEFAULT_LANG])
    template = table[key]
    return template.format(credit=STORY_CREDIT, **params) if ("{" in template) else template
