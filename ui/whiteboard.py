"""The whiteboard section of the page: Gradio components, their events, and the `/whiteboard` API.

    with gr.Blocks() as demo:
        build_whiteboard(lang="zh")          # inside the page's Blocks; adds the /whiteboard endpoint too

    from gradio_client import Client
    Client(url).predict("1, 0, 0.5", "0, 1, 0", "0.5, 0, 1", api_name="/whiteboard")["weights"][1]
    # [0.2119..., 0.5761..., 0.2119...]     (optional: scale, order, positions, w_q, w_k, w_v)

The numbers come from dawn/whiteboard.py. This file turns them into LaTeX for the board (gr.Markdown:
numbers and fixed words only, never what a visitor typed) and JSON for the browser views in
ui/static/whiteboard.js, which draws them with textContent. Every visible word is in STRINGS.
"""

# no `from __future__ import annotations`: gr.api reads the API function's type hints at runtime

import inspect
import math
from pathlib import Path

import gradio as gr
import numpy as np

from dawn import whiteboard as wb
from dawn.story import STORY_SENTENCE
from dawn.whiteboard import ORDERS, PRESETS, STORY_VECTORS, STORY_WORDS, BadInput, Head

STATIC = Path(__file__).resolve().parent / "static"
SAME = 1e-9                       # outputs closer than this count as identical (float rounding is ~1e-16)
SQRT_D_ROWS = (3, 8, 32, 128, 512)
BILL_ROWS = (3, len(STORY_SENTENCE), 512, 4096)
HEAD_DEFAULTS = ("identity", "object")  # head 1 is the board; head 2 attends differently out of the box
MATRICES = ("W_Q", "W_K", "W_V")
LATEX = [{"left": "$$", "right": "$$", "display": True}, {"left": "\\(", "right": "\\)", "display": False}]

STRINGS = {
    "en": {
        "wb.title": "## The whiteboard from the story",
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
                        "instead: W_Q (what a word asks for), W_K (how it can be found), W_V (what it passes on). The "
                        "identity reproduces the board; other matrices change who listens to whom. Two heads side by "
                        "side attend in two ways at once — the 多头机制. One row per line; an empty box is the identity.",
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
    },
    "zh": {
        "wb.title": "## 故事里的白板",
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
        "wb.qkv.intro": "黑板上每个词把自己的向量用了三次。Transformer 改为学习三个矩阵：W_Q（一个词要找什么）、"
                        "W_K（它怎样被找到）、W_V（它传出去什么）。单位矩阵就是黑板；换别的矩阵，谁听谁的就变了。"
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
    },
}
STRINGS["en"].update({f"wb.error.{key}": message for key, message in wb.MESSAGES.items()})


def t(lang: str, key: str, **params) -> str:
    """STRINGS[lang][key] with its {placeholders} filled (English for an unknown language)."""
    return STRINGS.get(lang, STRINGS["en"])[key].format(**params)  # every template is a format string


def message_for(e: BadInput, lang: str) -> str:
    return t(lang, "wb.invalid", message=t(lang, f"wb.error.{e.key}", **e.params))


# ----------------------------------------------------------------------------- the computation, shared by page and API

def solve(vectors: list, scale: bool, positions: bool, heads: list,
          lang: str = "en") -> tuple[dict[str, list[Head]], list[bool]]:
    """Parse everything, then run every head on both word orders: ({order: [head 1, head 2, ...]}, identity?).

    vectors: three texts ("1, 0, 0.5"); heads: one (W_Q, W_K, W_V) triple of texts per head.
    The second item says, per head, whether all three matrices are the identity. Raises BadInput."""
    X = wb.parse_vectors(list(vectors), STORY_WORDS)                            # (3, d)
    Ws = [wb.parse_head(tuple(texts), tuple(t(lang, "wb.matrix", m=m, h=h) for m in MATRICES), X.shape[1])
          for h, texts in enumerate(heads, start=1)]
    identity = [all(W.shape[0] == W.shape[1] and np.array_equal(W, np.eye(len(W))) for W in triple) for triple in Ws]
    return ({order: [wb.run_head(*wb.in_order(order, STORY_WORDS, X), W, bool(scale), bool(positions)) for W in Ws]
             for order in ORDERS}, identity)


