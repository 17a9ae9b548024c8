"""lab/report.py: README.md's one results table and the whole of docs/RESULTS.md, both from the committed JSON
files (and up to date with them); the recipe table, where whether a recipe fits the 2-hour CPU budget is judged
on the measured time when the committed weights were trained by the whole recipe on this CPU, and on
lab.experiments.recipe_time's estimate otherwise; and the recipe comparison read from finished checkpoints."""

from __future__ import annotations

import json

from tiny_corpus import ROOT

from lab.report import END, START, recipe_rows, recipe_runs

MARKERS = f"{START}\n{END}\n"


def results(tmp_path) -> str:
    """What lab.report wrote to docs/RESULTS.md in tmp_path, after checking that README.md got only its block."""
    readme = (tmp_path / "README.md").read_text()
    assert readme.startswith(START) and readme.rstrip().endswith(END) and "## " not in readme
    return (tmp_path / "docs" / "RESULTS.md").read_text()


def test_the_committed_readme_table_and_results_page_are_what_the_json_files_give(monkeypatch):
    """Every number in README.md's table and docs/RESULTS.md comes from a committed JSON file: after a change to
    one of them (or to lab/report.py), `python -m lab.report` rewrites both."""
    from lab.report import main
    monkeypatch.chdir(ROOT)
    assert main(["--check"]) == 0, "run `python -m lab.report`"


def test_the_readme_holds_one_table_with_each_models_scores_and_story_translation():
    from lab.report import readme_table, story_at_decoding
    block = readme_table(ROOT / "checkpoints")
    assert block in (ROOT / "README.md").read_text(encoding="utf-8")
    assert [line for line in block.splitlines() if line.startswith("|---")] == ["|---" * 8 + "|"]  # one table
    assert "![" not in block and "## " not in block                  # the figure and the rest: outside, or RESULTS.md
    for name in ("lstm", "lstm_attention", "transformer"):
        m = json.loads((ROOT / "checkpoints" / name / "metrics.json").read_text())
        decoding, story = story_at_decoding(m)
        assert decoding == f"beam {m['beam_size']}" and f"| {m['bleu']} | {m['chrf']} |" in block
        assert f"*{story}*" in block


def test_check_names_the_stale_file_and_writes_nothing(tmp_path, monkeypatch, capsys):
    from lab.report import main
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "README.md").write_text("# a README\n\n" + MARKERS + "\nthe rest, kept\n")
    monkeypatch.chdir(tmp_path)
    assert main(["--check"]) == 1 and "docs/RESULTS.md" in capsys.readouterr().err   # not written yet
    assert main([]) == 0 and main(["--check"]) == 0
    readme = (tmp_path / "README.md").read_text()
    assert readme.startswith("# a README\n\n" + START) and readme.endswith(END + "\n\nthe rest, kept\n")
    page = tmp_path / "docs" / "RESULTS.md"
    assert page.read_text().startswith("# Results\n")
    page.write_text(page.read_text() + "edited by hand\n")
    capsys.readouterr()
    assert main(["--check"]) == 1 and "docs/RESULTS.md" in capsys.readouterr().err
    assert page.read_text().endswith("edited by hand\n")                             # --check writes nothing
    (tmp_path / "README.md").write_text("no markers\n")
    assert main(["--check"]) == 2 and main([]) == 2 and "markers" in capsys.readouterr().err


def recipe(estimated_min: float, device: str, epochs_run: int, wall_min: float) -> dict:
    return {"command": "python -m training.train …", "epochs": 12, "target_tokens_per_epoch": [1000] * 12,
            "timed_steps": 60, "target_tokens_per_s": 2500, "validation_s": 15.0,
            "estimated_wall_min": estimated_min,
            "trained_on": {"device": device, "machine": "a machine", "epochs_run": epochs_run, "wall_min": wall_min}}


def row(model_recipe: dict) -> str:
    table = recipe_rows({"machine": "x86_64, 2 CPUs", "torch": "2", "threads": 2,
                         "models": {"transformer": model_recipe}})
    return next(line for line in table if line.startswith("| transformer |"))


