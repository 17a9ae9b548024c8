"""The training-data lens: which of the pairs the models trained on contain a stretch of Chinese or an English word.

    from dawn.lens import LensIndex
    lens = LensIndex.load("checkpoints/lens")   # once: decompress and index (about a second)
    hits = lens.find("爬山", "zh")               # indices of the pairs that contain it, shortest Chinese first
    lens.pair(hits[0])                          # Pair(corpus='cmn', zh='我们爬山的时候绳子断了。', en='The ...')
    lens.span(hits[0], "爬山", "zh")             # (2, 4): where, in that pair's Chinese, to highlight
    lens.find("Mineral water", "en")            # English: any case, whole words, shortest English first

The folder, written by `python -m training.lens` (its docstring says why this format):

    pairs.tsv.xz   every pair, one a line: `corpus<TAB>Chinese<TAB>English` (UTF-8, xz), ordered shortest
                   Chinese first, so that the first Chinese hits are the shortest examples
    lens.json      what it holds: pairs per corpus, each corpus's licence, every file's size and SHA-256
    README.md      the card: what, how it was made, the credits

Matching. The pairs are stored as training read them (dawn.text.normalize_zh: Traditional -> Simplified,
whitespace collapsed) and a query goes through the same normalisation; then both are folded: NFKC (full-width
，！Ａ -> ,!A, as the tokenizer sees them) and lower case.
- Chinese matches anywhere: a character, a word, any stretch.
- English matches whole words in order, whatever stands between them: "mineral water" finds "Mineral water."
  and "mineral, water" but "cat" never finds "category". The query's words are its runs of letters, digits
  and underscores (regex \\w), so "cat's" looks for the words "cat" and "s".

Search. Each side is one string, every pair on its own line: the Chinese folded, the English as its folded
words with one space between words and around every line, so that a whole-word search is a plain substring
search for " mineral water ". One C-level scan (re.finditer on a literal) finds every occurrence, and a binary
search over the line starts (numpy.searchsorted) turns the offsets into pair indices. The text as stored, for
showing, is kept as UTF-8 bytes (a Python str with one character outside the BMP takes 4 bytes a character).
"""

from __future__ import annotations

import hashlib
import json
import lzma
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from dawn.text import normalize_en, normalize_zh

PAIRS_FILE = "pairs.tsv.xz"
MANIFEST_FILE = "lens.json"
CARD_FILE = "README.md"
MAX_FILE_BYTES = 10_000_000    # every committed file: a Space refuses larger ones outside LFS
MAX_TOTAL_BYTES = 40_000_000   # the whole lens folder
SIDES = ("zh", "en")
WORD = re.compile(r"\w+")      # an English word, for matching: letters, digits, underscore


class LensError(ValueError):
    """A lens folder that cannot be used (missing, damaged, over the size limits); the message names the file."""


@dataclass(frozen=True)
class Pair:
    corpus: str   # the corpus it comes from (cmn, bible_cuvs_kjv, ...: dawn.card.CORPORA)
    zh: str       # Chinese, as training read it (normalize_zh)
    en: str       # English, as training read it (normalize_en)


# ----------------------------------------------------------------------------- the file format

def sort_key(pair: Pair) -> tuple:
    """The stored order: shortest Chinese first, then shortest English, then the text (one fixed order)."""
    return len(pair.zh), len(pair.en), pair.zh, pair.en, pair.corpus


def write_pairs(path: Path, pairs: Iterable[Pair]) -> None:
    """pairs -> `corpus<TAB>zh<TAB>en` lines, xz-compressed (preset 9e: built once, read many times)."""
    lines = []
    for p in pairs:
        if any(ch in field for field in (p.corpus, p.zh, p.en) for ch in "\t\n\r"):
            raise ValueError(f"a tab or line break inside a pair cannot be stored: {p!r}")
        lines.append(f"{p.corpus}\t{p.zh}\t{p.en}\n")
    path.write_bytes(lzma.compress("".join(lines).encode("utf-8"), preset=9 | lzma.PRESET_EXTREME))


