"""The 2017 answer: a small encoder-decoder Transformer, built from scratch with
Hugging Face `transformers` (a down-sized MarianMT) and eager attention, so
that every attention weight can be returned and drawn.

Every layer computes scaled dot-product attention, the whiteboard's
computation plus the three missing pieces (position, scaling, Q/K/V):

    Attention(Q, K, V) = softmax(Q Kᵀ / √d_k) V,   Q = X W_Q, K = X W_K, V = X W_V

The same computation for one head, in a few lines of NumPy you can run by hand,
is `attention` in dawn/whiteboard.py (the story's whiteboard); here Hugging Face's
MarianAttention does it for H heads at once (d_k = d_model / H).

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
import numpy as np
from transformers import MarianConfig, MarianMTModel
from transformers.cache_utils import DynamicCache, EncoderDecoderCache
from transformers.masking_utils import create_bidirectional_mask
from transformers.models.marian.modeling_marian import MarianSinusoidalPositionalEmbedding

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
    """Decoder state between steps: encoder output, the cross-attention mask and the key/value cache."""

    def __init__(self, memory: torch.Tensor, cross_mask: torch.Tensor | None, cache: EncoderDecoderCache):
        self.memory = memory                                       # (B, S, d)
        self.cross_mask = cross_mask                               # (B, 1, 1, S) hides padding; None if there is none
        self.cache = cache

    def select(self, idx: torch.Tensor) -> "TransformerState":
        """Keep / reorder batch rows (beam search)."""
        self.cache.reorder_cache(idx)
        cross_mask = None if self.cross_mask is None else self.cross_mask.index_select(0, idx)
        return TransformerState(self.memory.index_select(0, idx), cross_mask, self.cache)


def sinusoidal_positions(n_pos: int, dim: int) -> torch.Tensor:
    """(n_pos, dim) position table, bit for bit Marian's own (MarianSinusoidalPositionalEmbedding.create_weight),
    without its Python loop over every one of the n_pos * dim entries:

        angle[pos, j] = pos / 10000^(2 * (j // 2) / dim),   table = [sin(angle[:, 0::2]) | cos(angle[:, 1::2])]

    The powers are taken one by one as Marian does (dim scalar calls), the rest elementwise: division, sin and
    cos give the same float64 bits either way, so nothing depends on numpy's vector paths on this CPU."""
    inv = np.array([np.power(10000, 2 * (j // 2) / dim) for j in range(dim)])   # (dim,) float64
    angle = np.arange(n_pos)[:, None] / inv[None, :]                              # (n_pos, dim)
    half = dim // 2 if dim % 2 == 0 else dim // 2 + 1
    out = torch.empty(n_pos, dim)
    out[:, :half] = torch.FloatTensor(np.sin(angle[:, 0::2]))
    out[:, half:] = torch.FloatTensor(np.cos(angle[:, 1::2]))
    return out


def finish_uninitialised(model: nn.Module) -> None:
    """What a model built without initialisation (dawn.translator.model_from_config(..., init_weights=False))
    lacks and its stored weights do not hold: the output layer tied to the shared embedding (as
    MarianMTModel.init_weights ties it), and every sinusoidal position table (never stored:
    dawn.checkpoint.frozen_names)."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, MarianMTModel):
                m.tie_weights()
            if isinstance(m, MarianSinusoidalPositionalEmbedding):
                m.weight.copy_(sinusoidal_positions(*m.weight.shape))


class TransformerSeq2Seq(nn.Module):
    has_attention = True
    reverses_source = False  # source_embedding's output is in source order

    def __init__(self, config: TransformerConfig | dict):
        super().__init__()
        if isinstance(config, dict):
            config = TransformerConfig(**config)
        self.config = config
        self.marian = MarianMTModel(config.to_marian())

    @property
    def source_embedding(self) -> nn.Embedding:
        """The encoder's token embedding e_j, before √d scaling and positions (dawn/saliency.py differentiates
        with respect to its output; input × gradient is the same for the scaled one)."""
        return self.marian.model.encoder.embed_tokens

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
        # The cross-attention mask depends only on the source, so it is built once here, not at every step.
        cross_mask = create_bidirectional_mask(config=self.marian.config, inputs_embeds=memory[:, :1],
                                               attention_mask=src_mask, encoder_hidden_states=memory)
        return TransformerState(memory, cross_mask, EncoderDecoderCache(DynamicCache(), DynamicCache()))

    def step(self, prev: torch.Tensor, state: TransformerState) -> tuple[torch.Tensor, TransformerState]:
        """prev: (B,) last tokens -> log-probabilities (B, V); keys/values of earlier steps come from the cache.

        This is MarianDecoder.forward for one new token, calling the same Hugging Face layers, minus its
        per-step mask building: the new token may look at every cached position (nothing later exists yet),
        so self-attention needs no mask, and the cross-attention mask was built once in start() (building
        masks was a large share of a one-token step's CPU time). tests/test_models.py checks that the steps
        equal one teacher-forced pass of the whole Hugging Face model.
        """
        dec = self.marian.model.decoder
        past = state.cache.get_seq_length()                          # tokens already decoded
        x = dec.embed_tokens(prev.unsqueeze(1)) * dec.embed_scale    # (B, 1, d)   token embedding · √d
        x = x + dec.embed_positions(x.shape[:2], past, position_ids=torch.tensor([past], device=prev.device))
        for layer in dec.layers:                                     # self-attn -> cross-attn -> feed-forward
            x = layer(x, None, state.memory, encoder_attention_mask=state.cross_mask,
                      past_key_values=state.cache, use_cache=True)  # (B, 1, d)
        logits = self.marian.lm_head(x[:, 0]) + self.marian.final_logits_bias  # (B, V)
        return F.log_softmax(logits, dim=-1), state
