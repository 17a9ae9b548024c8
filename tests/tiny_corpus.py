"""Helpers for the library tests: a tiny corpus written to tmp_path, tiny model sizes.

Everything is offline and small (vocab ~100, width 16, 1-2 layers) so that the
library tests run in seconds on one CPU core. No test reads ../shared/data.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# A small, regular corpus: 5 subjects x 3 verbs x 6 objects = 90 pairs (Chinese, English).
SUBJECTS = [("我", "I", False), ("你", "You", False), ("他", "He", True), ("她", "She", True), ("我们", "We", False)]
VERBS = [("喜欢", "like"), ("要", "want"), ("有", "have")]
OBJECTS = [("猫", "cats"), ("狗", "dogs"), ("书", "books"), ("花", "flowers"), ("鱼", "fish"), ("茶", "tea")]

# Model sizes for unit tests (dropout 0: eval and train mode compute the same thing).
TINY = {
    "lstm": dict(d_model=16, n_layers=2, dropout=0.0, max_target_len=64),
    "transformer": dict(d_model=16, n_heads=2, d_ff=32, encoder_layers=2, decoder_layers=2, dropout=0.0,
                        max_target_len=64),
}
# The same, as training.train flags (default dropout, so that resuming must restore the RNG).
TINY_FLAGS = {
    "lstm": ["--d-model", "16", "--n-layers", "2"],
    "transformer": ["--d-model", "16", "--n-heads", "2", "--d-ff", "32", "--encoder-layers", "1", "--decoder-layers", "1"],
}


def make_pairs() -> list[tuple[str, str]]:
    """[(Chinese, English), ...] — every pair distinct on both sides, e.g. ("他有鱼。", "He has fish.")."""
    def third_person(verb: str) -> str:
        return {"have": "has"}.get(verb, verb + "s")

    return [(f"{zs}{zv}{zo}。", f"{es} {third_person(ev) if third else ev} {eo}.")
            for zs, es, third in SUBJECTS for zv, ev in VERBS for zo, eo in OBJECTS]


def write_tsv(path: Path, pairs: list[tuple[str, str]], attribution: bool = True) -> Path:
    """Write pairs in manythings.org/anki's format: English<TAB>Chinese[<TAB>attribution]."""
    lines = [f"{en}\t{zh}" + ("\tsynthetic test pair, no attribution needed" if attribution else "")
             for zh, en in pairs]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_test_set(prefix: Path, zh: list[str], en: list[str], labels: list[str] | None = None) -> Path:
    """Write <prefix>.zho / <prefix>.eng (and <prefix>.zho.labels), line-aligned."""
    prefix.parent.mkdir(parents=True, exist_ok=True)
    Path(f"{prefix}.zho").write_text("\n".join(zh) + "\n", encoding="utf-8")
    Path(f"{prefix}.eng").write_text("\n".join(en) + "\n", encoding="utf-8")
    if labels is not None:
        Path(f"{prefix}.zho.labels").write_text("\n".join(labels) + "\n", encoding="utf-8")
    return prefix