def test_each_recipe_row_names_the_cpu_and_precision_it_was_measured_with():
    measured = {**recipe(104.5, "cpu", 7, 97.2), "measured_on": "AMD EPYC, 2 CPUs", "precision": "fp32"}
    assert row(measured).startswith("| transformer | AMD EPYC, 2 CPUs (fp32) | 12 |")
    older = recipe(99.1, "cpu", 12, 111.5)                   # no precision of its own: the one it trained in
    older["trained_on"]["precision"] = "bf16 autocast"
    assert row({**older, "measured_on": "x86_64, 2 CPUs"}).startswith("| transformer | x86_64, 2 CPUs (bf16 autocast) |")


def test_a_whole_cpu_run_is_judged_on_its_measured_time():
    assert "| **no** (measured) |" in row(recipe(111.2, "cpu", 12, 125.0))
    assert "| yes (measured) |" in row(recipe(130.0, "cpu", 12, 118.0))


def test_a_gpu_or_partial_run_is_judged_on_the_estimate():
    assert "| yes |" in row(recipe(111.2, "cuda", 8, 6.7))
    assert "| **no** |" in row(recipe(125.0, "cpu", 5, 50.0))  # stopped early: its minutes say nothing


def test_a_cpu_without_the_trained_precision_is_recorded_beside_the_trained_on_estimate():
    """recipe_time on a CPU that runs the recipe in fp32 when the weights trained with bf16 autocast: its
    estimate goes beside the trained-on one (both kept, one per CPU), and RESULTS.md shows it with its verdict."""
    from lab.experiments.recipe_time import file_as

    trained = {**recipe(91.4, "cpu", 12, 110.0), "precision": "bf16 autocast"}
    trained["trained_on"]["precision"] = "bf16 autocast"
    models = {"transformer": trained}
    epyc = {**recipe(183.5, "cpu", 12, 110.0), "measured_on": "AMD EPYC, 2 CPUs", "precision": "fp32",
            "target_tokens_per_cpu_s": 500, "trained_on": trained["trained_on"]}
    assert file_as(models, "transformer", epyc) == "other"
    assert file_as(models, "transformer", {**epyc, "estimated_wall_min": 180.0}) == "other"  # the same CPU: replaced
    assert models["transformer"]["estimated_wall_min"] == 91.4                              # the trained-on one stays
    assert [(o["measured_on"], o["estimated_wall_min"]) for o in models["transformer"]["on_other_cpus"]] == \
        [("AMD EPYC, 2 CPUs", 180.0)]
    table = recipe_rows({"machine": "x86_64, 2 CPUs", "torch": "2", "threads": 2, "models": models})
    assert "| transformer | AMD EPYC, 2 CPUs | fp32 | 60 | 2,500 | 15.0 s | 180.0 min | **no** |" in table
    # a CPU with the trained precision replaces the main entry, and the other CPUs' estimates travel with it
    again = {**epyc, "precision": "bf16 autocast", "measured_on": "Intel Xeon, 2 CPUs", "estimated_wall_min": 95.0}
    assert file_as(models, "transformer", again) == "main"
    assert models["transformer"]["estimated_wall_min"] == 95.0 and len(models["transformer"]["on_other_cpus"]) == 1


def test_recipe_runs_read_each_checkpoints_best_epoch_and_test_scores(tmp_path):
    run = tmp_path / "11ep_comma"
    run.mkdir()
    history = [{"epoch": e, "valid_loss": 5.0 - e, "valid_bleu": b, "valid_chrf": 30.0 + e, "valid_bleu_tatoeba": 20.0 + e}
               for e, b in [(1, 5.0), (2, 9.5), (3, 9.1)]]
    files = {"training.json": {"model_type": "transformer", "command": "python -m training.train …", "epochs": 3,
                               "long_examples": "… (the Chinese as one comma chain, …) …", "ema": 0.9995},
             "train_log.json": {"history": history, "best_epoch": 2, "training_time_s": 6690.0, "machine": "2-core CPU"},
             "metrics.json": {"decoding": "beam 4", "bleu": 24.58, "bleu_mandarin": 27.25,
                              "flores200": {"bleu": 5.64, "chrf": 28.87}, "story": {"greedy": "…"}}}
    for name, content in files.items():
        (run / name).write_text(json.dumps(content))
    (r,) = recipe_runs([run])["runs"]
    assert (r["run"], r["epochs"], r["training_min"], r["best_epoch"]) == ("11ep_comma", 3, 111.5, 2)
    assert (r["model"], r["trained_on"]) == ("transformer", "2-core CPU")
    assert (r["valid_bleu"], r["valid_chrf"], r["valid_bleu_tatoeba"]) == (9.5, 32.0, 22.0)  # the kept epoch, not the last
    assert (r["tatoeba_mandarin_bleu"], r["flores200_bleu"], r["story"]) == (27.25, 5.64, {"greedy": "…"})
    assert r["ema"] == 0.9995
    assert r["valid_by_epoch"] == [{"epoch": 1, "valid_loss": 4.0, "valid_bleu": 5.0},  # the whole curve
                                   {"epoch": 2, "valid_loss": 3.0, "valid_bleu": 9.5},
                                   {"epoch": 3, "valid_loss": 2.0, "valid_bleu": 9.1}]


