"""The model card (checkpoints/NAME/README.md), rendered from the checkpoint's
own JSON files so that every number in it was produced by a script."""

from __future__ import annotations

import json
from pathlib import Path

from dawn.checkpoint import update_file

ARCHITECTURE = {
    "lstm": "LSTM encoder-decoder **without attention** (Sutskever et al. 2014): the source is read reversed, "
            "and the decoder sees it only through the encoder's final (h, c) state. "
            "{n_layers} layers, width {d_model}, dropout {dropout}, output layer tied to the target embedding.",
    "transformer": "Encoder-decoder Transformer (Vaswani et al. 2017) built with `transformers` "
                   "(a down-sized `MarianMTModel`, eager attention, sinusoidal positions): "
                   "{encoder_layers} encoder + {decoder_layers} decoder layers, d_model {d_model}, "
                   "{n_heads} heads, feed-forward {d_ff}, dropout {dropout}.",
}


def _load(path: Path):
    return json.loads(path.read_text()) if path.exists() else None


def write_model_card(directory: str | Path) -> str:
    d = Path(directory)
    config, log, metrics = _load(d / "config.json"), _load(d / "train_log.json"), _load(d / "metrics.json")
    tr, mt = config["training"], config["model_type"]
    best = next((h for h in log["history"] if h["epoch"] == log["best_epoch"]), log["history"][-1])
    lines = [
        f"# `{d.name}` — Code Dawn 2014 Chinese→English translator", "",
        ARCHITECTURE[mt].format(**config["model"]), "",
        f"- Parameters: **{config['num_parameters']:,}** (stored as fp16 safetensors: "
        f"{(d / 'model.safetensors').stat().st_size / 1e6:.1f} MB)",
        f"- Vocabulary: {config['model']['src_vocab_size']:,} Chinese characters, "
        f"{config['model']['tgt_vocab_size']:,} English BPE subwords (`tokenizers`, trained on the training split)",
        "",
        "## Data",
        "Tatoeba Chinese–English pairs as packaged by manythings.org/anki (`cmn.txt`). "
        "**License CC-BY 2.0 (France); attribution: www.manythings.org/anki and tatoeba.org** "
        "(the corpus credits every sentence's contributors).",
        f"- {tr['corpus_pairs']:,} pairs; **{tr['dropped_test_overlap']:,} dropped** because their Chinese or English "
        "side occurs in a Tatoeba test set (all files of `tatoeba-test/`).",
        f"- Split by English sentence: {tr['train_pairs']:,} train / {tr['valid_pairs']:,} valid pairs.",
        f"- Long input: {tr['concatenated_examples']:,} extra examples; {tr['long_examples']}. "
        "Both models get the same data.",
        "- Chinese is converted Traditional → Simplified with OpenCC (training and inference).", "",
        "## Training",
        f"```\n{tr['command']}\n```",
        f"- Seed {tr['seed']}, {tr['epochs']} epochs, AdamW peak lr {tr['lr']} (warm-up {tr['warmup']} steps, cosine), "
        f"batches of ≤{tr['batch_tokens']} tokens, label smoothing {tr['label_smoothing']}, teacher forcing.",
        f"- Wall-clock: **{log['training_time_s'] / 60:.1f} min** with {log['threads']} torch thread(s) "
        f"on {log.get('machine', 'a CPU')}.",
        f"- Kept: epoch {log['best_epoch']} (best valid BLEU, greedy, on "
        f"{tr.get('valid_bleu_sentences') or 'all'} valid sentences): "
        f"valid BLEU **{best['valid_bleu']}**, valid loss {best['valid_loss']}.", "",
        "| epoch | train loss | valid loss | valid BLEU | target tok/s |", "|---|---|---|---|---|",
        *[f"| {h['epoch']} | {h['train_loss']} | {h['valid_loss']} | {h['valid_bleu']} | {h['train_tokens_per_s']:,} |"
          for h in log["history"]], "",
    ]
    if metrics:
        lines += [
            "## Test scores (Tatoeba-test, read once)",
            f"`{metrics['test_set']}`, {metrics['n']:,} sentences, decoding {metrics['decoding']}.", "",
            "| subset | BLEU | chrF |", "|---|---|---|",
            f"| all varieties | {metrics['bleu']} | {metrics['chrf']} |",
            f"| Mandarin (cmn_*) | {metrics['bleu_mandarin']} | {metrics['chrf_mandarin']} |",
            *[f"| source {b['bucket']} chars (n={b['n']}) | {b['bleu']} | {b['chrf']} |" for b in metrics["by_length"]],
            "", f"sacrebleu: `{metrics['signature']['bleu']}` / `{metrics['signature']['chrf']}`", "",
        ]
    lines += ["## Use", "```python", "from dawn import load_translator",
              f't = load_translator("checkpoints/{d.name}")', 't.translate("我们决定去爬山。", beam_size=4).text', "```", ""]
    text = "\n".join(lines)
    update_file(d, "README.md", text.encode())
    return text