def whiteboard(cat: str, chase: str, mouse: str, scale: bool = False, order: str = "猫追老鼠",
               positions: bool = False, w_q: str = "", w_k: str = "", w_v: str = "") -> dict:
    """Self-attention on the story's three words, as on the whiteboard: every score, weight and output.

    cat, chase, mouse: the vectors of 猫, 追, 老鼠 as text, e.g. "1, 0, 0.5". scale: divide the scores by √d_k.
    order: "猫追老鼠" or "老鼠追猫". positions: add sinusoidal position encodings. w_q, w_k, w_v: matrices as
    text, one row per line or rows split by ";" (empty: the identity). Returns JSON: words, x, p, q, k, v,
    dot_products, scores, weights, outputs (exact), as_on_the_board (rounded to 3 decimals), and
    output_difference_vs_other_order (per word; 0 without positions: attention ignores word order)."""
    texts = {"cat": cat, "chase": chase, "mouse": mouse, "w_q": w_q, "w_k": w_k, "w_v": w_v, "order": order}
    wrong = [f"{name} must be text" for name, v in texts.items() if not isinstance(v, str)] + \
            [f"{name} must be true or false" for name, v in (("scale", scale), ("positions", positions))
             if not isinstance(v, bool)]
    if wrong:  # a clean error for the caller, nothing in the server's log
        raise gr.Error("; ".join(wrong), print_exception=False)
    try:
        if order not in ORDERS:
            raise BadInput("order", orders=" / ".join(ORDERS), order=repr(str(order)[:20]))
        heads, _ = solve([cat, chase, mouse], scale, positions, [(w_q, w_k, w_v)])
    except BadInput as e:
        raise gr.Error(str(e), print_exception=False) from None
    other = next(o for o in ORDERS if o != order)
    head, other_head = heads[order][0], heads[other][0]
    return {"order": order, **head.to_dict(), "other_order": other,
            "output_difference_vs_other_order": wb.compare_orders(head, other_head)}


# ----------------------------------------------------------------------------- the board, in LaTeX

def _n(v: float) -> str:
    """A number for the board: as typed when it has at most 3 decimals (1, 0.5, 1.25), else 0.212; huge ones 1.2×10⁷."""
    v = float(v) + 0.0  # no -0
    if abs(v) >= 1e5:
        mantissa, exponent = f"{v:.3e}".split("e")
        return f"{mantissa}\\times 10^{{{int(exponent)}}}"
    return f"{round(v, 3):g}" if abs(v - round(v, 3)) < 1e-12 else f"{v:.3f}"


def _vec(values, brackets="[]") -> str:
    return brackets[0] + ",\\ ".join(_n(v) for v in values) + brackets[1]


def _w(word: str) -> str:
    return f"\\text{{{word}}}"  # only the story's fixed words reach this


def _bmatrix(M) -> str:
    return "\\begin{bmatrix}" + " \\\\ ".join(" & ".join(_n(v) for v in row) for row in np.asarray(M)) + "\\end{bmatrix}"


def _dot_terms(q, k, keep: int = 6) -> str:
    terms = [f"{_n(a)}\\times{_n(b)}" for a, b in zip(q, k)]
    if len(terms) > keep:  # 16 numbers would not fit: first three, …, last two
        terms = terms[:3] + ["\\cdots"] + terms[-2:]
    return " + ".join(terms)


def _plain(values, digits: int) -> str:
    return ", ".join(f"{float(v) + 0.0:.{digits}f}" if digits <= 3 else f"{float(v) + 0.0:.{digits}g}" for v in values)


