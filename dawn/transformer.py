"""The 2017 answer: a small encoder-decoder Transformer, built from scratch with
Hugging Face `transformers` (a down-sized MarianMT) and eager attention, so
that every attention weight can be returned and drawn.

Every layer computes scaled dot-product attention, the whiteboard's
computation plus the three missing pieces (position, scaling, Q/K/V):

    Attention(Q, K, V) = softmax(Q Kᵀ / √d_k) V,   Q = X W_Q, K = X W_K, V = X W_V

- encoder self-attention: each Chinese character looks at every other one;
- decoder cross-attention: each English token looks at every Chinese character,
  so no single final state has to carry the whole sentence.
Position comes from fixed sinusoidal embeddings added to the token embeddings.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from transformers import MarianConfig, MarianMTModel
from transformers.cache_utils import DynamicCache, EncoderDecoderCache

from dawn.tokenizer import BOS, EOS, PAD


@dataclass
class TransformerConfig:
    src_vocab_size: int
    tgt_vocab_size: int
    d_model: int = 256        # width of every token vector
    n_heads: int = 4          # attention heads per layer (d_k = d_model / n_heads)
    d_ff: int = 1024          # hidden size of each position-wise feed-forward block
    encoder_layers: int = 2
    decoder_layers: int = 2
    dropout: float = 0.1
    max_target_len: int = 256  # hard cap on decoded length (also the position table size)
    model_type: str = "transformer"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_marian(cls, cfg: dict) -> "TransformerConfig":
        """Read our fields back from a MarianConfig dict (config.json)."""
        return cls(src_vocab_size=cfg["vocab_size"], tgt_vocab_size=cfg["decoder_vocab_size"], d_model=cfg["d_model"],
                   n_heads=cfg["encoder_attention_heads"], d_ff=cfg["encoder_ffn_dim"],
                   encoder_layers=cfg["encoder_layers"], decoder_layers=cfg["decoder_layers"], dropout=cfg["dropout"],
                   max_target_len=cfg.get("dawn_max_target_len", 256))

    def to_marian(self) -> MarianConfig:
        cfg = MarianConfig(
            vocab_size=self.src_vocab_size, decoder_vocab_size=self.tgt_vocab_size,
            share_encoder_decoder_embeddings=False, tie_word_embeddings=True,  # lm_head = decoder embedding
            d_model=self.d_model, encoder_layers=self.encoder_layers, decoder_layers=self.decoder_layers,
            encoder_attention_heads=self.n_heads, decoder_attention_heads=self.n_heads,
            encoder_ffn_dim=self.d_ff, decoder_ffn_dim=self.d_ff, activation_function="gelu",
            dropout=self.dropout, attention_dropout=self.dropout, activation_dropout=0.0,
            max_position_embeddings=max(self.max_target_len, 512), scale_embedding=True,
            pad_token_id=PAD, bos_token_id=BOS, eos_token_id=EOS, decoder_start_token_id=BOS,
            forced_eos_token_id=None, dawn_max_target_len=self.max_target_len,
        )
        cfg._attn_implementation = "eager"  # explicit softmax weights we can return and plot
        return cfg


class TransformerState:
    """Decoder state between steps: encoder output, source mask and the key/value cache."""

    def __init__(self, memory: torch.Tensor, src_mask: torch.Tensor, cache: EncoderDecoderCache):
        self.memory, self.src_mask, self.cache = memory, src_mask, cache  # (B, S, d), (B, S)

    def select(self, idx: torch.Tensor) -> "TransformerState":
        """Keep / reorder batch rows (beam search)."""
        self.cache.reorder_cache(idx)
        return TransformerState(self.memory.index_select(0, idx), self.src_mask.index_select(0, idx), self.cache)


class TransformerSeq2Seq(nn.Module):
    has_attention = True

    def __init__(self, config: TransformerConfig | dict):
        super().__init__()
        if isinstance(config, dict):
            config = TransformerConfig(**config)
        self.config = config
        self.marian = MarianMTModel(config.to_marian())

    # --- what is stored: a plain MarianMTModel folder, so `MarianMTModel.from_pretrained` reads it ----
    @property
    def hub_module(self) -> nn.Module:
        return self.marian

    def hub_config(self) -> dict:
        """config.json: the MarianConfig (weights stored fp16, loaded as fp32)."""
        cfg = self.marian.config.to_dict()
        cfg.update(dtype="float32", architectures=["MarianMTModel"])
        cfg.pop("_attn_implementation_autoset", None)
        return cfg

    def generation_config(self) -> dict:
        """generation_config.json: greedy decoding by default, as long as dawn.decoding allows."""
        return {"decoder_start_token_id": BOS, "bos_token_id": BOS, "eos_token_id": EOS, "pad_token_id": PAD,
                "max_length": self.config.max_target_len, "num_beams": 1, "do_sample": False}

    def forward(self, src: torch.Tensor, src_mask: torch.Tensor, tgt_in: torch.Tensor,
                output_attentions: bool = False):
        """Teacher forcing: (B, S), (B, S), (B, T) -> logits (B, T, V).

        With output_attentions=True returns the Hugging Face output object, whose
        .cross_attentions / .encoder_attentions are per-layer (B, H, T, S) / (B, H, S, S).
        """
        out = self.marian(input_ids=src, attention_mask=src_mask, decoder_input_ids=tgt_in,
                          decoder_attention_mask=(tgt_in != PAD).long(), use_cache=False,
                          output_attentions=output_attentions)
        return out if output_attentions else out.logits

    # --- the incremental interface used by dawn.decoding ---------------------
    def start(self, src: torch.Tensor, src_mask: torch.Tensor) -> TransformerState:
        memory = self.marian.model.encoder(input_ids=src, attention_mask=src_mask).last_hidden_state  # (B, S, d)
        return TransformerState(memory, src_mask, EncoderDecoderCache(DynamicCache(), DynamicCache()))

    def step(self, prev: torch.Tensor, state: TransformerState) -> tuple[torch.Tensor, TransformerState]:
        """prev: (B,) last tokens -> log-probabilities (B, V); keys/values of earlier steps come from the cache."""
        hidden = self.marian.model.decoder(
            input_ids=prev.unsqueeze(1), encoder_hidden_states=state.memory,
            encoder_attention_mask=state.src_mask, past_key_values=state.cache, use_cache=True,
        ).last_hidden_state                                          # (B, 1, d)
        logits = self.marian.lm_head(hidden[:, 0]) + self.marian.final_logits_bias  # (B, V)
        return F.log_softmax(logits, dim=-1), state
