"""One-line loading and translation.

    from dawn import load_translator
    t = load_translator("checkpoints/transformer")
    r = t.translate("猫追老鼠。", beam_size=4)
    r.text                  # "The cat chased the mouse."
    r.source_tokens         # ['猫', '追', '老', '鼠', '。', '</s>']
    r.cross_attentions      # per layer: (H, T, S) tensors — one layer (1, T, S) for the LSTM
                            # with attention, None for the plain LSTM
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch

from dawn.checkpoint import CONFIG, TRAINING, CheckpointError, load_weights, read_weights, verify_checkpoint
from dawn.decoding import beam_search, greedy_decode, pad_batch
from dawn.lstm import LSTMConfig, LSTMSeq2Seq
from dawn.lstm_attention import LSTMAttentionConfig, LSTMAttentionSeq2Seq
from dawn.registry import MODELS as SPECS
from dawn.registry import spec
from dawn.tokenizer import BOS, PairTokenizer
from dawn.transformer import TransformerConfig, TransformerSeq2Seq

MAX_SOURCE_TOKENS = 512  # the Transformer's position table; longer input is refused with a ValueError
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


def model_from_config(config: dict) -> tuple[str, torch.nn.Module]:
    """config.json -> (model type, freshly initialised model)."""
    if config.get("model_type") == "marian":
        return "transformer", TransformerSeq2Seq(TransformerConfig.from_marian(config))
    return config.get("model_type"), build_model(config.get("model_type"), config)


@dataclass
class Translation:
    text: str                     # detokenized English
    source_tokens: list[str]      # Chinese characters fed to the encoder, ending in </s>
    target_tokens: list[str]      # English subwords produced, without </s>
    log_prob: float               # log p(target | source) of the chosen output
    cross_attentions: list[torch.Tensor] | None = None    # per layer (H, T, S); None for the plain LSTM
    encoder_attentions: list[torch.Tensor] | None = None  # per layer (H, S, S); None for the LSTM
    final_state: torch.Tensor | None = None  # LSTM only: (n_layers, d) — all the decoder ever sees of the source
    ids: list[int] | None = None             # the output's token ids, without </s>
    beam_trace: list | None = None           # beam search only: every step's candidates (dawn.decoding.beam_search)


class Translator:
    def __init__(self, model: torch.nn.Module, tokenizer: PairTokenizer, model_type: str, config: dict):
        self.model, self.tokenizer, self.model_type, self.config = model.eval(), tokenizer, model_type, config

    @property
    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.model.parameters())

    def _encode(self, sentence: str) -> list[int]:
        ids = self.tokenizer.encode_source(sentence)
        if len(ids) > MAX_SOURCE_TOKENS:
            raise ValueError(f"the source has {len(ids)} tokens; at most {MAX_SOURCE_TOKENS} are supported — "
                             "split it into sentences")
        return ids

    @torch.inference_mode()
    def translate_batch(self, sentences: list[str], beam_size: int = 1, length_penalty: float = 1.0) -> list[str]:
        """Translate many sentences (no attention maps); beam_size=1 is greedy (length_penalty: beam only)."""
        if not sentences:
            return []
        src, mask = pad_batch([self._encode(s) for s in sentences])
        decode = greedy_decode if beam_size == 1 else \
            lambda m, s, k: beam_search(m, s, k, beam_size, length_penalty=length_penalty)
        return [self.tokenizer.decode_target(ids) for ids, _ in decode(self.model, src, mask)]

    @torch.inference_mode()
    def translate(self, sentence: str, beam_size: int = 1) -> Translation:
        """Translate one sentence; beam_size=1 is greedy. Attention maps for the Transformer."""
        src_ids = self._encode(sentence)
        src, mask = pad_batch([src_ids])                                    # (1, S)
        trace = None
        if beam_size == 1:
            ids, logp = greedy_decode(self.model, src, mask)[0]
        else:
            trace = []                                                      # kept for the explorer's beam view
            ids, logp = beam_search(self.model, src, mask, beam_size, trace=trace)[0]
            trace = trace[0]
        result = Translation(text=self.tokenizer.decode_target(ids),
                             source_tokens=self.tokenizer.source_tokens(src_ids),
                             target_tokens=self.tokenizer.target_tokens(ids), log_prob=logp,
                             ids=list(ids), beam_trace=trace)
        if spec(self.model_type).attention == "additive":
            # The same: a teacher-forced pass returns the α of every step, one "layer" with one "head".
            tgt_in = torch.tensor([[BOS] + ids])                            # (1, T+1)
            _, alpha = self.model(src, mask, tgt_in, return_attention=True)  # (1, T+1, S)
            result.cross_attentions = [alpha[:, : len(ids)]]                 # (1, T, S)
        elif self.model.has_attention:
            # One teacher-forced pass over the chosen output gives exactly the weights
            # the decoder used: row t is the query that produced target token t.
            tgt_in = torch.tensor([[BOS] + ids])                            # (1, T+1), T = len(ids)
            out = self.model(src, mask, tgt_in, output_attentions=True)
            result.cross_attentions = [a[0, :, : len(ids)] for a in out.cross_attentions]  # (H, T, S)
            result.encoder_attentions = [a[0] for a in out.encoder_attentions]             # (H, S, S)
        else:
            result.final_state = self.model.encode(src, mask).h[:, 0]       # (n_layers, d)
        return result


def load_translator(directory: str | Path) -> Translator:
    """Load a checkpoint folder written by training/train.py (safetensors + JSON, verified by SHA-256)."""
    d = Path(directory)
    files = verify_checkpoint(d)
    try:
        config = json.loads(files[CONFIG])
        if "model" in config and "training" in config:
            raise ValueError("an old checkpoint (config.json with 'model' and 'training'); "
                             "this version reads the hub layout — retrain it with python -m training.train")
        model_type, model = model_from_config(config)
    except (ValueError, KeyError, TypeError, AttributeError) as e:  # AttributeError: config.json not an object
        raise CheckpointError(f"{d / CONFIG}: not a valid model config ({e})") from None
    load_weights(model.hub_module, read_weights(files, d), d)
    try:
        tokenizer = PairTokenizer.from_files(files, d)
    except CheckpointError:
        raise
    except Exception as e:  # tokenizers raises its own exception type
        raise CheckpointError(f"{d}: cannot read the tokenizer files ({e})") from None
    training = json.loads(files[TRAINING]) if TRAINING in files else {}
    return Translator(model, tokenizer, model_type,
                      {"model_type": model_type, "model": model.config.to_dict(), "training": training})