def read_pairs(path: Path) -> Iterator[Pair]:
    """The pairs of one pairs.tsv.xz file, in the stored order, decompressed as they are read."""
    with lzma.open(path, "rt", encoding="utf-8", newline="\n") as f:
        for lineno, line in enumerate(f, start=1):
            columns = line.rstrip("\n").split("\t")
            if len(columns) != 3:
                raise LensError(f"{path}:{lineno}: expected corpus<TAB>Chinese<TAB>English")
            yield Pair(*columns)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_sizes(sizes: dict[str, int]) -> None:
    """{file name: bytes} within the limits (each ≤ MAX_FILE_BYTES, all ≤ MAX_TOTAL_BYTES); LensError otherwise."""
    for name, n in sizes.items():
        if n > MAX_FILE_BYTES:
            raise LensError(f"{name}: {n:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit for one file")
    if sum(sizes.values()) > MAX_TOTAL_BYTES:
        raise LensError(f"the lens files add up to {sum(sizes.values()):,} bytes, over {MAX_TOTAL_BYTES:,}")


def verify(folder: str | Path) -> dict:
    """Check a lens folder against its manifest (every listed file there, with its size and SHA-256, all within
    the size limits); returns the manifest. Raises LensError naming what is wrong."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
        files = manifest["files"]
    except FileNotFoundError:
        raise LensError(f"{folder / MANIFEST_FILE}: missing (build the lens: python -m training.lens)") from None
    except (ValueError, KeyError, TypeError) as e:
        raise LensError(f"{folder / MANIFEST_FILE}: not a lens manifest ({e})") from None
    for name, entry in files.items():
        path = folder / name
        if not path.is_file():
            raise LensError(f"{path}: missing (listed in {MANIFEST_FILE})")
        if path.stat().st_size != entry["bytes"] or sha256(path) != entry["sha256"]:
            raise LensError(f"{path}: differs from {MANIFEST_FILE} (damaged, or from another build)")
    check_sizes({name: (folder / name).stat().st_size for name in (*files, MANIFEST_FILE, CARD_FILE)
                 if (folder / name).is_file()})
    return manifest


# ----------------------------------------------------------------------------- matching

def fold(text: str) -> str:
    """NFKC, then lower case: what both a query and the pairs are compared as."""
    return unicodedata.normalize("NFKC", text).lower()


def needle(text: str, side: str) -> str:
    """A raw query -> what find() looks for: training's normalisation for its side, folded; for English its
    words between single spaces (" mineral water "). "" when there is nothing to look for."""
    if side == "zh":
        return fold(normalize_zh(text))
    words = WORD.findall(fold(normalize_en(text)))
    return f" {' '.join(words)} " if words else ""


def search_line(line: str, side: str) -> str:
    """One pair's side as find() scans it: Chinese folded; English as its folded words, " word word "."""
    folded = fold(line)
    return folded if side == "zh" else f" {' '.join(WORD.findall(folded))} "


def _folded_with_offsets(line: str) -> tuple[str, list[int]]:
    """line folded one character at a time, and for every folded character the index of the character of
    `line` it came from (NFKC may turn one character into several: … -> ...)."""
    pieces = [fold(ch) for ch in line]
    return "".join(pieces), [i for i, piece in enumerate(pieces) for _ in piece]


class Blob:
    """Lines as one string, and where each begins: line i is data[starts[i]:starts[i + 1] - 1]. As UTF-8 bytes
    (binary=True: 1 byte an ASCII character, 3 a Chinese one) or as a str (offsets are characters)."""

    def __init__(self, binary: bool):
        self.binary = binary
        self._pieces, self._starts, self._size = [], [], 0

    def append(self, line: str) -> None:
        piece = line.encode("utf-8") + b"\n" if self.binary else line + "\n"
        self._starts.append(self._size)
        self._pieces.append(piece)
        self._size += len(piece)

    def freeze(self) -> "Blob":
        self.data = (b"" if self.binary else "").join(self._pieces)
        self.starts = np.array(self._starts, dtype=np.int64)                # (N,)
        del self._pieces, self._starts
        return self

    def line(self, i: int) -> str:
        end = self.starts[i + 1] - 1 if i + 1 < len(self.starts) else len(self.data) - 1
        text = self.data[self.starts[i]:end]
        return text.decode("utf-8") if self.binary else text

    def lines_at(self, offsets) -> np.ndarray:
        """Offsets (M,) into data -> the distinct lines they fall in (K,), ascending."""
        return np.unique(np.searchsorted(self.starts, offsets, side="right") - 1)


