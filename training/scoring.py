"""What scoring a checkpoint needs, shared by training.evaluate and the decoding sweeps (lab/experiments/):
translate a list of sentences in batches, read FLORES-200, rebuild a seeded sample of a model's own
validation split.

    hyps = translate_sentences(translator, test.zh, beam_size=4, batch_size=64, desc="flores")
    flores = load_flores("../shared/data/flores200-devtest")     # TestSet(zh, en, labels)
    pairs = valid_sample(translator, n=400)                        # [(zh, en)], from its training.json
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from tqdm import tqdm

from dawn.data import DataError, TestSet
from training.recipe import valid_split_of  # the same code that made the split


def translate_sentences(translator, sentences: list[str], beam_size: int, batch_size: int, desc: str,
                        length_penalty: float = 1.0, no_repeat_ngram: int | None = None) -> list[str]:
    """Batched decoding, longest sentences first (less padding), results in input order
    (no_repeat_ngram None: the translator's own, see dawn.registry.with_chosen_decoding)."""
    order = sorted(range(len(sentences)), key=lambda i: -len(sentences[i]))
    out = [""] * len(sentences)
    with tqdm(total=len(sentences), desc=desc, unit="sent", file=sys.stderr, dynamic_ncols=True) as bar:
        for i in range(0, len(order), batch_size):
            idx = order[i: i + batch_size]
            batch = translator.translate_batch([sentences[j] for j in idx], beam_size=beam_size,
                                               length_penalty=length_penalty, no_repeat_ngram=no_repeat_ngram)
            for j, hyp in zip(idx, batch):
                out[j] = hyp
            bar.update(len(idx))
    return out


def load_flores(folder: str | Path) -> TestSet:
    """FLORES-200 devtest: zho_Hans.devtest / eng_Latn.devtest, line-aligned."""
    folder = Path(folder)
    zh = (folder / "zho_Hans.devtest").read_text(encoding="utf-8").rstrip("\n").split("\n")
    en = (folder / "eng_Latn.devtest").read_text(encoding="utf-8").rstrip("\n").split("\n")
    if len(zh) != len(en):
        raise DataError(f"{folder}: {len(zh)} Chinese but {len(en)} English lines")
    return TestSet(zh=zh, en=en, labels=[""] * len(zh))


def valid_sample(translator, n: int = 400) -> list[tuple[str, str]]:
    """A seeded sample of the model's own validation split, rebuilt from its training.json."""
    tr = translator.config["training"]
    valid = valid_split_of(tr)
    rng = random.Random(tr["seed"])
    return [(z, e) for z, e, _ in rng.sample(valid, min(n, len(valid)))]
