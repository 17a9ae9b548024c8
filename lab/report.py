"""Regenerate the results from the JSON files the scripts wrote: README.md's one table and docs/RESULTS.md.

    python -m lab.report                                        # README.md's table and docs/RESULTS.md
    python -m lab.report --check                                # are both up to date? (exit 1 if not; writes nothing)
    python -m lab.report --mix-runs runs/mix_plain runs/mix_tagged   # also checkpoints/mix_experiments.json
    python -m lab.report --dictionary-runs runs/mix-cedict-0 runs/mix-cedict-0.05 runs/mix-cedict-0.2
                                              # the CC-CEDICT weight screening, added to checkpoints/mix_experiments.json
    python -m lab.report --bt-runs runs/mix-cedict-0 runs/mix-base-5ep runs/mix-bt-0.5 --bt-folder runs/bt
                                              # the back-translation trial (baselines: the runs without it), added there too
    python -m lab.report --join-runs runs/join-lstm-plain runs/join-lstm-comma ...
                                              # comma chains or not, for the LSTMs' long examples, added there too

Reads checkpoints/NAME/{training,train_log,metrics}.json for the three models,
checkpoints/{comparison,benchmark,throughput,load_test,mix_experiments,MODEL_recipes,...}.json, then
rewrites the text between README.md's <!-- results:start --> and <!-- results:end --> markers (one
table: the scores and the story sentence's translations, readme_table) and the whole of docs/RESULTS.md
(every table, render). Every number comes from those files, except the published reference rows
(Helsinki-NLP opus-mt-zh-en: BLEU 36.1 / chrF 54.8 on Tatoeba-test v2020-07-28;
opus-mt mul-eng: BLEU 14.9 on FLORES-200 devtest zho_Hans→eng), labelled as such.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import posixpath
import sys
from pathlib import Path

from dawn.card import BUDGET_MIN
from dawn import registry
from dawn.metrics import repeated_phrase
from dawn.story import STORY_SENTENCE
from training.machine import cpu_model
from training.recipe import choosing_score

START, END = "<!-- results:start -->", "<!-- results:end -->"   # README.md's generated block
README, RESULTS = Path("README.md"), Path("docs/RESULTS.md")        # from the repository root
RESULTS_HEAD = """# Results

<!-- Written by `python -m lab.report` from the JSON files in checkpoints/: edit those or lab/report.py,
     never this file (`python -m lab.report --check` and tests/test_report.py compare the two). -->

Every number on this page comes from a committed JSON file, named beside its table; file paths in
backticks are from the repository root. What the numbers say, and what was tried to get them:
[LAB.md](LAB.md). The README shows the first table, shortened.
"""
# Published systems: reference points, not ours (their papers' and model cards' numbers, typed once here).
PUBLISHED = [{"model": "Helsinki-NLP opus-mt-zh-en (published)", "parameters": "≈78M", "trained": "tens of millions of pairs",
              "tatoeba": (36.1, 54.8), "flores200": ("–", "–")},
             {"model": "Helsinki-NLP opus-mt mul-eng (published)", "parameters": "≈77M", "trained": "multilingual OPUS",
              "tatoeba": ("–", "–"), "flores200": (14.9, 43)}]
MODELS = registry.MODEL_NAMES                                                      # names, historical order
LABELS = {s.name: f"{s.year} {s.labels['en']}" for s in registry.MODELS}  # "2014 LSTM (no attention)"


def _load(path: Path):
    return json.loads(path.read_text()) if path.exists() else None


def _fmt(x, nd=1):
    return "–" if x is None else (f"{x:,.{nd}f}" if isinstance(x, float) else f"{x:,}")


def link(path: str, base: str) -> str:
    """A repository path as a Markdown file in folder `base` links it.

    link("checkpoints/x.png", "docs") -> "../checkpoints/x.png"
    """
    return posixpath.relpath(path, base)


def markdown_table(header: list[str], rows: list[list]) -> list[str]:
    """A Markdown table as README lines: the header, its |---| rule, then one line per row of cells."""
    line = lambda cells: "| " + " | ".join(str(c) for c in cells) + " |"
    return [line(header), "|" + "---|" * len(header), *(line(r) for r in rows)]


def mix_experiments(runs: list[Path]) -> dict:
    """Summarise quick-preset runs that differ only in --mix / --tags: settings, valid scores, minutes."""
    rows = []
    for run in runs:
        tr, log = _load(run / "training.json"), _load(run / "train_log.json")
        best = max(log["history"], key=lambda h: h["valid_bleu"])
        rows.append({"run": run.name, "command": tr["command"], "mix": tr["mix"], "tags": tr["tags"],
                     "model": tr["model_type"], "preset": tr["preset"], "num_parameters": tr["num_parameters"],
                     "model_config": tr["model_config"], "epochs": tr["epochs"], "lr": tr["lr"], "warmup": tr["warmup"],
                     "en_vocab": tr["en_vocab"], "batch_tokens": tr["batch_tokens"],
                     "steps": best["step"], "minutes": round(log["training_time_s"] / 60, 1),
                     "cpu_minutes": round(log.get("cpu_time_s", 0) / 60, 1),
                     "valid_sentences": log.get("valid_bleu_sentences"),
                     "valid_bleu": best["valid_bleu"], "valid_chrf": best.get("valid_chrf"),
                     "valid_bleu_tatoeba": best.get("valid_bleu_tatoeba"), "valid_chrf_tatoeba": best.get("valid_chrf_tatoeba"),
                     **({"valid_bleu_narrative": best["valid_bleu_narrative"], "valid_chrf_narrative": best["valid_chrf_narrative"],
                         "narrative_valid": log.get("narrative_valid")} if "valid_bleu_narrative" in best else {}),
                     "valid_loss": best["valid_loss"]})
    return {"note": "small Transformers (settings per run below), one epoch each, same seed and compute; scored greedily on the same seeded sample of the "
                    "validation split (all corpora; 'tatoeba' = its Tatoeba part). The valid sources carry their "
                    "corpus tag in the tagged run.", "runs": rows}


def cpu_description() -> str:
    """The CPU's model name, its architecture and core count."""
    return f"{cpu_model()} ({platform.machine()}, {os.cpu_count()} cores)"


NOISE_BLEU = 0.5   # one quick run per setting: a change in the choosing score smaller than this is noise


