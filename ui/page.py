"""The page's own sections, built inside app.py's Blocks, in the story's order: the masthead (title, the
story in two sentences, the language switch), the sentence and its three translations, "try your own
sentence" (the inputs, the examples), then the guided steps ① - ④ (each an accordion, closed at first:
its views are built empty and drawn when it opens): the BLEU-by-length curve, the LSTM's final state,
the clause slider and report, the explorers, the whiteboard; and the footer with the links onward.

Every section that is not a Gradio widget is a `gr.HTML` whose template is a fixed skeleton
(no user text is ever interpolated in Python) and whose value is JSON; ui/static/page.js fills
it in the browser with textContent, in the language of the switch (ui/strings.py).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from dawn.registry import MODEL_NAMES, MODELS, page_data
from dawn.story import STORY_CREDIT
from dawn.text import MAX_SENTENCES
from ui.strings import DEFAULT_LANG, LANG_CHOICES, STRINGS, text

STATIC = Path(__file__).resolve().parent / "static"
PAGE_JS, PAGE_CSS = STATIC / "page.js", STATIC / "page.css"
ROOT = Path(__file__).resolve().parents[1]


def _mount(kind: str) -> str:
    """js_on_load of every page view: hand the element to page.js (loaded in the page's <head>)."""
    return f"window.DawnPage.mount({kind!r}, element, props, watch);"


def head_html() -> str:
    """The <head> addition that loads page.js (a file of our own; no user data in it)."""
    return f'<script src="/gradio_api/file={PAGE_JS}"></script>'


def _view(kind: str, template: str, value=None, elem_id: str | None = None) -> gr.HTML:
    return gr.HTML(value, html_template=template, js_on_load=_mount(kind), elem_id=elem_id,
                   elem_classes=["dawn-view", f"dawn-{kind}"], apply_default_css=False, padding=False,
                   head=head_html())  # the same <script src>: loaded once, before any view's js_on_load


# ----------------------------------------------------------------------------- sections

def masthead() -> gr.Radio:
    """Title, the story in two sentences and the 中文 / English switch. The view's value carries the string table."""
    with gr.Row(elem_id="dawn-top", equal_height=False):
        gr.HTML({"strings": STRINGS, "credit": STORY_CREDIT, "models": page_data()}, html_template='<header class="dawn-masthead"><h1 data-i18n="page.title"></h1>'
                '<p class="dawn-story" data-i18n="page.story"></p></header>',
                js_on_load="window.DawnPage.start(element, props);", elem_id="dawn-masthead",
                apply_default_css=False, padding=False, head=head_html())
        lang = gr.Radio(LANG_CHOICES, value=DEFAULT_LANG, label="Language / 语言", show_label=False, container=False,
                        elem_id="lang", scale=0, min_width=160)
    return lang


def sentence_view(value: dict) -> gr.HTML:
    """The Chinese the three translations below are of: {"source", "kind": "story" | "own"}, drawn by page.js."""
    return _view("sentence", '<section class="dawn-sentence" aria-live="polite"><h2 class="dawn-sentence-label"></h2>'
                             '<p class="dawn-sentence-text" lang="zh-CN"></p></section>', value, elem_id="dawn-sentence")


def score_gloss() -> gr.HTML:
    """Under the translations: what BLEU and chrF are, and that a tap on a word opens the training-data lens."""
    return _view("text", '<p class="dawn-gloss"><span data-i18n="score.gloss"></span> <span data-i18n="score.tap"></span></p>',
                 elem_id="dawn-gloss")


@contextmanager
def try_own():
    """"Try your own sentence": after the story, its heading and one line on how the reference is used."""
    with gr.Group(elem_id="dawn-try", elem_classes=["dawn-try"]) as group:
        _view("text", '<h2 data-i18n="try.title"></h2><p class="dawn-caption" data-i18n="try.hint"></p>', elem_id="dawn-try-head")
        yield group


@contextmanager
def more(key: str = "more.show"):
    """What a section keeps behind "more": an accordion inside it, closed at first."""
    with gr.Accordion(text(DEFAULT_LANG, key), open=False, elem_classes=["dawn-more"]) as acc:
        yield acc


@contextmanager
def section(n: int, value: dict | None = None, lang: str = DEFAULT_LANG):
    """① … ④: an accordion, closed, titled with the step; inside, the step's caption (paraphrasing the story;
    ④'s words are the whiteboard's own) and what the caller builds. value {"model", "problem"} says when the
    model the step is about is missing. Yields the accordion (its expand event draws the section)."""
    with gr.Accordion(text(lang, f"step{n}.title"), open=False, elem_id=f"step{n}", elem_classes=["dawn-section"]) as acc:
        if n != 4:
            _view("step", f'<div class="dawn-step-head"><p class="dawn-caption" data-i18n="step{n}.caption"></p>'
                          '<p class="dawn-step-problem" role="status" hidden></p></div>', value, elem_id=f"step{n}-head")
        yield acc


def links() -> dict:
    """Where the footer's links go: the papers, the code and each model's card. On a Space (SPACE_ID set) the
    Space's own files; elsewhere the files of this checkout, served by the app (see static_paths())."""
    space = os.environ.get("SPACE_ID")
    if space:
        base = f"https://huggingface.co/spaces/{space}"
        code, card = f"{base}/tree/main", lambda name: f"{base}/blob/main/checkpoints/{name}/README.md"
    else:
        code, card = f"/gradio_api/file={ROOT / 'README.md'}", lambda name: f"/gradio_api/file={_card_file(name)}"
    return {"papers": {m.name: m.paper for m in MODELS}, "code": code, "cards": {name: card(name) for name in MODEL_NAMES}}


def _card_file(name: str) -> Path:
    return ROOT / "checkpoints" / name / "README.md"


PREVIEW_IMAGE = ROOT / "docs" / "screenshots" / "page-phone-en.png"   # a shared link's preview picture


def preview_image_url() -> str | None:
    """The preview picture's path on this server (ui/serve.py makes it absolute), None when the file is missing."""
    return f"/gradio_api/file={PREVIEW_IMAGE}" if PREVIEW_IMAGE.exists() else None


def static_paths() -> list[Path]:
    """What the app serves as files: the browser's scripts and styles, the README and the model cards (linked from
    the footer), the link preview's picture."""
    return [STATIC, ROOT / "README.md", PREVIEW_IMAGE, *(_card_file(name) for name in MODEL_NAMES)]


def footer() -> gr.HTML:
    """The story's credit and the data's, and the links onward: the three papers, the code, the model cards."""
    return _view("footer", '<footer class="dawn-footer"><p data-i18n="page.credit"></p><p data-i18n="page.data"></p>'
                           '<nav class="dawn-links"></nav></footer>', links(), elem_id="dawn-footer")


@dataclass
class Inputs:
    source: gr.Textbox
    reference: gr.Textbox
    decoding: gr.Radio
    sentence: gr.Number   # which sentence of a paragraph the maps explain, counting from 1
    button: gr.Button
    story: gr.Button      # back to the story's sentence and reference
    note: gr.Textbox


def inputs(source: str, reference: str, lang: str = DEFAULT_LANG, decoding: str = "beam") -> Inputs:
    with gr.Row(elem_classes="dawn-inputs"):
        src = gr.Textbox(source, lines=2, max_lines=4, label=text(lang, "input.source"), elem_id="source",
                         min_width=260)
        ref = gr.Textbox(reference, lines=2, max_lines=3, label=text(lang, "input.reference"), elem_id="reference",
                         min_width=260)   # a long reference scrolls in its box
    with gr.Row(elem_classes="dawn-controls", equal_height=True):
        decoding = gr.Radio(decoding_choices(lang), value=decoding, label=text(lang, "input.decoding"),
                            info=text(lang, "input.decoding.info"), elem_id="decoding", min_width=220)
        sentence = gr.Number(1, precision=0, minimum=1, maximum=MAX_SENTENCES, step=1, elem_id="sentence",
                             label=text(lang, "input.sentence"), min_width=160)
    with gr.Row(elem_classes="dawn-buttons"):
        button = gr.Button(text(lang, "input.translate"), variant="primary", elem_id="translate-button", min_width=140)
        story = gr.Button(text(lang, "input.story"), variant="secondary", elem_id="story-button", min_width=140)
    # the notes: hidden by page.css while empty (the placeholder shows), so no empty box is ever on screen
    note = gr.Textbox("", label=text(lang, "input.note"), interactive=False, lines=1, max_lines=4, elem_id="note",
                      placeholder=" ")
    return Inputs(src, ref, decoding, sentence, button, story, note)


def decoding_choices(lang: str) -> list[tuple[str, str]]:
    return [(text(lang, "input.greedy"), "greedy"), (text(lang, "input.beam"), "beam")]


@dataclass
class Column:
    text: gr.Textbox    # the model's translation
    score: gr.Textbox   # its scores, or why there is no translation


def result_columns(names: tuple[str, ...], texts: list[str], scores: list[str], lang: str = DEFAULT_LANG) -> dict[str, Column]:
    """One column per model, in historical order; they stack on a phone."""
    columns = {}
    with gr.Row(elem_classes="dawn-results", equal_height=False):
        for name, value, score in zip(names, texts, scores):
            with gr.Column(min_width=240, elem_classes="dawn-result"):
                columns[name] = Column(
                    gr.Textbox(value, label=text(lang, f"model.{name}"), lines=1, max_lines=12, interactive=False,
                               elem_id=f"out-{name}"),
                    gr.Textbox(score, label=score_label(lang, name), show_label=False, container=False,
                               interactive=False, lines=1, max_lines=3, elem_id=f"score-{name}",
                               elem_classes="dawn-score"))  # the label names the API output and the text box
    return columns


def clause_report_view(value: dict | None = None) -> gr.HTML:
    """Which clauses of the reference each model kept (ui.pipeline.clause_reports), drawn by page.js."""
    return _view("report", '<section class="dawn-report" aria-live="polite"></section>', value, elem_id="dawn-report")


def score_label(lang: str, name: str) -> str:
    return text(lang, "score.label", model=text(lang, f"model.{name}"))


def curve_view(value: dict | None = None) -> gr.HTML:
    """①'s picture: BLEU by sentence length for all models (Tatoeba first, FLORES-200 a tap away); page.js draws it."""
    return _view("curve", '<section class="dawn-curve"></section>', value, elem_id="dawn-curve")


def clause_view(value: dict | None = None) -> gr.HTML:
    """The clause slider: the story's sentence cut after 1, 2, … clauses, each model's translation; page.js draws it."""
    return _view("clauses", '<section class="dawn-slider" aria-live="polite"></section>', value, elem_id="dawn-clauses")


def state_view(value: dict | None = None) -> gr.HTML:
    """The plain LSTM's final state, all its decoder receives (updated with every translation)."""
    return _view("state", '<section class="dawn-state-box"></section>', value, elem_id="dawn-state")


def explorer(name: str, view: str = "cross", payload: dict | None = None, **kwargs):
    """The attention explorer (ui/attention_explorer.py) for one model, in the page's language ("auto": it follows
    <html lang> and the "dawn-lang" event that page.js sends on every switch). Empty until its section opens.
    kwargs: whatif=, replay=."""
    from ui.attention_explorer import AttentionExplorer
    suffix = "" if view == "cross" else f"-{view}"
    return AttentionExplorer(payload, model=name, lang="auto", view=view, elem_id=f"explorer-{name}{suffix}",
                             elem_classes=["dawn-explorer"], **kwargs)


def cell_view() -> gr.HTML:
    """④'s board with a model's own numbers: the attention-map cell a visitor clicked last (page.js draws it
    from the explorer's "dawn-cell" event; nothing goes to the server)."""
    return _view("cell", '<section class="dawn-cell-box"></section>', None, elem_id="dawn-cell")