def test_recipe_runs_leave_the_test_scores_of_a_run_rejected_on_validation_empty(tmp_path):
    run = tmp_path / "rejected"
    run.mkdir()
    (run / "training.json").write_text(json.dumps({"command": "…", "epochs": 1, "long_examples": "…"}))
    (run / "train_log.json").write_text(json.dumps({"history": [{"epoch": 1, "valid_loss": 4.1, "valid_loss_raw": 4.0,
                                                                 "valid_bleu": 3.0, "valid_chrf": 20.0,
                                                                 "valid_bleu_tatoeba": 9.0}],
                                                    "best_epoch": 1, "training_time_s": 60.0}))
    (r,) = recipe_runs([run])["runs"]                                  # no metrics.json: never evaluated
    assert (r["valid_bleu"], r["ema"]) == (3.0, 0.0)
    assert r["valid_by_epoch"] == [{"epoch": 1, "valid_loss": 4.1, "valid_loss_raw": 4.0, "valid_bleu": 3.0}]
    assert (r["tatoeba_bleu"], r["flores200_bleu"], r["story"]) == (None, None, None)


def test_recipe_runs_of_different_or_unnamed_models_are_refused(tmp_path, monkeypatch, capsys):
    from lab.report import main
    for name, model in (("a", "lstm"), ("b", "transformer")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "training.json").write_text(json.dumps({"model_type": model, "command": "…", "epochs": 1,
                                                                   "long_examples": "…"}))
        (tmp_path / name / "train_log.json").write_text(json.dumps({
            "history": [{"epoch": 1, "valid_loss": 4.0, "valid_bleu": 3.0, "valid_chrf": 20.0, "valid_bleu_tatoeba": 9.0}],
            "best_epoch": 1, "training_time_s": 60.0}))
    monkeypatch.chdir(tmp_path)                                        # nothing may be written beside the real ones
    assert main(["--recipe-runs", "a", "b"]) == 2
    assert "one model" in capsys.readouterr().err and not (tmp_path / "checkpoints").exists()
    tr = json.loads((tmp_path / "a" / "training.json").read_text())
    del tr["model_type"]                                               # which model? unknown: refused too
    (tmp_path / "a" / "training.json").write_text(json.dumps(tr))
    assert main(["--recipe-runs", "a"]) == 2 and not (tmp_path / "checkpoints").exists()


