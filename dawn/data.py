"""The parallel corpus: loading, test-overlap removal, the train/valid split,
and long examples made by concatenation.

    pairs = load_pairs("../shared/data/tatoeba-cmn/cmn.txt")     # [(zh, en), ...]
    pairs, dropped = remove_test_overlap(pairs, "../shared/data/tatoeba-test")
    train, valid = split_by_english(pairs, valid_fraction=0.05, seed=1337)
    train_long = add_concatenations(train, fraction=0.3, seed=1337)

The corpus format is manythings.org/anki's: `English<TAB>Chinese<TAB>attribution`
(the third column is optional). Loading goes through `datasets`, so a hub dataset
id works too for users with internet (`--data owner/name`, with `en`/`zh`
columns or an OPUS-style `translation` column).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

from dawn.text import normalize_en, normalize_zh

Pair = tuple[str, str]  # (Chinese, English), both normalised


class DataError(ValueError):
    """A corpus or test file that cannot be used; the message names the file (and line)."""


def load_pairs(source: str | Path) -> list[Pair]:
    """Read (Chinese, English) pairs from a local TSV file or a hub dataset id.

    Chinese is normalised to Simplified; both sides are whitespace-cleaned.
    Raises DataError naming the file and line for a missing file, a line with
    the wrong number of columns, an empty side, or an empty corpus.
    """
    import datasets  # imported lazily: the app never needs it

    datasets.disable_progress_bars()
    path = Path(source)
    if path.exists():
        if not path.is_file():
            raise DataError(f"{path}: is not a file (expected a TSV corpus English<TAB>Chinese[<TAB>attribution])")
        if path.stat().st_size == 0:  # `datasets` cannot build a dataset from an empty file
            raise DataError(f"{path}: the corpus is empty (no sentence pairs found)")
        # The "text" builder yields one row per line; we parse the columns ourselves
        # so that a bad line can be reported with its number.
        try:
            rows = datasets.load_dataset("text", data_files=str(path), split="train")["text"]
        except datasets.exceptions.DatasetGenerationError as e:  # e.g. a file that is not UTF-8
            raise DataError(f"{path}: cannot read the corpus as UTF-8 text ({e.__cause__ or e})") from e
        pairs = []
        for lineno, line in enumerate(rows, start=1):
            if not line.strip():
                continue
            cols = line.rstrip("\r\n").split("\t")
            if len(cols) not in (2, 3):
                raise DataError(f"{path}:{lineno}: expected 2 or 3 tab-separated columns "
                                f"(English, Chinese, attribution), found {len(cols)}: {line[:80]!r}")
            en, zh = normalize_en(cols[0]), normalize_zh(cols[1])
            if not en or not zh:
                raise DataError(f"{path}:{lineno}: empty {'English' if not en else 'Chinese'} side")
            pairs.append((zh, en))
    elif re.fullmatch(r"[\w.-]+/[\w.-]+", str(source)) and not str(source).startswith((".", "/")):
        try:
            ds = datasets.load_dataset(str(source), split="train")
        except Exception as e:  # offline, unknown id, ...
            raise DataError(f"{source}: not a local file, and loading it as a hub dataset failed: {e}") from e
        if "translation" in ds.column_names:
            pairs = [(normalize_zh(t["zh"]), normalize_en(t["en"])) for t in ds["translation"]]
        elif {"en", "zh"} <= set(ds.column_names):
            pairs = [(normalize_zh(z), normalize_en(e)) for z, e in zip(ds["zh"], ds["en"])]
        else:
            raise DataError(f"{source}: expected columns 'en' and 'zh' or 'translation', found {ds.column_names}")
        pairs = [(z, e) for z, e in pairs if z and e]
    else:
        raise DataError(f"{source}: no such file (pass the corpus path, e.g. ../shared/data/tatoeba-cmn/cmn.txt)")
    if not pairs:
        raise DataError(f"{source}: the corpus is empty (no sentence pairs found)")
    return pairs


@dataclass
class TestSet:
    """A line-aligned test set: `<prefix>.zho`, `<prefix>.eng`, optional `<prefix>.zho.labels`."""
    zh: list[str]      # raw source lines (normalised at translation time)
    en: list[str]      # reference translations
    labels: list[str]  # language variety per line, e.g. cmn_Hans, yue_Hant ("" when unknown)


def _read_lines(path: Path) -> list[str]:
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    return path.read_text(encoding="utf-8").rstrip("\n").split("\n")


def load_test_set(prefix: str | Path) -> TestSet:
    """Read `<prefix>.zho`, `<prefix>.eng` and, when present, `<prefix>.zho.labels`."""
    prefix = str(prefix)
    zh, en = _read_lines(Path(prefix + ".zho")), _read_lines(Path(prefix + ".eng"))
    if len(zh) != len(en):
        raise DataError(f"{prefix}.zho has {len(zh)} lines but {prefix}.eng has {len(en)}")
    labels_path = Path(prefix + ".zho.labels")
    labels = _read_lines(labels_path) if labels_path.exists() else [""] * len(zh)
    if len(labels) != len(zh):
        raise DataError(f"{labels_path} has {len(labels)} lines but {prefix}.zho has {len(zh)}")
    return TestSet(zh=zh, en=en, labels=[l.strip() for l in labels])


def remove_test_overlap(pairs: list[Pair], test_dir: str | Path) -> tuple[list[Pair], int]:
    """Drop every pair whose Chinese or English side occurs in any test file.

    Every `*.zho` and `*.eng` file under `test_dir` counts. Chinese is compared
    after normalisation, so a Traditional test sentence also removes its
    Simplified twin. Returns (kept pairs, number dropped).
    """
    test_dir = Path(test_dir)
    zh_files, en_files = sorted(test_dir.glob("**/*.zho")), sorted(test_dir.glob("**/*.eng"))
    if not zh_files or not en_files:
        raise DataError(f"{test_dir}: no *.zho / *.eng test files found")
    test_zh = {normalize_zh(l) for f in zh_files for l in _read_lines(f)} - {""}
    test_en = {normalize_en(l) for f in en_files for l in _read_lines(f)} - {""}
    kept = [(zh, en) for zh, en in pairs if zh not in test_zh and en not in test_en]
    return kept, len(pairs) - len(kept)


def split_by_english(pairs: list[Pair], valid_fraction: float, seed: int) -> tuple[list[Pair], list[Pair]]:
    """Split so that all translations of one English sentence land on the same side."""
    english = sorted({en for _, en in pairs})
    random.Random(seed).shuffle(english)
    valid_en = set(english[: max(1, round(len(english) * valid_fraction))])
    train = [p for p in pairs if p[1] not in valid_en]
    valid = [p for p in pairs if p[1] in valid_en]
    return train, valid


def add_concatenations(pairs: list[Pair], fraction: float, seed: int,
                       min_k: int = 2, max_k: int = 4, max_zh_chars: int = 100) -> list[Pair]:
    """Return `pairs` plus `fraction * len(pairs)` long examples, each k random
    pairs joined (Chinese directly, English with a space), k in [min_k, max_k].

    Tatoeba sentences are short (Chinese p90: 14 characters) while the story's
    sentence has 53; without long examples neither model ever sees such input.
    """
    rng = random.Random(seed)
    extra = []
    for _ in range(int(fraction * len(pairs))):
        chosen = rng.sample(pairs, rng.randint(min_k, max_k))
        zh = "".join(z for z, _ in chosen)
        if len(zh) <= max_zh_chars:
            extra.append((zh, " ".join(e for _, e in chosen)))
    return pairs + extra