def _screening_note(rows: list[dict], what: str, same: str = "seed, tokenizer and valid sets") -> str:
    cfg, epochs = rows[0]["model_config"], sorted({r["epochs"] for r in rows})
    size = (f"d_model {cfg['d_model']}, {cfg['encoder_layers']}+{cfg['decoder_layers']} layers, "
            if {"d_model", "encoder_layers", "decoder_layers"} <= set(cfg) else "")
    kinds = sorted({r["model"] for r in rows}, key=MODELS.index)
    models = "Transformers" if kinds == ["transformer"] else " and ".join(LABELS[k].split(" ", 1)[1] for k in kinds)
    preset = "quick-preset" if {r["preset"] for r in rows} == {"quick"} else "short"  # short: the final size, fewer epochs
    return (f"a {preset} screening of {what}, not a final recipe: {models} ({size}"
            f"{'/'.join(map(str, epochs))} epochs), the same {same} otherwise; one run per setting. Scored greedily on the same seeded sample "
            "of the validation split and on the narrative slice (children's stories, word problems, grammar examples "
            "and comma chains of valid Tatoeba pairs); the choice is by the mean of the two BLEU scores, and a change "
            f"below {NOISE_BLEU} BLEU in it counts as noise. Minutes are wall-clock where the runs trained.")


def dictionary_screening(runs: list[Path]) -> dict:
    """Quick-preset Transformer runs that differ only in the CC-CEDICT weight (--mix cedict=W, the same
    --data with `cedict` and the same --tags in every run, so that their tokenizers and valid sets are the
    same): valid scores overall, on the Tatoeba part and on the narrative slice; the weight chosen."""
    rows = mix_experiments(runs)["runs"]
    for row, run in zip(rows, runs):
        corpora = _load(run / "training.json")["corpora"]
        row["cedict_weight"] = row["mix"].get("cedict", 1.0)
        row["cedict_train_pairs"] = corpora.get("cedict", {}).get("train", 0)
        row["choosing_score"] = choosing_score(row)
    base = next((r for r in rows if r["cedict_weight"] == 0), None)
    best = max(rows, key=lambda r: r["choosing_score"])
    kept = base is None or best["choosing_score"] - base["choosing_score"] >= NOISE_BLEU
    chosen = best["cedict_weight"] if kept else 0.0
    return {"note": _screening_note(rows, "the dictionary's weight (weight 0: loaded, same tokenizer, never drawn)"),
            "cpu": cpu_description(), "load_average_when_recorded": [round(x, 2) for x in os.getloadavg()],
            "chosen_weight": chosen, "kept": chosen > 0, "runs": rows}


def join_of(row: dict) -> str:
    """'comma' or 'plain': how a run joined its long examples' Chinese (training.json describes it in words)."""
    return "comma" if "comma chain" in row["long_examples"] else "plain"


def join_screening(runs: list[Path]) -> dict:
    """Short runs of the recurrent models (the quick preset, or the final size for a few epochs) that differ
    only in --long-examples plain|comma (the long examples' Chinese side by side, or as one comma chain like
    the story's): per model, the join validation prefers. One join is preferred when its choosing score beats
    the other's by the noise margin; else the two are within noise, and the screening says nothing either way."""
    rows = mix_experiments(runs)["runs"]
    for row, run in zip(rows, runs):
        row["long_examples"] = _load(run / "training.json")["long_examples"]
        row["join"] = join_of(row)
        row["choosing_score"] = choosing_score(row)
    verdicts = {}
    for model in sorted({r["model"] for r in rows}, key=MODELS.index):
        by_join = {r["join"]: r for r in rows if r["model"] == model}
        if set(by_join) != {"plain", "comma"}:
            continue
        gain = round(by_join["comma"]["choosing_score"] - by_join["plain"]["choosing_score"], 2)
        verdicts[model] = {"comma_minus_plain": gain,
                           "preferred": "comma" if gain >= NOISE_BLEU else "plain" if -gain >= NOISE_BLEU else None}
    return {"note": _screening_note(rows, "how long examples are joined (--long-examples plain or comma)",
                                    "seed and valid sets (each run trains its tokenizer on its own examples)"),
            "cpu": cpu_description(), "load_average_when_recorded": [round(x, 2) for x in os.getloadavg()],
            "verdicts": verdicts, "runs": rows}


def best_trial_and_baseline(rows: list[dict]) -> tuple[dict | None, dict | None]:
    """The back-translation runs (bt_weight > 0) and the baselines (without): the best of each by choosing score."""
    best = lambda group: max(group, key=lambda r: r["choosing_score"]) if group else None  # noqa: E731
    return best([r for r in rows if r["bt_weight"]]), best([r for r in rows if not r["bt_weight"]])


def back_translation_trial(runs: list[Path], bt_folder: Path) -> dict:
    """Quick-preset runs without and with the synthetic pairs (lab/experiments/back_translate.py). The runs without a
    bt_* corpus are the baselines (the first one also counts the steps, since the same epochs hold more pairs
    with them); a baseline run for more epochs gives the trial's extra optimizer steps to the real data too.
    The pairs are kept only if the best trial beats every baseline by the noise margin."""
    rows = mix_experiments(runs)["runs"]
    for row in rows:
        row["bt_weight"] = next((w for k, w in row["mix"].items() if k.startswith("bt_")), 0.0)
        row["choosing_score"] = choosing_score(row)
        row["steps_vs_baseline"] = round(row["steps"] / rows[0]["steps"], 2)
    best, best_base = best_trial_and_baseline(rows)
    kept = best is not None and (best_base is None or best["choosing_score"] - best_base["choosing_score"] >= NOISE_BLEU)
    equal_steps = best is not None and any(b["steps"] >= best["steps"] for b in rows if not b["bt_weight"])
    bt = _load(bt_folder / "back_translation.json") or {}
    return {"note": _screening_note(rows, "back-translated pairs (the runs without them are the baselines)",
                                    "seed and valid sets (the tokenizer also saw the synthetic Chinese)"),
            "cpu": cpu_description(), "reverse_model": bt.get("reverse_model"), "mono": bt.get("mono"),
            "synthetic_pairs": bt.get("synthetic_pairs"), "dropped": bt.get("dropped"), "tag": bt.get("tag"),
            "back_translation_minutes": bt.get("minutes"), "back_translation_command": bt.get("command"),
            "examples": bt.get("examples"), "kept": kept, "chosen_weight": best["bt_weight"] if kept else 0.0,
            "baseline_with_as_many_steps": equal_steps, "runs": rows}


