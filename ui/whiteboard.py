"""The whiteboard section of the page: Gradio components, their events, and the `/whiteboard` API.

    with gr.Blocks() as demo:
        lang = gr.Radio(["zh", "en"], value="zh")
        board = build_whiteboard(lang)       # inside the page's Blocks; adds the /whiteboard endpoint too
        lang.change(board.fill, [lang, *board.inputs], board.outputs)   # a switch keeps every edit

    from gradio_client import Client
    Client(url).predict("1, 0, 0.5", "0, 1, 0", "0.5, 0, 1", api_name="/whiteboard")["weights"][1]
    # [0.2119..., 0.5761..., 0.2119...]     (optional: scale, order, positions, w_q, w_k, w_v)

The numbers come from dawn/whiteboard.py. This file turns them into LaTeX for the board (gr.Markdown:
numbers and fixed words only, never what a visitor typed) and JSON for the browser views in
ui/static/whiteboard.js, which draws them with textContent. Every visible word is in ui/strings.py.
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
from dawn.lens import LensError
from ui.lens import lookup
from ui.strings import STRINGS

STATIC = Path(__file__).resolve().parent / "static"
SAME = 1e-9                       # outputs closer than this count as identical (float rounding is ~1e-16)
SQRT_D_ROWS = (3, 8, 32, 128, 512)
BILL_ROWS = (3, len(STORY_SENTENCE), 512, 4096)
HEAD_DEFAULTS = ("identity", "object")  # head 1 is the board; head 2 attends differently out of the box
# What the board leads to, each a panel of its own: on a phone each waits behind a "More" button (whiteboard.css)
PANELS = ("orders", "heads", "sqrt", "code", "bill")
MATRICES = ("W_Q", "W_K", "W_V")
LATEX = [{"left": "$$", "right": "$$", "display": True}, {"left": "\\(", "right": "\\)", "display": False}]



def t(lang: str, key: str, **params) -> str:
    """The page's one string table (ui/strings.py), every template a format string (LaTeX braces doubled)."""
    return STRINGS.get(lang, STRINGS["en"])[key].format(**params)


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
    """Self-attention on the story's three words (猫 cat, 追 chase, 老鼠 mouse), computed as on the whiteboard:
    every score, weight and output, so that a learner can check a calculation by hand.

    Args:
        cat: the vector of 猫 as text, e.g. "1, 0, 0.5"
        chase: the vector of 追, e.g. "0, 1, 0"
        mouse: the vector of 老鼠, e.g. "0.5, 0, 1"
        scale: divide the scores by √d_k
        order: "猫追老鼠" or "老鼠追猫"
        positions: add sinusoidal position encodings to the vectors
        w_q: the query matrix as text, one row per line or rows split by ";" ("" for the identity)
        w_k: the key matrix, the same way
        w_v: the value matrix, the same way
    Returns:
        JSON: words, x, p, q, k, v, dot_products, scores, weights, outputs (exact), as_on_the_board (rounded to 3
        decimals), and output_difference_vs_other_order (per word; 0 without positions: attention ignores order)
    """
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
    cols = ("n", "scores", "macs", "bytes", "steps", "what")  # the numbers first: a phone shows them without scrolling
    lines = [t(lang, "wb.bill.intro"), "",
             "| " + " | ".join(t(lang, f"wb.bill.col.{c}", dk=wb.D_HEAD) if c == "macs" else t(lang, f"wb.bill.col.{c}")
                               for c in cols) + " |", "|---:|---:|---:|---:|---:|---|"]
    for n in BILL_ROWS:
        c = wb.attention_cost(n)
        lines.append(f"| {n:,} | {c['scores']:,} | {c['multiply_adds']:,} | {_size(c['bytes'])} | {c['lstm_steps']:,} "
                     f"| {t(lang, f'wb.bill.row.{n}', n=n)} |")
    return "\n".join(lines + ["", t(lang, "wb.bill.note")])


# ----------------------------------------------------------------------------- the page

def training_line(lang: str) -> str:
    """How often the board's words (猫, 老鼠; 追 too) occur in the pairs the models trained on, from the training-data
    lens (ui/lens.py): one line under the intro. Empty when the lens is not there (a checkpoints folder without it)."""
    try:
        found = [lookup(word, "zh") for word in STORY_WORDS]
    except LensError:
        return ""
    counts = t(lang, "wb.training.join").join(t(lang, "wb.training.count" if a["total"] else "wb.training.never",
                                                word=a["text"], n=a["total"]) for a in found)
    return t(lang, "wb.training", counts=counts, pairs=found[0]["pairs"])


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


def more_view(lang: str) -> dict:
    """A phone's "More" buttons: one per panel (its element id and its name), drawn by whiteboard.js."""
    return {"view": "more", "label": t(lang, "wb.more"),
            "items": [{"panel": f"wb-panel-{k}", "text": t(lang, f"wb.more.{k}")} for k in PANELS]}


