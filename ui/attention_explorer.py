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
step by step, the training replay and the exports never call the server.
"What if" does, on a click: with `whatif`, the component's server function
continues a forced beginning (dawn/whatif.py). So does the saliency view (with
`saliency=saliency_handler(translators)`): the page's payloads come without the
gradients (the first draw stays fast), and picking "Saliency" asks for them once
per sentence; and the training-data lens (with `lookup=ui.lens.lookup`): a tapped
character or stretch, how many training pairs contain it, up to five of them.
On a phone (at most 640 px wide) the picture comes first and fits: "top characters", each English word over the
1–3 characters it looked at most (bars for weights), with the full map one tap away; a tapped word's alternatives
open right under it; the controls, the second map, coverage, the beam, what if, the replay and the exports wait
behind "Options" and "More" buttons (aria-expanded), closed. A wide screen shows the full map and everything.

What the page's first HTML carries per explorer is small: a stub js_on_load, a
<head> line and a few props. The script and the stylesheet are static files,
loaded once for every explorer on the page (the <head> line is deduplicated by
Gradio); the string table comes once, from the first explorer's `strings` server
function; the training replay is replay.json itself, fetched as a static file
when the explorer is first drawn (the prop is only its URL and a summary).

A value may be one model's payload, or a whole /attention result from which
the explorer shows `model`. A payload may carry "ms" (the translation's time)
and "timings" {"decode_ms", "influence_ms"}: the explorer shows them in a small
details line. `lang` is "en", "zh" or "auto" (the page's <html lang>, re-read
when the page dispatches a "dawn-lang" event). `view="encoder"` opens on the
Transformer's encoder self-attention.

Try it alone (no page needed):  python -m ui.attention_explorer
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path

import gradio as gr
import torch

from dawn.explain import PAYLOAD, explain_all
from dawn.registry import MODEL_NAMES, spec, with_chosen_decoding
from dawn.replay import REPLAY_FILE
from dawn.text import MAX_SOURCE_CHARS
from dawn.translator import Translator
from ui.strings import explorer_strings

STATIC = Path(__file__).resolve().parent / "static"
SCRIPT, STYLE = STATIC / "attention_explorer.js", STATIC / "attention_explorer.css"
TEMPLATE = '<div class="ax" data-component="attention-explorer"></div>'  # the JS fills it; the template never changes
MOUNT = "window.DawnExplorer.mount(element, props, { server, watch });"  # js_on_load: the static script does the rest

STRINGS = explorer_strings()  # the explorer's words, from the page's one string table (ui/strings.py)


@functools.cache
def static_url(path: Path) -> str:
    """The URL of a file Gradio serves as it is (gr.set_static_paths), with its content's hash as a version, so
    that a browser never runs a stale copy after an update. Registers the file (only it) as static."""
    path = path.resolve()
    gr.set_static_paths([path])
    return f"/gradio_api/file={path}?v={hashlib.sha256(path.read_bytes()).hexdigest()[:12]}"


def head_html() -> str:
    """The <head> addition of every explorer: its stylesheet and script, one file each. Gradio loads a <head>
    script before the component's js_on_load, and deduplicates by URL: four explorers, one download."""
    return f'<link rel="stylesheet" href="{static_url(STYLE)}"><script src="{static_url(SCRIPT)}"></script>'


def strings(_: object = None) -> dict:
    """The explorer's server function for its words: the string table, {lang: {key: text}}, asked for once
    per page by the first explorer drawn (the others share its answer)."""
    return STRINGS


class AttentionExplorer(gr.HTML):
    """One model's translation, explained: attention and influence maps, coverage, alternatives, whiteboard."""

    def __init__(self, value: dict | None = None, *, model: str | None = None, lang: str = "auto",
                 view: str = "cross", whatif: Callable | None = None, replay: dict | None = None,
                 saliency: Callable | None = None, lookup: Callable | None = None, **kwargs):
        if view not in ("cross", "encoder"):
            raise ValueError(f"view must be 'cross' or 'encoder', got {view!r}")
        if lang not in ("auto", "en", "zh"):
            raise ValueError(f"lang must be 'auto', 'en' or 'zh', got {lang!r}")
        if isinstance(replay, dict) and isinstance(replay.get("snapshots"), list):
            raise ValueError("replay must be replay_prop(folder)'s small description (its URL), not the replay "
                             "itself, which would be sent with the page")
        kwargs.setdefault("apply_default_css", False)
        classes = kwargs.get("elem_classes") or []
        kwargs["elem_classes"] = [*([classes] if isinstance(classes, str) else classes), "ax-host"]  # the CSS's scope
        # server.strings() gives the words; server.glyphs(text) draws the exported SVG's text as outlines;
        # server.whatif(source, model, prefix) (given /whatif's function) continues a forced beginning;
        # server.saliency([source, model, target_ids, top]) (given saliency_handler's function) adds the gradient
        # saliency to a payload made without it, when the reader picks that view; server.lookup([text, side]) (given
        # ui.lens.lookup) says how often the training pairs contain a tapped stretch of the sentence.
        kwargs["server_functions"] = [strings, glyphs] + ([explorer_whatif(whatif)] if whatif is not None else []) \
            + ([explorer_saliency(saliency)] if saliency is not None else []) \
            + ([explorer_lookup(lookup)] if lookup is not None else [])
        super().__init__(value=value, html_template=TEMPLATE, js_on_load=MOUNT, head=head_html(),
                         model=model, lang=lang, view=view, replay=replay, **kwargs)
        # props as plain attributes: Gradio reads them back when a handler returns gr.update(lang=...)
        self.model, self.lang, self.view, self.replay = model, lang, view, replay

    def api_info(self) -> dict:
        return {"type": "object", "description": "one model's payload from dawn.explain.explain"}


def attention_handler(translators: dict[str, Translator], with_saliency: bool = True) -> Callable[..., dict]:
    """The /attention(source, decoding, sentence) API function for these translators (in page order).
    with_saliency=False: payloads without the gradients (the harness's explorers, which fetch them when picked).

    Returns {"source", "decoding", "beam_size", "sentences", "sentence", "models": {name: payload}} (see
    dawn/explain.py); bad input raises gr.Error with the input checker's message, and nothing in the log.
    """
    from ui.inputs import check_decoding, check_sentence, check_source

    @torch.inference_mode()
    def attention(source: str, decoding: str = "greedy", sentence: int = 0) -> dict:
        try:
            beam_size = check_decoding(decoding)
            src = check_source(source)
            index = check_sentence(sentence, len(src.sentences))
            result = explain_all(translators, src.sentences[index], beam_size, normalized=True,  # checked above
                                 with_saliency=with_saliency)
        except ValueError as e:  # InputError, or explain()'s own refusal (e.g. too many tokens)
            raise gr.Error(str(e), print_exception=False) from None
        result.update(decoding=decoding, sentences=src.sentences, sentence=index)
        return result

    attention.__doc__ = ATTENTION_API
    return attention


ATTENTION_API = f"""Every model's translation of one sentence, with what explains it: attention, influence, \
gradient saliency and how far the three agree, alternatives and the beam record.

Args:
    source: a Chinese sentence or paragraph (at most {MAX_SOURCE_CHARS:,} characters, split at 。！？)
    decoding: "greedy" or "beam"
    sentence: which sentence of a paragraph to explain, counting from 0 (default 0)
Returns:
    JSON: source (the sentence explained), decoding, beam_size, sentences (the paragraph split), sentence \
(its index), models {{name: payload}} in historical order.
{PAYLOAD}"""


def whatif_handler(translators: dict[str, Translator]) -> Callable[[str, str, str | list[int]], dict]:
    """The /whatif(source, model, prefix) API function for these translators.

    prefix: the beginning of an English translation (text) or target token ids (the explorer's
    "choose this one instead"). Returns dawn/whatif.py's payload: {"text", "tokens", "log_prob",
    "cross_attention", ...} with text starting with the prefix; bad input raises gr.Error.
    """
    from ui.inputs import InputError, check_source
    from dawn.whatif import whatif as continue_prefix

    @torch.inference_mode()
    def whatif(source: str, model: str, prefix: str | list[int]) -> dict:
        """What if a translator had started differently? Forces the translation of `source` by `model` to begin with
        `prefix` and lets the model continue from there, with its attention for every word.

        Args:
            source: a Chinese sentence (at most 2,000 characters)
            model: "lstm" (2014, no attention), "lstm_attention" (2014, with attention) or "transformer" (2017)
            prefix: the beginning of an English translation as text, or as target token ids
        Returns:
            JSON: text (beginning with the prefix), tokens, log_prob, n_forced (how many tokens were forced),
            cross_attention, and the rest of dawn/whatif.py's payload
        """
        if not isinstance(model, str) or model not in translators:  # echoed only when plainly a name
            shown = f" {model!r}" if isinstance(model, str) and re.fullmatch(r"[\w.-]{1,40}", model) else ""
            raise gr.Error(f"unknown model{shown}; expected one of {', '.join(translators)}", print_exception=False)
        try:
            text = check_source(source).text
            return continue_prefix(translators[model], text, prefix, name=model)
        except (InputError, ValueError) as e:
            raise gr.Error(str(e), print_exception=False) from None

    return whatif


def saliency_handler(translators: dict[str, Translator]) -> Callable[[str, str, list[int], dict], dict]:
    """The explorer's saliency, added to a payload that was made without it (explain(with_saliency=False): the
    page's first draw stays as fast as before). Only the gradients are computed, for the output the payload
    already shows (its target_ids): nothing is decoded again, and influence is not measured again.

    saliency(source, model, target_ids, top) -> {"saliency" [T][S], "words": {"saliency" [W][S]}, "agreement"}
    in dawn/explain.py's layout (PAYLOAD). `top` is the payload's agreement["top"] ({"attention", "influence":
    [W] source indices or null}): each is taken as one-hot word rows, so that dawn.explain.agreement, the one
    definition, compares all three views. Bad input raises ValueError with a plain message.
    """
    from dawn.explain import DIGITS, agreement, merge_rows, round_floats, word_groups
    from dawn.saliency import saliency as input_x_gradient
    from dawn.translator import MAX_SOURCE_TOKENS
    from ui.inputs import check_source

    def one_hot(indices, W: int, S: int, name: str) -> torch.Tensor | None:
        """[W] source indices (or None) -> (W, S) rows whose top source (</s> left out) is that index."""
        if indices is None:
            return None
        if (not isinstance(indices, list) or len(indices) != W
                or not all(isinstance(j, int) and not isinstance(j, bool) and 0 <= j < max(S - 1, 1) for j in indices)):
            raise ValueError(f"top.{name} must be {W} source positions (0 to {S - 2}), one per English word")
        rows = torch.zeros(W, S)                                                   # (W, S)
        rows[torch.arange(W), torch.tensor(indices, dtype=torch.long)] = 1.0
        return rows

    def saliency(source: str, model: str, target_ids: list[int], top: dict | None = None) -> dict:
        if not isinstance(model, str) or model not in translators:
            raise ValueError(f"unknown model; expected one of {', '.join(translators)}")
        translator = translators[model]
        src_ids = translator.tokenizer.encode_source(check_source(source).text, normalized=True)   # (S,)
        if len(src_ids) > MAX_SOURCE_TOKENS:
            raise ValueError(f"the source has {len(src_ids)} tokens; at most {MAX_SOURCE_TOKENS} are supported")
        if not isinstance(target_ids, list) or not target_ids or len(target_ids) > MAX_SOURCE_TOKENS * 4:
            raise ValueError("target_ids must be the payload's output token ids (a non-empty list)")
        out_ids = translator.prefix_ids(target_ids)                                # checked: English tokens only
        sal = input_x_gradient(translator.model, src_ids, out_ids)                 # (T, S), gradients on
        groups = word_groups([translator.tokenizer.tok.id_to_token(i) for i in out_ids])
        word_sal = merge_rows(sal, groups, "sum")                                  # (W, S)
        W, S = word_sal.shape
        top = top if isinstance(top, dict) else {}
        views = {"attention": one_hot(top.get("attention"), W, S, "attention"), "saliency": word_sal,
                 "influence": one_hot(top.get("influence"), W, S, "influence")}
        return {"saliency": round_floats(sal, DIGITS), "words": {"saliency": round_floats(word_sal, DIGITS)},
                "agreement": agreement(views)}

    return saliency


def explorer_saliency(saliency: Callable) -> Callable:
    """The explorer's server function: server.saliency([source, model, target_ids, top]) in the browser (Gradio
    sends the arguments as one list); errors come back as {"error": message} for the explorer to show as text."""

    def saliency_call(args: list) -> dict:
        try:
            if not isinstance(args, list) or len(args) != 4:
                raise ValueError("saliency takes (source, model, target_ids, top)")
            return saliency(*args)
        except ValueError as e:   # InputError included
            return {"error": str(e)}

    saliency_call.__name__ = "saliency"
    return saliency_call


def explorer_lookup(lookup: Callable) -> Callable:
    """The explorer's server function for the training-data lens: server.lookup([text, side]) in the browser,
    ui.lens.lookup's answer, or {"error": message} (bad input, no lens shipped) for the explorer to show as text."""

    def lookup_call(args: list) -> dict:
        try:
            if not isinstance(args, list) or len(args) != 2:
                raise ValueError("lookup takes (text, side)")
            return lookup(*args)
        except ValueError as e:   # InputError and LensError included
            return {"error": str(e)}

    lookup_call.__name__ = "lookup"
    return lookup_call


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
                raise gr.Error("what-if takes (source, model, prefix)", print_exception=False)
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
    """What an explorer shows as its replay, small enough for the page's first HTML: {"url": replay.json served
    as a static file (fetched when the explorer is drawn), "model", "snapshots": how many, "map": "attention" or
    "influence" (what its maps show: the plain LSTM has no attention)}; {"missing": True} when the model has
    none (the page says so plainly), or {"error": message} for a file that is not a replay. Read once, here."""
    if not (Path(folder) / REPLAY_FILE).is_file():
        return {"missing": True}
    try:
        data = load_replay(folder)
    except ValueError as e:
        return {"error": str(e)}
    snapshots = data["snapshots"]
    return {"url": static_url(Path(folder) / REPLAY_FILE), "model": data.get("model"), "snapshots": len(snapshots),
            "map": "attention" if any(s.get("cross_attention") for s in snapshots) else "influence"}


def replay_handler(folders: dict[str, Path]) -> Callable[[str], dict]:
    """The /replay(model) API function: {name: checkpoint folder} -> model's replay.json, steps increasing."""

    def replay(model: str) -> dict:
        """How a translator learned: its translation of one sentence at snapshots taken during training, with its
        attention (or influence) at each.

        Args:
            model: "lstm", "lstm_attention" or "transformer"
        Returns:
            JSON: model, sentence, snapshots [{step, epoch, text, ...}], steps increasing
        """
        if not isinstance(model, str) or model not in folders:
            shown = f" {model!r}" if isinstance(model, str) and re.fullmatch(r"[\w.-]{1,40}", model) else ""
            raise gr.Error(f"unknown model{shown}; expected one of {', '.join(folders)}", print_exception=False)
        try:
            return load_replay(folders[model])
        except ValueError as e:
            raise gr.Error(str(e), print_exception=False) from None

    return replay


def per_model(result: dict | None, names: list[str]) -> tuple:
    """A whole /attention result -> one payload per explorer, in the order of `names` (None where missing)."""
    models = (result or {}).get("models", {})
    return tuple(models.get(n) for n in names)


def harness(translators: dict[str, Translator], sentence: str = "", replays: dict[str, dict] | None = None) -> gr.Blocks:
    """A tiny page with one explorer per model (plus the Transformer's encoder view), for trying and testing.
    replays: {name: replay_prop(...)} to show each model's training replay."""
    # as on the page: the explorers' payloads come without saliency, which the explorer asks for when picked
    attention, whatif = attention_handler(translators, with_saliency=False), whatif_handler(translators)
    saliency = saliency_handler(translators)
    from ui.lens import lookup                    # the shipped lens, read on the first lookup
    names = list(translators)
    with gr.Blocks(title="Attention explorer") as demo:
        source = gr.Textbox(sentence, label="Chinese", elem_id="ax-source")
        decoding = gr.Radio(["greedy", "beam"], value="greedy", label="Decoding", elem_id="ax-decoding")
        lang = gr.Radio(["en", "zh"], value="en", label="Language", elem_id="ax-lang")
        go = gr.Button("Explain", elem_id="ax-go")
        result = gr.JSON(visible=False)
        explorers = [AttentionExplorer(model=n, lang="en", elem_id=f"ax-{n}", whatif=whatif, saliency=saliency,
                                       lookup=lookup, replay=(replays or {}).get(n)) for n in names]
        encoder_names = [n for n in names if "encoder" in spec(translators[n].model_type).views]
        encoder = [AttentionExplorer(model=n, lang="en", view="encoder", elem_id=f"ax-{n}-encoder")
                   for n in encoder_names]
        views = explorers + encoder
        view_names = names + encoder_names
        go.click(attention, [source, decoding], result, api_name="attention").then(
            lambda r: per_model(r, view_names), result, views, api_visibility="private")
        lang.change(lambda v: [gr.update(lang=v) for _ in views], lang, views, api_visibility="private")
    return demo


if __name__ == "__main__":
    import os

    from dawn import load_translator
    from dawn.story import STORY_SENTENCE

    root = Path(os.environ.get("DAWN_CHECKPOINTS", Path(__file__).resolve().parents[1] / "checkpoints"))
    found = {n: with_chosen_decoding(load_translator(root / n), n) for n in MODEL_NAMES if (root / n).exists()}
    harness(found, STORY_SENTENCE, {n: replay_prop(root / n) for n in found}).queue(
        default_concurrency_limit=1, max_size=16).launch()