def recipe_runs(runs: list[Path], names: list[str] | None = None) -> dict:
    """Summarise finished checkpoints of one model trained with different recipes: what each recipe
    changed, where it ran and its measured minutes there, its best valid epoch (with the narrative slice
    and the choosing score where the run recorded them) and, for runs that were kept and evaluated (a
    metrics.json), their test scores and story translations. A run that was not committed is never read
    on the test sets: its test fields are None. Rows are named by `names`, else by their folders."""
    rows = []
    for run, name in zip(runs, names or [r.name for r in runs]):
        tr, log, m = _load(run / "training.json"), _load(run / "train_log.json"), _load(run / "metrics.json")
        m = m or {"decoding": None, "bleu": None, "bleu_mandarin": None, "flores200": {"bleu": None, "chrf": None},
                  "story": None}
        best = next(h for h in log["history"] if h["epoch"] == log["best_epoch"])
        rows.append({"run": name, "model": tr.get("model_type"), "trained_on": log.get("machine"),
                     "precision": log.get("precision"),
                     "command": tr["command"], "epochs": tr["epochs"], "long_examples": tr["long_examples"],
                     "ema": tr.get("ema", 0.0),
                     "training_min": round(log["training_time_s"] / 60, 1), "best_epoch": log["best_epoch"],
                     "valid_bleu": best["valid_bleu"], "valid_chrf": best["valid_chrf"],
                     "valid_bleu_tatoeba": best["valid_bleu_tatoeba"],
                     **({"valid_bleu_narrative": best["valid_bleu_narrative"], "choosing_score": choosing_score(best)}
                        if best.get("valid_bleu_narrative") is not None else {}),
                     "valid_by_epoch": [{k: h[k] for k in ("epoch", "valid_loss", "valid_loss_raw", "valid_bleu") if k in h}
                                        for h in log["history"]],
                     "decoding": m["decoding"],
                     "tatoeba_bleu": m["bleu"], "tatoeba_mandarin_bleu": m["bleu_mandarin"],
                     "flores200_bleu": m["flores200"]["bleu"], "flores200_chrf": m["flores200"]["chrf"], "story": m["story"]})
    return {"note": "the same data, seed, model and recipe otherwise; minutes are measured where each run "
                    "trained (the 2-core CPU runs with 2 threads); "
                    "valid scores are the best epoch's (greedy, the seeded valid sample), test scores with the decoding "
                    "chosen on valid, only for runs that were committed ('–': not committed, never read on the test sets)", "runs": rows}


def _targets(met: dict) -> list[tuple[str, bool, str]]:
    t, a, l = met.get("transformer"), met.get("lstm_attention"), met.get("lstm")
    checks = []
    if t:
        checks += [("Transformer Tatoeba Mandarin BLEU ≥ 27", t["bleu_mandarin"] >= 27, f"{t['bleu_mandarin']}"),
                   ("Transformer Tatoeba Mandarin BLEU ≥ 27.5 (the narrative issue's)", t["bleu_mandarin"] >= 27.5,
                    f"{t['bleu_mandarin']}"),
                   ("Transformer FLORES-200 BLEU ≥ 6", t["flores200"]["bleu"] >= 6, f"{t['flores200']['bleu']}")]
    if a:
        checks.append(("LSTM + attention FLORES-200 BLEU ≥ 2.5", a["flores200"]["bleu"] >= 2.5, f"{a['flores200']['bleu']}"))
    if l:
        checks.append(("LSTM Tatoeba Mandarin BLEU ≥ 12", l["bleu_mandarin"] >= 12, f"{l['bleu_mandarin']}"))
    if t and l:
        lt, ll = t["flores200"]["by_length"][-1]["bleu"], l["flores200"]["by_length"][-1]["bleu"]
        checks.append(("FLORES longest bucket: Transformer ≥ 3× LSTM", lt >= 3 * ll, f"{lt} vs {ll}"))
    if a and l:
        for key, name in (("tatoeba", "Tatoeba"), ("flores200", "FLORES")):
            la = (a if key == "tatoeba" else a[key])["by_length"]
            ll = (l if key == "tatoeba" else l[key])["by_length"]
            worse = [x["bucket"] for x, y in zip(la, ll) if x["bleu"] is not None and x["bleu"] <= y["bleu"]]
            checks.append((f"LSTM + attention above LSTM in every {name} bucket", not worse,
                           "all buckets" if not worse else f"not in {', '.join(worse)}"))
    for name, m in met.items():
        beams = [text for decoding, text in m.get("story", {}).items() if decoding.startswith("beam")]
        if beams:
            loops = [p for p in map(repeated_phrase, beams) if p]
            checks.append((f"{name}: its beam translation of the story sentence says no phrase twice in a row", not loops,
                           "none" if not loops else f"“{loops[0]}”"))
        u = m.get("unk", {})
        checks.append((f"{name}: 0 <unk> in the story sentence, ≤ 0.5% on FLORES",
                       u.get("story_sentence", 1) == 0 and u.get("flores200", 1) <= 0.005,
                       f"{u.get('story_sentence', 0):.1%} / {u.get('flores200', 0):.3%}"))
    return checks


def _where(tr: dict, log: dict) -> str:
    """'12/12 epochs; NVIDIA H100 80GB HBM3, 4.4 min' or '11/11 epochs; 2-core CPU, 2 threads, 104 min (60 CPU-min)'."""
    ran = f"{len(log['history'])}/{tr['epochs']} epochs"
    if log.get("device", "cpu") == "cpu":
        return (f"{ran}; {log.get('machine', 'CPU')}, {log['threads']} thread(s), {log['training_time_s'] / 60:.0f} min "
                f"({log.get('cpu_time_s', 0) / 60:.0f} CPU-min)")
    return f"{ran}; {log.get('machine', 'GPU')}, {log['training_time_s'] / 60:.1f} min"


def recipe_rows(recipe: dict | None) -> list[str]:
    """The final recipes' time on the 2-core CPU (checkpoints/recipe_time.json), as README lines."""
    if not recipe:
        return []
    out = [f"Each final recipe on the 2-core CPU it trained on (`python -m lab.experiments.recipe_time`, torch "
           f"{recipe['torch']}, {recipe['threads']} threads; each row's CPU and precision beside it): the recipe's own "
           "data and batches rebuilt, "
           "every target token of every epoch counted, training steps spread over an epoch and one validation "
           "timed; estimated wall time = tokens / (tokens per second) + epochs × validation.", ""]
    rows = []
    for m in MODELS:
        r = recipe["models"].get(m)
        if not r:
            continue
        t = r["trained_on"]
        how = (f"{t['device']} ({t['machine']}), {t['epochs_run']}/{r['epochs']} epochs, {t['wall_min']} min")
        # a whole run on this CPU is the measurement itself: the verdict uses it, not the estimate
        measured = t["device"] == "cpu" and t["epochs_run"] == r["epochs"]
        minutes = t["wall_min"] if measured else r["estimated_wall_min"]
        verdict = ("yes" if minutes <= BUDGET_MIN else "**no**") + (" (measured)" if measured else "")
        cpu = f"{r.get('measured_on') or recipe.get('machine', '–')} ({r.get('precision') or t.get('precision', '–')})"
        rows.append([m, cpu, r["epochs"], f"{sum(r['target_tokens_per_epoch']):,}", r["timed_steps"],
                     f"{r['target_tokens_per_s']:,}", f"{r['validation_s']} s", f"{r['estimated_wall_min']} min",
                     verdict, how])
    out += markdown_table(["model", "measured on", "epochs", "target tokens (all epochs)", "timed steps", "target tokens/s",
                           "validation", "estimated wall time", "≤ 2 h?", "how the committed weights were trained"],
                          rows) + [""]
    other = [(m, o) for m in MODELS for o in recipe["models"].get(m, {}).get("on_other_cpus", [])]
    if other:  # CPUs that run the recipe in another precision than it trained in (no AVX-512 bf16: fp32)
        out += ["The same recipes on a CPU that runs them in another precision than the committed weights trained in "
                "(`on_other_cpus` in `checkpoints/recipe_time.json`; without AVX-512 bf16 the recipe runs in fp32):", "",
                *markdown_table(["model", "CPU", "precision", "timed steps", "target tokens/s", "validation",
                                 "estimated wall time", "≤ 2 h?"],
                                [[m, o["measured_on"], o["precision"], o["timed_steps"], f"{o['target_tokens_per_s']:,}",
                                  f"{o['validation_s']} s", f"{o['estimated_wall_min']} min",
                                  "yes" if o["estimated_wall_min"] <= BUDGET_MIN else "**no**"] for m, o in other]), ""]
    return out


