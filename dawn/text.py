"""Text normalisation shared by training, evaluation and the app.

Chinese arrives in two scripts (about 45% of Tatoeba's Chinese is Traditional).
We map everything to Simplified with OpenCC so that 漢字 and 汉字 share one
vocabulary, and we strip characters that can never be translated (control
characters, NUL, lone surrogates) so that hostile input cannot crash anything.

A paragraph is translated one sentence at a time (the models learned from single
sentences): split_sentences() cuts it after every sentence end.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

MAX_SOURCE_CHARS = 2000   # a paragraph; longer input is refused (ui/inputs.py), never cut
MAX_SENTENCE_CHARS = 200  # one sentence of a paragraph; a longer one is refused with its number
MAX_SENTENCES = 100       # sentences per paragraph (2,000 characters of 20-character sentences)

# Sentence ends, as they look after NFKC (which turns ！？． into !?. and … into ...): 。 ! ? and runs of
# them (！？, ……), and "." unless it sits between two digits (3.5). Closing quotes and brackets that follow
# stay with their sentence (他说：“好。”). ；/; and ，/, do not end a sentence: they join clauses of one
# sentence, and the models learned from sentences that contain them. Line breaks were already spaces.
SENTENCE_END = re.compile(r"(?:[。!?]|(?<!\d)\.|\.(?!\d))+[”’\"'」』）)\]】》〉]*")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")  # Traditional -> Simplified, character and phrase level


def strip_unprintable(text: str) -> str:
    """Remove control characters (Cc), lone surrogates (Cs), unassigned and
    private-use code points and the byte-order mark; turn every kind of
    whitespace into a plain space."""
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat.startswith("Z") or ch in "\t\n\r":
            out.append(" ")
        elif cat in ("Cc", "Cs", "Cn", "Co") or ch == "\ufeff":  # controls, surrogates, unassigned, private, BOM
            continue
        else:
            out.append(ch)
    return " ".join("".join(out).split())


def normalize_zh(text: str) -> str:
    """Clean a Chinese sentence and convert it to Simplified characters."""
    return _t2s().convert(strip_unprintable(text))


def normalize_en(text: str) -> str:
    """Clean an English sentence (whitespace and unprintable characters only)."""
    return strip_unprintable(text)


def split_sentences(text: str) -> list[str]:
    """A cleaned paragraph -> its sentences, each with its end mark, surrounding spaces stripped.
    A piece with no letter or digit (a stray "。") joins the sentence before it (or after it, at the start).

        split_sentences("我爱你。你呢?")   # ['我爱你。', '你呢?']
        split_sentences("价格是3.5元")     # ['价格是3.5元']  (no end mark: one sentence)
    """
    pieces, start = [], 0
    for m in SENTENCE_END.finditer(text):
        pieces.append(text[start:m.end()])
        start = m.end()
    pieces.append(text[start:])
    sentences: list[str] = []
    for piece in (p.strip() for p in pieces):
        if not piece:
            continue
        if sentences and not any(unicodedata.category(ch)[0] in "LN" for ch in sentences[-1]):
            sentences[-1] += piece                        # the paragraph opened with punctuation only
        elif sentences and not any(unicodedata.category(ch)[0] in "LN" for ch in piece):
            sentences[-1] += piece                        # punctuation only: the end of the sentence before
        else:
            sentences.append(piece)
    return sentences
