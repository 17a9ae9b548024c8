"""Text normalisation shared by training, evaluation and the app.

Chinese arrives in two scripts (about 45% of Tatoeba's Chinese is Traditional).
We map everything to Simplified with OpenCC so that 漢字 and 汉字 share one
vocabulary, and we strip characters that can never be translated (control
characters, NUL, lone surrogates) so that hostile input cannot crash anything.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import opencc

MAX_SOURCE_CHARS = 200  # the app truncates longer input (with a visible note)


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