def test_dictionary_screening_is_added_beside_the_earlier_mix_runs(tmp_path, monkeypatch):
    from lab.report import main

    for w, bleu, narr in ((0, 4.0, 3.0), (0.2, 4.5, 3.9)):
        run = tmp_path / f"mix-cedict-{w}"
        run.mkdir()
        (run / "training.json").write_text(json.dumps({
            "command": "python -m training.train …", "mix": {"cedict": w}, "tags": {"cedict": "<dict>"},
            "model_type": "transformer", "preset": "quick", "num_parameters": 10, "model_config": {}, "epochs": 1,
            "lr": 1e-3, "warmup": 200, "en_vocab": 4000, "batch_tokens": 3000,
            "corpora": {"cmn": {"train": 100}, "cedict": {"train": 5000}}}))
        (run / "train_log.json").write_text(json.dumps({
            "history": [{"epoch": 1, "step": 470, "valid_loss": 4.0, "valid_bleu": bleu, "valid_chrf": 20.0,
                         "valid_bleu_tatoeba": 9.0, "valid_chrf_tatoeba": 25.0, "valid_bleu_narrative": narr,
                         "valid_chrf_narrative": 21.0}],
            "best_epoch": 1, "training_time_s": 600.0, "cpu_time_s": 300.0, "narrative_valid": {"gasp": 3}}))
    (tmp_path / "checkpoints").mkdir()
    old = json.loads((ROOT / "checkpoints" / "mix_experiments.json").read_text())
    old.pop("dictionary_screening", None)                              # the committed file, as it was before
    (tmp_path / "checkpoints" / "mix_experiments.json").write_text(json.dumps(old))
    (tmp_path / "README.md").write_text(MARKERS)
    monkeypatch.chdir(tmp_path)
    assert main(["--dictionary-runs", "mix-cedict-0", "mix-cedict-0.2"]) == 0
    mix = json.loads((tmp_path / "checkpoints" / "mix_experiments.json").read_text())
    assert (mix["note"], mix["runs"]) == (old["note"], old["runs"])   # the earlier experiment is kept as it was
    ds = mix["dictionary_screening"]
    assert "screening" in ds["note"] and ds["cpu"] and len(ds["load_average_when_recorded"]) == 3
    assert [(r["cedict_weight"], r["cedict_train_pairs"], r["valid_bleu"], r["valid_bleu_narrative"], r["choosing_score"])
            for r in ds["runs"]] == [(0, 5000, 4.0, 3.0, 3.5), (0.2, 5000, 4.5, 3.9, 4.2)]
    assert (ds["chosen_weight"], ds["kept"]) == (0.2, True)           # 4.2 - 3.5 = 0.7: beyond the 0.5 of noise
    readme = results(tmp_path)
    assert "| mix-cedict-0.2 | 0.2 | 5,000 | 470 | 10.0 / 5.0 | 4.5 | 20.0 | 9.0 | 3.90 | 21.00 | 4.20 |" in readme
    assert "weight 0.2 chosen" in readme

    # the back-translation trial: the baseline first; +0.3 in the choosing score is noise, so not kept
    bt_run = tmp_path / "mix-bt"
    bt_run.mkdir()
    tr = json.loads((tmp_path / "mix-cedict-0.2" / "training.json").read_text())
    (bt_run / "training.json").write_text(json.dumps({**tr, "mix": {"cedict": 0.2, "bt_commonvoice": 0.5}}))
    log = json.loads((tmp_path / "mix-cedict-0.2" / "train_log.json").read_text())
    log["history"][0].update(valid_bleu=4.9, valid_bleu_narrative=4.1)
    (bt_run / "train_log.json").write_text(json.dumps(log))
    (tmp_path / "bt").mkdir()
    (tmp_path / "bt" / "back_translation.json").write_text(json.dumps({
        "reverse_model": {"parameters": 1234, "steps": 9, "history": [{"epoch": 1, "valid_chrf": 12.5}]},
        "mono": {"translated": 40}, "synthetic_pairs": 31, "dropped": {"empty": 9}, "tag": "<bt>", "minutes": 3.0}))
    assert main(["--bt-runs", "mix-cedict-0.2", "mix-bt", "--bt-folder", "bt"]) == 0
    mix = json.loads((tmp_path / "checkpoints" / "mix_experiments.json").read_text())
    assert mix["dictionary_screening"] == ds                            # kept beside it
    bt = mix["back_translation"]
    assert [(r["bt_weight"], r["choosing_score"]) for r in bt["runs"]] == [(0.0, 4.2), (0.5, 4.5)]
    assert (bt["kept"], bt["chosen_weight"], bt["synthetic_pairs"]) == (False, 0.0, 31)
    readme = results(tmp_path)
    assert "turned 40 English sentences into 31 tagged pairs `<bt>`" in readme and "not kept" in readme

    # a second baseline trained for more steps: the pairs must beat it too, and RESULTS.md says it was there
    log["history"][0].update(valid_bleu=5.5, valid_bleu_narrative=5.0, step=log["history"][0]["step"] + 100)
    (bt_run / "train_log.json").write_text(json.dumps(log))        # the trial now beats the first baseline by 1.05
    long_base = tmp_path / "mix-base-long"
    long_base.mkdir()
    (long_base / "training.json").write_text(json.dumps(tr))
    base_log = json.loads((tmp_path / "mix-cedict-0.2" / "train_log.json").read_text())
    base_log["history"][0].update(step=base_log["history"][0]["step"] + 200, valid_bleu=5.2, valid_bleu_narrative=4.9)
    (long_base / "train_log.json").write_text(json.dumps(base_log))
    assert main(["--bt-runs", "mix-cedict-0.2", "mix-base-long", "mix-bt", "--bt-folder", "bt"]) == 0
    bt = json.loads((tmp_path / "checkpoints" / "mix_experiments.json").read_text())["back_translation"]
    assert [r["choosing_score"] for r in bt["runs"]] == [4.2, 5.05, 5.25]
    assert (bt["kept"], bt["baseline_with_as_many_steps"]) == (False, True)  # 5.25 - 5.05 = 0.2 over the longer baseline
    assert "at least as many steps" in results(tmp_path)
    base_log["history"][0].update(valid_bleu=4.4, valid_bleu_narrative=3.9)      # the longer baseline scores 4.15
    (long_base / "train_log.json").write_text(json.dumps(base_log))
    assert main(["--bt-runs", "mix-cedict-0.2", "mix-base-long", "mix-bt", "--bt-folder", "bt"]) == 0
    bt = json.loads((tmp_path / "checkpoints" / "mix_experiments.json").read_text())["back_translation"]
    assert (bt["kept"], bt["chosen_weight"]) == (True, 0.5)