def no_repeat_rows(nr: dict | None) -> list[str]:
    """Beam search with repeated n-grams forbidden (checkpoints/no_repeat.json), as README lines: every n tried
    on each model's validation sample, the choice, and FLORES after it."""
    if not nr or not nr.get("models"):
        return []
    rows = []
    for m in MODELS:
        r = nr["models"].get(m)
        if not r:
            continue
        for row in r["rows"]:
            n, v = row["no_repeat_ngram"], row["valid"]
            fl = (r.get("flores200") or {}).get(str(n))
            rows.append([m, n or "off", v["bleu"], v["chrf"], v["length_ratio"], f"{v['loop_rate']:.1%}",
                         "**chosen**" if n == r["best_on_valid"] else "",
                         f"{fl['bleu']} / {fl['loop_rate']:.1%}" if fl else "–"])
    gains = [f"{m} +{r['best_vs_off_on_valid']['delta']} [{r['best_vs_off_on_valid']['ci95'][0]:+}, "
             f"{r['best_vs_off_on_valid']['ci95'][1]:+}]" for m in MODELS
             if (r := nr["models"].get(m)) and r.get("best_vs_off_on_valid")]
    return [f"Beam search with repeated n-grams forbidden (`python -m lab.experiments.decoding_sweep no-repeat`, `checkpoints/no_repeat.json`; "
            f"{nr['rule']}; chosen on {nr['chosen_on']}). Loop rate: outputs that say a phrase of 1-8 words twice "
            "in a row. The chosen n's valid BLEU minus off, with its 95% paired-bootstrap interval: "
            f"{'; '.join(gains) or '–'}:", "",
            *markdown_table(["model", "no n-gram twice", "valid BLEU", "valid chrF", "length ratio", "valid loop rate",
                             "", "FLORES BLEU / loop rate (after the choice)"], rows), ""]


def page_rows(page: dict | None, explorer: dict | None, base: str = "docs") -> list[str]:
    """The page in Chromium (lab.benchmarks.page) and the explorer (lab.benchmarks.explorer), with targets;
    the screenshots linked from a Markdown file in folder `base`."""
    out = []
    if page:
        runs = page.get("cold_start_runs_s")
        names = {"cold_start_s": ("`python app.py` started → page answers, story translated"
                                  + (f" (median of {len(runs)}: {', '.join(map(str, runs))} s)" if runs else ""), "s"),
                 "story_visible_s": ("page load → the story translated by every model (app warm)", "s"),
                 "translate_text_s": ("Translate clicked → the new sentence's translations shown", "s"),
                 "section_open_s": ("③ opened → its attention map made, sent and drawn", "s"),
                 "maps_after_text_s": ("with ③ open: translations shown → its map redrawn", "s"),
                 "explorer_switch_ms": ("an explorer's head switch, in the browser", "ms"),
                 "phone_story_screens": ("390×844: the story's three translations end within", "screens"),
                 "phone_screens": ("390×844: the page, nothing opened", "screens"),
                 "phone_open_screens": ("390×844: the page, every section and “more” opened", "screens"),
                 "phone_profile_ratio": ("mid-range phone profile (CPU 4×, 1.6 Mbps, 150 ms): story readable ÷ a bare "
                                         "Gradio page's text" + (" ({story_s} s ÷ {bare_gradio_s} s, medians)"
                                                                .format(**page["phone_profile"])
                                                                if page.get("phone_profile") else ""), "×"),
                 "rss_mb": (f"app memory after {page.get('api_requests', {}).get('requests', '?')} `/translate` calls", "MB"),
                 "paragraph_max_s": ("the longest paragraph accepted"
                                     + (" ({chars:,} characters, {sentences} sentences, {decoding}), app warm"
                                        .format(**page["paragraph_max"]) if page.get("paragraph_max") else ""), "s")}
        if page.get("first_html"):
            html = page["first_html"]
            out += [f"The page's first HTML: {html['bytes']:,} bytes, sent as {html.get('br', 0):,} (brotli) or "
                    f"{html.get('gzip', 0):,} (gzip) bytes.", ""]
        load = page.get("machine", {})
        cpu = f"{load['cpu']}, " if load.get("cpu") else ""
        out += [f"The page in Chromium (`python -m lab.benchmarks.page`; medians; {cpu}{load.get('cpus', '?')} CPUs, "
                f"load average {load.get('loadavg_start', [0])[0]:.1f} at the start):", ""]
        target = lambda key, unit: f"≤ {page['targets'][key]:g} {unit}" if key in page.get("targets", {}) else ""  # noqa: E731
        met = lambda key: ("yes" if page["met"][key] else "**no**") if key in page.get("met", {}) else ""  # noqa: E731
        out += markdown_table(["measure", "value", "target", "met?"],
                              [[label, f"{page[key]} {unit}", target(key, unit), met(key)]
                               for key, (label, unit) in names.items() if page.get(key) is not None])
        shots = [("phone, 中文", "page-phone-zh.png"), ("phone, English", "page-phone-en.png"),
                 ("desktop, English", "page-desktop-en.png"), ("① opened, phone, 中文", "curve-phone-zh.png"),
                 ("①'s more, phone, 中文", "report-phone-zh.png"),
                 ("③ opened, phone, English", "explorer-phone-en.png")]
        shots = [(title, name) for title, name in shots if name in page.get("screenshots", {name: 0})]
        out += [""] + markdown_table([title for title, _ in shots],
                                     [[f"![{title}]({link(f'docs/screenshots/{name}', base)})" for title, name in shots]]) + [""]
    if explorer:
        payload = lambda r: f"{r['payload_bytes'] / 1000:.0f} kB ({r['payload_gzip_bytes'] / 1000:.0f} kB)"
        rows = [[m, dec, f"{r['source_tokens']} × {r['target_tokens']}", payload(r), f"{r['influence_ms']} ms"]
                for m, per in explorer["models"].items() for dec, r in per.items()]
        rows += [["**all models**", dec, "", payload(r), f"**{r['influence_ms']} ms** (target ≤ 1,000)"]
                 for dec, r in explorer.get("total", {}).items()]
        out += [f"The attention explorer on the story sentence (`python -m lab.benchmarks.explorer`, {explorer['machine']}):", "",
                *markdown_table(["model", "decoding", "source × target tokens", "payload (gzip)", "influence"], rows)]
        sal = explorer.get("saliency")
        if sal:
            rows = [[m, f"{r['source_tokens']} × {r['target_tokens']}", f"{r['influence_fp32_ms']} ms",
                     f"{r['saliency_ms']} ms", f"{r['integrated_gradients_ms']} ms"] for m, r in sal["models"].items()]
            tot = sal["total"]
            rows.append(["**all models**", "", f"{tot['influence_fp32_ms']} ms", f"**{tot['saliency_ms']} ms** "
                         f"(target ≤ {sal['ig_limit_ms']:,})", f"{tot['integrated_gradients_ms']} ms"])
            out += ["", f"Gradient saliency on the story sentence, {sal['decoding']} (`python -m lab.benchmarks.explorer "
                    f"--saliency-only`, {sal['machine']}, load average {sal['load_average_1min']}): input × gradient, "
                    f"and integrated gradients with {sal['ig_steps']} steps, which /attention would serve only within "
                    "the target (it does not):", "",
                    *markdown_table(["model", "source × target tokens", "influence (fp32)", "saliency",
                                     "integrated gradients"], rows)]
        b = explorer.get("browser")
        if b:
            out += ["", "Interactions in Chromium, no server round trip (median / max, target ≤ 100 ms): " + ", ".join(
                f"{k} {b[f'{k}_ms']} / {b[f'{k}_max_ms']} ms" for k in ("hover", "head", "layer", "link", "scrub",
                                                                         "replay", "beam") if f"{k}_ms" in b) + "."]
            files = list((b.get("replay_files") or {}).values())
            borrowed = [f for f in files if not f.startswith("checkpoints/")]
            if borrowed:
                out += ["", "Replay scrubbing was timed on " + ", ".join(f"`{f}`" for f in files)
                        + f" ({', '.join(f'`{f}`' for f in borrowed)}: a training run's snapshots, named with --replay "
                        "for a committed checkpoint without replay.json)."]
        out.append("")
    return out