def board_markdown(head: Head, focus: str, identity: bool, lang: str) -> str:
    """The board for one head on one word order, the `focus` word's row spelled out with its numbers."""
    w, i = head.words, head.words.index(focus)
    words = "、".join(w) if lang == "zh" else ", ".join(w)
    lines = [t(lang, "wb.board.title", sentence="".join(w)), t(lang, "wb.board.given"),
             "$$\\begin{aligned}" + " \\\\ ".join(f"x_{{{_w(x)}}} &= {_vec(v)}" for x, v in zip(w, head.X - head.P))
             + "\\end{aligned}$$"]
    if head.positions:
        lines += [t(lang, "wb.board.positions"), "$$\\begin{aligned}" + " \\\\ ".join(
            f"x_{{{_w(x)}}} + p_{{{pos}}} &= {_vec(v - p)} + {_vec(p)} = {_vec(v)}"
            for pos, (x, v, p) in enumerate(zip(w, head.X, head.P))) + "\\end{aligned}$$"]
    if identity:
        lines.append(t(lang, "wb.board.identity"))
    else:
        lines += [t(lang, "wb.board.project", words=words),
                  f"$$Q = {_bmatrix(head.Q)},\\quad K = {_bmatrix(head.K)},\\quad V = {_bmatrix(head.V)}$$"]
    # 1) scores
    q, dk = head.Q[i], head.K.shape[1]
    lines += [t(lang, "wb.board.step1"), "$$\\begin{aligned}" + " \\\\ ".join(
        f"s_{{{_w(focus)},{_w(x)}}} &= q_{{{_w(focus)}}} \\cdot k_{{{_w(x)}}} = {_dot_terms(q, k)} = {_n(s)}"
        for x, k, s in zip(w, head.K, head.dots[i])) + "\\end{aligned}$$"]
    if head.scaled:
        lines += [t(lang, "wb.board.step1.scaled", dk=dk, root=f"{math.sqrt(dk):.3f}"),
                  f"$$\\frac{{{_vec(head.dots[i], '()')}}}{{{math.sqrt(dk):.3f}}} = {_vec(head.S[i], '()')}$$"]
    # 2) weights
    s = head.S[i]
    shift = s.max() if np.abs(s).max() > 30 else 0.0  # e^s itself would be unreadable (or overflow)
    exps = np.exp(s - shift)
    e_terms = [f"e^{{{_n(v - shift)}}}" for v in s]
    lines.append(t(lang, "wb.board.step2"))
    if shift:
        lines.append(t(lang, "wb.board.step2.shift", m=_n(shift).replace("\\times 10^", "e")))
    numerator, denominator = ",\\ ".join(e_terms), " + ".join(e_terms)
    lines.append(f"$$a_{{{_w(focus)},\\cdot}} = \\frac{{({numerator})}}{{{denominator}}} = "
                 f"\\frac{{{_vec(exps, '()')}}}{{{_n(exps.sum())}}} = {_vec(head.A[i], '()')}$$")
    # 3) outputs
    mix = " + ".join(f"{_n(a)}\\,{_vec(v)}" for a, v in zip(head.A[i], head.V))
    lines += [t(lang, "wb.board.step3"),
              f"$$\\begin{{aligned}}y_{{{_w(focus)}}} &= {mix} \\\\ &= {_vec(head.Y[i])}\\end{{aligned}}$$"]
    # all words, then the episode's rounding beside the exact values
    lines += [t(lang, "wb.board.all", words=words), f"$$A = {_bmatrix(head.A)}$$", f"$$Y = {_bmatrix(head.Y)}$$",
              t(lang, "wb.board.rounding"),
              f"| {t(lang, 'wb.board.col.what')} | {t(lang, 'wb.board.col.board')} | {t(lang, 'wb.board.col.exact')} |",
              "|---|---|---|",
              f"| {t(lang, 'wb.board.weights_of', word=focus)} | {_plain(head.A[i], 3).replace(', ', ' / ')} "
              f"| {_plain(head.A[i], 10)} |",
              f"| {t(lang, 'wb.board.output_of', word=focus)} | [{_plain(head.Y[i], 3)}] | [{_plain(head.Y[i], 10)}] |"]
    return "\n\n".join(lines[:-4]) + "\n\n" + "\n".join(lines[-4:])  # blocks apart; the table's rows together


# (no fractions or scripts inside scripts: KaTeX draws those at half size, under 12 px on a phone)
POSITIONS_TEX = ("$$PE_{(pos,\\,2i)} = \\sin\\big(pos / 10000^{2i/d}\\big),\\qquad "
                 "PE_{(pos,\\,2i+1)} = \\cos\\big(pos / 10000^{2i/d}\\big)$$")
SQRT_D_TEX = ("$$\\begin{gathered}q\\cdot k = \\sum_{m=1}^{d} q_m k_m,\\quad \\operatorname{Var}(q_m k_m) = 1 \\\\ "
              "\\Rightarrow\\; \\operatorname{Var}(q\\cdot k) = d,\\quad \\operatorname{Var}\\Big(\\frac{q\\cdot k}{\\sqrt d}\\Big) = 1\\end{gathered}$$")


