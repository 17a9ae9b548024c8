"""The model card (checkpoints/NAME/README.md), rendered from the checkpoint's
own JSON files so that every number in it was produced by a script. Its YAML
front matter is the hub's metadata (`huggingface_hub.ModelCardData`): `datasets`
names the training corpora (hub ids where the hub has them), and a `model-index`
built from metrics.json holds the test sets, Tatoeba-test and FLORES-200 BLEU / chrF.

    write_model_card("checkpoints/lstm")                                  # snippets load the local folder
    write_model_card(folder, repo_id="USER/code-dawn-2014-lstm")          # snippets load the hub repo

The card is a document, not sealed by the manifest: editing it never stops the model loading.
"""

from __future__ import annotations

import json
from pathlib import Path

from huggingface_hub import EvalResult, ModelCard, ModelCardData

from dawn import dictionary
from dawn.checkpoint import CONFIG, TRAINING, update_file
from dawn.dictionary import CEDICT_SOURCE
from dawn.registry import name_of_config, spec

BUDGET_MIN = 120          # each final recipe's budget on the 2-core CPU, in minutes
LICENSE = "cc-by-sa-4.0"  # the strictest share-alike licence among the training corpora (XQuAD, UD PUD)

# Corpus name -> (description, licence and attribution, hub dataset id or None), as ../shared/data/README.md
# gives them. The hub id names the same data where the hub holds it (not every copy: our extracts are noted
# in that README), so that the card's `datasets:` links to what the model was trained on.
CORPORA = {
    "cmn": ("Tatoeba sentence pairs via manythings.org/anki (`cmn.txt`)",
            "CC-BY 2.0 (France); www.manythings.org/anki and tatoeba.org", "Helsinki-NLP/tatoeba"),
    "bible_cuvs_kjv": ("the Bible, Chinese Union Version ↔ King James Version", "public domain", None),
    "python_docs_zhcn": ("Python documentation paragraphs (python-docs-zh-cn)",
                         "PSF licence; Python Software Foundation, python-docs-zh-cn", None),
    "mlqe_pe_wiki": ("Wikipedia sentences with post-edited translations (MLQE-PE)", "CC0; Fomicheva et al. 2022", None),
    "tico19": ("COVID-19 texts (TICO-19)", "CC0; Anastasopoulos et al. 2020", "gmnlp/tico19"),
    "xquad_wiki": ("Wikipedia paragraphs' sentences (XQuAD)", "CC BY-SA 4.0; Artetxe et al. 2020", "google/xquad"),
    "ud_pud_zh_trad": ("news and Wikipedia sentences (UD Chinese-PUD)", "CC BY-SA 3.0; Universal Dependencies", None),
    "gasp": ("children's stories (African Storybook via Global ASP)",
             "CC BY 4.0; Stories from the African Storybook (africanstorybook.org), CC BY; Chinese translations via "
             "Global ASP (github.com/global-asp); authors and translators as credited in each story file", None),
    "mgsm": ("grade-school maths word problems (MGSM)",
             "CC BY 4.0; MGSM (Shi et al. 2022, Google Research), CC BY 4.0; English from GSM8K (OpenAI, MIT)",
             "juletxara/mgsm"),
    "zerotohero_grammar": ("learner grammar examples (Chinese Zero to Hero)",
                           "CC0; Chinese Zero to Hero grammar list (Open Language Profiles), CC0", None),
    CEDICT_SOURCE: (dictionary.DESCRIPTION, dictionary.ATTRIBUTION, None),  # --data cedict
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


def training_datasets(corpora: list[str] | None = None) -> list[str]:
    """Hub ids of the training corpora (all of the recipe's corpora when not known); never a test set."""
    names = CORPORA if corpora is None else corpora
    hub_ids = {CORPORA[n][2] if n in CORPORA else n for n in names}   # a corpus loaded by hub id keeps it
    return sorted(i for i in hub_ids if i and "/" in i and not Path(i).exists())


def card_data(name: str, model_type: str, metrics: dict | None, corpora: list[str] | None = None) -> ModelCardData:
    """Hub metadata: languages, licence, tags, the training datasets, pipeline, library and the
    model-index (the test sets' scores from metrics.json)."""
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
        library_name="transformers" if spec(model_type).plain_transformers else "pytorch",
        tags=["translation", "code-dawn-2014", model_type.replace("_", "-"), "education"],
        datasets=training_datasets(corpora),
        model_name=f"code-dawn-2014-{name.replace('_', '-')}", eval_results=results or None,
    )