def _checkpoints(root: Path) -> tuple[dict, dict]:
    """{model: {training, train_log, metrics}} as read (None where missing), and {model: metrics} of the evaluated."""
    ck = {m: {k: _load(root / m / f"{k}.json") for k in ("training", "train_log", "metrics")} for m in MODELS}
    return ck, {m: ck[m]["metrics"] for m in MODELS if ck[m]["metrics"]}


def story_at_decoding(metrics: dict) -> tuple[str, str]:
    """(decoding, text): the story sentence as the model translates it at its chosen decoding (beam k or greedy)."""
    story = metrics.get("story") or {}
    key = f"beam {metrics['beam_size']}" if metrics.get("beam_size", 1) > 1 else "greedy"
    key = key if key in story else next(iter(story), key)
    return key, story.get(key, "–")


def readme_table(root: Path) -> str:
    """README.md's results: one caption and one table, every model's test scores beside its translation of the
    story sentence at its chosen decoding; the published systems below. Everything else: render()."""
    ck, met = _checkpoints(root)
    if not met:
        return "Not evaluated yet: run `python -m training.evaluate` (see Retraining)."
    any_m = next(iter(met.values()))
    decodings = {met[m]["decoding"] for m in met}
    keys = {story_at_decoding(met[m])[0] for m in met}
    caption = (f"Scores on Tatoeba-test ({any_m['n']:,} short everyday sentences) and FLORES-200 devtest "
               f"({any_m['flores200']['n']:,} long Wikipedia-style sentences), BLEU and chrF from 0 to 100 (higher is "
               "better)" + (f"; every model decodes with {decodings.pop()}" if len(decodings) == 1 else "")
               + ". The last column is each model's translation of the story sentence, which no model saw in training "
               f"(reference: *{any_m.get('story_reference', '')}*). Published systems are reference points, not ours. "
               "Every table: [docs/RESULTS.md](docs/RESULTS.md).")
    rows = []
    for m in MODELS:
        if m not in met:
            continue
        tr, log, mt = ck[m]["training"], ck[m]["train_log"], met[m]
        where = (f"{log.get('machine', 'CPU' if log.get('device', 'cpu') == 'cpu' else 'GPU')}, "
                 f"{len(log['history'])} epochs, {log['training_time_s'] / 60:.0f} min")
        rows.append([f"**{LABELS[m]}**", f"{tr['num_parameters'] / 1e6:.1f}M", where, mt["bleu"], mt["chrf"],
                     mt["flores200"]["bleu"], mt["flores200"]["chrf"], f"*{story_at_decoding(mt)[1]}*"])
    rows += [[p["model"], p["parameters"], p["trained"], *p["tatoeba"], *p["flores200"], "–"] for p in PUBLISHED]
    story = f"the story sentence ({keys.pop()})" if len(keys) == 1 else "the story sentence"
    return "\n".join([caption, "", *markdown_table(["model", "parameters", "trained", "Tatoeba BLEU", "Tatoeba chrF",
                                                  "FLORES BLEU", "FLORES chrF", story], rows)])


