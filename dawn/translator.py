"""One-line loading and translation.

    from dawn import load_translator
    t = load_translator("checkpoints/transformer")
    r = t.translate("猫追老鼠。", beam_size=4)
    r.text                  # "The cat chased the mouse."
    r.source_tokens         # ['猫', '追', '老', '鼠', '。', '</s>']
    r.cross_attentions      # per layer: (H, T, S) tensors — one layer (1, T, S) for the LSTM
                            # with attention, None for the plain LSTM
    w = t.continue_prefix("猫追老鼠。", "A dog")     # what if it had begun "A dog"? forced, then greedy
    w.text, w.log_prob      # "A dog ..." (starts with the prefix as typed), log p of the whole output
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import torch
from transformers.initialization import no_init_weights

from dawn.checkpoint import CONFIG, TRAINING, CheckpointError, load_weights, read_checkpoint, read_weights
from dawn.decoding import beam_search, forced_prefix_decode, greedy_decode, max_output_len, pad_batch
from dawn.hub import DOCUMENTS, HubModelMixin, local_folder
from dawn.lstm import LSTMConfig, LSTMSeq2Seq
from dawn.lstm_attention import LSTMAttentionConfig, LSTMAttentionSeq2Seq
from dawn.registry import MODELS as SPECS, name_of_config
from dawn.tokenizer import BOS, EOS, PAD, UNK, PairTokenizer
from dawn.transformer import TransformerConfig, TransformerSeq2Seq, finish_uninitialised

MAX_SOURCE_TOKENS = 512  # the Transformer's position table; longer input is refused with a ValueError
MAX_PREFIX_CHARS = 500   # a what-if prefix longer than this is refused before tokenizing
_CLASSES = {cls.__name__: (config, cls) for config, cls in ((LSTMConfig, LSTMSeq2Seq), (LSTMAttentionConfig,
            LSTMAttentionSeq2Seq), (TransformerConfig, TransformerSeq2Seq))}
# model type -> (config class, model class), in the registry's historical order (dawn/registry.py)
MODELS = {s.name: _CLASSES[s.class_name] for s in SPECS}


def build_model(model_type: str, model_config: dict) -> torch.nn.Module:
    if model_type not in MODELS:
        raise ValueError(f"unknown model type {model_type!r}; expected one of {sorted(MODELS)}")
    config_cls, model_cls = MODELS[model_type]
    model_config = {k: v for k, v in model_config.items() if k != "model_type"}
    return model_cls(config_cls(**model_config))


def model_from_config(config: dict, init_weights: bool = True) -> tuple[str, torch.nn.Module]:
    """config.json -> (model type, freshly initialised model).

    init_weights=False, for a model whose stored weights are loaded next: the random initialisation is
    skipped (transformers' no_init_weights: most of the Transformer's load time) and only what is not stored (the
    Transformer's tied output layer and position tables) is made."""
    if not init_weights:
        with no_init_weights():
            model_type, model = model_from_config(config)
        finish_uninitialised(model)
        return model_type, model
    name = name_of_config(config)
    if config.get("model_type") == "marian":   # a plain MarianMTModel config.json
        return name, TransformerSeq2Seq(TransformerConfig.from_marian(config))
    return name, build_model(name, config)


@dataclass
class Translation:
    text: str                     # detokenized English
    source_tokens: list[str]      # Chinese characters fed to the encoder, ending in </s>
    target_tokens: list[str]      # English subwords produced, without </s>
    log_prob: float               # log p(target | source) of the chosen output
    cross_attentions: list[torch.Tensor] | None = None    # per layer (H, T, S); None for the plain LSTM
    encoder_attentions: list[torch.Tensor] | None = None  # per layer (H, S, S); None for the LSTM
    final_state: torch.Tensor | None = None  # LSTM only: (n_layers, d) h — with final_cell, all the decoder ever
    final_cell: torch.Tensor | None = None   # sees of the source: (n_layers, d) c, the memory cell
    ids: list[int] | None = None             # the output's token ids, without </s>
    source_ids: list[int] | None = None      # the encoder's input ids, ending in </s>
    beam_trace: list | None = None           # beam search only: every step's candidates (dawn.decoding.beam_search)
    token_log_probs: list[float] | None = None   # continue_prefix only: (T,) log p(y_t | y_<t, x)
    alternatives: list[list[tuple[int, float]]] | None = None  # continue_prefix only: (T, k) (id, log-prob)
    n_forced: int = 0                        # continue_prefix only: the first n_forced ids were the prefix
    mapped: bool = False                     # whether add_maps has run (translate(maps=False) leaves it to later)


def add_maps(model: torch.nn.Module, result: Translation, src: torch.Tensor, mask: torch.Tensor) -> None:
    """Attention maps (or the LSTM's final state) of result.ids, from one teacher-forced pass.

    src, mask: (1, S), the encoder's input of the sentence result translates.
    """
    result.mapped = True
    ids = result.ids
    if model.has_attention:
        # One teacher-forced pass over the chosen output gives exactly the weights
        # the decoder used: row t is the query that produced target token t.
        # (The LSTM with attention answers with one "layer" of one "head": its α.)
        tgt_in = torch.tensor([[BOS] + ids])                            # (1, T+1), T = len(ids)
        out = model(src, mask, tgt_in, output_attentions=True)
        result.cross_attentions = [a[0, :, : len(ids)] for a in out.cross_attentions]  # (H, T, S)
        if out.encoder_attentions:                                      # the Transformer's self-attention
            result.encoder_attentions = [a[0] for a in out.encoder_attentions]         # (H, S, S)
    else:
        state = model.encode(src, mask)
        result.final_state = state.h[:, 0]                              # (n_layers, d): the output h
        result.final_cell = state.c[:, 0]                               # (n_layers, d): the memory cell c


class Translator:
    def __init__(self, model: torch.nn.Module, tokenizer: PairTokenizer, model_type: str, config: dict,
                 verified: bool = True):
        self.model, self.tokenizer, self.model_type, self.config = model.eval(), tokenizer, model_type, config
        self.verified = verified  # False: the folder had no manifest.json, so its files were not checked
        self.no_repeat_ngram = 0  # beam search's default (dawn.decoding.beam_search); the app and training.evaluate
                                  # set the one chosen on validation (dawn.registry: ModelSpec.no_repeat_ngram)

    @property
    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.model.parameters())

    def _encode(self, sentence: str, normalized: bool = False) -> list[int]:
        ids = self.tokenizer.encode_source(sentence, normalized=normalized)
        if len(ids) > MAX_SOURCE_TOKENS:
            raise ValueError(f"the source has {len(ids)} tokens; at most {MAX_SOURCE_TOKENS} are supported — "
                             "split it into sentences")
        return ids

    @torch.inference_mode()
    def translate_batch(self, sentences: list[str], beam_size: int = 1, length_penalty: float = 1.0,
                        no_repeat_ngram: int | None = None) -> list[str]:
        """Translate many sentences (no attention maps); beam_size=1 is greedy (length_penalty and
        no_repeat_ngram: beam only, see dawn.decoding.beam_search; None: self.no_repeat_ngram)."""
        if not sentences:
            return []
        src, mask = pad_batch([self._encode(s) for s in sentences])
        n = self.no_repeat_ngram if no_repeat_ngram is None else no_repeat_ngram
        decode = greedy_decode if beam_size == 1 else \
            lambda m, s, k: beam_search(m, s, k, beam_size, length_penalty=length_penalty, no_repeat_ngram=n)
        return [self.tokenizer.decode_target(ids) for ids, _ in decode(self.model, src, mask)]

    @torch.inference_mode()
    def translate(self, sentence: str, beam_size: int = 1, normalized: bool = False, maps: bool = True) -> Translation:
        """Translate one sentence; beam_size=1 is greedy. Attention maps for the models that have attention.

        normalized=True: the sentence already went through dawn.text.normalize_zh (as ui.inputs.check_source
        does for the page), so it is not normalised again. maps=False: decode only (what /translate returns);
        ensure_maps(result) adds the maps later, when one is asked for, without decoding again.
        """
        src_ids = self._encode(sentence, normalized)
        src, mask = pad_batch([src_ids])                                    # (1, S)
        trace = None
        if beam_size == 1:
            ids, logp = greedy_decode(self.model, src, mask)[0]
        else:
            trace = []                                                      # kept for the explorer's beam view
            ids, logp = beam_search(self.model, src, mask, beam_size, trace=trace,
                                    no_repeat_ngram=self.no_repeat_ngram)[0]
            trace = trace[0]
        result = Translation(text=self.tokenizer.decode_target(ids),
                             source_tokens=self.tokenizer.source_tokens(src_ids),
                             target_tokens=self.tokenizer.target_tokens(ids), log_prob=logp,
                             ids=list(ids), source_ids=list(src_ids), beam_trace=trace)
        if maps:
            add_maps(self.model, result, src, mask)
        return result

    @torch.inference_mode()
    def ensure_maps(self, result: Translation) -> Translation:
        """The maps of a translation decoded with maps=False (one teacher-forced pass over its ids); as is otherwise."""
        if not result.mapped and result.ids is not None and result.source_ids is not None:
            src, mask = pad_batch([result.source_ids])                      # (1, S)
            add_maps(self.model, result, src, mask)
        return result

    def prefix_ids(self, prefix: str | list[int]) -> list[int]:
        """An English beginning (text, tokenized as the target side is) or target token ids -> checked ids."""
        if isinstance(prefix, str):
            if len(prefix) > MAX_PREFIX_CHARS:
                raise ValueError(f"the prefix has {len(prefix):,} characters; at most {MAX_PREFIX_CHARS} are allowed")
            ids = self.tokenizer.encode_target(prefix)[:-1]                  # without </s>
        else:
            ids = list(prefix)
            if not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
                raise ValueError("a token-id prefix must be a list of integers")
            bad = [i for i in ids if i in (PAD, BOS, EOS) or not 0 <= i < self.tokenizer.tgt_vocab_size]
            if bad:
                raise ValueError(f"prefix ids {bad[:5]} are not English tokens of this model "
                                 f"(expected {UNK} or 4..{self.tokenizer.tgt_vocab_size - 1})")
        if not ids:
            raise ValueError("the prefix is empty: type the beginning of an English translation, or pick a token")
        return ids

    def join_prefix(self, typed: str, prefix: list[int], ids: list[int]) -> str:
        """The output as text that starts with the prefix exactly as typed: typed + the continuation's text.

        The continuation's text is what detokenizing the whole output adds after detokenizing the prefix
        ("The ca" + "t is ..." when the model finishes the word, "The cat" + " is ..." when it starts one).
        """
        whole, start = self.tokenizer.decode_target(ids), self.tokenizer.decode_target(prefix)
        if whole.startswith(start):
            rest = whole[len(start):]
        else:                                                            # detokenization moved a space: a new word
            rest = " " + self.tokenizer.decode_target(ids[len(prefix):])
        if typed[-1:].isspace() and rest.startswith(" "):
            rest = rest[1:]                                              # the typed prefix already ends in a space
        return typed + rest if rest.strip() else typed

    @torch.inference_mode()
    def continue_prefix(self, sentence: str, prefix: str | list[int], top_k: int = 5) -> Translation:
        """What if the translation began with `prefix`? Force it, continue greedily (dawn.decoding).

        prefix: English text (tokenized with the target side of the tokenizer) or target token ids.
        The Translation's text starts with the prefix (as typed, or detokenized from ids); log_prob is the
        whole output's; token_log_probs and the top_k alternatives cover every step, forced ones included;
        maps as in translate().
        """
        src_ids = self._encode(sentence)
        if len(src_ids) <= 1:
            raise ValueError("the source is empty: type a Chinese sentence")
        forced = self.prefix_ids(prefix)
        limit = max_output_len(len(src_ids), self.model.config.max_target_len)
        if len(forced) >= limit:
            raise ValueError(f"the prefix has {len(forced)} tokens; for this sentence at most {limit - 1} "
                             "can be forced, so that the model still continues")
        src, mask = pad_batch([src_ids])                                    # (1, S)
        d = forced_prefix_decode(self.model, src, mask, forced, top_k)
        typed = prefix if isinstance(prefix, str) else self.tokenizer.decode_target(forced)
        result = Translation(text=self.join_prefix(typed, forced, d.ids),
                             source_tokens=self.tokenizer.source_tokens(src_ids),
                             target_tokens=self.tokenizer.target_tokens(d.ids), log_prob=d.log_prob,
                             ids=d.ids, token_log_probs=d.token_log_probs, alternatives=d.alternatives,
                             n_forced=d.n_forced)
        add_maps(self.model, result, src, mask)
        return result



