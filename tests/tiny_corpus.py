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
    "lstm_attention": dict(d_embed=16, d_enc=8, d_dec=16, d_attn=8, enc_layers=1, dropout=0.0, max_target_len=64),
    "transformer": dict(d_model=16, n_heads=2, d_ff=32, encoder_layers=2, decoder_layers=2, dropout=0.0,
                        max_target_len=64),
}
# The same, as training.train flags (default dropout, so that resuming must restore the RNG).
TINY_FLAGS = {
    "lstm": ["--d-model", "16", "--n-layers", "2"],
    "lstm_attention": ["--d-embed", "16", "--d-enc", "8", "--d-dec", "16", "--d-attn", "8", "--enc-layers", "1"],
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


def round_to_fp16(model) -> None:
    """Round every stored weight to what fp16 storage keeps, so that save -> load can be exact.
    Frozen parameters (the sinusoidal position tables) are not stored: they are rebuilt exactly."""
    import torch
    from dawn.checkpoint import frozen_names

    frozen = frozen_names(model)
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if t.is_floating_point() and name not in frozen:
                t.copy_(t.half().float())


def save_like_train(directory: Path, model, tokenizer, extra: dict[str, bytes] | None = None) -> Path:
    """Write a checkpoint folder the way training/train.py does (hub layout)."""
    import json
    from dawn.checkpoint import save_checkpoint

    files = {**tokenizer.to_files(), "train_log.json": b"{}", **(extra or {})}
    if hasattr(model, "generation_config"):
        files["generation_config.json"] = json.dumps(model.generation_config(), indent=2).encode()
    save_checkpoint(directory, model.hub_module, model.hub_config(), files)
    return directory


def train_args(kind: str, corpus: Path, test_dir: Path, out: Path, *extra: str) -> list[str]:
    """argv for training.train on the tiny corpus (a handful of steps per epoch, seconds in all)."""
    return ["--model", kind, "--data", str(corpus), "--test-dir", str(test_dir), "--out", str(out),
            "--seed", "7", "--threads", "1", "--zh-coverage", "1.0", "--en-vocab", "120", "--batch-tokens", "200",
            "--warmup", "5", "--save-every", "3", "--valid-fraction", "0.1", "--concat-fraction", "0.1",
            "--valid-bleu-sentences", "10", *TINY_FLAGS[kind], *extra]


def write_metrics(directory: Path) -> dict:
    """A small metrics.json as training/evaluate.py writes it (Tatoeba at the top level, FLORES under its key)."""
    import json
    from dawn.checkpoint import update_file

    sig = {"bleu": "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0",
           "chrf": "nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0"}
    metrics = {"model": directory.name, "decoding": "beam 4", "beam_size": 4,
               "test_set": "tatoeba-test", "n": 3, "bleu": 12.34, "chrf": 30.5, "signature": sig,
               "n_mandarin": 2, "bleu_mandarin": 13.1, "chrf_mandarin": 31.2,
               "by_length": [{"bucket": "1-8", "n": 3, "bleu": 12.34, "chrf": 30.5}],
               "flores200": {"test_set": "flores200-devtest zho_Hans-eng_Latn", "decoding": "beam 4", "n": 2,
                             "bleu": 1.23, "chrf": 18.7, "signature": sig,
                             "by_length": [{"bucket": "25-34", "n": 2, "bleu": 1.23, "chrf": 18.7}]},
               "unk": {"story_sentence": 0.0, "flores200": 0.004},
               "story": {"greedy": "We decided.", "beam 4": "We decided to go."}}
    update_file(directory, "metrics.json", json.dumps(metrics, indent=2).encode())
    return metrics
