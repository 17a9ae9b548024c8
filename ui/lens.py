"""The training-data lens, as the page and the API ask it: "where did the models see this?"

    from ui.lens import lookup
    lookup("爬山", "zh")
    # {"text": "爬山", "side": "zh", "total": 2, "pairs": 112732, "by_corpus": {"cmn": 1, "zerotohero_grammar": 1},
    #  "examples": [{"zh": "我们爬山的时候绳子断了。", "en": "The rope broke when we were climbing the mountain.",
    #                "corpus": "cmn", "licence": "CC-BY 2.0 (France); ...", "start": 2, "end": 4}, ...],
    #  "note": "“爬山” occurs in 2 of the 112,732 training pairs (Chinese side); the 2 shortest are shown."}
    lookup("mine", "en")          # the English side: whole words, any case
    lookup("苏小雨", "zh")["total"]  # 0, and the note says so plainly

`start`/`end` mark the match in the example's `side` text (text[start:end]; null in the rare case folding
joined characters across its edge). Chinese is matched after training's normalisation (Traditional ->
Simplified, dawn.text.normalize_zh), anywhere; English on whole words, any case (dawn/lens.py says exactly
how). Bad input (not a string, empty, longer than a sentence, a side other than "zh"/"en", English with no
word in it) raises ui.inputs.InputError, whose message says what to send instead.

The index (checkpoints/lens, built by `python -m training.lens`) is read on the first lookup, not when the app
starts: about a second and some 60 MB that a visitor who never opens the lens does not cost the start. It is
read once, by whichever request comes first; the others wait for it.
"""

# no `from __future__ import annotations`: gr.api reads the API function's type hints at runtime

import os
import threading
import unicodedata
from collections.abc import Callable
from pathlib import Path

from dawn.lens import SIDES, WORD, LensError, LensIndex, fold
from dawn.text import MAX_SENTENCE_CHARS, normalize_en, normalize_zh
from ui.inputs import MAX_RAW_CHARS, InputError

EXAMPLES = 5   # example pairs shown per lookup, shortest first
DEFAULT_FOLDER = Path(os.environ.get("DAWN_CHECKPOINTS", Path(__file__).resolve().parents[1] / "checkpoints")) / "lens"
SIDE_NAMES = {"zh": "Chinese", "en": "English"}


def check_query(text, side) -> tuple[str, str]:
    """Raw (text, side) -> (the text as training normalised it, side); InputError when it cannot be looked up."""
    if not isinstance(side, str) or side not in SIDES:
        raise InputError("lens_side", value=repr(side)[:40])
    if text is None:
        raise InputError("lens_empty")
    if not isinstance(text, str):
        raise InputError("lens_text", value=type(text).__name__)
    if len(text) > MAX_RAW_CHARS:                                           # before any cleaning work
        raise InputError("lens_too_long", n=len(text), max=MAX_SENTENCE_CHARS)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")   # zero-width and bidi marks
    clean = normalize_zh(text) if side == "zh" else normalize_en(text)     # as training read its corpora
    if not clean:
        raise InputError("lens_empty")
    if len(clean) > MAX_SENTENCE_CHARS:
        raise InputError("lens_too_long", n=len(clean), max=MAX_SENTENCE_CHARS)
    if side == "en" and not WORD.search(fold(clean)):
        raise InputError("lens_no_word")
    return clean, side


def note(text: str, side: str, total: int, pairs: int, shown: int) -> str:
    """One plain English line: how often, and, when never, that plainly."""
    where = f"the {SIDE_NAMES[side]} side of"
    if total == 0:
        return f"“{text}” occurs on {where} none of the {pairs:,} training pairs: the models never saw it in training."
    which = ("it is shown" if total == 1 else f"all {total} are shown" if shown == total
             else f"the {shown} shortest are shown")
    return f"“{text}” occurs on {where} {total:,} of the {pairs:,} training pairs; {which}."


class Lens:
    """A lens folder, read on first use (thread-safe), answering lookups."""

    def __init__(self, folder: str | Path = DEFAULT_FOLDER):
        self.folder = Path(folder)
        self._index: LensIndex | None = None
        self._lock = threading.Lock()

    def index(self) -> LensIndex:
        """The LensIndex, loaded the first time it is asked for (LensError when the folder is missing or damaged)."""
        with self._lock:
            if self._index is None:
                self._index = LensIndex.load(self.folder)
            return self._index

    def lookup(self, text, side="zh") -> dict:
        """See the module docstring."""
        text, side = check_query(text, side)
        index = self.index()
        hits = index.find(text, side)                                        # (K,) shortest first
        licences = {name: c.get("licence", "") for name, c in index.manifest.get("corpora", {}).items()}
        examples = []
        for i in hits[:EXAMPLES]:
            pair, span = index.pair(i), index.span(i, text, side)
            examples.append({"zh": pair.zh, "en": pair.en, "corpus": pair.corpus,
                             "licence": licences.get(pair.corpus, ""),
                             "start": None if span is None else span[0], "end": None if span is None else span[1]})
        return {"text": text, "side": side, "total": int(len(hits)), "pairs": len(index),
                "by_corpus": index.counts(hits), "examples": examples,
                "note": note(text, side, len(hits), len(index), len(examples))}


DEFAULT = Lens()


def lookup(text: str, side: str = "zh") -> dict:
    """The shipped lens (checkpoints/lens, or $DAWN_CHECKPOINTS/lens): Lens.lookup."""
    return DEFAULT.lookup(text, side)


def lookup_handler(folder: str | Path = DEFAULT_FOLDER) -> Callable[[str, str], dict]:
    """The /lookup(text, side) API function for the lens in `folder`: bad input or a missing lens raise gr.Error
    with a plain message (and nothing in the server's log)."""
    import gradio as gr

    lens = DEFAULT if Path(folder) == DEFAULT.folder else Lens(folder)

    def lookup(text: str, side: str = "zh") -> dict:
        """Where did the translators learn a word? Counts the training pairs that the three models (a 2014 LSTM,
        a 2014 LSTM with attention, a 2017 Transformer) were trained on which contain a stretch of Chinese or an
        English word, per corpus, with the five shortest example pairs, each with its corpus and licence. Chinese
        is matched anywhere, after Traditional-to-Simplified conversion as in training; English on whole words,
        in any case. A total of 0 means the models never saw it in training.

        Args:
            text: a Chinese character, word or any stretch of a sentence, or an English word; at most 200 characters
            side: "zh" to search the Chinese side of the training pairs, "en" to search their English side
        Returns:
            JSON: text (as matched), side, total (pairs containing it), pairs (all training pairs),
            by_corpus {corpus: count}, examples [{zh, en, corpus, licence, start, end}] (at most 5, shortest
            first; on the searched side, text[start:end] is the match), note (one plain sentence)
        """
        try:
            return lens.lookup(text, side)
        except (InputError, LensError) as e:
            raise gr.Error(str(e), print_exception=False) from None

    return lookup
