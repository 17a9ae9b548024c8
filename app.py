"""Code Dawn 2014 (代码破晓) — the companion page. Layout and wiring only: the computation lives in dawn/
(dawn/page.py), the words in ui/strings.py, the browser views in ui/static/.

    python app.py                                                 # http://127.0.0.1:7860
    GRADIO_SERVER_NAME=0.0.0.0 GRADIO_SERVER_PORT=7861 python app.py
    DAWN_CHECKPOINTS=/elsewhere python app.py                     # other checkpoints (default: ./checkpoints)

On start the story's sentence is translated by every model (and cut clause by clause for the
slider) once; the page shows it on load without a click. A missing model folder gets a message
in its column, never a traceback.

API — /translate(source, reference, decoding), decoding "greedy" or "beam" (default "greedy"); plain
strings, in historical order: three translations, three score lines, then notes ("" when none). A
paragraph (up to 2,000 characters) is translated sentence by sentence (dawn/inputs.py says the limits):

    from gradio_client import Client
    client = Client("http://127.0.0.1:7860/")
    (lstm, lstm_attention, transformer, lstm_scores, lstm_attention_scores, transformer_scores,
     notes) = client.predict("猫追老鼠。", "The cat is chasing the mouse.", "beam", api_name="/translate")
    # lstm_scores == "BLEU 35.1 · chrF 52.0 · 41 ms"; bad input (empty, too long, emoji only, markup,
    # no Chinese) raises gradio_client.exceptions.AppError with a message that says what to type instead.

    client.predict("猫追老鼠。", "greedy", api_name="/attention")     # tokens, attention, influence: view_api() says
    client.predict("猫追老鼠。老鼠跑了。", "beam", 1, api_name="/attention")  # a paragraph: its second sentence
    client.predict("1, 0, 0.5", "0, 1, 0", "0.5, 0, 1", api_name="/whiteboard")
    client.predict("猫追老鼠。", "transformer", "A dog", api_name="/whatif")  # text starts "A dog": forced, continued
    client.predict("transformer", api_name="/replay")   # replay.json (a clear error when the model has none)
"""

from __future__ import annotations

import html
import os
from pathlib import Path

import gradio as gr
import torch

from dawn import registry
from dawn.explain import explain_all
from dawn.inputs import DECODINGS, InputError
from dawn.page import ModelOutput, PageResult, load_models, output_json, clauses_json, story, translate_page
from dawn.registry import MODEL_NAMES
from dawn.results import benchmark
from dawn.story import STORY_REFERENCE, STORY_SENTENCE
from ui import page as P
from ui.attention_explorer import ATTENTION_API, attention_handler, per_model, replay_handler, replay_prop, whatif_handler
from ui.render import api_outputs, error_text
from ui.strings import DEFAULT_LANG, text
from ui.whiteboard import build_whiteboard, whiteboard

CHECKPOINTS = Path(os.environ.get("DAWN_CHECKPOINTS", Path(__file__).resolve().parent / "checkpoints"))  # NAME/ per model
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
    [STORY_SENTENCE, STORY_REFERENCE],
]

# ----------------------------------------------------------------------------- computed once, at start

MODELS = load_models(CHECKPOINTS)                       # every model of dawn/registry.py (missing ones noted)
STORY = story(MODELS)                                   # the story sentence by every model + its clause table
STORY_MAPS = explain_all(MODELS.translators, STORY.result.source, 1,  # its attention and influence maps
                         decoded=STORY.result.translations())
BENCHMARK = benchmark(CHECKPOINTS, MODEL_NAMES)         # corpus scores and BLEU-by-length curves, from metrics.json
attention = attention_handler(MODELS.translators)       # the /attention(source, decoding) API function
whatif = whatif_handler(MODELS.translators)             # /whatif(source, model, prefix): forced beginning, continued
replay = replay_handler({name: CHECKPOINTS / name for name in MODEL_NAMES})  # /replay(model): replay.json
REPLAYS = {name: replay_prop(CHECKPOINTS / name) for name in MODEL_NAMES}  # sent once, scrubbed in the browser
EXPLORERS = ([(s.name, "cross") for s in registry.MODELS]                  # (model, view): every model's map,
             + [(s.name, "encoder") for s in registry.MODELS if s.attention == "self"])  # + encoder self-attention


# ----------------------------------------------------------------------------- handlers

@torch.inference_mode()
def translate(source: str, reference: str, decoding: str, lang: str) -> tuple:
    """The API: every model's translation and score line (plain strings), then the notes."""
    try:
        return tuple(api_outputs(lang, translate_page(MODELS, source, reference, decoding)))
    except InputError as e:  # a clean error for the caller, nothing in the server's log
        raise gr.Error(error_text(lang, e.note), print_exception=False) from None


def _page_result(source: str, reference: str, decoding: str, sentence_no) -> PageResult:
    """The page counts sentences from 1; a number past the last sentence shows the last one's maps."""
    try:
        index = max(int(sentence_no), 1) - 1
    except (TypeError, ValueError, OverflowError):
        index = 0
    try:
        return translate_page(MODELS, source, reference, decoding, index)
    except InputError as e:
        if e.code != "sentence":
            raise
        return translate_page(MODELS, source, reference, decoding, e.note.params["last"])