def scroll_hint(lang: str, target: str) -> dict:
    """"Scroll sideways" above the table in element `target`, shown while that table is wider than its box."""
    return {"view": "hint", "text": t(lang, "wb.scroll"), "target": target}


def _js() -> str:
    return (STATIC / "whiteboard.js").read_text(encoding="utf-8")


def _view(kind: str, value, elem_id: str, **kwargs) -> gr.HTML:
    """A browser view drawn by ui/static/whiteboard.js from the JSON value (text only, via textContent)."""
    return gr.HTML(value, html_template=f'<div class="wb-view" data-view="{kind}"></div>', js_on_load=_js(),
                   elem_id=elem_id, elem_classes="wb-html", **kwargs)


VECTOR_TEXTS = [", ".join(f"{v:g}" for v in vec) for vec in STORY_VECTORS]
HEAD_TEXTS = [[wb.matrix_text(M) for M in PRESETS[name]] for name in HEAD_DEFAULTS]
CODE = inspect.getsource(wb.attention) + "\n\n" + inspect.getsource(wb.sinusoidal_positions)


class Whiteboard:
    """The whiteboard section, built inside the caller's gr.Blocks (see build_whiteboard).

    `inputs`: every value a visitor can edit (vectors, switches, matrices, d), in the order fill() takes them.
    `outputs`: every component whose words or numbers depend on the language or the inputs.
    fill(lang, *inputs) -> one update per output: the section in `lang`, computed from the inputs as they are
    now, so that a language switch keeps every edit (labels and words change, values stay)."""

    def __init__(self, components: dict, lang_input: gr.components.Component):
        self.c, self.lang_input = components, lang_input
        c = components
        self.inputs = [*c["vectors"], c["scale"], c["positions"], c["focus"], *c["matrices"][0], *c["matrices"][1],
                       c["dim"]]
        self.outputs = [c["intro"], *c["vectors"], c["scale"], c["positions"], c["focus"], c["message"], c["board"],
                        c["orders_md"], c["orders"], c["formula"], c["qkv"], *c["presets"], c["heads"], c["sqrt_md"],
                        c["dim"], c["sqrt_d"], c["code_md"], c["code"], c["bill"], c["more"], c["sqrt_hint"],
                        c["bill_hint"]]

    @staticmethod
    def fill(lang: str, *values) -> list:
        cat, chase, mouse, scale, positions, focus, q1, k1, v1, q2, k2, v2, dim = values
        message, board, orders, heads = update(cat, chase, mouse, scale, positions, focus, q1, k1, v1, q2, k2, v2,
                                               lang=lang)
        presets = [gr.update(label=f"{t(lang, 'wb.head', h=h)} · {t(lang, 'wb.preset')}",
                             choices=[(t(lang, f"wb.preset.{k}"), k) for k in PRESETS]) for h in (1, 2)]
        return [f"{t(lang, 'wb.intro')} {training_line(lang)}",
                *(gr.update(label=t(lang, "wb.vector", word=word)) for word in STORY_WORDS),
                gr.update(label=t(lang, "wb.scale")), gr.update(label=t(lang, "wb.positions")),
                gr.update(label=t(lang, "wb.focus")), message, board,
                t(lang, "wb.orders.title") + "\n\n" + t(lang, "wb.orders.intro"), orders,
                t(lang, "wb.orders.formula") + "\n\n" + POSITIONS_TEX,
                t(lang, "wb.qkv.title") + "\n\n" + t(lang, "wb.qkv.intro"), *presets, heads,
                t(lang, "wb.sqrt.title") + "\n\n" + t(lang, "wb.sqrt.intro") + "\n\n" + SQRT_D_TEX,
                gr.update(label=t(lang, "wb.sqrt.slider")), sqrt_d_markdown(dim, lang),
                t(lang, "wb.code.title") + "\n\n" + t(lang, "wb.code.intro"), CODE,
                t(lang, "wb.bill.title") + "\n\n" + bill_markdown(lang), more_view(lang),
                scroll_hint(lang, "wb-sqrt-d"), scroll_hint(lang, "wb-bill")]


def _panel(key: str) -> gr.Column:
    """One of PANELS: a column whose "More" button (more_view) shows it on a phone; always shown on a wide screen."""
    return gr.Column(elem_id=f"wb-panel-{key}", elem_classes="wb-panel")


def heads_inputs(c: dict, lang0: str) -> None:
    """Each head's preset and its three matrices, side by side (stacked on a phone), into c["presets"], c["matrices"]."""
    with gr.Row(elem_classes="wb-heads-inputs"):
        for h, (default, texts) in enumerate(zip(HEAD_DEFAULTS, HEAD_TEXTS), start=1):
            with gr.Column(min_width=300):
                c["presets"].append(gr.Dropdown([(t(lang0, f"wb.preset.{k}"), k) for k in PRESETS], value=default,
                                                label=f"{t(lang0, 'wb.head', h=h)} · {t(lang0, 'wb.preset')}",
                                                elem_id=f"wb-preset{h}", interactive=True))
                with gr.Row(elem_classes="wb-matrices"):
                    c["matrices"].append([gr.Textbox(text, label=m, lines=3, max_lines=6, elem_classes="wb-matrix",
                                                     max_length=wb.MAX_TEXT_CHARS, elem_id=f"wb-h{h}-{m.lower()}",
                                                     min_width=90, interactive=True)
                                          for m, text in zip(MATRICES, texts)])


