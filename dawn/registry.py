"""The three models, in one place: their names, years, labels, kind of attention and decoding.

    from dawn.registry import MODELS, MODEL_NAMES, spec
    MODEL_NAMES                          # ("lstm", "lstm_attention", "transformer"), historical order
    spec("lstm_attention").attention     # "additive"
    spec("lstm").label("zh")             # "2014 · LSTM（无注意力）"
    spec("gru")                          # ValueError: unknown model 'gru'; expected one of ...

Every list of models in the code (the page's columns, the plots, the report, the benchmarks,
the tests) is read from here, so that adding, renaming or relabelling a model is one edit.
Nothing here imports torch: the UI and the scripts read it without loading a model.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

LANGS = ("en", "zh")
ATTENTION_KINDS = ("none", "additive", "self")


@dataclass(frozen=True, eq=False)
class ModelSpec:
    name: str                    # the folder under checkpoints/ and the model_type in config.json / training.json
    year: int                    # the year of the idea (the page's history: 2014, 2014, 2017)
    labels: Mapping[str, str]    # {"en": ..., "zh": ...}: what the page, the explorer and the README call it
    short: Mapping[str, str]     # the same, short, for legends and tight spaces
    attention: str               # "none" | "additive" (Bahdanau) | "self" (Transformer: self- and cross-attention)
    module: str                  # where the code lives: dawn/MODULE.py
    class_name: str              # its nn.Module (the hub-loadable one)
    paper: str                   # the paper of its idea (the page's footer links it)
    beam_size: int = 4           # beam chosen on validation (beam 1 vs 4): checkpoints/NAME/metrics.json
                                 # "decoding_selected_on_valid"; 4 won for every model
    no_repeat_ngram: int = 0     # beam search says no n target tokens twice (dawn.decoding.beam_search; 0 = off),
                                 # n chosen on validation: checkpoints/no_repeat.json "best_on_valid"

    def __post_init__(self):
        if self.attention not in ATTENTION_KINDS:
            raise ValueError(f"{self.name}: attention must be one of {ATTENTION_KINDS}, got {self.attention!r}")
        if set(self.labels) != set(LANGS) or set(self.short) != set(LANGS):
            raise ValueError(f"{self.name}: labels need exactly the languages {LANGS}")
        object.__setattr__(self, "labels", MappingProxyType(dict(self.labels)))
        object.__setattr__(self, "short", MappingProxyType(dict(self.short)))

    def label(self, lang: str = "en") -> str:
        """The year and the label, as the page writes it: "2014 · LSTM (no attention)"."""
        return f"{self.year} · {self.labels[lang]}"

    @property
    def has_attention(self) -> bool:
        return self.attention != "none"


MODELS: tuple[ModelSpec, ...] = (  # historical order: 2014 without attention, 2014 with attention, 2017
    ModelSpec("lstm", 2014, {"en": "LSTM (no attention)", "zh": "LSTM（无注意力）"}, {"en": "LSTM", "zh": "LSTM"},
              attention="none", module="lstm", class_name="LSTMSeq2Seq",
              paper="https://arxiv.org/abs/1409.3215", no_repeat_ngram=4),            # Sutskever, Vinyals, Le 2014
    ModelSpec("lstm_attention", 2014, {"en": "LSTM + attention", "zh": "LSTM + 注意力"},
              {"en": "LSTM + attention", "zh": "LSTM + 注意力"},
              attention="additive", module="lstm_attention", class_name="LSTMAttentionSeq2Seq",
              paper="https://arxiv.org/abs/1409.0473", no_repeat_ngram=4),            # Bahdanau, Cho, Bengio 2014
    ModelSpec("transformer", 2017, {"en": "Transformer", "zh": "Transformer"}, {"en": "Transformer", "zh": "Transformer"},
              attention="self", module="transformer", class_name="TransformerSeq2Seq",
              paper="https://arxiv.org/abs/1706.03762", no_repeat_ngram=4),            # Vaswani et al. 2017
)
MODEL_NAMES: tuple[str, ...] = tuple(m.name for m in MODELS)
_BY_NAME = {m.name: m for m in MODELS}


def model_strings(lang: str) -> dict[str, str]:
    """The page's string-table entries for every model: "model.NAME" (year and label) and "model.NAME.short"."""
    return {k: v for s in MODELS for k, v in ((f"model.{s.name}", s.label(lang)),
                                             (f"model.{s.name}.short", s.short[lang]))}


def spec(name: str) -> ModelSpec:
    """The ModelSpec called `name`; ValueError for a name that is not a model."""
    try:
        return _BY_NAME[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown model {name!r}; expected one of {', '.join(MODEL_NAMES)}") from None


def with_chosen_decoding(translator, name: str):
    """The translator of model `name`, given the beam rule chosen on validation for it (no_repeat_ngram; beam
    search as the app, training.evaluate and the benchmarks run it). A name outside the registry is left as is."""
    if name in _BY_NAME:
        translator.no_repeat_ngram = _BY_NAME[name].no_repeat_ngram
    return translator