def render(root: Path, base: str = "docs") -> str:
    """docs/RESULTS.md below its head: every table, each with the command and the JSON file it comes from; the
    figures and screenshots linked from a Markdown file in folder `base`."""
    ck, met = _checkpoints(root)
    comparison, bench, load, thr, mix = (_load(root / f) for f in ("comparison.json", "benchmark.json", "load_test.json",
                                                                   "throughput.json", "mix_experiments.json"))
    out = []
    if met:
        any_m = next(iter(met.values()))
        out += ["## Test scores", "",
                f"Test sets, each read once per final model: Tatoeba-test `{any_m['test_set']}` (zho→eng, "
                f"{any_m['n']:,} short everyday sentences, {any_m.get('n_mandarin', 0):,} Mandarin) and FLORES-200 "
                f"devtest (zho_Hans→eng, {any_m['flores200']['n']:,} long Wikipedia-style sentences). sacrebleu on "
                "detokenized, cased English; chrF on a 0–100 scale. Published systems are reference points, "
                "not ours.", ""]
        rows = [[p["model"], p["parameters"], p["trained"], "beam", *p["tatoeba"], "–", *p["flores200"]] for p in PUBLISHED]
        for m in MODELS:
            if m not in met:
                continue
            tr, log, mt = ck[m]["training"], ck[m]["train_log"], met[m]
            rows.append([f"**{LABELS[m]}** (`{m}`)", f"{tr['num_parameters'] / 1e6:.1f}M", _where(tr, log), mt["decoding"],
                         mt["bleu"], mt["chrf"], mt.get("bleu_mandarin"), mt["flores200"]["bleu"], mt["flores200"]["chrf"]])
        out += markdown_table(["model", "parameters", "trained (epochs run; where; minutes)", "decoding", "Tatoeba BLEU",
                               "Tatoeba chrF", "Mandarin BLEU", "FLORES BLEU", "FLORES chrF"], rows)
        for key, title in (("tatoeba", "Tatoeba-test"), ("flores200", "FLORES-200 devtest")):
            get = lambda m: met[m] if key == "tatoeba" else met[m][key]
            names = [m for m in MODELS if m in met]
            comparisons = (comparison or {}).get(key, {}).get("comparisons", [])
            header = (["bucket", "n"] + [f"{m} BLEU" for m in names]
                      + [f"Δ {c['difference'].split(' - ')[0].removeprefix('BLEU(').rstrip(')')} − "
                         f"{c['difference'].split(' - ')[1].removeprefix('BLEU(').rstrip(')')} [95% CI]" for c in comparisons])
            rows = []
            for i, b in enumerate(get(names[0])["by_length"]):
                cells = [b["bucket"], f"{b['n']:,}"] + [_fmt(get(m)["by_length"][i]["bleu"]) for m in names]
                for c in comparisons:
                    d = c["by_length"][i] if i < len(c["by_length"]) else None
                    cells.append(f"{d['delta']:+.1f} [{d['ci95'][0]:+.1f}, {d['ci95'][1]:+.1f}]" if d else "–")
                rows.append(cells)
            out += ["", f"BLEU by source length (Chinese characters), {title}:", "", *markdown_table(header, rows)]
        out += ["", *markdown_table(["target", "met?", "measured"],
                                    [[name, "yes" if ok else "**no**", val] for name, ok, val in _targets(met)]), "",
                f"![BLEU by source length, Tatoeba]({link('checkpoints/bleu_by_length.png', base)})",
                f"![BLEU by source length, FLORES-200]({link('checkpoints/bleu_by_length_flores.png', base)})", "",
                "## The story sentence", "",
                f"The story's long sentence, {STORY_SENTENCE}, never in the training data (reference: "
                f"*{any_m.get('story_reference', '')}*), as each model translates it, verbatim:", "",
                *markdown_table(["model", "decoding", "translation"],
                                [[LABELS[m], k, f"*{v}*"] for m in MODELS if m in met
                                 for k, v in (met[m].get("story") or {}).items()]), ""]
        nr = no_repeat_rows(_load(root / "no_repeat.json"))
        out += ["## Beam search without repeated phrases", "", *nr] if nr else []
    else:
        out += ["Not evaluated yet: run `python -m training.evaluate` (the README's Retraining).", ""]
    if mix:
        out += ["## The training data: the mix and its screenings", "",
                "How the corpora are mixed (`checkpoints/mix_experiments.json`; " + mix["note"] + "):", "",
                *markdown_table(["run", "weights", "tags", "steps", "minutes (wall / CPU)", "valid BLEU", "valid chrF",
                                 "Tatoeba-part BLEU", "Tatoeba-part chrF"],
                                [[r["run"], ", ".join(f"{k}={v}" for k, v in r["mix"].items()) or "all 1",
                                  ", ".join(f"{k}={v}" for k, v in r["tags"].items()) or "none", f"{r['steps']:,}",
                                  f"{r['minutes']} / {r['cpu_minutes']}", r["valid_bleu"], r["valid_chrf"],
                                  r["valid_bleu_tatoeba"], r["valid_chrf_tatoeba"]] for r in mix["runs"]]), ""]
    if mix and mix.get("dictionary_screening"):
        ds = mix["dictionary_screening"]
        verdict = (f"weight {ds['chosen_weight']} chosen" if ds.get("kept") else "not kept: no weight beat 0 beyond noise")
        out += ["The CC-CEDICT dictionary's weight (`--data ... cedict --mix cedict=W`; `dictionary_screening` in "
                f"`checkpoints/mix_experiments.json`; {ds['cpu']}; {ds['note']}) — {verdict}:", "",
                *markdown_table(["run", "cedict weight", "dictionary pairs", "steps", "minutes (wall / CPU)", "valid BLEU",
                                 "valid chrF", "Tatoeba-part BLEU", "narrative BLEU", "narrative chrF", "choosing score"],
                                [[r["run"], r["cedict_weight"], f"{r['cedict_train_pairs']:,}", f"{r['steps']:,}",
                                  f"{r['minutes']} / {r['cpu_minutes']}", r["valid_bleu"], r["valid_chrf"],
                                  r["valid_bleu_tatoeba"], _fmt(r.get("valid_bleu_narrative"), 2),
                                  _fmt(r.get("valid_chrf_narrative"), 2), _fmt(r.get("choosing_score"), 2)]
                                 for r in ds["runs"]]), ""]
    if mix and mix.get("back_translation"):
        bt = mix["back_translation"]
        rev = bt.get("reverse_model") or {}
        last = (rev.get("history") or [{}])[-1]
        top, top_base = best_trial_and_baseline(bt["runs"])
        verdict = f"kept at weight {bt['chosen_weight']}" if bt["kept"] else "not kept"
        if top and top_base:
            verdict += (f": choosing score {top['choosing_score']:.2f} ({top['run']}, {top['steps']:,} steps) against the "
                        f"best baseline's {top_base['choosing_score']:.2f} ({top_base['run']}, {top_base['steps']:,} steps)")
        more = max((r.get("steps_vs_baseline", 1.0) for r in bt["runs"] if r["bt_weight"]), default=1.0)
        if bt.get("baseline_with_as_many_steps"):
            verdict += (f"; its epochs hold the synthetic pairs too ({more:g}× the first baseline's optimizer steps), so a "
                        "baseline without them trained for at least as many steps is in the comparison")
        elif more > 1:
            verdict += (f"; its epochs hold the synthetic pairs too, so it took up to {more:g}× the baseline's optimizer "
                        "steps: part of the gain may be the extra training (an equal-steps baseline was not run)")
        out += [f"Back-translation (`python -m lab.experiments.back_translate`; `back_translation` in "
                f"`checkpoints/mix_experiments.json`; {bt['cpu']}): a reverse Transformer "
                f"({_fmt(rev.get('parameters'))} parameters, {rev.get('steps', '?')} steps, valid chrF "
                f"{last.get('valid_chrf', '?')} into Chinese) turned {(bt.get('mono') or {}).get('translated', 0):,} "
                f"English sentences into {bt.get('synthetic_pairs') or 0:,} tagged pairs `{bt.get('tag')}` in "
                f"{bt.get('back_translation_minutes')} minutes — {verdict} ({bt['note']}):", "",
                *markdown_table(["run", "bt weight", "steps", "minutes (wall / CPU)", "valid BLEU", "valid chrF",
                                 "Tatoeba-part BLEU", "narrative BLEU", "choosing score"],
                                [[r["run"], r["bt_weight"], f"{r['steps']:,}", f"{r['minutes']} / {r['cpu_minutes']}",
                                  r["valid_bleu"], r["valid_chrf"], r["valid_bleu_tatoeba"],
                                  _fmt(r.get("valid_bleu_narrative"), 2), _fmt(r.get("choosing_score"), 2)]
                                 for r in bt["runs"]]), ""]
    if mix and mix.get("join_screening"):
        js = mix["join_screening"]
        said = "; ".join(f"{m}: comma − plain {v['comma_minus_plain']:+.2f}, "
                         + (f"{v['preferred']} preferred" if v["preferred"] else "within noise")
                         for m, v in js["verdicts"].items())
        out += ["How the recurrent models' long examples are joined (`--long-examples plain|comma`; `join_screening` in "
                f"`checkpoints/mix_experiments.json`; {js['cpu']}; {js['note']}) — {said}:", "",
                *markdown_table(["run", "model", "join", "parameters", "steps", "minutes (wall / CPU)", "valid BLEU",
                                 "valid loss", "Tatoeba-part BLEU", "narrative BLEU", "choosing score"],
                                [[r["run"], r["model"], r["join"], f"{r['num_parameters']:,}", f"{r['steps']:,}",
                                  f"{r['minutes']} / {r['cpu_minutes']}", _fmt(r["valid_bleu"], 2), r["valid_loss"],
                                  r["valid_bleu_tatoeba"], _fmt(r.get("valid_bleu_narrative"), 2),
                                  _fmt(r.get("choosing_score"), 2)] for r in js["runs"]]), ""]
    quick = _load(root / "quick_preset.json")
    recipes_by_model = {m: r for m in MODELS if (r := _load(root / f"{m}_recipes.json"))}
    recipe_time = recipe_rows(_load(root / "recipe_time.json"))
    if quick or recipes_by_model or recipe_time:
        out += ["## Recipes and their time", ""]
    if quick:
        last = quick["history"][-1]
        out += [f"The quick preset (`checkpoints/quick_preset.json`): `{quick['command']}` trained in {quick['minutes']} min "
                f"wall-clock after loading the data ({quick['cpu_minutes']} CPU-minutes, {quick['threads']} threads) for "
                f"a {quick['num_parameters'] / 1e6:.1f}M-parameter Transformer: valid BLEU {last['valid_bleu']} on all "
                f"corpora, {last['valid_bleu_tatoeba']} on the Tatoeba part.", ""]
    for model, recipes in recipes_by_model.items():
        out += [f"Recipes of the {LABELS[model]} (`checkpoints/{model}_recipes.json`; " + recipes["note"] + "):", "",
                *markdown_table(["run", "epochs", "long examples", "weight EMA", "trained on", "minutes", "best epoch",
                                 "valid BLEU / chrF", "narrative BLEU", "choosing score", "Tatoeba BLEU", "Mandarin BLEU",
                                 "FLORES BLEU / chrF"],
                                [[r["run"], r["epochs"], "comma chain" if "comma chain" in r["long_examples"] else "plain",
                                  r.get("ema") or "off",
                                  " ".join(filter(None, [r.get("trained_on") or "–", r.get("precision") and f"({r['precision']})"])),
                                  r["training_min"], r["best_epoch"],
                                  f"{r['valid_bleu']} / {r['valid_chrf']}", _fmt(r.get("valid_bleu_narrative"), 2),
                                  _fmt(r.get("choosing_score"), 2), _fmt(r["tatoeba_bleu"], 2),
                                  _fmt(r["tatoeba_mandarin_bleu"], 2),
                                  f"{_fmt(r['flores200_bleu'], 2)} / {_fmt(r['flores200_chrf'], 2)}"]
                                 for r in recipes["runs"]]), ""]
    out += recipe_time
    if thr:
        out += ["## Training speed", "",
                f"Training throughput (`python -m lab.benchmarks.speed --throughput`, {thr['machine']}, torch {thr['torch']}, "
                f"{thr['threads']} thread, {thr['steps']} steps on batches shaped like the training mix; target "
                "tokens per CPU-second of the training process):", "",
                *markdown_table(["model", "fp32, batches in corpus order (before)", "fp32, length-bucketed",
                                 "bf16 autocast, bucketed", "bf16, bucketed, 6000-token batches"],
                                [[m] + [f"{r['target_tokens_per_cpu_s']:,}" for r in rows] for m, rows in thr["models"].items()]),
                ""]
        dp = thr.get("data_parallel")
        if dp:
            out += [f"Data-parallel training, 1 vs 2 processes (`{dp['command']}`; {dp['machine']['cpu']}, "
                    f"{dp['machine']['cpus']} CPUs, torch {dp['torch']}, {dp['precision']}; the {dp['model']} at its "
                    f"final size, global batches of {dp['global_batch_tokens']:,} tokens; {dp['note']}):", "",
                    *markdown_table(["processes × threads", "steps", "target tokens / wall s", "target tokens / CPU s",
                                     "load average (1 min) before → after"],
                                    [[f"{r['processes']} × {r['threads_per_process']}", r["steps"],
                                      f"{r['target_tokens_per_wall_s']:,}", f"{r['target_tokens_per_cpu_s']:,}",
                                      f"{r['loadavg_before'][0]} → {r['loadavg_after'][0]}"] for r in dp["runs"]]), ""]
    page, explorer = _load(root / "page_benchmark.json"), _load(root / "explorer_benchmark.json")
    if bench or page or explorer:
        out += ["## The app's speed", ""]
    if bench:
        t = bench["targets"]
        rows = []
        for m in MODELS:
            if f"{m}_greedy_ms" in bench:
                target = f"≤ {t[f'{m}_greedy_ms']} ms" if f"{m}_greedy_ms" in t else ""
                rows += [(f"{LABELS[m]}, story sentence, greedy (median of {bench['runs']})", f"{bench[f'{m}_greedy_ms']} ms", target),
                         (f"{LABELS[m]}, story sentence, beam 4", f"{bench[f'{m}_beam4_ms']} ms", "")]
        if "app_cold_start_s" in bench:
            rows += [("App cold start → first translation", f"{bench['app_cold_start_s']} s", f"≤ {t['app_cold_start_s']} s"),
                     ("App peak RSS", f"{bench['app_peak_rss_mb']} MB", f"≤ {t['app_peak_rss_mb']} MB")]
        out += [f"Latency (`python -m lab.benchmarks.speed`, {bench['machine']}, torch {bench['torch']}, "
                f"{bench['threads']} threads):", "", *markdown_table(["measure", "value", "target"], rows), ""]
    out += page_rows(page, explorer, base)
    lens = _load(root / "lens_benchmark.json")
    if lens:
        sp = lens["spans"]
        out += ["## The training-data lens", "",
                f"`/lookup` over `checkpoints/lens/` ({lens['pairs']:,} training pairs; `python -m lab.benchmarks.lens`, "
                f"{lens['machine']}, load average {lens['load_average_1min']}): {sp['n']} spans of the story sentence "
                f"(Chinese stretches and English words), median {sp['median_ms']} ms, 90th percentile {sp['p90_ms']} ms, "
                f"max {sp['max_ms']} ms (target: median ≤ {lens['limit_ms']} ms); the first lookup loads the index in "
                f"{lens['first_lookup_ms']:,} ms, which holds {lens['index_rss_mb']} MB.", "",
                *markdown_table(["span", "training pairs", "by corpus"],
                                [[k, v["total"], ", ".join(f"{c} {n}" for c, n in v["by_corpus"].items()) or "–"]
                                 for k, v in lens.get("issue_counts", {}).items()]), ""]
    if load:
        lat = load["latency_ms"]
        kinds = load.get("latency_ms_by_kind")   # written since paragraphs joined the mix
        mix = "short and long sentences and paragraphs of 14 and 42 sentences" if kinds else "short and long sentences"
        where = (f", {load['machine']}, load average {load['load_average_1min']['before']} before the run: a shared "
                 "machine") if "machine" in load else ""
        by_kind = "".join(f"; {kind}s p50 {k['p50']} ms, max {k['max']} ms" for kind, k in (kinds or {}).items() if k["n"])
        out += ["## Load", "",
                f"Load (`python -m lab.benchmarks.load_test`{where}): {load['requests']} `/translate` requests, "
                f"{load['concurrency']} at a time, mixed {mix}, through `gradio_client` on loopback — {load['ok']} "
                f"answered, {load['errors']} errors, {load['busy_rejected']} turned away as busy (queue full); latency "
                f"p50 {lat['p50']} ms, p95 {lat['p95']} ms, max {lat['max']} ms{by_kind}; {load['throughput_rps']} "
                "requests/s.", ""]
    return "\n".join(out)