def build_whiteboard(lang: "gr.components.Component | str" = "zh", api: bool = True, filled: bool = True) -> Whiteboard:
    """The whiteboard section, inside the caller's gr.Blocks: components, live events, and (api=True) `/whiteboard`.

    lang: the component whose value is the page's language (its live events read it), or a fixed language.
    filled=False builds the section empty (no formulas, tables or numbers in the page's first load): the
    caller fills it with Whiteboard.fill when the section is opened."""
    if isinstance(lang, str):
        lang = gr.State(lang)
    lang0 = lang.value or "en"
    defaults = [*VECTOR_TEXTS, False, False, "追", *HEAD_TEXTS[0], *HEAD_TEXTS[1], 64]
    first = Whiteboard.fill(lang0, *defaults) if filled else None
    value = (lambda k: first[k]) if filled else (lambda k: None)   # noqa: E731  the k-th output's value
    c: dict = {}

    with gr.Column(elem_id="whiteboard", elem_classes="wb"):
        c["intro"] = gr.Markdown(value(0), elem_classes="wb-intro")
        with gr.Row(elem_classes="wb-vectors"):
            c["vectors"] = [gr.Textbox(text, label=t(lang0, "wb.vector", word=word), max_length=wb.MAX_TEXT_CHARS,
                                       elem_id=f"wb-x{k}", min_width=110, interactive=True)
                            for k, (word, text) in enumerate(zip(STORY_WORDS, VECTOR_TEXTS))]
        with gr.Row(elem_classes="wb-switches"):
            c["scale"] = gr.Checkbox(False, label=t(lang0, "wb.scale"), elem_id="wb-scale", interactive=True)
            c["positions"] = gr.Checkbox(False, label=t(lang0, "wb.positions"), elem_id="wb-positions", interactive=True)
            c["focus"] = gr.Radio(STORY_WORDS, value="追", label=t(lang0, "wb.focus"), elem_id="wb-focus",
                                  interactive=True)
        c["message"] = _view("message", value(7), "wb-message",
                             head=f"<style>{(STATIC / 'whiteboard.css').read_text(encoding='utf-8')}</style>")
        c["board"] = gr.Markdown(value(8), latex_delimiters=LATEX, elem_id="whiteboard-steps", elem_classes="wb-board")
        c["more"] = _view("more", value(22), "wb-more")

        with _panel("orders"):
            c["orders_md"] = gr.Markdown(value(9))
            c["orders"] = _view("orders", value(10), "wb-orders")
            c["formula"] = gr.Markdown(value(11), latex_delimiters=LATEX, elem_classes="wb-board")

        with _panel("heads"):
            c["qkv"] = gr.Markdown(value(12))
            c["matrices"], c["presets"] = [], []
            heads_inputs(c, lang0)
            c["heads"] = _view("heads", value(15), "wb-heads")

        with _panel("sqrt"):
            c["sqrt_md"] = gr.Markdown(value(16), latex_delimiters=LATEX, elem_classes="wb-board")
            c["dim"] = gr.Slider(3, 512, value=64, step=1, label=t(lang0, "wb.sqrt.slider"), elem_id="wb-d",
                                 interactive=True)
            c["sqrt_hint"] = _view("hint", value(23), "wb-sqrt-hint")
            c["sqrt_d"] = gr.Markdown(value(18), elem_id="wb-sqrt-d", elem_classes="wb-table")

        with _panel("code"):
            c["code_md"] = gr.Markdown(value(19))
            c["code"] = gr.Code(value(20), language="python", interactive=False, show_line_numbers=False,
                                elem_id="wb-code")

        with _panel("bill"):
            c["bill_hint"] = _view("hint", value(24), "wb-bill-hint")
            c["bill"] = gr.Markdown(value(21), elem_id="wb-bill", elem_classes="wb-table")

    board = Whiteboard(c, lang)

    # events: every change recomputes at once; cheap and bounded, so no queue and no progress spinner
    live = dict(trigger_mode="always_last", queue=False, show_progress="hidden", api_visibility="private")
    edits = board.inputs[:-1]
    gr.on([x.change for x in edits], lambda *a: update(*a[:-1], lang=a[-1]), [*edits, lang],
          [c["message"], c["board"], c["orders"], c["heads"]], **live)
    for preset, boxes in zip(c["presets"], c["matrices"]):
        preset.input(load_preset, preset, boxes, **live)
    c["dim"].change(lambda d, lang_now: sqrt_d_markdown(d, lang_now), [c["dim"], lang], c["sqrt_d"], **live)
    if api:
        gr.api(whiteboard, api_name="whiteboard")
    return board
