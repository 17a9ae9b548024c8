"""The model card (checkpoints/NAME/README.md), rendered from the checkpoint's
own JSON files so that every number in it was produced by a script. Its YAML
front matter is the hub's metadata (`huggingface_hub.ModelCardData`), with a
`model-index` built from metrics.json: Tatoeba-test and FLORES-200 BLEU / chrF.
"""

from __future__ import annotations

import json
from pathlib import Path

from huggingface_hub import EvalResult, ModelCard, ModelCardData

from dawn.checkpoint import CONFIG, TRAINING, update_file
from dawn.registry import spec

BUDGET_MIN = 120          # each final recipe's budget on the 2-core CPU, in minutes
LICENSE = "cc-by-sa-4.0"  # the strictest share-alike licence among the training corpora (XQuAD, UD PUD)

ARCHITECTURE = {
    "lstm": "LSTM encoder-decoder **without attention** (Sutskever et al. 2014): the source is read reversed, "
            "and the decoder sees it only through the encoder's final (h, c) state. "
            "{n_layers} layers, width {d_model}, dropout {dropout}, output layer tied to the target embedding.",
    "lstm_attention": "RNN encoder-decoder **with additive attention** (Bahdanau, Cho & Bengio 2014), written out "
                      "by hand in `dawn/lstm_attention.py`: a {enc_layers}-layer bidirectional LSTM encoder "
                      "({d_enc} per direction), an LSTM decoder of {d_dec} that reads the context "
                      "c_t = Σ_j α_tj h_j at every step, attention size {d_attn}, embeddings {d_embed}, "
                      "dropout {dropout}.",
    "transformer": "Encoder-decoder Transformer (Vaswani et al. 2017), a down-sized `MarianMTModel` "
                   "(eager attention, sinusoidal positions): {encoder_layers} encoder + {decoder_layers} decoder "
                   "layers, d_model {d_model}, {n_heads} heads, feed-forward {d_ff}, dropout {dropout}.",
}

# Corpus name -> (description, licence and attribution), as ../shared/data/README.md gives them.
CORPORA = {
    "cmn": ("Tatoeba sentence pairs via manythings.org/anki (`cmn.txt`)",
            "CC-BY 2.0 (France); www.manythings.org/anki and tatoeba.org"),
    "bible_cuvs_kjv": ("the Bible, Chinese Union Version ↔ King James Version", "public domain"),
    "python_docs_zhcn": ("Python documentation paragraphs (python-docs-zh-cn)",
                         "PSF licence; Python Software Foundation, python-docs-zh-cn"),
    "mlqe_pe_wiki": ("Wikipedia sentences with post-edited translations (MLQE-PE)", "CC0; Fomicheva et al. 2022"),
    "tico19": ("COVID-19 texts (TICO-19)", "CC0; Anastasopoulos et al. 2020"),
    "xquad_wiki": ("Wikipedia paragraphs' sentences (XQuAD)", "CC BY-SA 4.0; Artetxe et al. 2020"),
    "ud_pud_zh_trad": ("news and Wikipedia sentences (UD Chinese-PUD)", "CC BY-SA 3.0; Universal Dependencies"),
    "gasp": ("children's stories (African Storybook via Global ASP)",
             "CC BY 4.0; Stories from the African Storybook (africanstorybook.org), CC BY; Chinese translations via "
             "Global ASP (github.com/global-asp); authors and translators as credited in each story file"),
    "mgsm": ("grade-school maths word problems (MGSM)",
             "CC BY 4.0; MGSM (Shi et al. 2022, Google Research), CC BY 4.0; English from GSM8K (OpenAI, MIT)"),
    "zerotohero_grammar": ("learner grammar examples (Chinese Zero to Hero)",
                           "CC0; Chinese Zero to Hero grammar list (Open Language Profiles), CC0"),
}
TEST_SETS = {  # metrics.json key -> (hub dataset id, display name, config)
    "tatoeba": ("Helsinki-NLP/tatoeba_mt", "Tatoeba-test v2020-07-28 (zho→eng)", "zho-eng"),
    "flores200": ("facebook/flores", "FLORES-200 devtest (zho_Hans→eng_Latn)", "zho_Hans-eng_Latn"),
}


def _load(path: Path):
    return json.loads(path.read_text()) if path.exists() else None


def scores_on(metrics: dict | None, key: str) -> dict | None:
    """Tatoeba scores sit at the top level of metrics.json, the others under their key."""
    if not metrics:
        return None
    return metrics if key == "tatoeba" and "bleu" in metrics else metrics.get(key)


