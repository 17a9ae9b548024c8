"""Input checking for the page and its API: what a visitor types -> what the models translate.

    from ui.inputs import InputError, check_source, check_reference
    src = check_source("我們明天見。")     # Source(text="我们明天见。", notes=[Note("traditional", ...)], sentences=[...])
    check_source("😀🎉")                   # raises InputError(code="nothing")
    check_source("猫追老鼠。老鼠跑了！").sentences   # ['猫追老鼠。', '老鼠跑了!']  a paragraph, one sentence at a time

Bad input raises `InputError` (a ValueError) with a short `code` and its `params`;
the page turns the code into a message in the visitor's language (ui/strings.py),
and `str(error)` is an English message for everyone else. Input that can be
translated, but not as typed, comes back with `notes` in the same form.

Checks, in order (each one cheap, so that nothing hangs):
    1) drop control characters, NUL, lone surrogates, private-use and format (bidi) characters
    2) NFKC, as the tokenizer does (，-> ,), so that the length we check is what the model sees
    3) refuse: empty, nothing but punctuation/symbols/emoji, markup, longer than MAX_SOURCE_CHARS,
       no Chinese character at all (the models only ever read Chinese)
    4) Traditional characters are converted to Simplified (as in training), and the note says so
    5) split into sentences (dawn.text.split_sentences: at 。！？ and their kin, not at ；，); refuse a
       sentence longer than MAX_SENTENCE_CHARS or more than MAX_SENTENCES of them, so that a request's
       work stays bounded: at most MAX_SENTENCES rows of at most MAX_SENTENCE_CHARS characters per model
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from dawn.text import (MAX_SENTENCE_CHARS, MAX_SENTENCES, MAX_SOURCE_CHARS, normalize_en, normalize_zh,
                       split_sentences, strip_unprintable)

MAX_RAW_CHARS = 50 * MAX_SOURCE_CHARS  # raw input beyond this is cut before any cleaning work
MAX_REFERENCE_CHARS = 2000            # references are only scored, but keep them bounded too
MARKUP = re.compile(r"<\s*/?\s*[A-Za-z!][^<>]*>|&[A-Za-z]+;|&#\d+;")  # <tag ...>, </tag>, <!-- ...>, &amp;, &#60;

ENGLISH = {  # code -> English message (the page has both languages in ui/strings.py)
    "empty": "Please type a Chinese sentence to translate.",
    "nothing": "There is nothing to translate: only punctuation, symbols or emoji.",
    "markup": "The source looks like HTML or other markup; type plain Chinese text.",
    "too_long": "The source has {n:,} characters; at most {max:,} (a paragraph) can be translated.",
    "sentence_too_long": "Sentence {i} has {n:,} characters; at most {max} per sentence. End sentences with 。！？",
    "too_many_sentences": "The paragraph has {n} sentences; at most {max} can be translated at once.",
    "sentence": "The sentence to explain must be a whole number from 0 to {last} (counting from 0); got {value}.",
    "no_chinese": "There is no Chinese character in the source; the models only learned Chinese→English.",
    "removed": "Removed {n} invisible or control character(s).",
    "traditional": "Traditional characters were converted to Simplified, as in training: {text}",
    "unknown": "{n} character(s) are not in a model's vocabulary (shown as <unk>).",
    "decoding": "Decoding must be one of {choices}; got {value}.",
    "paragraph": "{n} sentences, translated one at a time; the maps show sentence {k}: {text}",
    # the training-data lens (ui/lens.py)
    "lens_text": "The text to look up must be a string; got {value}.",
    "lens_side": "The side to look on must be \"zh\" (the Chinese side) or \"en\" (the English side); got {value}.",
    "lens_empty": "Type or tap a stretch of Chinese, or an English word, to look up in the training data.",
    "lens_too_long": "The text to look up has {n:,} characters; at most {max} (a sentence) can be looked up.",
    "lens_no_word": "There is no English word to look up: only punctuation or symbols.",
}
NOTE_CODES = ("removed", "traditional", "unknown", "paragraph")  # the codes above that are notes (translated anyway), not errors
DECODINGS = {"greedy": 1, "beam": 4}  # decoding -> beam size (1 = greedy)


@dataclass(frozen=True)
class Note:
    code: str                                    # a key of ENGLISH (and of ui/strings.py's "note."/"error." keys)
    params: dict = field(default_factory=dict)   # values for the message's {placeholders}

    def english(self) -> str:
        return ENGLISH[self.code].format(**self.params)


class InputError(ValueError):
    """Input that cannot be translated; `code` and `params` say why (see ENGLISH)."""

    def __init__(self, code: str, **params):
        self.note = Note(code, params)
        super().__init__(self.note.english())

    @property
    def code(self) -> str:
        return self.note.code


@dataclass
class Source:
    text: str                                        # what the models translate (cleaned, Simplified)
    notes: list[Note] = field(default_factory=list)  # what was changed on the way
    sentences: list[str] = field(default_factory=list)  # `text` split at sentence ends; one item for a sentence


def is_cjk(ch: str) -> bool:
    o = ord(ch)
    return 0x3400 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x3FFFF


def _clean(raw: str) -> tuple[str, int]:
    """Steps 1) and 2): (cleaned text, number of characters removed)."""
    removed = sum(1 for ch in raw if ch not in "\t\n\r" and unicodedata.category(ch) in ("Cc", "Cs", "Cn", "Co", "Cf"))
    clean = "".join(ch for ch in strip_unprintable(raw) if unicodedata.category(ch) != "Cf")
    return strip_unprintable(unicodedata.normalize("NFKC", clean)), removed


def check_source(text: str | None) -> Source:
    """Raw user text -> Source to translate; InputError when there is nothing the models can translate."""
    raw = "" if text is None else str(text)
    if len(raw) > MAX_RAW_CHARS:
        raise InputError("too_long", n=len(raw), max=MAX_SOURCE_CHARS)
    clean, removed = _clean(raw)                                              # 1) 2)
    if not clean:                                                             # 3)
        raise InputError("empty")
    if not any(unicodedata.category(ch)[0] in "LN" for ch in clean):
        raise InputError("nothing")
    if MARKUP.search(clean):
        raise InputError("markup")
    if len(clean) > MAX_SOURCE_CHARS:
        raise InputError("too_long", n=len(clean), max=MAX_SOURCE_CHARS)
    if not any(is_cjk(ch) for ch in clean):
        raise InputError("no_chinese")
    notes = [Note("removed", {"n": removed})] if removed else []
    simplified = normalize_zh(clean)                                          # 4)
    if simplified != clean:
        notes.append(Note("traditional", {"text": simplified}))
    sentences = split_sentences(simplified)                                   # 5)
    for i, sentence in enumerate(sentences):
        if len(sentence) > MAX_SENTENCE_CHARS:
            raise InputError("sentence_too_long", i=i + 1, n=len(sentence), max=MAX_SENTENCE_CHARS)
    if len(sentences) > MAX_SENTENCES:
        raise InputError("too_many_sentences", n=len(sentences), max=MAX_SENTENCES)
    return Source(simplified, notes, sentences)


def check_sentence(index, n: int) -> int:
    """Which sentence of n the maps explain: an integer 0 <= index < n (None: the first); InputError otherwise."""
    if index is None:
        return 0
    if isinstance(index, float) and index.is_integer():
        index = int(index)                                     # a JSON number such as 2.0
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < n:
        raise InputError("sentence", value=repr(index)[:20], last=n - 1)
    return index


def check_decoding(decoding: str | None) -> int:
    """"greedy" | "beam" -> beam size; InputError otherwise."""
    if not isinstance(decoding, str) or decoding not in DECODINGS:
        raise InputError("decoding", choices=" / ".join(DECODINGS), value=repr(decoding)[:40])
    return DECODINGS[decoding]


def check_reference(text: str | None) -> str:
    """The reference, cleaned and bounded; "" means: no reference, no scores."""
    return normalize_en("" if text is None else str(text)[:MAX_REFERENCE_CHARS])