# ----------------------------------------------------------------------------- JSON for the browser views

def orders_view(heads: dict[str, list[Head]], lang: str) -> dict:
    """Both word orders with head 1: weights, outputs, and how much each word's output differs between them."""
    (o1, a), (o2, b) = ((order, hs[0]) for order, hs in heads.items())
    diff = wb.compare_orders(a, b)
    worst = max(diff, key=diff.get)
    fmt = lambda x: f"{x:.1e}" if x < 1e-3 else f"{x:.3f}"  # noqa: E731
    cards = []
    for order, head, other in ((o1, a, o2), (o2, b, o1)):
        cards.append({"title": order, "words": head.words, "weights": head.A.tolist(), "outputs": head.Y.tolist(),
                      "notes": [t(lang, "wb.orders.same", order=other) if diff[x] < SAME else
                                t(lang, "wb.orders.differs", order=other, diff=fmt(diff[x])) for x in head.words],
                      "same": [bool(diff[x] < SAME) for x in head.words]})
    summary = (t(lang, "wb.orders.summary.same", diff=fmt(diff[worst])) if diff[worst] < SAME else
               t(lang, "wb.orders.summary.differs", diff=fmt(diff[worst]), word=worst))
    return {"view": "orders", "word_ids": {x: k for k, x in enumerate(STORY_WORDS)}, "cards": cards,
            "summary": summary, "same": bool(diff[worst] < SAME),
            "labels": {"weights": t(lang, "wb.orders.weights"), "outputs": t(lang, "wb.orders.outputs"),
                       "asking": t(lang, "wb.orders.asking")}}


def heads_view(heads: dict[str, list[Head]], lang: str) -> dict:
    """Every head on the first word order, side by side, with whom each word listens to most."""
    hs = next(iter(heads.values()))
    cards = []
    for h, head in enumerate(hs, start=1):
        top = head.A.argmax(axis=1)
        cards.append({"title": t(lang, "wb.head", h=h), "words": head.words, "weights": head.A.tolist(),
                      "outputs": head.Y.tolist(), "same": [None] * len(head.words),
                      "notes": [t(lang, "wb.heads.listens", word=x, other=head.words[j], weight=f"{head.A[r, j]:.3f}")
                                for r, (x, j) in enumerate(zip(head.words, top))]})
    return {"view": "heads", "word_ids": {x: k for k, x in enumerate(STORY_WORDS)}, "cards": cards, "summary": "",
            "labels": {"weights": t(lang, "wb.orders.weights"), "outputs": t(lang, "wb.orders.outputs"),
                       "asking": t(lang, "wb.orders.asking")}}


def sqrt_d_markdown(d: int, lang: str) -> str:
    """The measured variance at d, and max weight / entropy with and without ÷√d for a few d (d's row in bold)."""
    r = wb.sqrt_d_experiment(int(d))
    cols = ("d", "max", "max_scaled", "entropy", "entropy_scaled", "var")
    lines = [t(lang, "wb.sqrt.setup", trials=r["trials"], keys=r["keys"]), "",
             t(lang, "wb.sqrt.measured", d=r["d"], var=f"{r['var_dot']:.1f}", var_scaled=f"{r['var_scaled']:.3f}",
               raw=f"{r['max_weight_unscaled']:.3f}", scaled=f"{r['max_weight_scaled']:.3f}"), "",
             "| " + " | ".join(t(lang, f"wb.sqrt.col.{c}", hmax=r["max_entropy_bits"]) if c == "entropy" else
                               t(lang, f"wb.sqrt.col.{c}") for c in cols) + " |",
             "|" + "---:|" * len(cols)]
    for dim in sorted({*SQRT_D_ROWS, int(d)}):
        e = wb.sqrt_d_experiment(dim)
        cells = [str(dim), f"{e['max_weight_unscaled']:.3f}", f"{e['max_weight_scaled']:.3f}",
                 f"{e['entropy_unscaled']:.2f}", f"{e['entropy_scaled']:.2f}", f"{e['var_dot']:.1f}"]
        lines.append("| " + " | ".join(f"**{c}**" if dim == int(d) else c for c in cells) + " |")
    return "\n".join(lines)


