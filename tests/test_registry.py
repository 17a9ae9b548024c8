"""dawn/registry.py: one list of models, and everything that names a model reads it."""

from __future__ import annotations

import ast
import dataclasses
import json
import re
from pathlib import Path

import pytest

from dawn.registry import MODEL_NAMES, MODELS, spec

ROOT = Path(__file__).resolve().parents[1]
CHECKPOINTS = ROOT / "checkpoints"  # the committed ones


def test_models_are_in_historical_order_and_named_once():
    assert MODEL_NAMES == ("lstm", "lstm_attention", "transformer")
    assert [m.year for m in MODELS] == sorted(m.year for m in MODELS)
    assert [m.attention for m in MODELS] == ["none", "additive", "self"]
    assert all(spec(m.name) is m for m in MODELS)


@pytest.mark.parametrize("name", ["gru", "", "LSTM", None])
def test_an_unknown_name_is_a_value_error_that_lists_the_models(name):
    with pytest.raises(ValueError, match="expected one of lstm, lstm_attention, transformer"):
        spec(name)


def test_a_spec_cannot_be_changed():
    with pytest.raises(dataclasses.FrozenInstanceError):
        MODELS[0].year = 2015
    with pytest.raises(TypeError):
        MODELS[0].labels["en"] = "something else"


def test_every_model_has_its_classes_and_its_module_names_them():
    import importlib

    from dawn.translator import MODELS as CLASSES
    assert tuple(CLASSES) == MODEL_NAMES
    for m in MODELS:
        assert getattr(importlib.import_module(f"dawn.{m.module}"), m.class_name) is CLASSES[m.name][1]
        assert CLASSES[m.name][1].has_attention == m.has_attention


@pytest.mark.parametrize("m", MODELS, ids=MODEL_NAMES)
def test_the_beam_size_is_the_one_chosen_on_validation(m):
    """metrics.json records greedy vs beam 4 on the validation sample and the choice; the registry says the same."""
    metrics = json.loads((CHECKPOINTS / m.name / "metrics.json").read_text())
    scores = metrics["decoding_selected_on_valid"]
    chosen = max((int(k.removeprefix("beam_")) for k in scores), key=lambda k: (scores[f"beam_{k}"], -k))
    assert m.beam_size == metrics["beam_size"] == chosen
    from ui.inputs import DECODINGS
    assert DECODINGS["beam"] == m.beam_size    # the page's "beam" is the beam every model was evaluated with
    training = json.loads((CHECKPOINTS / m.name / "training.json").read_text())
    assert training["model_type"] == m.name  # the folder, the model_type and the registry name agree


@pytest.mark.parametrize("m", MODELS, ids=MODEL_NAMES)
def test_the_repeated_ngram_rule_is_the_one_chosen_on_validation(m):
    """checkpoints/no_repeat.json chose n on each model's validation sample; the registry, the committed
    metrics.json (what the test scores were decoded with) and the page's loaded models say the same."""
    chosen = json.loads((CHECKPOINTS / "no_repeat.json").read_text())["models"][m.name]["best_on_valid"]
    metrics = json.loads((CHECKPOINTS / m.name / "metrics.json").read_text())
    assert m.no_repeat_ngram == chosen == metrics["no_repeat_ngram"]


def test_the_page_loads_each_model_with_its_chosen_beam_rule(tmp_path):
    from ui.pipeline import load_models
    models = load_models(CHECKPOINTS)
    assert {n: t.no_repeat_ngram for n, t in models.translators.items()} == {m.name: m.no_repeat_ngram for m in MODELS}


def test_the_page_the_explorer_and_the_report_use_the_same_labels():
    from lab.report import LABELS
    from ui.attention_explorer import STRINGS as EXPLORER
    from ui.strings import STRINGS as PAGE
    for m in MODELS:
        for lang in ("en", "zh"):
            assert PAGE[lang][f"model.{m.name}"] == EXPLORER[lang][f"model.{m.name}"] == m.label(lang)
            assert m.labels[lang] in m.label(lang) and str(m.year) in m.label(lang)
            assert PAGE[lang][f"model.{m.name}.short"] == m.short[lang]
        assert LABELS[m.name] == f"{m.year} {m.labels['en']}"
    assert spec("lstm").label("zh") == "2014 · LSTM（无注意力）"  # one spelling (it drifted: "LSTM，无注意力")


def _model_name_constants(path: Path) -> list[str]:
    """String constants naming a model in `path`'s code (docstrings are prose, not code)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    return [f"{path.relative_to(ROOT)}:{node.lineno}" for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and node.value in MODEL_NAMES and id(node) not in docstrings]


def test_product_code_asks_the_registry_what_a_model_can_do_not_its_name():
    # every per-model fact is in dawn/registry.py; code elsewhere asks spec.attention, spec.views, spec.recipe...
    own = {ROOT / "dawn" / "registry.py", *(ROOT / "dawn" / f"{m.module}.py" for m in MODELS)}
    files = [ROOT / "app.py", *(p for d in ("dawn", "ui", "training") for p in (ROOT / d).rglob("*.py"))]
    found = [hit for p in files if p not in own for hit in _model_name_constants(p)]
    assert found == [], found


@pytest.mark.parametrize("m", MODELS, ids=lambda m: m.name)
def test_each_recipe_builds_its_model_within_the_size_budget(m):
    from dawn.translator import build_model
    for sizes in (m.recipe.config, {**m.recipe.config, **m.recipe.quick}):     # final and quick presets
        model = build_model(m.name, {**sizes, "src_vocab_size": 11411, "tgt_vocab_size": 8000})
        assert sum(p.numel() for p in model.parameters()) <= 15_000_000


def test_each_model_has_its_own_colour_dash_and_section():
    for field in ("colour", "dash", "marker", "section"):
        values = [getattr(m, field) for m in MODELS]
        assert len(set(values)) == len(values), field
    assert [m.section for m in MODELS] == [1, 2, 3]                           # the page's ① ② ③, in history's order
    assert all(re.fullmatch(r"#[0-9a-f]{6}", m.colour) for m in MODELS)
