"""Code Dawn 2014 (代码破晓) — the companion page. Layout and wiring only: the computation lives in dawn/
(ui/pipeline.py), the words in ui/strings.py, the browser views in ui/static/.

    python app.py                                                 # http://127.0.0.1:7860
    GRADIO_SERVER_NAME=0.0.0.0 GRADIO_SERVER_PORT=7861 python app.py
    DAWN_CHECKPOINTS=/elsewhere python app.py                     # other checkpoints (default: ./checkpoints)

The page reads in the story's order: what happens (two sentences), the long sentence and its three
translations on the first screen, then "try your own sentence", then ① - ④. On start the story's
sentence is translated by every model at the decoding chosen on validation once; the page shows it on
load without a click (its clause-by-clause cuts for the slider of section
① are translated in the background once the page is built, so the start does not wait for them). The
sections ① - ④ open on demand and are drawn when opened: nothing of them is sent before (their
maps are made the first time a visitor opens one). A missing model folder gets a message in its
column, never a traceback.

API — /translate(source, reference, decoding), decoding "greedy" or "beam" (default "greedy"); plain
strings, in historical order: three translations, three score lines, then notes ("" when none). A
paragraph (up to 2,000 characters) is translated sentence by sentence (ui/inputs.py says the limits):

    from gradio_client import Client
    client = Client("http://127.0.0.1:7860/")
    (lstm, lstm_attention, transformer, lstm_scores, lstm_attention_scores, transformer_scores,
     notes) = client.predict("猫追老鼠。", "The cat is chasing the mouse.", "beam", api_name="/translate")
    # lstm_scores == "BLEU 35.1 · chrF 52.0"; bad input (empty, too long, emoji only, markup,
    # no Chinese) raises gradio_client.exceptions.AppError with a message that says what to type instead.

    client.predict("猫追老鼠。", "greedy", api_name="/attention")     # tokens, attention, influence: view_api() says
    client.predict("猫追老鼠。老鼠跑了。", "beam", 1, api_name="/attention")  # a paragraph: its second sentence
    client.predict("1, 0, 0.5", "0, 1, 0", "0.5, 0, 1", api_name="/whiteboard")
    client.predict("猫追老鼠。", "transformer", "A dog", api_name="/whatif")  # text starts "A dog": forced, continued
    client.predict("transformer", api_name="/replay")   # replay.json (a clear error when the model has none)
    client.predict("爬山", "zh", api_name="/lookup")     # the training pairs that contain it (ui/lens.py)

MCP: the same API as tools for assistants, at /gradio_api/mcp (streamable HTTP; /gradio_api/mcp/sse for SSE);
GET /gradio_api/mcp/schema lists the tools with their descriptions.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

from dawn.memory import limit_heap_growth

limit_heap_growth()   # before any thread starts: memory stays flat over many requests (dawn/memory.py says why)

from ui.pipeline import Startup  # torch, transformers and the models' code, imported first

CHECKPOINTS = Path(os.environ.get("DAWN_CHECKPOINTS", Path(__file__).resolve().parent / "checkpoints"))  # NAME/ per model
STARTUP = Startup(CHECKPOINTS)  # the models load and translate the story in a thread, while gradio is imported below

from ui.gradio_import import skip_component_stubs

skip_component_stubs()  # gradio without its type-stub writing: a faster start (ui/gradio_import.py says why)

import gradio as gr
import torch

from dawn.registry import MODEL_NAMES, MODELS as SPECS
from dawn.story import STORY_REFERENCE, STORY_SENTENCE
from ui import page as P
from ui.attention_explorer import (ATTENTION_API, attention_handler, replay_handler, replay_prop, saliency_handler,
                                   whatif_handler)
from ui.inputs import InputError
from ui.lens import lookup_handler
from ui.pipeline import (STORY_CLAUSES_EN, MapCache, ModelOutput, PageResult, clause_reports, clauses_json,
                         output_json, translate_page)
from ui.render import api_outputs, error_text, sentence_value
from ui.results import benchmark
from ui.serve import middleware
from ui.strings import DEFAULT_LANG, text
from ui.whiteboard import build_whiteboard, whiteboard

CONCURRENCY = 2    # two CPU cores: at most two translations run at once (torch already uses the cores)
QUEUE_MAX = 64     # requests waiting beyond this are refused at once ("queue is full") instead of waiting minutes
STATE_TTL_S = 900  # a visitor's last result is dropped after 15 minutes

EXAMPLES = [  # short to long: [source, reference]
    ["猫追老鼠。", "The cat is chasing the mouse."],
    ["老鼠追猫。", "The mouse is chasing the cat."],
    ["今天天气很好。", "The weather is nice today."],
    ["我們明天見。", "See you tomorrow."],
    ["我明天要去图书馆看书。", "I'm going to the library to read tomorrow."],
    ["虽然他很累，但是他还是把工作做完了。", "Although he was very tired, he still finished the work."],
]  # the story's own sentence: the "back to the story" button

# ----------------------------------------------------------------------------- computed once, at start

MODELS, STORY = STARTUP.result()  # every model of dawn/registry.py (missing ones noted); the story by each at
                                  # BEST_DECODING (its clause prefixes: STORY.prepare_clauses() below)
BENCHMARK = benchmark(CHECKPOINTS, MODEL_NAMES)         # corpus scores and BLEU-by-length curves, from metrics.json
attention = attention_handler(MODELS.translators)       # the /attention(source, decoding) API function
whatif = whatif_handler(MODELS.translators)             # /whatif(source, model, prefix): forced beginning, continued
saliency = saliency_handler(MODELS.translators)         # the explorers' saliency view, computed when a reader picks it
lookup = lookup_handler(CHECKPOINTS / "lens")            # /lookup(text, side): the training-data lens, read on first use
replay = replay_handler({name: CHECKPOINTS / name for name in MODEL_NAMES})  # /replay(model): replay.json
REPLAYS = {name: replay_prop(CHECKPOINTS / name) for name in MODEL_NAMES}  # the training replay, scrubbed in the browser
SECTION_MODELS = {m.section: m for m in SPECS}  # ① ② ③: whose maps each section draws (dawn/registry.py); ④ the whiteboard
SECTIONS = (*SECTION_MODELS, 4)
STORY_MAPS = MapCache(MODELS.translators, STORY.result)  # the story's maps, made the first time a section asks


# ----------------------------------------------------------------------------- handlers

@torch.inference_mode()
def translate(source: str, reference: str = "", decoding: str = "beam") -> tuple:
    """Translate Chinese into English with three tiny translators, in the order they were invented: a 2014 LSTM
    without attention, a 2014 LSTM with attention (Bahdanau et al.) and a 2017 Transformer (Vaswani et al.), each
    trained from scratch on public sentence pairs. Given a human English translation, each output is scored.

    Args:
        source: Chinese text, one sentence or a paragraph (at most 2,000 characters; paragraphs split at 。！？)
        reference: a human English translation of the source to score against, or "" for no scores
        decoding: "greedy" (one word at a time) or "beam" (beam search with 4 candidates)
    Returns:
        The three translations (LSTM, LSTM + attention, Transformer), then each one's score line ("BLEU x · chrF y",
        0-100, higher is closer to the reference), then notes on the input (e.g. characters the models never saw).
    """
    try:  # strings only, in English (the page's own language is the page's business)
        return tuple(api_outputs("en", translate_page(MODELS, source, reference, decoding, maps=False)))
    except InputError as e:  # a clean error for the caller, nothing in the server's log
        raise gr.Error(error_text("en", e.note), print_exception=False) from None


def _page_result(source: str, reference: str, decoding: str, sentence_no) -> PageResult:
    """The page counts sentences from 1; a number past the last sentence shows the last one's maps (clamped in
    the one call). Decoded without maps: a section makes them when it is open (MapCache, Translator.ensure_maps)."""
    try:
        index = max(int(sentence_no), 1) - 1
    except (TypeError, ValueError, OverflowError):
        index = 0
    return translate_page(MODELS, source, reference, decoding, index, maps=False, clamp=True)


@torch.inference_mode()
def translate_text(source: str, reference: str, decoding: str, sentence_no: float, lang: str) -> tuple:
    """The page: the same strings, and the result kept for the sections (their maps are made after the text
    is shown, and only for the sections that are open: see refresh_sections). The maps explain the focus
    sentence of a paragraph (sentence_no, counted from 1).

    Bad input clears the previous sentence's results (translations, scores, and the open sections' maps,
    which refresh_sections redraws empty) and says why in the notes and a toast, so that nothing on
    screen belongs to another sentence."""
    try:
        r = _page_result(source, reference, decoding, sentence_no)
    except InputError as e:
        gr.Warning(html.escape(error_text(lang, e.note)), title=text(lang, "error.title"))  # a toast renders HTML
        r = PageResult("", "", "", [e.note], {name: ModelOutput() for name in MODEL_NAMES})
    return (*api_outputs(lang, r), sentence_value(r), r, MapCache(MODELS.translators, r))


def back_to_story(lang: str) -> tuple:
    """The story again: its sentence and reference in the boxes, its translations (computed at start) shown."""
    r = STORY.result
    return (STORY_SENTENCE, STORY_REFERENCE, r.decoding, 1, *api_outputs(lang, r), sentence_value(r, story=STORY_SENTENCE),
            None, None)


def extras(name: str) -> dict:
    """What the cross-attention explorer adds: what if (its API function), the saliency view, the training-data lens
    and the training replay."""
    return {"whatif": whatif, "saliency": saliency, "lookup": lookup, "replay": REPLAYS[name]}


def _maps(result: PageResult | None, cache: MapCache | None) -> MapCache:
    return cache if result is not None and cache is not None else STORY_MAPS


def section_values(n: int, result: PageResult | None, cache: MapCache | None) -> list:
    """Everything section n shows for the visitor's current result (the story when None), in the order
    build_section made its outputs: for the model without attention, the bottleneck's evidence first (the
    length curve, its state, the clause slider, the clause report), then one payload per explorer view."""
    if n not in SECTION_MODELS:
        return []
    m = SECTION_MODELS[n]
    r, payload = result or STORY.result, _maps(result, cache).get([m.name]).get(m.name)
    explorers = [payload] * len(m.views)                  # the views (cross, encoder) draw one payload
    if m.has_attention:
        return explorers
    return [{"names": list(MODEL_NAMES), **BENCHMARK},
            output_json(r.outputs[m.name]),
            {"names": list(MODEL_NAMES), "rows": clauses_json(STORY.clauses)},
            {"names": list(MODEL_NAMES), "reports": clause_reports(r, STORY_CLAUSES_EN if result is None else None)},
            *explorers]


def build_section(m) -> tuple[list, list]:
    """The body of model m's section, -> (its outputs, its "more" accordions). Without attention (①): the
    argument that one fixed-size state cannot carry a long sentence (the length curve, the state, the
    clauses), its map behind "more"."""
    explorers = lambda: [P.explorer(m.name, view, **(extras(m.name) if view == "cross" else {}))  # noqa: E731
                         for view in m.views]
    if m.has_attention:
        return explorers(), []
    outputs = [P.curve_view(), P.state_view(), P.clause_view()]
    with P.more() as more:   # the rest: which clauses share words, the influence map and the replay
        return outputs + [P.clause_report_view(), *explorers()], [more]


@torch.inference_mode()
def open_section(n: int, result, cache, opened: list) -> list:
    """A section opened: draw it now (nothing of it was sent before), and keep it live for later translations."""
    return [sorted({*opened, n}), *section_values(n, result, cache)]


@torch.inference_mode()
def refresh_sections(result, cache, opened: list) -> list:
    """After a translation: redraw the open sections; closed ones are left alone (they redraw when opened)."""
    values = []
    for n in sorted(SECTION_MODELS):
        values += section_values(n, result, cache) if n in opened else [gr.skip()] * len(SECTION_OUTPUTS[n])
    return values


def relabel(lang: str, result: PageResult | None, opened: list, *whiteboard_values) -> list:
    """The 中文 / English switch: every widget label, the result's score lines and notes, and (when it has been
    opened) the whiteboard, in `lang`. Values a visitor typed or moved are inputs here, never reset."""
    r = result or STORY.result
    strings = api_outputs(lang, r)
    n = len(MODEL_NAMES)
    board = WHITEBOARD.fill(lang, *whiteboard_values) if 4 in opened else [gr.skip()] * len(WHITEBOARD.outputs)
    return [lang,
            gr.update(label=text(lang, "input.source")), gr.update(label=text(lang, "input.reference")),
            gr.update(label=text(lang, "input.decoding"), choices=P.decoding_choices(lang),
                      info=text(lang, "input.decoding.info")),
            gr.update(label=text(lang, "input.sentence")),
            gr.update(value=text(lang, "input.translate")), gr.update(value=text(lang, "input.story")),
            gr.update(label=text(lang, "input.note"), value=strings[-1]),
            *(gr.update(label=text(lang, f"model.{name}")) for name in MODEL_NAMES),
            *(gr.update(label=P.score_label(lang, name), value=line) for name, line in zip(MODEL_NAMES, strings[n:2 * n])),
            gr.Dataset(label=text(lang, "input.examples"),
                       headers=[text(lang, "input.source"), text(lang, "input.reference")]),
            *(gr.update(label=text(lang, f"step{k}.title")) for k in SECTIONS),
            *(gr.update(label=text(lang, "more.show")) for _ in mores),
            *board]


# ----------------------------------------------------------------------------- layout

gr.set_static_paths(P.static_paths())
story_strings = api_outputs(DEFAULT_LANG, STORY.result)
n = len(MODEL_NAMES)

with gr.Blocks(title="代码破晓 Code Dawn 2014") as demo:
    lang = P.masthead()
    lang_state = gr.State(DEFAULT_LANG)       # the language of server-made text (errors, scores); the API's is English
    result_state = gr.State(None, time_to_live=STATE_TTL_S)  # the visitor's last PageResult; None = the story
    maps_state = gr.State(None, time_to_live=STATE_TTL_S)    # its maps, made as sections ask (MapCache)
    opened = gr.State([])                                    # the sections this visitor has opened (1-4)

    # the story first: the sentence and its three translations; then the visitor's own sentence
    sentence_shown = P.sentence_view(sentence_value(STORY.result, story=STORY_SENTENCE))
    columns = P.result_columns(MODEL_NAMES, story_strings[:n], story_strings[n:2 * n])
    P.score_gloss()
    with P.try_own():
        inputs = P.inputs(STORY_SENTENCE, STORY_REFERENCE, decoding=STORY.result.decoding)
        examples = gr.Examples(EXAMPLES, [inputs.source, inputs.reference], cache_examples=False,
                               label=text(DEFAULT_LANG, "input.examples"))

    # ① - ④ open on demand, and are drawn when opened
    sections, SECTION_OUTPUTS, mores = {}, {}, []
    for n, m in sorted(SECTION_MODELS.items()):
        with P.section(n, {"model": m.name, "problem": MODELS.problems.get(m.name)}) as sections[n]:
            SECTION_OUTPUTS[n], more = build_section(m)
            mores += more
    with P.section(4) as sections[4]:
        P.cell_view()
        WHITEBOARD = build_whiteboard(lang_state, api=False, filled=False)
    P.footer()

    # events
    texts = [columns[name].text for name in MODEL_NAMES]
    scores = [columns[name].score for name in MODEL_NAMES]
    string_outputs = [*texts, *scores, inputs.note]
    request = [inputs.source, inputs.reference, inputs.decoding, lang_state]
    section_outputs = [x for k in sorted(SECTION_MODELS) for x in SECTION_OUTPUTS[k]]
    page_request = [*request[:3], inputs.sentence, lang_state]
    page_outputs = [*string_outputs, sentence_shown, result_state, maps_state]
    # Translate, tap an example, or go back to the story: the results (above the inputs) come into view and
    # stale messages go (page.js: showResults), the text is shown, then the open sections redraw. (Typing in the
    # source box clears the reference in the browser: page.js, followSourceEdits.)
    show_results = "(...values) => window.DawnPage.showResults(values)"
    story_outputs = [inputs.source, inputs.reference, inputs.decoding, inputs.sentence, *string_outputs,
                     sentence_shown, result_state, maps_state]
    for shown in (inputs.button.click(translate_text, page_request, page_outputs, js=show_results,
                                      api_visibility="private", concurrency_id="translate"),
                  examples.load_input_event.then(translate_text, page_request, page_outputs, js=show_results,
                                                 api_visibility="private", concurrency_id="translate"),
                  inputs.story.click(back_to_story, [lang_state], story_outputs, js=show_results,
                                     api_visibility="private", queue=False)):
        shown.success(refresh_sections, [result_state, maps_state, opened], section_outputs,
                      api_visibility="private", concurrency_id="translate", show_progress="hidden")
    for k in sorted(SECTION_MODELS):
        sections[k].expand(lambda result, cache, was, k=k: open_section(k, result, cache, was),
                           [result_state, maps_state, opened], [opened, *SECTION_OUTPUTS[k]],
                           api_visibility="private", concurrency_id="translate")
    sections[4].expand(lambda lang_now, was, *values: [sorted({*was, 4}), *WHITEBOARD.fill(lang_now, *values)],
                       [lang_state, opened, *WHITEBOARD.inputs], [opened, *WHITEBOARD.outputs],
                       api_visibility="private", queue=False)
    api_button = gr.Button(visible=False)
    api_button.click(translate, request[:3], string_outputs, api_name="translate", concurrency_id="translate",
                     preprocess=False)  # the raw values reach ui/inputs.py's checks: one clean message, no traceback
    gr.api(attention, api_name="attention", api_description=ATTENTION_API, concurrency_id="translate")
    gr.api(whiteboard, api_name="whiteboard")
    gr.api(whatif, api_name="whatif", concurrency_id="translate")
    gr.api(replay, api_name="replay")
    gr.api(lookup, api_name="lookup")
    lang.change(relabel, [lang, result_state, opened, *WHITEBOARD.inputs],
                [lang_state, inputs.source, inputs.reference, inputs.decoding, inputs.sentence, inputs.button,
                 inputs.story, inputs.note, *texts, *scores, examples.dataset, *(sections[k] for k in SECTIONS),
                 *mores, *WHITEBOARD.outputs],
                js="(lang, ...rest) => { window.DawnPage && window.DawnPage.setLang(lang); return [lang, ...rest]; }",
                queue=False, api_visibility="private")

STORY.prepare_clauses()    # the slider's clause prefixes, translated in the background while the server starts


if __name__ == "__main__":
    # server name and port come from GRADIO_SERVER_NAME / GRADIO_SERVER_PORT (default 127.0.0.1:7860);
    # no footer: its links are Gradio's words, in the browser's language rather than the page's
    # the page's first HTML: the demo's own link preview first, compressed (ui/serve.py)
    # mcp_server: the named API (translate, attention, whatif, lookup, ...) as MCP tools, their docstrings as
    # descriptions, at /gradio_api/mcp (tool schemas: /gradio_api/mcp/schema)
    demo.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_MAX).launch(
        css_paths=[P.PAGE_CSS], footer_links=[], app_kwargs={"middleware": middleware(P.preview_image_url())},
        mcp_server=True)