def _size(n_bytes: int) -> str:
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n_bytes >= size:
            return f"{n_bytes / size:,.1f} {unit}"
    return f"{n_bytes} B"


def bill_markdown(lang: str) -> str:
    """The n² bill: from the three words on the board to a 4,096-token document."""
    cols = ("n", "scores", "macs", "bytes", "lstm", "what")  # the numbers first: a phone shows them without scrolling
    lines = [t(lang, "wb.bill.intro"), "",
             "| " + " | ".join(t(lang, f"wb.bill.col.{c}", dk=wb.D_HEAD) if c == "macs" else t(lang, f"wb.bill.col.{c}")
                               for c in cols) + " |", "|---:|---:|---:|---:|---:|---|"]
    for n in BILL_ROWS:
        c = wb.attention_cost(n)
        lines.append(f"| {n:,} | {c['scores']:,} | {c['multiply_adds']:,} | {_size(c['bytes'])} | {c['lstm_steps']:,} "
                     f"| {t(lang, f'wb.bill.row.{n}', n=n)} |")
    return "\n".join(lines + ["", t(lang, "wb.bill.note")])


# ----------------------------------------------------------------------------- the page

def load_preset(name: str) -> tuple[str, str, str]:
    """A preset's W_Q, W_K, W_V as text for the three boxes (unknown names leave the boxes as they are)."""
    if name not in PRESETS:
        return gr.skip(), gr.skip(), gr.skip()
    return tuple(wb.matrix_text(M) for M in PRESETS[name])


def update(cat, chase, mouse, scale, positions, focus, q1, k1, v1, q2, k2, v2, lang: str = "zh") -> tuple:
    """Everything the section shows -> (message, board Markdown, orders JSON, heads JSON).

    Bad input: the message says what is wrong and the other three are left as they were (gr.skip())."""
    try:
        heads, identity = solve([cat, chase, mouse], scale, positions, [(q1, k1, v1), (q2, k2, v2)], lang)
    except BadInput as e:
        return {"view": "message", "text": message_for(e, lang), "error": True}, gr.skip(), gr.skip(), gr.skip()
    except Exception as e:  # never a traceback on the page
        return ({"view": "message", "text": t(lang, "wb.unexpected", kind=type(e).__name__), "error": True},
                gr.skip(), gr.skip(), gr.skip())
    board_head = heads["猫追老鼠"][0]
    focus = focus if focus in board_head.words else "追"
    return ({"view": "message", "text": "", "error": False}, board_markdown(board_head, focus, identity[0], lang),
            orders_view(heads, lang), heads_view(heads, lang))


def _js() -> str:
    return (STATIC / "whiteboard.js").read_text(encoding="utf-8")


def _view(kind: str, value, elem_id: str, **kwargs) -> gr.HTML:
    """A browser view drawn by ui/static/whiteboard.js from the JSON value (text only, via textContent)."""
    return gr.HTML(value, html_template=f'<div class="wb-view" data-view="{kind}"></div>', js_on_load=_js(),
                   elem_id=elem_id, elem_classes="wb-html", **kwargs)