def results_page(root: Path) -> str:
    """The whole of docs/RESULTS.md."""
    return RESULTS_HEAD + "\n" + render(root, RESULTS.parent.as_posix()).rstrip("\n") + "\n"


def with_readme_table(readme: str, root: Path) -> str:
    """README.md's text with its generated block replaced by readme_table(root); ValueError without the markers."""
    if START not in readme or END not in readme:
        raise ValueError(f"README.md lacks the {START} / {END} markers")
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return head + START + "\n" + readme_table(root) + "\n" + END + tail


def written(root: Path = Path("checkpoints")) -> dict[Path, str]:
    """{file: what lab.report writes there}: README.md (its block only) and docs/RESULTS.md (the whole file)."""
    return {README: with_readme_table(README.read_text(encoding="utf-8"), root), RESULTS: results_page(root)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 when README.md's table or "
                                                        "docs/RESULTS.md differs from what the JSON files give")
    p.add_argument("--mix-runs", nargs="*", help="quick runs that differ in --mix/--tags -> checkpoints/mix_experiments.json")
    p.add_argument("--dictionary-runs", nargs="*", help="quick runs that differ in --mix cedict=W -> the "
                                                         "'dictionary_screening' of checkpoints/mix_experiments.json")
    p.add_argument("--bt-runs", nargs="*", help="quick runs, the first without back-translated pairs, the others with "
                                                 "them -> the 'back_translation' of checkpoints/mix_experiments.json")
    p.add_argument("--join-runs", nargs="*", help="short runs of the LSTMs that differ in --long-examples -> the "
                                                   "'join_screening' of checkpoints/mix_experiments.json")
    p.add_argument("--bt-folder", default="runs/bt", help="lab/experiments/back_translate.py's --out (its report is read)")
    p.add_argument("--recipe-runs", nargs="*", help="finished checkpoints ([NAME=]FOLDER) of one model trained with "
                                                     "different recipes -> rows of checkpoints/MODEL_recipes.json "
                                                     "(rows of other names stay)")
    p.add_argument("--quick-run", help="a --preset quick run -> checkpoints/quick_preset.json (time and valid scores)")
    args = p.parse_args(argv)
    if args.check:
        try:
            stale = [str(path) for path, text in written().items()
                     if not path.is_file() or path.read_text(encoding="utf-8") != text]
        except ValueError as e:
            print(e, file=sys.stderr)
            return 2
        if stale:
            print(f"out of date with the JSON files: {', '.join(stale)} (run `python -m lab.report`)", file=sys.stderr)
            return 1
        print("README.md's results table and docs/RESULTS.md are up to date", file=sys.stderr)
        return 0
    if args.quick_run:
        run = Path(args.quick_run)
        tr, log = _load(run / "training.json"), _load(run / "train_log.json")
        Path("checkpoints/quick_preset.json").write_text(json.dumps({
            "command": tr["command"], "threads": log["threads"], "num_parameters": tr["num_parameters"],
            "minutes": round(log["training_time_s"] / 60, 1), "cpu_minutes": round(log.get("cpu_time_s", 0) / 60, 1),
            "history": [{k: h.get(k) for k in ("epoch", "valid_bleu", "valid_chrf", "valid_bleu_tatoeba",
                                                "valid_chrf_tatoeba")} for h in log["history"]],
        }, indent=2) + "\n")
    if args.recipe_runs:
        named = [item.rpartition("=") for item in args.recipe_runs]             # "NAME=PATH" or "PATH"
        recipes = recipe_runs([Path(path) for _, _, path in named], [name or Path(path).name for name, _, path in named])
        models = {r["model"] for r in recipes["runs"]}
        if len(models) != 1 or None in models:  # one model, named in each run's training.json
            print(f"--recipe-runs compares runs of one model, got {sorted(map(str, models))}", file=sys.stderr)
            return 2
        path = Path(f"checkpoints/{models.pop()}_recipes.json")
        new_names = {r["run"] for r in recipes["runs"]}  # earlier rows stay (their folders may be gone); same names replaced
        recipes["runs"] = [r for r in (_load(path) or {"runs": []})["runs"] if r["run"] not in new_names] + recipes["runs"]
        path.write_text(json.dumps(recipes, indent=2, ensure_ascii=False) + "\n")
    if args.mix_runs:
        Path("checkpoints/mix_experiments.json").write_text(
            json.dumps(mix_experiments([Path(r) for r in args.mix_runs]), indent=2, ensure_ascii=False) + "\n")
    if args.dictionary_runs:  # added beside the earlier mix runs, which stay as they are
        path = Path("checkpoints/mix_experiments.json")
        mix = _load(path) or {}
        mix["dictionary_screening"] = dictionary_screening([Path(r) for r in args.dictionary_runs])
        path.write_text(json.dumps(mix, indent=2, ensure_ascii=False) + "\n")
    if args.bt_runs:
        path = Path("checkpoints/mix_experiments.json")
        mix = _load(path) or {}
        mix["back_translation"] = back_translation_trial([Path(r) for r in args.bt_runs], Path(args.bt_folder))
        path.write_text(json.dumps(mix, indent=2, ensure_ascii=False) + "\n")
    if args.join_runs:
        path = Path("checkpoints/mix_experiments.json")
        mix = _load(path) or {}
        mix["join_screening"] = join_screening([Path(r) for r in args.join_runs])
        path.write_text(json.dumps(mix, indent=2, ensure_ascii=False) + "\n")
    try:
        files = written()
    except ValueError as e:
        print(e, file=sys.stderr)
        return 2
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(f"regenerated: {', '.join(map(str, files))}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