def card_data(name: str, model_type: str, metrics: dict | None) -> ModelCardData:
    """Hub metadata: languages, licence, tags, datasets, pipeline, library and the model-index."""
    results = []
    for key, (dataset, dataset_name, config) in TEST_SETS.items():
        m = scores_on(metrics, key)
        if m:
            for metric in ("bleu", "chrf"):
                results.append(EvalResult(task_type="translation", dataset_type=dataset, dataset_name=dataset_name,
                                          dataset_config=config, dataset_split="test" if key == "tatoeba" else "devtest",
                                          metric_type=metric, metric_value=m[metric],
                                          metric_name=f"{metric.upper() if metric == 'bleu' else 'chrF'} ({m['decoding']})"))
    return ModelCardData(
        language=["zh", "en"], license=LICENSE, pipeline_tag="translation",
        library_name="transformers" if model_type == "transformer" else "pytorch",
        tags=["translation", "code-dawn-2014", model_type.replace("_", "-"), "education"],
        datasets=["Helsinki-NLP/tatoeba_mt", "facebook/flores", "google/xquad"],
        model_name=f"code-dawn-2014-{name.replace('_', '-')}", eval_results=results or None,
    )


def _use(name: str, model_type: str) -> list[str]:
    if model_type == "transformer":
        return ["With plain `transformers`:", "```python",
                "from transformers import AutoTokenizer, MarianMTModel",
                f'tok = AutoTokenizer.from_pretrained("checkpoints/{name}")',
                f'model = MarianMTModel.from_pretrained("checkpoints/{name}")',
                'print(tok.batch_decode(model.generate(**tok(["我们决定去爬山。"], return_tensors="pt", padding=True)), '
                'skip_special_tokens=True))', "```",
                "(Traditional characters: convert to Simplified first, as `dawn.text.normalize_zh` does.)", ""]
    s = spec(model_type)
    return [f"Hub-style loading of the bare module (`huggingface_hub` mixin): "
            f"`from dawn.{s.module} import {s.class_name}; {s.class_name}.from_pretrained(\"checkpoints/{name}\")`.", ""]


def _time_lines(d: Path, tr: dict, log: dict) -> list[str]:
    """Where and how long it trained, the recipe's time on the 2-core CPU, and an early stop if there was one."""
    lines = []
    if log.get("device", "cpu") == "cpu":
        minutes = log["training_time_s"] / 60
        budget = (f" Over the 2-hour budget by **{minutes - BUDGET_MIN:.1f} min**." if minutes > BUDGET_MIN
                  else " Within the 2-hour budget.")
        lines.append(f"- Wall-clock: **{minutes:.1f} min** with {log['threads']} torch thread(s) "
                     f"on {log.get('machine', 'a CPU')} ({log.get('cpu_time_s', 0) / 60:.1f} CPU-minutes).{budget}")
    else:
        lines.append(f"- Trained on one {log.get('machine', 'GPU')} in {log['training_time_s'] / 60:.1f} min "
                     "(the same command uses CUDA when present).")
    recipe = (_load(d.parent / "recipe_time.json") or {}).get("models", {}).get(d.name)
    if recipe and recipe.get("command") == tr["command"]:
        lines.append(f"- The recipe on the 2-core CPU ({recipe['epochs']} epochs): **{recipe['estimated_wall_min']} min**, "
                     f"estimated by `python -m training.recipe_time` from {recipe['timed_steps']} timed steps on its "
                     f"real batches ({recipe['target_tokens_per_s']:,} target tokens/s) and one timed validation.")
    ran = len(log["history"])
    if ran < tr["epochs"]:
        lines.append(f"- **Stopped after {ran} of {tr['epochs']} epochs** (interrupted, not resumed): the weights "
                     f"are the epoch-{log['best_epoch']} checkpoint of the {tr['epochs']}-epoch schedule, whose "
                     "learning rate had not finished decaying. The command above runs the whole schedule.")
    return lines


