"""Corpora that stream: read through `datasets` as iterable datasets, cleaned, split by process and
tokenized on the fly, so that memory does not grow with the corpus (training.train --stream).

    python -m training.train --model transformer --out checkpoints/big --stream --epoch-steps 2000 \\
        --data all_of_my_pairs.tsv Helsinki-NLP/opus-100:en-zh:train

A source is what training.train takes (a TSV file, NAME.zh/NAME.en, a folder of such pairs, a
CSV / JSON(L) / Parquet table with en/zh or translation columns) or a hub dataset id with an optional
config and split: `owner/name`, `owner/name:config`, `owner/name:config:split` (default split: train).

What differs from the in-memory path, because a stream has no length and is read once per pass:
- an epoch is --epoch-steps steps (the stream goes on where it stopped and starts over at its end);
- the valid split is by a checksum of the English sentence (stable across processes and runs), and the
  valid set is the first --valid-per-corpus such pairs of each corpus;
- the tokenizer is trained on the first --tokenizer-pairs training pairs (all corpora, mixed);
- corpora are interleaved at random with probabilities proportional to their --mix weights;
- each process reads its own part of the stream (`split_dataset_by_node`) and batches what it reads
  in chunks of --stream-buffer examples; no long concatenated examples.
Memory: the chunk, the valid set, the tokenizer sample and the test sets, whatever the corpus size.
"""

from __future__ import annotations

import os
import re
import zlib
from collections import Counter
from itertools import count
from pathlib import Path
from typing import Iterator

from dawn.data import DataError, held_out_sentences, remove_story_sentences, story_texts, train_only, tsv_columns
from dawn.text import normalize_en, normalize_zh
from dawn.tokenizer import PairTokenizer
from training.engine import Example, make_batches

HUB_ID = re.compile(r"(?P<id>[\w.-]+/[\w.-]+)(:(?P<config>[\w.-]*))?(:(?P<split>[\w.\[\]%:-]+))?")
VALID_BUCKETS = 10_000
COUNTS = ("loaded", "dropped_test_overlap", "dropped_story", "dropped_over_120_chars", "dropped_valid_overlap", "train",
          "valid")


def is_valid_pair(en: str, fraction: float) -> bool:
    """The valid split of a stream, by English sentence (all its translations on one side): a checksum,
    the same in every process and run (Python's hash() is salted per process)."""
    return zlib.crc32(en.encode("utf-8")) % VALID_BUCKETS < fraction * VALID_BUCKETS


# --- sources -> iterable datasets of raw {"zh", "en"} rows -----------------------------------------

def _aligned_rows(zh_path: str, en_path: str):
    with open(zh_path, encoding="utf-8") as zh, open(en_path, encoding="utf-8") as en:
        for z, e in zip(zh, en):
            yield {"zh": z, "en": e}


def _tsv_rows(path: str):
    """English<TAB>Chinese[<TAB>attribution] lines, read one at a time (blank lines skipped)."""
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            cols = tsv_columns(line, path, lineno)
            if cols is not None:
                yield {"zh": cols[1], "en": cols[0]}


def _column_rows(batch: dict) -> dict:
    if "translation" in batch:
        return {"zh": [t["zh"] for t in batch["translation"]], "en": [t["en"] for t in batch["translation"]]}
    return {"zh": batch["zh"], "en": batch["en"]}


def _hub(source: str):
    """A hub dataset id -> its iterable dataset; offline or unreachable: a DataError of one line."""
    import datasets

    m = HUB_ID.fullmatch(source)
    offline = datasets.config.HF_HUB_OFFLINE or os.environ.get("HF_DATASETS_OFFLINE", "0") in ("1", "true", "TRUE")
    if offline:
        raise DataError(f"{source}: a hub dataset, but the hub is offline here (HF_HUB_OFFLINE / HF_DATASETS_OFFLINE); "
                        "download it where there is internet, or pass local files")
    try:
        ds = datasets.load_dataset(m["id"], m["config"] or None, split=m["split"] or "train", streaming=True)
    except Exception as e:  # unknown id, no network, no such config or split: one line, not a traceback
        raise DataError(f"{source}: cannot stream it from the hub ({type(e).__name__}: "
                        f"{str(e).strip().splitlines()[0] if str(e).strip() else 'no message'})") from e
    return ds.map(_column_rows, batched=True, remove_columns=ds.column_names or list(next(iter(ds))))