class LensIndex:
    """Per side, the pairs as stored (for showing) and as folded (for finding), each one Blob; their corpora."""

    def __init__(self, pairs: Iterable[Pair], manifest: dict | None = None):
        self.manifest = manifest or {}
        self.stored = {side: Blob(binary=True) for side in SIDES}         # the text as training read it
        # folded, as find() scans it: Chinese as a str (its first character is what the scan looks for, so a
        # rare one is found fast; as UTF-8 every Chinese character begins with one of a few bytes), English as
        # UTF-8 (half the memory of a str that holds one Greek letter)
        self.search = {"zh": Blob(binary=False), "en": Blob(binary=True)}
        corpus_ids: dict[str, int] = {}
        corpus, en_length = [], []
        for p in pairs:
            corpus.append(corpus_ids.setdefault(p.corpus, len(corpus_ids)))
            en_length.append(len(p.en))
            for side in SIDES:
                text = getattr(p, side)
                self.stored[side].append(text)
                self.search[side].append(search_line(text, side))
        for blob in (*self.stored.values(), *self.search.values()):
            blob.freeze()
        self.corpora = list(corpus_ids)                                   # corpus_id k is the name corpora[k]
        self.corpus_id = np.array(corpus, dtype=np.int16)                 # (N,)
        # English hits come out shortest English first: each pair's rank in that order (ties: stored order)
        self.en_rank = np.empty(len(corpus), dtype=np.int64)              # (N,)
        self.en_rank[np.argsort(np.array(en_length), kind="stable")] = np.arange(len(corpus))

    def __len__(self) -> int:
        return len(self.corpus_id)

    @classmethod
    def load(cls, folder: str | Path) -> "LensIndex":
        """The lens in `folder`, checked against its manifest (LensError when missing or damaged)."""
        manifest = verify(folder)
        return cls(read_pairs(Path(folder) / PAIRS_FILE), manifest)

    def pair(self, i: int) -> Pair:
        i = int(i)
        return Pair(self.corpora[self.corpus_id[i]], self.stored["zh"].line(i), self.stored["en"].line(i))

    def find(self, text: str, side: str) -> np.ndarray:
        """Indices (K,) of the pairs whose `side` contains `text` (matched as the module docstring says),
        shortest first on that side; ties in the stored order."""
        if side not in SIDES:
            raise ValueError(f"side must be 'zh' or 'en', got {side!r}")
        query = needle(text, side)
        if not query or "\n" in query:
            return np.zeros(0, dtype=np.int64)
        blob = self.search[side]
        if side == "zh":
            offsets = [m.start() for m in re.finditer(re.escape(query), blob.data)]        # (M,) every match
        else:   # " word word ": scan for "word word " (its first letter is rarer than a space: 3-5x faster),
            tail = query[1:].encode("utf-8")                                # then keep the matches after a space
            found = np.array([m.start() for m in re.finditer(re.escape(tail), blob.data)], dtype=np.int64)
            found = found[found > 0]
            offsets = found[np.frombuffer(blob.data, dtype=np.uint8)[found - 1] == ord(" ")]  # (M,)
        hits = blob.lines_at(offsets)                                     # (K,) the pairs, in stored order
        return hits if side == "zh" else hits[np.argsort(self.en_rank[hits], kind="stable")]

    def counts(self, hits: np.ndarray) -> dict[str, int]:
        """{corpus: number of hits in it}, most first (ties by name); corpora with none left out."""
        n = np.bincount(self.corpus_id[hits], minlength=len(self.corpora))  # (C,)
        return dict(sorted(((name, int(k)) for name, k in zip(self.corpora, n) if k), key=lambda c: (-c[1], c[0])))

    def span(self, i: int, text: str, side: str) -> tuple[int, int] | None:
        """(start, end) of the first match of `text` in pair i's `side` (line[start:end] is what matched),
        or None where folding joined characters across the match's edge (rare)."""
        folded, origin = _folded_with_offsets(getattr(self.pair(i), side))
        query = needle(text, side)
        if side == "zh":
            m = re.search(re.escape(query), folded)
        else:                                                             # the words, anything but words between
            m = re.search(r"(?<!\w)" + r"\W+".join(map(re.escape, query.split())) + r"(?!\w)", folded)
        if m is None or m.end() == m.start():
            return None
        return origin[m.start()], origin[m.end() - 1] + 1