def load_translator(directory: str | Path) -> Translator:
    """Load a checkpoint folder (safetensors + JSON) or a hub repo id ("USER/NAME", downloaded once).

    A folder with a manifest.json is verified by SHA-256 (training.train and save_pretrained write
    one); a folder without one — plain `transformers`' save_pretrained — loads with a warning and
    `translator.verified = False`.
    """
    d = local_folder(directory)
    files, verified = read_checkpoint(d)
    if not verified:
        warnings.warn(f"{d}: no manifest.json, so its files are not verified "
                      f"(seal it with python -m training.publish --seal {d})", stacklevel=2)
    try:
        config = json.loads(files[CONFIG])
        if "model" in config and "training" in config:
            raise ValueError("an old checkpoint (config.json with 'model' and 'training'); "
                             "this version reads the hub layout — retrain it with python -m training.train")
        model_type, model = model_from_config(config, init_weights=False)   # every stored weight is loaded next
    except (ValueError, KeyError, TypeError, AttributeError) as e:  # AttributeError: config.json not an object
        raise CheckpointError(f"{d / CONFIG}: not a valid model config ({e})") from None
    load_weights(model.hub_module, read_weights(files, d), d)
    try:
        tokenizer = PairTokenizer.from_files(files, d, tgt_vocab_size=model.config.tgt_vocab_size)
    except CheckpointError:
        raise
    except Exception as e:  # tokenizers raises its own exception type
        raise CheckpointError(f"{d}: cannot read the tokenizer files ({e})") from None
    try:  # a document, not sealed: how it was trained, for the page and the card
        training = json.loads((d / TRAINING).read_text()) if (d / TRAINING).is_file() else {}
    except ValueError:
        training = {}
    if isinstance(model, HubModelMixin):  # so that model.save_pretrained(...) writes a self-contained folder
        model.tokenizer = tokenizer
        model.hub_documents = {name: (d / name).read_bytes() for name in DOCUMENTS if (d / name).is_file()}
    return Translator(model, tokenizer, model_type,
                      {"model_type": model_type, "model": model.config.to_dict(), "training": training}, verified)