def open_corpora(sources: list[str]) -> dict:
    """{corpus name: iterable dataset of raw {"zh", "en"} rows}, named as training.train names corpora."""
    import datasets

    datasets.disable_progress_bars()
    corpora = {}
    def add(name: str, ds, where) -> None:
        if name in corpora:
            raise DataError(f"{where}: a second corpus named {name!r} (corpus names come from file names)")
        corpora[name] = ds
    for source in map(str, sources):
        path = Path(source)
        pairs = ([(p.with_suffix(".zh"), p.with_suffix(".en")) for p in sorted(path.glob("*.zh"))
                  if p.with_suffix(".en").is_file()] if path.is_dir() else [])
        stem = path.with_suffix("") if path.suffix in (".zh", ".en") else path
        if not path.is_dir() and Path(f"{stem}.zh").is_file() and Path(f"{stem}.en").is_file():
            pairs = [(Path(f"{stem}.zh"), Path(f"{stem}.en"))]
        if path.is_dir() and not pairs:
            raise DataError(f"{path}: a folder without NAME.zh / NAME.en pairs")
        if pairs:
            for zh, en in pairs:
                add(zh.stem, datasets.IterableDataset.from_generator(
                    _aligned_rows, gen_kwargs={"zh_path": str(zh), "en_path": str(en)}), zh)
        elif path.is_file():  # a table through its `datasets` builder; a TSV line by line (no 10 MB chunks)
            builder = {".csv": "csv", ".json": "json", ".jsonl": "json", ".parquet": "parquet"}.get(path.suffix)
            if builder:
                ds = datasets.load_dataset(builder, data_files=str(path), split="train", streaming=True)
                ds = ds.map(_column_rows, batched=True, remove_columns=ds.column_names or list(next(iter(ds))))
            else:
                ds = datasets.IterableDataset.from_generator(_tsv_rows, gen_kwargs={"path": str(path)})
            add(path.stem, ds, path)
        elif HUB_ID.fullmatch(source) and not source.startswith((".", "/")):
            add(HUB_ID.fullmatch(source)["id"].replace("/", "__"), _hub(source), source)
        else:
            raise DataError(f"{source}: no such file, and not a hub dataset id (owner/name[:config[:split]])")
    return corpora


# --- cleaning, the valid split, the mix ----------------------------------------------------------------

class Cleaner:
    """The filters of training.recipe.prepare_data, one batch of rows at a time, counting what they drop:
    normalise both sides; drop empty pairs, pairs over max_zh_chars, pairs with a side in a test set, pairs
    containing a story sentence; keep the valid side (`valid=True`) or the training side of the split.
    A train-only corpus (dawn.data.train_only: a dictionary, synthetic pairs) has no valid side: all of it
    trains, less the pairs that share a side with the valid set (`valid`: its (zh, en, corpus) triples)."""

    def __init__(self, test_dirs, max_zh_chars: int, valid_fraction: float, valid: list | None = None):
        self.test_zh, self.test_en = held_out_sentences(test_dirs)
        self.story = story_texts()
        self.max_zh_chars, self.valid_fraction = max_zh_chars, valid_fraction
        self.valid_zh, self.valid_en = {z for z, _, _ in valid or []}, {e for _, e, _ in valid or []}
        self.counts: dict[str, Counter] = {}

    def __call__(self, batch: dict, corpus: str, valid: bool) -> dict:
        c = self.counts.setdefault(corpus, Counter())
        pairs = [(normalize_zh(z), normalize_en(e)) for z, e in zip(batch["zh"], batch["en"])]
        pairs = [(z, e) for z, e in pairs if z and e]
        c["loaded"] += len(pairs)
        kept = [(z, e) for z, e in pairs if z not in self.test_zh and e not in self.test_en]
        c["dropped_test_overlap"] += len(pairs) - len(kept)
        kept, n_story = remove_story_sentences(kept, self.story)
        c["dropped_story"] += n_story
        short = [(z, e) for z, e in kept if len(z) <= self.max_zh_chars]
        c["dropped_over_120_chars"] += len(kept) - len(short)
        if train_only(corpus) and valid:
            side = []                                               # no valid side
        elif train_only(corpus):                                    # all of it trains, less the valid sentences
            side = [(z, e) for z, e in short if z not in self.valid_zh and e not in self.valid_en]
            c["dropped_valid_overlap"] += len(short) - len(side)
        else:
            side = [(z, e) for z, e in short if is_valid_pair(e, self.valid_fraction) == valid]
        c["valid" if valid else "train"] += len(side)
        return {"zh": [z for z, _ in side], "en": [e for _, e in side], "corpus": [corpus] * len(side)}


def cleaned(corpora: dict, cleaner: Cleaner, valid: bool) -> dict:
    return {name: ds.map(cleaner, batched=True, fn_kwargs={"corpus": name, "valid": valid},
                         remove_columns=["zh", "en"]) for name, ds in corpora.items()}


