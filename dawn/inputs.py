"""Input checking for the page and its API: what a visitor types -> what the models translate.

    from dawn.inputs import InputError, check_source, check_reference
    src = check_source("我們明天見。")     # Source(text="我们明天见。", notes=[Note("traditional", ...)])
    check_source("😀🎉")                   # raises InputError(code="nothing")

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
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from dawn.text import MAX_SOURCE_CHARS, normalize_en, normalize_zh, strip_unprintable

MAX_RAW_CHARS = 50 * MAX_SOURCE_CHARS  # raw input beyond this is cut before any cleaning work
MAX_REFERENCE_CHARS = 2000            # references are only scored, but keep them bounded too
MARKUP = re.compile(r"<\s*/?\s*[A-Za-z!][^<>]*>|&[A-Za-z]+;|&#\d+;")  # <tag ...>, </tag>, <!-- ...>, &amp;, &#60;

ENGLISH = {  # code -> English message (the page has both languages in ui/strings.py)
    "empty": "Please type a Chinese sentence to translate.",
    "nothing": "There is nothing to translate: only punctuation, symbols or emoji.",
    "markup": "The source looks like HTML or other markup; type plain Chinese text.",
    "too_long": "The source has {n:,} characters; at most {max} can be translated. Split it into sentences.",
    "no_chinese": "There is no Chinese character in the source; the models only learned Chinese→English.",
    "removed": "Removed {n} invisible or control character(s).",
    "traditional": "Traditional characters were converted to Simplified, as in training: {text}",
    "unknown": "{n} character(s) are not in a model's vocabulary (shown as <unk>).",
    "decoding": "Decoding must be one of {choices}; got {value}.",
}
NOTE_CODES = ("removed", "traditional", "unknown")  # the codes above that are notes (translated anyway), not errors
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
    return Source(simplified, notes)


def check_decoding(decoding: str | None) -> int:
    """"greedy" | "beam" -> beam size; InputError otherwise."""
    if decoding not in DECODINGS:
        raise InputError("decoding", choices=" / ".join(DECODINGS), value=repr(decoding)[:40])
    return DECODINGS[decoding]


def check_reference(text: str | None) -> str:
    """The reference, cleaned and bounded; "" means: no reference, no scores."""
    return normalize_en("" if text is None else str(text)[:MAX_REFERENCE_CHARS])