def build_whiteboard(lang: str = "zh", api: bool = True) -> dict[str, gr.components.Component]:
    """The whiteboard section, inside the caller's gr.Blocks: components, live events, and (api=True) `/whiteboard`.

    Returns the components by name, for a caller that wants to re-label them."""
    vector_texts = [", ".join(f"{v:g}" for v in vec) for vec in STORY_VECTORS]
    head_texts = [[wb.matrix_text(M) for M in PRESETS[name]] for name in HEAD_DEFAULTS]
    first = update(*vector_texts, False, False, "追", *sum(head_texts, []), lang=lang)
    c: dict[str, gr.components.Component] = {}

    with gr.Column(elem_id="whiteboard", elem_classes="wb"):
        gr.Markdown(t(lang, "wb.title") + "\n\n" + t(lang, "wb.intro"))
        with gr.Row(elem_classes="wb-vectors"):
            vectors = [gr.Textbox(text, label=t(lang, "wb.vector", word=word), max_length=wb.MAX_TEXT_CHARS,
                                  elem_id=f"wb-x{k}", min_width=110, interactive=True)
                       for k, (word, text) in enumerate(zip(STORY_WORDS, vector_texts))]
        with gr.Row(elem_classes="wb-switches"):
            scale = gr.Checkbox(False, label=t(lang, "wb.scale"), elem_id="wb-scale", interactive=True)
            positions = gr.Checkbox(False, label=t(lang, "wb.positions"), elem_id="wb-positions", interactive=True)
            focus = gr.Radio(STORY_WORDS, value="追", label=t(lang, "wb.focus"), elem_id="wb-focus", interactive=True)
        message = _view("message", first[0], "wb-message",
                        head=f"<style>{(STATIC / 'whiteboard.css').read_text(encoding='utf-8')}</style>")
        board = gr.Markdown(first[1], latex_delimiters=LATEX, elem_id="whiteboard-steps", elem_classes="wb-board")

        gr.Markdown(t(lang, "wb.orders.title") + "\n\n" + t(lang, "wb.orders.intro"))
        orders = _view("orders", first[2], "wb-orders")
        gr.Markdown(t(lang, "wb.orders.formula") + "\n\n" + POSITIONS_TEX, latex_delimiters=LATEX,
                    elem_classes="wb-board")

        gr.Markdown(t(lang, "wb.qkv.title") + "\n\n" + t(lang, "wb.qkv.intro"))
        matrices, presets = [], []
        with gr.Row(elem_classes="wb-heads-inputs"):
            for h, (default, texts) in enumerate(zip(HEAD_DEFAULTS, head_texts), start=1):
                with gr.Column(min_width=300):
                    presets.append(gr.Dropdown([(t(lang, f"wb.preset.{k}"), k) for k in PRESETS], value=default,
                                               label=f"{t(lang, 'wb.head', h=h)} · {t(lang, 'wb.preset')}",
                                               elem_id=f"wb-preset{h}", interactive=True))
                    with gr.Row(elem_classes="wb-matrices"):
                        matrices.append([gr.Textbox(text, label=m, lines=3, max_lines=6, max_length=wb.MAX_TEXT_CHARS,
                                                    elem_id=f"wb-h{h}-{m.lower()}", elem_classes="wb-matrix",
                                                    min_width=90, interactive=True)
                                         for m, text in zip(MATRICES, texts)])
        heads = _view("heads", first[3], "wb-heads")

        gr.Markdown(t(lang, "wb.sqrt.title") + "\n\n" + t(lang, "wb.sqrt.intro") + "\n\n" + SQRT_D_TEX,
                    latex_delimiters=LATEX, elem_classes="wb-board")
        dim = gr.Slider(3, 512, value=64, step=1, label=t(lang, "wb.sqrt.slider"), elem_id="wb-d", interactive=True)
        sqrt_md = gr.Markdown(sqrt_d_markdown(64, lang), elem_id="wb-sqrt-d", elem_classes="wb-table")

        gr.Markdown(t(lang, "wb.code.title") + "\n\n" + t(lang, "wb.code.intro"))
        gr.Code(inspect.getsource(wb.attention) + "\n\n" + inspect.getsource(wb.sinusoidal_positions),
                language="python", interactive=False, show_line_numbers=False, elem_id="wb-code")

        gr.Markdown(t(lang, "wb.bill.title") + "\n\n" + bill_markdown(lang), elem_id="wb-bill", elem_classes="wb-table")

    # events: every change recomputes at once; cheap and bounded, so no queue and no progress spinner
    inputs = [*vectors, scale, positions, focus, *matrices[0], *matrices[1]]
    live = dict(trigger_mode="always_last", queue=False, show_progress="hidden", api_visibility="private")
    gr.on([x.change for x in inputs], lambda *a: update(*a, lang=lang), inputs, [message, board, orders, heads], **live)
    for preset, boxes in zip(presets, matrices):
        preset.input(load_preset, preset, boxes, **live)
    dim.change(lambda d: sqrt_d_markdown(d, lang), dim, sqrt_md, **live)
    if api:
        gr.api(whiteboard, api_name="whiteboard")
    c.update(vectors=vectors, scale=scale, positions=positions, focus=focus, message=message, board=board,
             orders=orders, heads=heads, presets=presets, matrices=matrices, dim=dim, sqrt_d=sqrt_md)
    return c