INSTALL = "pip install git+{code_url}"  # the library (`dawn`) with its dependencies, from pyproject.toml
LOCAL_INSTALL = "pip install .   # in a checkout of the code"
SPACE_URL = "https://huggingface.co/spaces/{owner}/code-dawn-2014"  # where a published model's code lives by default
LOCAL_CODE = "the Code Dawn 2014 repository this folder comes from"


def _use(where: str, model_type: str, code_url: str | None) -> list[str]:
    """How to translate with it: the library's one-liner, then plain transformers or the hub mixin."""
    install = INSTALL.format(code_url=code_url) if code_url else LOCAL_INSTALL
    lines = ["## Use", "", "With the `dawn` library (installs torch, transformers, tokenizers, OpenCC):", "",
             "```bash", install, "```", "", "```python", "from dawn import load_translator",
             f't = load_translator("{where}")   # a local folder or a hub repo id',
             'print(t.translate("我们决定去爬山。", beam_size=4).text)', "```", ""]
    if spec(model_type).plain_transformers:
        lines += ["With plain `transformers` only (no code from this project):", "", "```python",
                  "from transformers import AutoTokenizer, MarianMTModel",
                  f'tok = AutoTokenizer.from_pretrained("{where}")',
                  f'model = MarianMTModel.from_pretrained("{where}")',
                  'print(tok.batch_decode(model.generate(**tok(["我们决定去爬山。"], return_tensors="pt", padding=True)), '
                  'skip_special_tokens=True))', "```", "",
                  "Fine-tuning with plain `transformers`: read the English labels with the decoder's own tokenizer, "
                  "`target_tokenizer/` (the same tokenizer, decoder vocabulary only), so that a Chinese character "
                  "in a target becomes `<unk>` instead of an id past the decoder's 8,000:", "", "```python",
                  f'labels_tok = AutoTokenizer.from_pretrained("{where}", subfolder="target_tokenizer")',
                  'batch = tok(chinese, return_tensors="pt", padding=True)',
                  'batch["labels"] = labels_tok(text_target=english, return_tensors="pt", padding=True)["input_ids"]',
                  "batch[\"labels\"][batch[\"labels\"] == tok.pad_token_id] = -100",
                  "loss = model(**batch).loss", "```", ""]
    else:
        s = spec(model_type)
        cls = s.class_name
        lines += [f"The bare module, the hub way (`huggingface_hub`'s mixin; the tokenizer comes with it as "
                  f"`model.tokenizer`): `from dawn.{s.module} import {cls}; "
                  f'model = {cls}.from_pretrained("{where}")`; `model.save_pretrained(folder)` and '
                  "`model.push_to_hub(repo_id)` write weights, config, tokenizer, this card and the manifest.", ""]
    return lines


