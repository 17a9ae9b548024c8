"""Shared fixtures.

Library tests: a tiny tokenizer and tiny models (see tiny_corpus.py), and a private `datasets` cache.
App tests: see app_fixtures.py.
"""

from __future__ import annotations

import os

import pytest
import torch
from app_fixtures import (app_log, app_server, app_url, checkpoint_root, models,  # noqa: F401  (fixtures for the app tests)
                          translators)
from tiny_corpus import ROOT, TINY, TINY_FLAGS, make_pairs, train_args, write_test_set, write_tsv


# ----------------------------------------------------------------------------- library tests

@pytest.fixture(scope="session")
def datasets_cache(tmp_path_factory):
    """Keep the `datasets` library offline and its cache in a temporary folder (never ~/.cache)."""
    cache = tmp_path_factory.mktemp("hf_datasets")
    mp = pytest.MonkeyPatch()
    mp.setenv("HF_DATASETS_CACHE", str(cache))  # subprocesses (the training CLI) read this
    mp.setenv("HF_DATASETS_OFFLINE", "1")
    mp.setenv("HF_HUB_OFFLINE", "1")
    try:
        import datasets.config  # already imported in this process: point it at the same folder
        mp.setattr(datasets.config, "HF_DATASETS_CACHE", cache)
    except ImportError:
        pass
    yield cache
    mp.undo()


@pytest.fixture(scope="session")
def tokenizer():
    """A PairTokenizer trained on the 90-pair tiny corpus (about 120 English subwords + 25 characters)."""
    from dawn.tokenizer import PairTokenizer
    pairs = make_pairs()
    return PairTokenizer.train([z for z, _ in pairs], [e for _, e in pairs], en_vocab_size=120,
                               zh_coverage=1.0, zh_min_count=1)


@pytest.fixture
def make_model(tokenizer):
    """make_model(kind, seed=0, **overrides) -> a tiny model in eval mode, sized for `tokenizer`."""
    from dawn.translator import build_model

    def make(kind: str, seed: int = 0, **overrides) -> torch.nn.Module:
        torch.manual_seed(seed)
        config = {**TINY[kind], **overrides,
                  "src_vocab_size": tokenizer.src_vocab_size, "tgt_vocab_size": tokenizer.tgt_vocab_size}
        return build_model(kind, config).eval()

    return make


@pytest.fixture(scope="session")
def pairs():
    """The 90-pair tiny corpus as (Chinese, English) tuples."""
    return make_pairs()


@pytest.fixture
def corpus_file(tmp_path, pairs):
    """The tiny corpus written in manythings.org/anki's TSV format."""
    return write_tsv(tmp_path / "corpus.tsv", pairs)


@pytest.fixture
def test_dir(tmp_path):
    """A test-set folder whose one Chinese sentence (他有鱼。) also occurs in the corpus."""
    d = tmp_path / "tatoeba-test"
    write_test_set(d / "tiny-test", ["他有鱼。"], ["A sentence that is not in the corpus."], ["cmn_Hans"])
    return d


@pytest.fixture
def train_argv(corpus_file, test_dir):
    """train_argv(kind, out, *extra) -> argv for training.train on the tiny corpus (a few steps per epoch)."""
    def make(kind: str, out, *extra: str) -> list[str]:
        return train_args(kind, corpus_file, test_dir, out, *extra)
    return make


@pytest.fixture
def run_train(datasets_cache):
    """Run training.train.main in this process; returns its exit code."""
    from training.train import main
    return lambda argv: main(list(argv))


@pytest.fixture
def subprocess_env(datasets_cache):
    """Environment for running the training CLI as a subprocess (offline, one thread, repo on the path)."""
    return {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