def write_model_card(directory: str | Path) -> str:
    d = Path(directory)
    config, tr = _load(d / CONFIG), _load(d / TRAINING)
    log, metrics = _load(d / "train_log.json"), _load(d / "metrics.json")
    mt, mc = tr["model_type"], tr["model_config"]
    best = next((h for h in log["history"] if h["epoch"] == log["best_epoch"]), log["history"][-1])
    weight_files = sorted(d.glob("model*.safetensors"))
    sizes = ", ".join(f"{p.name} {p.stat().st_size / 1e6:.1f} MB" for p in weight_files)
    corpora = tr.get("corpora", {})
    lines = [
        f"# `{d.name}` — Code Dawn 2014 (代码破晓) Chinese→English translator", "",
        "A tiny translator from the companion demo of the serialized story 《代码破晓：2014》: its recipe is sized "
        "for about two hours on a 2-core CPU; for teaching, not for production.", "",
        ARCHITECTURE[mt].format(**mc), "",
        f"- Parameters: **{tr['num_parameters']:,}**; weights stored as fp16 safetensors ({sizes}).",
        f"- Vocabulary (one `tokenizer.json`): {tr['vocab']['english_subwords']:,} English BPE subwords (the decoder's "
        f"vocabulary) + {tr['vocab']['chinese_characters_and_tags']:,} Chinese characters and corpus tags "
        f"(the most frequent characters covering {tr['zh_coverage']:.2%} of the training text); "
        f"valid-split <unk> rate {tr['vocab']['valid_unk_rate']:.3%}.", "",
        "## Data", "",
        "| corpus | pairs loaded | dropped: test overlap | dropped: story | dropped: > 120 chars | train | valid | "
        "epoch weight | tag | licence, attribution |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *[f"| {name} — {CORPORA.get(name, (name, ''))[0]} | {c['loaded']:,} | {c['dropped_test_overlap']:,} | "
          f"{c['dropped_story']:,} | {c['dropped_over_120_chars']:,} | {c['train']:,} | {c['valid']:,} | "
          f"{tr['mix'].get(name, 1.0)} | {tr['tags'].get(name, '–')} | {CORPORA.get(name, ('', 'see source'))[1]} |"
          for name, c in corpora.items()], "",
        "- Test overlap: every pair whose Chinese or English side occurs in a test file (Tatoeba-test, both releases, "
        "and FLORES-200 devtest) is dropped, Chinese compared after Traditional→Simplified conversion.",
        "- The story's own sentences (everything in `dawn/story.py`) and any pair containing one are dropped.",
        f"- Long input: {tr.get('concatenated_examples', 0):,} extra examples; {tr['long_examples']}.",
        "- Chinese is converted Traditional → Simplified with OpenCC (training and inference).", "",
        "## Training", "", f"```\n{tr['command']}\n```",
        f"- Seed {tr['seed']}, {tr['epochs']} epochs, AdamW peak lr {tr['lr']} (warm-up {tr['warmup']} steps, cosine), "
        f"batches of ≤{tr['batch_tokens']} tokens, label smoothing {tr['label_smoothing']}, {log['precision']}.",
        *([f"- Weights averaged while training (EMA, decay {tr['ema']}: ema ← {tr['ema']}·ema + {1 - tr['ema']:.4g}·weights "
           "after every step); validated and saved are the averaged weights."] if tr.get("ema") else []),
        *_time_lines(d, tr, log),
        f"- Kept: epoch {log['best_epoch']} (best valid BLEU, greedy, on {log.get('valid_bleu_sentences', 'the')} "
        f"valid sentences from all corpora): valid BLEU **{best['valid_bleu']}**, valid loss {best['valid_loss']}.", "",
        "| epoch | train loss | valid loss | valid BLEU | valid BLEU (Tatoeba part) | target tok/s |",
        "|---|---|---|---|---|---|",
        *[f"| {h['epoch']} | {h['train_loss']} | {h['valid_loss']}"
          + (f" (raw weights {h['valid_loss_raw']})" if "valid_loss_raw" in h else "") + f" | {h['valid_bleu']} | "
          f"{h.get('valid_bleu_tatoeba', '–')} | {h['train_tokens_per_s']:,} |" for h in log["history"]], "",
    ]
    if metrics:
        lines += ["## Test scores (each test set read once)", ""]
        for key, (_, dataset_name, _) in TEST_SETS.items():
            m = scores_on(metrics, key)
            if not m:
                continue
            lines += [f"**{dataset_name}**, {m['n']:,} sentences, {m['decoding']}:", "",
                      "| subset | n | BLEU | chrF |", "|---|---|---|---|",
                      f"| all | {m['n']:,} | {m['bleu']} | {m['chrf']} |",
                      *([f"| Mandarin (cmn_*) | {m['n_mandarin']:,} | {m['bleu_mandarin']} | {m['chrf_mandarin']} |"]
                        if "bleu_mandarin" in m else []),
                      *[f"| source {b['bucket']} chars | {b['n']:,} | {b['bleu']} | {b['chrf']} |" for b in m["by_length"]],
                      "", f"sacrebleu: `{m['signature']['bleu']}` / `{m['signature']['chrf']}`", ""]
        if "unk" in metrics:
            u = metrics["unk"]
            lines += [f"`<unk>` rate: story sentence {u['story_sentence']:.2%}, FLORES-200 devtest Chinese "
                      f"{u['flores200']:.3%}.", ""]
        if "story" in metrics:
            lines += ["The story's long sentence (never in the training data):", "",
                      *[f"- {k}: *{v}*" for k, v in metrics["story"].items()], ""]
    lines += ["## Use", "", "```python", "from dawn import load_translator",
              f't = load_translator("checkpoints/{d.name}")', 't.translate("我们决定去爬山。", beam_size=4).text', "```", "",
              *_use(d.name, mt),
              "## Credits", "", "Story: 《代码破晓：2014》 © 李林 2025, CC BY-NC 4.0. Data: as listed above.", ""]
    card = ModelCard(f"---\n{card_data(d.name, mt, metrics).to_yaml()}\n---\n\n" + "\n".join(lines))
    text = str(card)
    update_file(d, "README.md", text.encode())
    return text