@torch.inference_mode()
def translate_and_explain(source: str, reference: str, decoding: str, sentence_no: float, lang: str) -> tuple:
    """The page: the same strings, plus the maps of the focus sentence (so text and maps arrive together).
    The maps reuse the translations themselves (ids, attention, beam trace): every model decodes once.

    Bad input clears the previous sentence's results (translations, scores, state, maps) and says why
    in the notes and a toast, so that nothing on screen belongs to another sentence."""
    try:
        r = _page_result(source, reference, decoding, sentence_no)
    except InputError as e:
        gr.Warning(html.escape(error_text(lang, e.note)), title=text(lang, "error.title"))  # a toast renders HTML
        r = PageResult("", "", "", [e.note], {name: ModelOutput() for name in MODEL_NAMES})
        return (*api_outputs(lang, r), r, output_json(ModelOutput()), *([None] * len(EXPLORERS)))
    try:
        maps = explain_all(MODELS.translators, r.focus, DECODINGS[decoding], decoded=r.translations())
    except Exception:  # noqa: BLE001 — the translations still stand; the explorers say there is nothing to show
        maps = None
    return (*api_outputs(lang, r), r, output_json(r.outputs["lstm"]), *per_model(maps, [n for n, _ in EXPLORERS]))


def relabel(lang: str, result: PageResult | None) -> list:
    """The 中文 / English switch: every widget label, and the result's score lines and notes, in `lang`."""
    r = result or STORY.result
    strings = api_outputs(lang, r)
    n = len(MODEL_NAMES)
    return [lang,
            gr.update(label=text(lang, "input.source")), gr.update(label=text(lang, "input.reference")),
            gr.update(label=text(lang, "input.decoding"), choices=P.decoding_choices(lang)),
            gr.update(label=text(lang, "input.sentence")),
            gr.update(value=text(lang, "input.translate")),
            gr.update(label=text(lang, "input.note"), value=strings[-1]),
            *(gr.update(label=text(lang, f"model.{name}")) for name in MODEL_NAMES),
            *(gr.update(label=P.score_label(lang, name), value=line) for name, line in zip(MODEL_NAMES, strings[n:2 * n])),
            gr.Dataset(label=text(lang, "input.examples"),
                       headers=[text(lang, "input.source"), text(lang, "input.reference")])]


# ----------------------------------------------------------------------------- layout

gr.set_static_paths([P.STATIC])
story_strings = api_outputs(DEFAULT_LANG, STORY.result)
n = len(MODEL_NAMES)

with gr.Blocks(title="代码破晓 Code Dawn 2014") as demo:
    lang = P.masthead()
    lang_state = gr.State(DEFAULT_LANG)       # the language of server-made text (errors, scores); the API's is English
    result_state = gr.State(None, time_to_live=STATE_TTL_S)  # the visitor's last PageResult; None = the story

    P.step_header(1, {"model": "lstm", "problem": MODELS.problems.get("lstm")})
    inputs = P.inputs(STORY_SENTENCE, STORY_REFERENCE)
    columns = P.result_columns(MODEL_NAMES, story_strings[:n], story_strings[n:2 * n])
    examples = gr.Examples(EXAMPLES, [inputs.source, inputs.reference], cache_examples=False,
                           label=text(DEFAULT_LANG, "input.examples"))
    P.clause_view({"names": list(MODEL_NAMES), "rows": clauses_json(STORY.clauses), **BENCHMARK})
    state_view = P.state_view(output_json(STORY.result.outputs["lstm"]))
    story_maps = per_model(STORY_MAPS, [name for name, _ in EXPLORERS])
    explorers = []
    for step, name in enumerate(MODEL_NAMES, 1):  # ① ② ③: one step per model, in historical order
        if step > 1:                              # (①'s heading sits above the inputs)
            P.step_header(step, {"model": name, "problem": MODELS.problems.get(name)})
        extras = {"whatif": whatif, "replay": REPLAYS[name]}  # what if, and the training replay (cross view only)
        explorers += [P.explorer(name, payload, view, **(extras if view == "cross" else {}))
                      for (n, view), payload in zip(EXPLORERS, story_maps) if n == name]

    P.step_header(4)

    # Rebuilt on the switch's own change event: a gr.State set by another event (relabel) does not
    # fire .change reliably, so the section once stayed in the first language it was built in.
    @gr.render(inputs=lang, triggers=[demo.load, lang.change])
    def whiteboard_section(lang_now: str):
        build_whiteboard(lang_now, api=False)   # built in the page's language; rebuilt when the switch changes

    P.footer()

    # events
    texts = [columns[name].text for name in MODEL_NAMES]
    scores = [columns[name].score for name in MODEL_NAMES]
    string_outputs = [*texts, *scores, inputs.note]
    request = [inputs.source, inputs.reference, inputs.decoding, lang_state]
    inputs.button.click(translate_and_explain, [*request[:3], inputs.sentence, lang_state],
                        [*string_outputs, result_state, state_view, *explorers],
                        api_visibility="private", concurrency_id="translate")
    api_button = gr.Button(visible=False)
    api_button.click(translate, request, string_outputs, api_name="translate", concurrency_id="translate",
                     preprocess=False)  # the raw values reach dawn/inputs.py's checks: one clean message, no traceback
    gr.api(attention, api_name="attention", api_description=ATTENTION_API, concurrency_id="translate")
    gr.api(whiteboard, api_name="whiteboard")
    gr.api(whatif, api_name="whatif", concurrency_id="translate")
    gr.api(replay, api_name="replay")
    lang.change(relabel, [lang, result_state],
                [lang_state, inputs.source, inputs.reference, inputs.decoding, inputs.sentence, inputs.button,
                 inputs.note,
                 *texts, *scores, examples.dataset],
                js="(lang, result) => { window.DawnPage && window.DawnPage.setLang(lang); return [lang, result]; }",
                queue=False, api_visibility="private")


if __name__ == "__main__":
    # server name and port come from GRADIO_SERVER_NAME / GRADIO_SERVER_PORT (default 127.0.0.1:7860)
    demo.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_MAX).launch(css_paths=[P.PAGE_CSS])