def test_no_repeat_rows_show_every_size_the_choice_and_flores_after_it():
    from lab.report import no_repeat_rows
    row = lambda n, bleu, loops: {"no_repeat_ngram": n, "valid": {"bleu": bleu, "chrf": 20.0, "length_ratio": 1.0,
                                                                 "loop_rate": loops}}
    nr = {"rule": "the rule", "chosen_on": "validation", "models": {"lstm": {
        "rows": [row(0, 4.0, 0.2), row(2, 5.0, 0.02)], "best_on_valid": 2,
        "best_vs_off_on_valid": {"delta": 1.0, "ci95": [0.4, 1.5]},
        "flores200": {"0": {"bleu": 0.5, "loop_rate": 0.5}, "2": {"bleu": 0.8, "loop_rate": 0.04}}}}}
    text = "\n".join(no_repeat_rows(nr))
    assert "| lstm | off | 4.0 | 20.0 | 1.0 | 20.0% |  | 0.5 / 50.0% |" in text
    assert "| lstm | 2 | 5.0 | 20.0 | 1.0 | 2.0% | **chosen** | 0.8 / 4.0% |" in text
    assert "lstm +1.0 [+0.4, +1.5]" in text and no_repeat_rows(None) == []


def test_recipe_runs_are_added_beside_the_earlier_rows_under_the_names_given(tmp_path, monkeypatch):
    from lab.report import main
    run = tmp_path / "runs" / "lstm"
    run.mkdir(parents=True)
    (run / "training.json").write_text(json.dumps({"model_type": "lstm", "command": "…", "epochs": 7,
                                                   "long_examples": "… as one comma chain …"}))
    (run / "train_log.json").write_text(json.dumps({
        "history": [{"epoch": 1, "valid_loss": 4.0, "valid_bleu": 5.0, "valid_chrf": 20.0, "valid_bleu_tatoeba": 9.0,
                     "valid_bleu_narrative": 3.0}],
        "best_epoch": 1, "training_time_s": 60.0, "machine": "AMD EPYC (2 cores)", "precision": "fp32"}))
    (tmp_path / "checkpoints").mkdir()
    path = tmp_path / "checkpoints" / "lstm_recipes.json"
    earlier = {"run": "12ep_cpu", "epochs": 12, "long_examples": "… directly …", "training_min": 94.3, "best_epoch": 8,
               "valid_bleu": 4.87, "valid_chrf": 18.8, "tatoeba_bleu": 10.86, "tatoeba_mandarin_bleu": 12.08,
               "flores200_bleu": 0.8, "flores200_chrf": 15.2}
    path.write_text(json.dumps({"note": "…", "runs": [earlier, {**earlier, "run": "7ep_comma", "valid_bleu": 0.0}]}))
    (tmp_path / "README.md").write_text(MARKERS)
    monkeypatch.chdir(tmp_path)
    assert main(["--recipe-runs", "7ep_comma=runs/lstm"]) == 0
    old, new = json.loads(path.read_text())["runs"]
    assert old == earlier                                                # its folder is gone: the row stays as it was
    assert (new["run"], new["valid_bleu"], new["precision"]) == ("7ep_comma", 5.0, "fp32")  # replaced, not doubled
    assert (new["valid_bleu_narrative"], new["choosing_score"]) == (3.0, 4.0)
    assert "| 7ep_comma | 7 | comma chain | off | AMD EPYC (2 cores) (fp32) |" in results(tmp_path)


