"""The three models, in one place: every fact about each of them that is not its code.

    from dawn.registry import MODELS, MODEL_NAMES, spec
    MODEL_NAMES                          # ("lstm", "lstm_attention", "transformer"), historical order
    spec("lstm_attention").attention     # "additive"
    spec("lstm").label("zh")             # "2014 · LSTM（无注意力）"
    spec("transformer").recipe.epochs    # 11: how `python -m training.train --model transformer` trains it
    spec("gru")                          # ValueError: unknown model 'gru'; expected one of ...

Every list of models in the code (the page's sections and columns, the plots and their colours, the
training recipe, the model cards, the report, the benchmarks, the tests) is read from here, so that
adding, renaming or retuning a model is one edit here plus its model file. Code asks what a model can do
(`spec.attention == "self"`), never what it is called. Nothing here imports torch: the UI and the scripts
read it without loading a model.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

LANGS = ("en", "zh")
ATTENTION_KINDS = ("none", "additive", "self")
LONG_EXAMPLE_JOINS = ("comma", "plain")


@dataclass(frozen=True, eq=False)
class Recipe:
    """How `python -m training.train --model NAME` trains a model unless told otherwise (training/recipe.py).

    Epochs and batch sizes are sized so that each final recipe fits in 2 hours on the 2-core CPU that trained
    it, with the machine to itself (target tokens per second: `lab.benchmarks.throughput`). The recurrent
    models run faster with bigger batches (fewer, larger matrix products per time step)."""
    config: Mapping[str, float]  # the model's dimensions and dropout (each model ≤ 15M parameters)
    epochs: int
    batch_tokens: int            # max (source + target) tokens per batch, padding included
    long_examples: str           # how a long example's Chinese sentences are joined: "comma" makes one comma
                                 # chain (the story's shape), "plain" puts them side by side
    quick: Mapping[str, float]   # --preset quick: the smaller dimensions (about ten minutes of training)
    ema: float = 0.0             # decay of the moving average of the weights that is saved; 0 = off. Tried on the
                                 # Transformer (0.9995, checkpoints/transformer_recipes.json): it lagged the
                                 # still-improving weights and pushed the recipe past 2 hours. No model uses it.

    def __post_init__(self):
        if self.long_examples not in LONG_EXAMPLE_JOINS:
            raise ValueError(f"long_examples must be one of {LONG_EXAMPLE_JOINS}, got {self.long_examples!r}")
        if unknown := set(self.quick) - set(self.config):
            raise ValueError(f"quick sizes {sorted(unknown)} are not in the model's config {sorted(self.config)}")
        object.__setattr__(self, "config", MappingProxyType(dict(self.config)))
        object.__setattr__(self, "quick", MappingProxyType(dict(self.quick)))


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
    recipe: Recipe               # how training.train trains it
    architecture: str            # the model card's one paragraph; {fields} are filled from its config.json
    section: int                 # the page's section (① ② ③) that draws its maps
    colour: str                  # its colour in the figures and on the page (the browser reads it from the page)
    dash: str                    # its line's dash pattern (SVG stroke-dasharray; "" = solid), so that colour
                                 # is never the only difference
    marker: str                  # its points' marker in the figures (matplotlib)
    plain_transformers: bool     # its checkpoint loads with plain `transformers` (MarianMTModel), no code of ours
    bf16_influence: bool         # its influence rows run faster under bf16 autocast on a CPU with native bf16
                                 # (the story sentence, 2 threads: LSTM + attention 523 -> 358 ms, Transformer
                                 # 326 -> 234 ms; the plain LSTM's fused RNN layer got slower, 208 -> 292 ms)
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

    @property
    def views(self) -> tuple[str, ...]:
        """The explorer views the page draws for it: what the output looked at ("cross"), and for self-attention
        also how the source words looked at each other ("encoder")."""
        return ("cross", "encoder") if self.attention == "self" else ("cross",)


MODELS: tuple[ModelSpec, ...] = (  # historical order: 2014 without attention, 2014 with attention, 2017
    ModelSpec(
        "lstm", 2014, {"en": "LSTM (no attention)", "zh": "LSTM（无注意力）"}, {"en": "LSTM", "zh": "LSTM"},
        attention="none", module="lstm", class_name="LSTMSeq2Seq",
        paper="https://arxiv.org/abs/1409.3215",                                   # Sutskever, Vinyals, Le 2014
        no_repeat_ngram=4,
        # trained in fp32 on a CPU without bf16 (AMD EPYC), where 12 epochs would take about 175 min, so 7
        # (97.2 min; its 12-epoch bf16 run scored higher on validation: checkpoints/lstm_recipes.json)
        recipe=Recipe(config=dict(d_model=256, n_layers=3, dropout=0.2), epochs=7, batch_tokens=6000,
                      long_examples="comma", quick=dict(n_layers=2)),
        architecture="LSTM encoder-decoder **without attention** (Sutskever et al. 2014): the source is read "
                     "reversed, and the decoder sees it only through the encoder's final (h, c) state. "
                     "{n_layers} layers, width {d_model}, dropout {dropout}, output layer tied to the target "
                     "embedding.",
        section=1, colour="#c62828", dash="6 4", marker="o", plain_transformers=False, bf16_influence=False),
    ModelSpec(
        "lstm_attention", 2014, {"en": "LSTM + attention", "zh": "LSTM + 注意力"},
        {"en": "LSTM + attention", "zh": "LSTM + 注意力"},
        attention="additive", module="lstm_attention", class_name="LSTMAttentionSeq2Seq",
        paper="https://arxiv.org/abs/1409.0473",                                   # Bahdanau, Cho, Bengio 2014
        no_repeat_ngram=4,
        # "comma", as a 2-epoch screening preferred (join_screening in checkpoints/mix_experiments.json); the
        # committed checkpoint was trained so, in two legs (its training.json)
        recipe=Recipe(config=dict(d_embed=256, d_enc=256, d_dec=512, d_attn=256, enc_layers=2, dropout=0.2),
                      epochs=8, batch_tokens=6000, long_examples="comma",
                      quick=dict(d_embed=128, d_enc=128, d_dec=256, d_attn=128, enc_layers=1)),
        architecture="RNN encoder-decoder **with additive attention** (Bahdanau, Cho & Bengio 2014), written out "
                     "by hand in `dawn/lstm_attention.py`: a {enc_layers}-layer bidirectional LSTM encoder "
                     "({d_enc} per direction), an LSTM decoder of {d_dec} that reads the context "
                     "c_t = Σ_j α_tj h_j at every step, attention size {d_attn}, embeddings {d_embed}, "
                     "dropout {dropout}.",
        section=2, colour="#ef8a00", dash="2 3", marker="^", plain_transformers=False, bf16_influence=True),
    ModelSpec(
        "transformer", 2017, {"en": "Transformer", "zh": "Transformer"}, {"en": "Transformer", "zh": "Transformer"},
        attention="self", module="transformer", class_name="TransformerSeq2Seq",
        paper="https://arxiv.org/abs/1706.03762",                                  # Vaswani et al. 2017
        no_repeat_ngram=4,
        recipe=Recipe(config=dict(d_model=256, n_heads=4, d_ff=1024, encoder_layers=3, decoder_layers=2,
                                  dropout=0.1),
                      epochs=11, batch_tokens=3000, long_examples="comma",
                      quick=dict(encoder_layers=2, decoder_layers=2)),
        architecture="Encoder-decoder Transformer (Vaswani et al. 2017), a down-sized `MarianMTModel` "
                     "(eager attention, sinusoidal positions): {encoder_layers} encoder + {decoder_layers} decoder "
                     "layers, d_model {d_model}, {n_heads} heads, feed-forward {d_ff}, dropout {dropout}.",
        section=3, colour="#1f5fa8", dash="", marker="s", plain_transformers=True, bf16_influence=True),
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


def name_of_config(config: dict) -> str:
    """The model's name from its config.json or training.json: their "model_type", where the Transformer's
    config.json says "marian" (a plain `MarianMTModel` config, loadable by transformers alone); "" if none."""
    model_type = config.get("model_type") or ""
    return "transformer" if model_type == "marian" else model_type


def page_data() -> list[dict]:
    """What the page's script needs of each model (ui/static/page.js): name, colour, dash and section, in order."""
    return [{"name": m.name, "colour": m.colour, "dash": m.dash, "section": m.section} for m in MODELS]


def with_chosen_decoding(translator, name: str):
    """The translator of model `name`, given the beam rule chosen on validation for it (no_repeat_ngram; beam
    search as the app, training.evaluate and the benchmarks run it). A name outside the registry is left as is."""
    if name in _BY_NAME:
        translator.no_repeat_ngram = _BY_NAME[name].no_repeat_ngram
    return translator