def _about(model_type: str, code_url: str | None) -> list[str]:
    """Intended use, Traditional input, limitations, bias, the code and the licences."""
    code = f"[{code_url}]({code_url})" if code_url else LOCAL_CODE
    return [
        "## Intended use", "",
        "Teaching and demonstration: to compare, on the same sentences, a 2014 LSTM without attention, a 2014 "
        "LSTM with attention and a 2017 Transformer, and to look at their attention. Simplified or Traditional "
        "Chinese in, English out, one sentence at a time. **Not** for translating anything that matters: "
        "documents, medical, legal or safety-related text, or anything published without a human check.", "",
        "## Traditional Chinese input", "",
        "The vocabulary holds Simplified characters only. `dawn` converts Traditional to Simplified with OpenCC "
        "(`dawn.text.normalize_zh`) before tokenizing; `tokenizer.json` alone does not, so with plain "
        "`transformers` convert first — `opencc.OpenCC(\"t2s\").convert(text)` — or Traditional characters "
        "that have a Simplified form become `<unk>`.", "",
        "## Limitations", "",
        "- A tiny model whose recipe is sized for about two hours on a 2-core CPU: far below production "
        "systems (Helsinki-NLP's opus-mt-zh-en, about 78M parameters, scores 36 BLEU on Tatoeba-test).",
        "- Best on short everyday sentences like Tatoeba's; long, formal or technical sentences (FLORES-200) "
        "come out mostly wrong, the plain LSTM's worst of all — that is the lesson of the demo.",
        "- Fluent but wrong output is common: a translation can read well and say something else. Names, "
        "numbers and rare characters are often lost or become `<unk>`.",
        "- Chinese → English only; Cantonese, Classical Chinese and romanised input are outside its training.", "",
        "## Bias and risks", "",
        "The training text is mostly Tatoeba (crowd-written everyday sentences), the Bible (King James English), "
        "Python documentation and Wikipedia-style text. The models inherit their skews: gendered defaults "
        "(he or she chosen by stereotype where the Chinese drops the pronoun or leaves gender open), archaic or "
        "religious phrasing for some inputs, and the viewpoints of those sources. No filtering for offensive "
        "content beyond what the sources did.", "",
        "## Code and licences", "",
        f"- Code: {code} — the models in `dawn/` (this one: `dawn/{model_type}.py`), training in "
        "`training/train.py`, evaluation in `training/evaluate.py`; MIT licence.",
        f"- Weights: CC BY-SA 4.0 (`license: {LICENSE}`), the strictest share-alike licence among the training "
        "corpora; credit the corpora as listed under Data.",
        "- Story: 《代码破晓：2014》 © 李林 2025, CC BY-NC 4.0 (quoted sentences only).", ""]


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
    legs = tr.get("legs") or []
    if len(legs) > 1:   # a run stopped and resumed (--stop-after / --resume): each leg as it ran
        lines.append(f"- In {len(legs)} legs of one run, {sum(g['minutes'] for g in legs):.1f} min in all:")
        lines += [f"  - Leg {g['leg']}: steps {g['start_step']:,}–{g['end_step']:,}, {g['minutes']:.1f} min on "
                  f"{g['machine']} ({g['device']}), {g['processes']} process(es) × {g['threads_per_process']} "
                  f"thread(s), {g['precision']}, {g['target_tokens_per_s']:,} target tokens/s; {g['ended']}."
                  for g in legs]
    recipe = (_load(d.parent / "recipe_time.json") or {}).get("models", {}).get(d.name)
    if recipe and recipe.get("command") == tr["command"]:
        where = ", ".join(filter(None, [recipe.get("measured_on"), recipe.get("precision")]))
        lines.append(f"- The recipe on the 2-core CPU ({recipe['epochs']} epochs{'; ' + where if where else ''}): "
                     f"**{recipe['estimated_wall_min']} min**, "
                     f"estimated by `python -m lab.experiments.recipe_time` from {recipe['timed_steps']} timed steps on its "
                     f"real batches ({recipe['target_tokens_per_s']:,} target tokens/s) and one timed validation.")
        for o in recipe.get("on_other_cpus", []):
            over = o["estimated_wall_min"] > BUDGET_MIN
            lines.append(f"- On {o['measured_on']} ({o['precision']}): **{o['estimated_wall_min']} min** estimated the "
                         f"same way, {'over' if over else 'within'} the 2-hour budget"
                         + (": retraining within it needs a CPU with AVX-512 bf16, or fewer epochs." if over else "."))
    ran = len(log["history"])
    if ran < tr["epochs"]:
        lines.append(f"- **Stopped after {ran} of {tr['epochs']} epochs** (interrupted, not resumed): the weights "
                     f"are the epoch-{log['best_epoch']} checkpoint of the {tr['epochs']}-epoch schedule, whose "
                     "learning rate had not finished decaying. The command above runs the whole schedule.")
    return lines


def _replay_lines(d: Path) -> list[str]:
    """The training replay (replay.json, written during training), if the folder has one."""
    replay = _load(d / "replay.json")
    if not replay or not replay.get("snapshots"):
        return []
    steps = [s["step"] for s in replay["snapshots"]]
    return [f"- Training replay: `replay.json`, {len(steps)} snapshots from step {steps[0]} to step {steps[-1]} of "
            f"{replay['total_steps']}: the story sentence's and {replay['short_sentence']}'s greedy translations and "
            "maps, and the valid loss and BLEU so far, as the explorer replays them (translated for display only: "
            "never trained on, never used to choose)."]