def mixed(corpora: dict, weights: dict, seed: int):
    """One stream of all corpora: at random, each next pair from corpus k with probability w_k / Σ w;
    a corpus that runs out starts over until every corpus has been read to its end once."""
    from datasets import interleave_datasets

    chosen = {k: ds for k, ds in corpora.items() if weights.get(k, 1.0) > 0}
    if not chosen:
        raise DataError(f"every corpus has --mix weight 0: {sorted(corpora)}")
    if len(chosen) == 1:
        return next(iter(chosen.values()))
    total = sum(weights.get(k, 1.0) for k in chosen)
    return interleave_datasets(list(chosen.values()), probabilities=[weights.get(k, 1.0) / total for k in chosen],
                               seed=seed, stopping_strategy="all_exhausted")


def valid_split(corpora: dict, cleaner: Cleaner, per_corpus: int) -> list[tuple[str, str, str]]:
    """The first `per_corpus` valid-side pairs of every corpus, as (zh, en, corpus) triples."""
    out = []
    for name, ds in cleaned(corpora, cleaner, valid=True).items():
        out += [(row["zh"], row["en"], name) for row in ds.take(per_corpus)]
    return out


def tokenizer_sample(stream, n: int) -> tuple[list[str], list[str]]:
    zh, en = [], []
    for row in stream.take(n):
        zh.append(row["zh"])
        en.append(row["en"])
    return zh, en


# --- this process's batches ------------------------------------------------------------------------

def encoded(stream, tokenizer: PairTokenizer, tags: dict):
    """Tokenized on the fly: (source ids with the corpus tag first, target ids), both ending in </s>."""
    def encode(batch):
        return {"src": [tokenizer.encode_source(z, tags.get(c)) for z, c in zip(batch["zh"], batch["corpus"])],
                "tgt": [tokenizer.encode_target(e) for e in batch["en"]]}
    return stream.map(encode, batched=True, remove_columns=["zh", "en", "corpus"])


def stream_steps(stream, batch_tokens: int, buffer: int, seed: int) -> Iterator[tuple[list[Example], list[int], bool]]:
    """Endless (examples, batch indices, True): read `buffer` examples, group them into length-bucketed
    batches (engine.make_batches), yield those, read on; at the stream's end start a new pass."""
    chunk = 0
    for stream_pass in count():
        stream.set_epoch(stream_pass)  # a new shuffle each pass
        examples, seen = [], 0
        for row in stream:
            examples.append((row["src"], row["tgt"]))
            seen += 1
            if len(examples) == buffer:
                yield from ((examples, b, True) for b in make_batches(examples, batch_tokens, seed * 1000 + chunk))
                examples, chunk = [], chunk + 1
        if examples:
            yield from ((examples, b, True) for b in make_batches(examples, batch_tokens, seed * 1000 + chunk))
            chunk += 1
        if not seen:
            raise DataError("the stream holds no training pairs (all filtered out, or empty)")


def process_stream(corpora: dict, cleaner: Cleaner, weights: dict, tags: dict, tokenizer: PairTokenizer,
                   seed: int, rank: int, world_size: int, shuffle_buffer: int):
    """This process's part of the training stream, shuffled within a bounded buffer and tokenized."""
    from datasets.distributed import split_dataset_by_node

    stream = mixed(cleaned(corpora, cleaner, valid=False), weights, seed)
    stream = split_dataset_by_node(stream, rank=rank, world_size=world_size)
    return encoded(stream.shuffle(seed=seed, buffer_size=shuffle_buffer), tokenizer, tags)


def stream_stats(names: list[str], cleaner: Cleaner, valid: list, global_sums) -> dict:
    """training.json's data counts for a stream: what every process's training stream has read so far
    (global_sums adds them up over the processes), and the valid set."""
    flat = global_sums([float(cleaner.counts.get(n, Counter())[k]) for n in names for k in COUNTS[:-1]])
    corpora = {n: {k: int(flat[i * (len(COUNTS) - 1) + j]) for j, k in enumerate(COUNTS[:-1])} for i, n in enumerate(names)}
    for n in names:
        corpora[n]["valid"] = sum(c == n for _, _, c in valid)
    return {"streamed": True, "corpora": corpora,
            "train_pairs_read": sum(c["train"] for c in corpora.values()), "valid_pairs": len(valid),
            "dropped_test_overlap": sum(c["dropped_test_overlap"] for c in corpora.values()),
            "dropped_story": sum(c["dropped_story"] for c in corpora.values())}
