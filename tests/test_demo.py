"""The page's logic without a browser: input checks (ui/inputs.py), all models at once and the cached
story (ui/pipeline.py), test results (ui/results.py), and the words (ui/strings.py, ui/render.py).

Model outputs change whenever the lead retrains, so nothing here pins a translation: these tests assert
behaviour (shapes, scores in range, the slider's last step equal to the page's own result, ...)."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from ui.inputs import MAX_RAW_CHARS, InputError, check_decoding, check_reference, check_source
from ui.pipeline import MODEL_NAMES, Models, clauses_json, load_models, result_json, story, translate_page
from ui.results import benchmark
from dawn.story import STORY_CLAUSES, STORY_CREDIT, STORY_REFERENCE, STORY_SENTENCE
from dawn.text import MAX_SOURCE_CHARS
from ui.render import api_outputs, error_text, note_text, score_line
from ui.strings import LANGS, STRINGS, text


# ----------------------------------------------------------------------------- the story

def test_story_clauses_are_written_once():
    assert STORY_CLAUSES[-1] == (STORY_SENTENCE, STORY_REFERENCE) and len(STORY_SENTENCE) == 54
    for (src, ref), (next_src, next_ref) in zip(STORY_CLAUSES, STORY_CLAUSES[1:]):
        assert next_src.startswith(src) and next_ref.startswith(ref)
        assert src[-1] in "，。" and ref[-1] in ",;."
    assert len(STORY_CLAUSES) == STORY_SENTENCE.count("，") + STORY_SENTENCE.count("。")


# ----------------------------------------------------------------------------- input

@pytest.mark.parametrize("raw,code", [
    ("", "empty"), ("   \n\t\u3000", "empty"), (None, "empty"), ("\x00" * 9, "empty"),
    ("😀🐱🎉👍🏽", "nothing"), ("。，！？", "nothing"), ("★☆♥", "nothing"),
    ("<img src=x onerror=alert(1)>", "markup"), ("</script><script>alert(2)</script>", "markup"),
    ("<b>猫</b>追老鼠", "markup"), ("猫&amp;狗", "markup"),
    ("猫追老鼠。" * 2000, "too_long"), ("猫" * (MAX_RAW_CHARS + 1), "too_long"), ("猫" * (MAX_SOURCE_CHARS + 1), "too_long"),
    ("The cat chases the mouse.", "no_chinese"), ("1234567890", "no_chinese"), ("고양이가 쥐를 쫓는다", "no_chinese"),
])
def test_bad_input_is_refused_with_a_code(raw, code):
    with pytest.raises(InputError) as e:
        check_source(raw)
    assert e.value.code == code and isinstance(e.value, ValueError) and str(e.value)


def test_traditional_is_converted_and_explained():
    s = check_source("我們明天見。")
    assert s.text == "我们明天见。" and [n.code for n in s.notes] == ["traditional"]
    assert "我们明天见" in note_text("en", s.notes) and "繁体" in note_text("zh", s.notes)


def test_control_characters_are_removed_with_a_note():
    s = check_source("猫\x00追\ud800老\u202e鼠\x07。")
    assert s.text == "猫追老鼠。" and s.notes[0].code == "removed" and s.notes[0].params == {"n": 4}


def test_plain_simplified_passes_untouched():
    s = check_source(STORY_SENTENCE)
    assert s.notes == [] and s.text == STORY_SENTENCE.replace("，", ",")  # NFKC: ， -> , ...
    assert s.text.endswith("。") and "，" not in s.text                       # ... while 。 has no ASCII form
    assert check_source("x < y 时，猫追老鼠。").text  # angle brackets that are not markup are fine


def test_decoding_and_reference():
    assert check_decoding("greedy") == 1 and check_decoding("beam") == 4
    with pytest.raises(InputError, match="greedy"):
        check_decoding("sampling")
    assert check_reference(None) == "" and check_reference("x" * 100_000) == "x" * 2000
    assert check_reference("a\x00 b\n c") == "a b c"


# ----------------------------------------------------------------------------- all models at once

def test_translate_all_gives_every_model_a_column(models):
    r = translate_page(models, "猫追老鼠。", "The cat is chasing the mouse.", "greedy")
    assert list(r.outputs) == list(MODEL_NAMES)
    for name, out in r.outputs.items():                 # every model answers (a missing one: see the next tests)
        assert out.problem is None and out.text.strip() and out.ms > 0, name
        assert 0 <= out.bleu <= 100 and 0 <= out.chrf <= 100


def test_no_reference_means_no_scores(models):
    r = translate_page(models, "我爱你。", "", "beam")
    assert r.decoding == "beam"
    assert all(o.bleu is None and o.chrf is None for o in r.outputs.values())
    assert all("no reference" in score_line("en", o) for o in r.outputs.values())


def test_a_missing_or_broken_checkpoint_is_a_message(tmp_path, checkpoint_root):
    shutil.copytree(checkpoint_root / "transformer", tmp_path / "transformer")
    (tmp_path / "lstm").mkdir()
    (tmp_path / "lstm" / "config.json").write_text("{half written")
    models = load_models(tmp_path)
    assert models.problems == {"lstm": "unreadable", "lstm_attention": "missing"}
    r = translate_page(models, "猫追老鼠。", "", "greedy")
    assert r.outputs["transformer"].text and r.outputs["lstm"].problem == "unreadable"
    for lang in LANGS:
        lines = api_outputs(lang, r)
        assert lines[3] == text(lang, "problem.unreadable") and lines[4] == text(lang, "problem.missing")


def test_a_model_that_raises_becomes_a_message(translators):
    class Broken:
        def translate(self, text, beam_size=1, normalized=False, maps=True):
            raise RuntimeError("boom")

    models = Models({"lstm": Broken(), "transformer": translators["transformer"]}, {}, ("lstm", "transformer"))
    r = translate_page(models, "猫追老鼠。", "", "greedy")
    assert r.outputs["lstm"].problem == "failed" and "boom" in score_line("en", r.outputs["lstm"])
    assert r.outputs["transformer"].text.strip()


def test_unknown_characters_are_noted(models):
    r = translate_page(models, "龘靐齉爩猫", "", "greedy")
    assert [n.code for n in r.notes] == ["unknown"] and "<unk>" in note_text("en", r.notes)


# ----------------------------------------------------------------------------- the story, cached

@pytest.fixture(scope="module")
def cached_story(models):
    return story(models)


def test_story_is_translated_by_every_model(cached_story, models):
    r = cached_story.result
    assert r.source == check_source(STORY_SENTENCE).text and r.reference == STORY_REFERENCE and r.decoding == "beam"
    for name in MODEL_NAMES:
        out = r.outputs[name]
        assert out.text.strip() and out.bleu is not None and out.chrf is not None and out.translation is not None


def test_clause_table_grows_to_the_page_result(cached_story, models):
    rows = clauses_json(cached_story.clauses)
    assert [(row["source"], row["reference"]) for row in rows] == list(STORY_CLAUSES)
    assert [row["chars"] for row in rows] == sorted(row["chars"] for row in rows)
    for name in MODEL_NAMES:
        last = rows[-1]["models"][name]
        assert last["text"] == cached_story.result.outputs[name].text   # the slider's end = what the page shows
        for row in rows:
            m = row["models"][name]
            assert m["problem"] is None and m["text"].strip() and 0 <= m["chrf"] <= 100
    json.dumps(rows)  # plain JSON for the browser


def test_clause_prefixes_prepared_in_the_background_are_the_same(cached_story, models):
    """The app starts translating the prefixes in a thread after start-up; asking for them waits for it."""
    fresh = story(models)
    assert fresh._clauses is None                                        # not computed at start-up
    fresh.prepare_clauses().join(timeout=600)
    assert clauses_json(fresh._clauses) == clauses_json(cached_story.clauses)


def test_startup_in_a_thread_gives_what_loading_in_line_gives(cached_story, tmp_path):
    from app_fixtures import CHECKPOINTS
    from ui.pipeline import Startup

    models, started = Startup(CHECKPOINTS).result()
    assert not models.problems
    assert {n: o.text for n, o in started.result.outputs.items()} == {n: o.text for n, o in cached_story.result.outputs.items()}
    (tmp_path / "lstm").mkdir()                                          # a bad folder: noted, as in line
    (tmp_path / "lstm" / "config.json").write_text("{")
    models, started = Startup(tmp_path).result()
    assert models.problems == {"lstm": "unreadable", "lstm_attention": "missing", "transformer": "missing"}
    assert started.result.outputs["lstm"].problem == "unreadable"


def test_startup_errors_are_raised_where_the_result_is_asked_for(monkeypatch):
    import ui.pipeline
    from ui.pipeline import Startup

    def broken(root):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(ui.pipeline, "load_models", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        Startup("nowhere").result()


def test_result_json_carries_the_lstm_state(cached_story):
    data = result_json(cached_story.result)
    assert set(data["models"]) == set(MODEL_NAMES)
    lstm = data["models"]["lstm"]
    assert lstm["problem"] is None
    layers = len(lstm["final_state"])
    assert layers >= 1 and all(-1.0 <= v <= 1.0 for row in lstm["final_state"] for v in row)
    assert lstm["source_tokens"][-1] == "</s>"
    assert len(json.dumps(data)) < 100_000


# ----------------------------------------------------------------------------- test-set results

def test_benchmark_reads_metrics_defensively(tmp_path):
    by_length = [{"bucket": "1-8", "n": 10, "bleu": 20.0, "chrf": 40.0}, {"bucket": "25+", "n": 3, "bleu": 2.0}]
    (tmp_path / "lstm").mkdir()
    (tmp_path / "lstm" / "metrics.json").write_text(json.dumps({"bleu": 10, "chrf": 30, "by_length": by_length,
                                                                 "flores200": {"by_length": by_length[:1]}}))
    (tmp_path / "transformer").mkdir()
    (tmp_path / "transformer" / "metrics.json").write_text("{not json")
    b = benchmark(tmp_path, MODEL_NAMES)
    assert b["problems"] == {"lstm_attention": "missing", "transformer": "unreadable"}
    assert b["curves"]["tatoeba"]["buckets"] == ["1-8", "25+"] and b["curves"]["flores200"]["buckets"] == ["1-8"]
    assert b["curves"]["tatoeba"]["models"]["lstm"][1] == {"bucket": "25+", "n": 3, "bleu": 2.0, "chrf": None}
    # odd shapes: a flores200 list, numbers as strings, a bucket without a name
    (tmp_path / "transformer" / "metrics.json").write_text(json.dumps(
        {"bleu": "x", "by_length": 3, "flores200": [{"bucket": "1-8", "n": "2", "bleu": float("nan")}, {"n": 1}]}))
    b = benchmark(tmp_path, MODEL_NAMES)
    assert b["models"]["transformer"]["bleu"] is None
    assert b["curves"]["flores200"]["models"]["transformer"] == [{"bucket": "1-8", "n": None, "bleu": None, "chrf": None}]
    assert benchmark(tmp_path / "nowhere", MODEL_NAMES) == {"models": {}, "curves": {}, "problems": {
        name: "missing" for name in MODEL_NAMES}}


def test_benchmark_on_the_committed_checkpoints(checkpoint_root):
    b = benchmark(checkpoint_root, MODEL_NAMES)
    for name in ("lstm", "transformer"):
        metrics = json.loads((checkpoint_root / name / "metrics.json").read_text())
        assert b["models"][name]["bleu"] == metrics["bleu"]
        assert len(b["curves"]["tatoeba"]["models"][name]) == len(metrics["by_length"])


# ----------------------------------------------------------------------------- the words

def test_both_languages_have_the_same_keys_and_placeholders():
    assert set(STRINGS["en"]) == set(STRINGS["zh"])
    for key in STRINGS["en"]:
        fields = [set(re.findall(r"\{(\w+)", STRINGS[lang][key])) for lang in LANGS]
        assert fields[0] == fields[1], key


def test_each_language_is_one_language():
    from dawn.whiteboard import STORY_WORDS
    cjk = re.compile(r"[\u3400-\u9fff]")
    allowed_zh = {"page.title", "curve.y"}  # the title is a name; "BLEU" is a name too
    names = "|".join(sorted(STORY_WORDS, key=len, reverse=True))   # the board's words 猫, 追, 老鼠 are names too
    for key, value in STRINGS["en"].items():
        # English lines carry no Chinese (the credit is a title; the board's three words are what it computes on)
        assert not cjk.search(re.sub(names, "", value.replace("{credit}", ""))), key
    for key, value in STRINGS["zh"].items():
        if key.startswith("model.") or key in allowed_zh or key in {"score.line"} or value == STRINGS["en"][key]:
            continue   # names and symbols (BLEU, d, Var(q·k)) are the same in both
        # Chinese, or a formula with no English word in it ("2）÷ √d_k = {sqrt}")
        assert cjk.search(value) or not re.search(r"\b(?!softmax|tanh)[a-z]{4,}\b", re.sub(r"\{\w+\}", "", value)), key


def test_error_and_note_texts_cover_every_code():
    from ui.inputs import ENGLISH, Note
    for code in ENGLISH:
        assert f"error.{code}" in STRINGS["en"] or f"note.{code}" in STRINGS["en"], code
    assert error_text("zh", Note("too_long", {"n": 10_000, "max": 2000})) == "原文有 10,000 个字符，最多只能翻译 2,000 个（一段）。"
    assert STORY_CREDIT in text("en", "page.credit") and STORY_CREDIT in text("zh", "page.credit")


def test_api_strings_are_plain_text(cached_story):
    for lang in LANGS:
        lines = api_outputs(lang, cached_story.result)
        assert len(lines) == 2 * len(MODEL_NAMES) + 1 and all(isinstance(s, str) for s in lines)
        assert not any("**" in s or "<br" in s or "`" in s for s in lines)


# ----------------------------------------------------------------------------- honest captions: which clauses were kept

def test_clause_report_says_which_clauses_a_translation_kept():
    from ui.pipeline import clause_report, split_clauses
    clauses = split_clauses("Although the weather was bad yesterday, we still decided to go mountain climbing.")
    assert clauses == ["Although the weather was bad yesterday,", "we still decided to go mountain climbing."]
    rows = clause_report("It was bad weather yesterday, so we climbed a hill.", clauses)
    assert [r["kept"] for r in rows] == [True, False]
    assert rows[0]["found"] == ["weather", "bad", "yesterday"] and "although" in rows[0]["words"]
    assert rows[1]["found"] == ["climbing"]                       # climbed ~ climbing, nothing else of the clause
    assert rows[0]["chrf"] > rows[1]["chrf"] > 0
    perfect = clause_report(" ".join(clauses), clauses)
    assert all(r["kept"] and r["chrf"] == 100.0 for r in perfect)
    assert [r["kept"] for r in clause_report("", clauses)] == [False, False]
    assert clause_report("the of and", ["the, and."])[0]["kept"] is False   # no content words: never "kept"


def test_clause_chrf_is_the_best_matching_stretch():
    from ui.pipeline import best_window_chrf
    clause = "the sun came out"
    long = "we stayed at home all day and then the sun came out over the hills and the lake"
    assert best_window_chrf(long, clause) == 100.0                 # a long translation is not punished
    assert best_window_chrf("rain", clause) < 20


def test_clause_reports_of_a_result(cached_story):
    from ui.pipeline import STORY_CLAUSES_EN, clause_reports
    assert " ".join(STORY_CLAUSES_EN) == STORY_REFERENCE
    reports = clause_reports(cached_story.result, STORY_CLAUSES_EN)
    assert set(reports) == {n for n, o in cached_story.result.outputs.items() if o.problem is None}
    for name, rows in reports.items():
        assert [r["clause"] for r in rows] == STORY_CLAUSES_EN
        for r in rows:   # the verdict is computed from the translation on screen
            text = cached_story.result.outputs[name].text.lower()
            assert all(w[:4] in text for w in r["found"])
    no_ref = translate_page(Models({}, {}, ()), "猫追老鼠。", "", "greedy")
    assert clause_reports(no_ref) == {}


def test_story_opens_on_the_decoding_chosen_on_validation_with_warm_times(cached_story, models):
    from ui.pipeline import BEST_DECODING
    assert cached_story.result.decoding == BEST_DECODING == "beam"
    for name in models.translators:   # the slider's last step is the page's own (beam) result
        assert cached_story.clauses[-1].outputs[name].text == cached_story.result.outputs[name].text
        assert cached_story.result.outputs[name].translation.beam_trace is not None


# ----------------------------------------------------------------------------- maps in words: BPE pieces merged

def test_word_groups_merge_bpe_pieces():
    from dawn.explain import word_groups
    pieces = ["▁Al", "though", ",", "▁it", "'", "s", "▁clim", "b", "▁the", "▁sc", "ener", "y", "."]
    assert word_groups(pieces) == [[0, 1], [2], [3, 4, 5], [6, 7], [8], [9, 10, 11], [12]]
    assert word_groups([]) == [] and word_groups(["b"]) == [[0]]


def test_merge_rows_keeps_attention_a_distribution_and_sums_influence():
    import torch
    from dawn.explain import merge_rows
    x = torch.tensor([[0.5, 0.5], [0.1, 0.9], [1.0, 0.0]])            # (T=3, S=2), rows sum to 1
    groups = [[0, 1], [2]]
    mean = merge_rows(x, groups, "mean")
    assert torch.allclose(mean, torch.tensor([[0.3, 0.7], [1.0, 0.0]])) and torch.allclose(mean.sum(-1), torch.ones(2))
    assert torch.allclose(merge_rows(x, groups, "sum"), torch.tensor([[0.6, 1.4], [1.0, 0.0]]))
    heads = x.expand(2, 4, 3, 2)                                       # (L, H, T, S): rows merged in every head
    assert merge_rows(heads, groups, "mean").shape == (2, 4, 2, 2)
    with pytest.raises(ValueError):
        merge_rows(x, groups, "max")


def test_explain_sends_the_maps_in_words_too(translators):
    from dawn.explain import explain
    name = "transformer" if "transformer" in translators else next(iter(translators))
    p = explain(translators[name], "我们决定去爬山。", beam_size=1)
    words = p["words"]
    assert sorted(i for g in words["groups"] for i in g) == list(range(len(p["target_tokens"])))
    assert words["tokens"] == ["".join(p["target_tokens"][i] for i in g) for g in words["groups"]]
    assert len(words["influence"]) == len(words["groups"])
    for w, g in zip(words["influence"], words["groups"]):   # a word's drop is the sum of its pieces' drops
        assert w == pytest.approx([sum(p["influence"][i][j] for i in g) for j in range(len(w))], abs=0.02)
    if p["cross_attention"]:
        assert all(sum(row) == p["scale"] for layer in words["cross_attention"] for head in layer for row in head)


def test_clause_report_work_is_bounded(monkeypatch):
    """A paragraph's report: at most MAX_CLAUSES clauses, at most MAX_WINDOWS chrF stretches per clause."""
    import ui.pipeline as page
    calls = []
    real = page.sentence_chrf
    monkeypatch.setattr(page, "sentence_chrf", lambda h, r: calls.append(h) or real(h, r))
    reference = " ".join(f"the cat number {i} sat on the mat," for i in range(50))
    rows = page.clause_report(reference * 2, reference)
    assert len(rows) == page.MAX_CLAUSES and all(r["kept"] for r in rows)
    assert len(calls) <= page.MAX_CLAUSES * page.MAX_WINDOWS
    calls.clear()
    assert page.best_window_chrf("a b c d e f g", "c d") == 100.0 and len(calls) == 6   # short: every stretch