def _epoch_row(h: dict) -> str:
    """One epoch of train_log.json's history as a row of the card's table ('–': not recorded by that run)."""
    dash = lambda x: "–" if x is None else x  # noqa: E731  (a score of 0 is shown, only a missing one is not)
    raw = f" (raw weights {h['valid_loss_raw']})" if "valid_loss_raw" in h else ""
    return (f"| {h['epoch']} | {h['train_loss']} | {h['valid_loss']}{raw} | {h['valid_bleu']} | "
            f"{dash(h.get('valid_bleu_tatoeba'))} | {dash(h.get('valid_bleu_narrative'))} | {h['train_tokens_per_s']:,} |")


def _untrained_card(d: Path, config: dict, repo_id: str | None, code_url: str | None) -> str:
    """A card for a folder without training.json (a model saved by hand): architecture, use, limits."""
    mt = name_of_config(config)
    lines = [f"# `{d.name}` — Code Dawn 2014 (代码破晓) Chinese→English translator", "",
             "A model of the Code Dawn 2014 demo, saved without its training record (no training.json), so this "
             "card cannot say what it was trained on or how well it translates.", "",
             *_use(repo_id or str(d), mt, code_url), *_about(mt, code_url)]
    metrics = _load(d / "metrics.json")
    return f"---\n{card_data(d.name, mt, metrics).to_yaml()}\n---\n\n" + "\n".join(lines)


def default_code_url(repo_id: str) -> str:
    """The Space of the model repo's owner, where `training.publish --space` puts the code (pip installs from it)."""
    return SPACE_URL.format(owner=repo_id.split("/")[0])


def card_for_repo(text: str, folder: str | Path, repo_id: str, code_url: str) -> str:
    """A card written for a local folder (checkpoints/NAME), as its hub repo shows it: the snippets load
    repo_id and install the code from code_url. Everything else, hand edits included, stays as it was."""
    for local in {f"checkpoints/{Path(folder).name}", str(folder), str(Path(folder).resolve())}:
        text = text.replace(f'"{local}"', f'"{repo_id}"')
    return (text
            .replace(LOCAL_INSTALL, INSTALL.format(code_url=code_url))
            .replace(LOCAL_CODE, f"[{code_url}]({code_url})"))


def write_model_card(directory: str | Path, repo_id: str | None = None, code_url: str | None = None) -> str:
    """Render README.md from the folder's JSON files and write it there; returns its text.
    repo_id: the hub repo the snippets load (default: the folder's path as checkpoints/NAME);
    code_url: where the code lives (a git URL pip can install from)."""
    d = Path(directory)
    config, tr = _load(d / CONFIG), _load(d / TRAINING)
    if tr is None or "model_config" not in tr:
        text = str(ModelCard(_untrained_card(d, config, repo_id, code_url)))
        update_file(d, "README.md", text.encode())
        return text
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
        spec(mt).architecture.format(**mc), "",
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
        f"valid sentences from all corpora): valid BLEU **{best['valid_bleu']}**, valid loss {best['valid_loss']}"
        + (f", narrative slice BLEU {best['valid_bleu_narrative']} ({sum(log['narrative_valid'].values())} story-like "
           "valid sentences)" if best.get("valid_bleu_narrative") is not None and log.get("narrative_valid") else "")
        + ".",
        *_replay_lines(d), "",
        "| epoch | train loss | valid loss | valid BLEU | valid BLEU (Tatoeba part) | narrative BLEU | target tok/s |",
        "|---|---|---|---|---|---|---|",
        *map(_epoch_row, log["history"]), "",
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
    lines += [*_use(repo_id or f"checkpoints/{d.name}", mt, code_url), *_about(mt, code_url)]
    card = ModelCard(f"---\n{card_data(d.name, mt, metrics, list(corpora) or None).to_yaml()}\n---\n\n"
                     + "\n".join(lines))
    text = str(card)
    update_file(d, "README.md", text.encode())
    return text