def test_join_screening_prefers_a_join_only_beyond_noise_per_model(tmp_path, monkeypatch):
    from lab.report import main

    joins = {"plain": "each extra example joins 2-4 random Tatoeba training pairs (the Chinese directly, …)",
             "comma": "each extra example joins 2-4 random Tatoeba training pairs (the Chinese as one comma chain, …)"}
    scores = {("lstm", "plain"): (3.0, 2.0), ("lstm", "comma"): (3.1, 2.3),            # +0.2: noise
              ("lstm_attention", "plain"): (5.0, 4.0), ("lstm_attention", "comma"): (5.2, 5.0)}  # +0.6
    for (model, join), (bleu, narr) in scores.items():
        run = tmp_path / f"join-{model}-{join}"
        run.mkdir()
        (run / "training.json").write_text(json.dumps({
            "command": f"python -m training.train --model {model} --long-examples {join} …", "mix": {}, "tags": {},
            "model_type": model, "preset": "quick", "num_parameters": 1000, "model_config": {"d_model": 8},
            "epochs": 3, "lr": 1e-3, "warmup": 200, "en_vocab": 4000, "batch_tokens": 6000,
            "long_examples": joins[join]}))
        (run / "train_log.json").write_text(json.dumps({
            "history": [{"epoch": 3, "step": 90, "valid_loss": 4.5, "valid_bleu": bleu, "valid_chrf": 20.0,
                         "valid_bleu_tatoeba": 9.0, "valid_chrf_tatoeba": 25.0, "valid_bleu_narrative": narr,
                         "valid_chrf_narrative": 21.0}],
            "best_epoch": 3, "training_time_s": 600.0, "cpu_time_s": 1200.0}))
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "mix_experiments.json").write_text(json.dumps({"note": "earlier", "runs": []}))
    (tmp_path / "README.md").write_text(MARKERS)
    monkeypatch.chdir(tmp_path)
    assert main(["--join-runs", *(f"join-{m}-{j}" for m, j in scores)]) == 0
    mix = json.loads((tmp_path / "checkpoints" / "mix_experiments.json").read_text())
    assert mix["note"] == "earlier"                                       # the earlier experiment stays
    js = mix["join_screening"]
    assert [(r["model"], r["join"], r["choosing_score"]) for r in js["runs"]] == [
        ("lstm", "plain", 2.5), ("lstm", "comma", 2.7), ("lstm_attention", "plain", 4.5), ("lstm_attention", "comma", 5.1)]
    assert js["verdicts"] == {"lstm": {"comma_minus_plain": 0.2, "preferred": None},
                              "lstm_attention": {"comma_minus_plain": 0.6, "preferred": "comma"}}
    assert "LSTM" in js["note"] and "Transformers" not in js["note"] and "own examples" in js["note"]
    readme = results(tmp_path)
    assert "lstm: comma − plain +0.20, within noise; lstm_attention: comma − plain +0.60, comma preferred" in readme
    assert "| join-lstm_attention-comma | lstm_attention | comma | 1,000 | 90 | 10.0 / 20.0 | 5.20 | 4.5 | 9.0 | 5.00 | 5.10 |" in readme
