"""The 2014 step: an RNN encoder-decoder WITH attention (Bahdanau, Cho & Bengio 2014,
"Neural Machine Translation by Jointly Learning to Align and Translate").

The encoder is a bidirectional LSTM: every source character j gets an annotation
h_j = [→h_j ; ←h_j] that summarises the sentence around j. The decoder no longer
needs one final vector: at every target step t it looks back at ALL of them.

    e_tj = vᵀ tanh(W_s s_{t-1} + W_h h_j)        score: how well does source j fit what I write next?
    α_tj = softmax_j(e_tj)                       weights over the source (padding masked to 0)
    c_t  = Σ_j α_tj h_j                          context: a fresh summary of the source for step t
    s_t  = LSTM([embed(y_{t-1}); c_t], s_{t-1})  the decoder reads the context ...
    p(y_t | y_<t, x) = softmax(E · tanh(W_o [s_t; c_t]))   ... and so does the output layer

That is the whole idea of attention: the first three lines are `additive_attention`
below, a function you can call on its own; the Transformer (2017) keeps the weighted
sum and drops the recurrence (dawn/transformer.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from dawn.hub import HubModelMixin
from dawn.tokenizer import PAD


@dataclass
class LSTMAttentionConfig:
    src_vocab_size: int
    tgt_vocab_size: int
    d_embed: int = 256     # token embedding size (source and target)
    d_enc: int = 256       # encoder LSTM size per direction; annotations h_j have 2·d_enc numbers
    d_dec: int = 512       # decoder LSTM size (s_t)
    d_attn: int = 256      # size of the space where W_s s and W_h h are added before tanh
    enc_layers: int = 2    # stacked bidirectional encoder layers
    dropout: float = 0.2
    max_target_len: int = 256  # hard cap on decoded length
    model_type: str = "lstm_attention"

    def to_dict(self) -> dict:
        return asdict(self)


def additive_attention(query: torch.Tensor, keys: torch.Tensor, values: torch.Tensor, mask: torch.Tensor,
                       v: Callable[[torch.Tensor], torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Bahdanau's additive attention, for one decoder step:

        e_j = vᵀ tanh(W_s s + W_h h_j)     1) score every source position
        α   = softmax(e)                   2) weights that sum to 1 (masked positions get 0)
        c   = Σ_j α_j h_j                  3) the context: a weighted sum of the annotations

    query  (B, A)     W_s s, the decoder state s already projected
    keys   (B, S, A)  W_h h_j, every annotation projected (once per sentence: it does not change with t)
    values (B, S, d_h) the annotations h_j themselves
    mask   (B, S)     1 for a real source position, 0 for padding
    v      vᵀ: a map (..., A) -> (..., 1), in the model nn.Linear(A, 1, bias=False)
    Returns the context c (B, d_h) and the weights α (B, S).

    By hand, one sentence of three characters, A = 2, d_h = 1 (the query agrees with the first key):

    >>> import torch
    >>> v = lambda x: x.sum(-1, keepdim=True)                       # vᵀ = [1, 1]
    >>> query = torch.tensor([[2.0, 0.0]])                          # W_s s       (1, 2)
    >>> keys = torch.tensor([[[2.0, 0.0], [0.0, 0.0], [-2.0, 0.0]]])  # W_h h_j   (1, 3, 2)
    >>> values = torch.tensor([[[1.0], [2.0], [3.0]]])             # h_j         (1, 3, 1)
    >>> c, alpha = additive_attention(query, keys, values, torch.ones(1, 3), v)
    >>> [round(a, 3) for a in alpha[0].tolist()]                    # e = tanh(4), tanh(2), tanh(0)
    [0.429, 0.414, 0.158]
    >>> round(c.item(), 3)                                          # 0.429·1 + 0.414·2 + 0.158·3
    1.729
    """
    e = v(torch.tanh(query.unsqueeze(1) + keys)).squeeze(-1)          # (B, S)  1) e_j = vᵀ tanh(W_s s + W_h h_j)
    e = e.masked_fill(mask == 0, float("-inf"))                       # padding can never be looked at
    alpha = torch.softmax(e, dim=-1)                                  # (B, S)  2) α = softmax(e)
    context = torch.bmm(alpha.unsqueeze(1), values).squeeze(1)        # (B, d_h) 3) c = Σ_j α_j h_j
    return context, alpha


@dataclass
class AttentionOutput:
    """What forward(..., output_attentions=True) returns, shaped like a Hugging Face seq2seq output."""
    logits: torch.Tensor                       # (B, T, V)
    cross_attentions: list[torch.Tensor]       # [(B, 1, T, S)]: the α of every step
    encoder_attentions: None = None            # a recurrent encoder has no self-attention


class AttentionState:
    """Decoder state between steps: (h, c) of the decoder LSTM, the annotations and their projections."""

    def __init__(self, h, c, annotations, keys, src_mask):
        self.h, self.c = h, c                        # (B, d_dec) each
        self.annotations = annotations              # (B, S, 2·d_enc)  h_j
        self.keys = keys                            # (B, S, d_attn)   W_h h_j, computed once per sentence
        self.src_mask = src_mask                    # (B, S)
        self.alpha: torch.Tensor | None = None      # (B, S) the weights of the last step

    def select(self, idx: torch.Tensor) -> "AttentionState":
        """Keep / reorder batch rows (beam search)."""
        s = AttentionState(self.h[idx], self.c[idx], self.annotations[idx], self.keys[idx], self.src_mask[idx])
        s.alpha = None if self.alpha is None else self.alpha[idx]
        return s


class LSTMAttentionSeq2Seq(nn.Module, HubModelMixin):
    has_attention = True
    reverses_source = False  # source_embedding's output is in source order

    def __init__(self, config: LSTMAttentionConfig | dict):
        super().__init__()
        if isinstance(config, dict):  # from config.json (from_pretrained)
            config = LSTMAttentionConfig(**config)
        self.config = config
        E, N, D, A = config.d_embed, config.d_enc, config.d_dec, config.d_attn  # N: encoder width per direction
        self.src_embed = nn.Embedding(config.src_vocab_size, E, padding_idx=PAD)
        self.tgt_embed = nn.Embedding(config.tgt_vocab_size, E, padding_idx=PAD)
        self.encoder = nn.LSTM(E, N, num_layers=config.enc_layers,  # dropout between layers: none with one layer
                               dropout=config.dropout if config.enc_layers > 1 else 0.0,
                               batch_first=True, bidirectional=True)
        self.init_h = nn.Linear(2 * N, D)           # s_0 = tanh(W_init · mean_j h_j)
        self.W_h = nn.Linear(2 * N, A, bias=False)  # keys:  W_h h_j
        self.W_s = nn.Linear(D, A)                  # query: W_s s_{t-1}
        self.v = nn.Linear(A, 1, bias=False)        # vᵀ
        self.decoder = nn.LSTMCell(E + 2 * N, D)    # reads [embed(y_{t-1}); c_t]
        self.W_o = nn.Linear(D + 2 * N, E)          # output: tanh(W_o [s_t; c_t]) · E_tgtᵀ (tied embedding)
        self.out_bias = nn.Parameter(torch.zeros(config.tgt_vocab_size))
        self.drop = nn.Dropout(config.dropout)

    @property
    def source_embedding(self) -> nn.Embedding:
        """The source token embedding e_j (dawn/saliency.py differentiates with respect to its output)."""
        return self.src_embed

    # --- encoder ---------------------------------------------------------------
    def start(self, src: torch.Tensor, src_mask: torch.Tensor) -> AttentionState:
        """src, src_mask: (B, S) -> annotations h_j for every source position, and s_0."""
        B, S = src.shape
        lengths = src_mask.sum(1)                                            # (B,)
        x = self.drop(self.src_embed(src))                                   # (B, S, E)
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, _ = self.encoder(packed)
        annotations, _ = pad_packed_sequence(out, batch_first=True, total_length=S)  # (B, S, 2N), 0 on padding
        mean = annotations.sum(1) / lengths.unsqueeze(1)                     # (B, 2N)
        h0 = torch.tanh(self.init_h(mean))                                   # (B, D)
        keys = self.W_h(annotations)                                         # (B, S, A)
        return AttentionState(h0, torch.zeros_like(h0), annotations, keys, src_mask)

    # --- attention, as on the whiteboard ---------------------------------------
    def attend(self, state: AttentionState) -> tuple[torch.Tensor, torch.Tensor]:
        """-> context c_t (B, 2·d_enc) and weights α_t (B, S), from the previous decoder state s_{t-1}."""
        query = self.W_s(state.h)                                            # (B, A)      W_s s_{t-1}
        return additive_attention(query, state.keys, state.annotations, state.src_mask, self.v)

    def _step(self, y_prev: torch.Tensor, state: AttentionState) -> tuple[torch.Tensor, AttentionState]:
        """One decoder step: y_prev (B,) -> output features (B, E); the state gains s_t and α_t."""
        context, alpha = self.attend(state)                                  # (B, 2N), (B, S)
        x = torch.cat([self.drop(self.tgt_embed(y_prev)), context], dim=-1)  # (B, E + 2N)
        h, c = self.decoder(x, (state.h, state.c))                           # s_t: (B, D)
        feats = torch.tanh(self.W_o(self.drop(torch.cat([h, context], dim=-1))))  # (B, E)
        new = AttentionState(h, c, state.annotations, state.keys, state.src_mask)
        new.alpha = alpha
        return feats, new

    def logits(self, feats: torch.Tensor) -> torch.Tensor:
        """(..., E) -> (..., V): the output layer shares the target embedding."""
        return self.drop(feats) @ self.tgt_embed.weight.T + self.out_bias

    def forward(self, src: torch.Tensor, src_mask: torch.Tensor, tgt_in: torch.Tensor,
                output_attentions: bool = False):
        """Teacher forcing: (B, S), (B, S), (B, T) -> logits (B, T, V).

        output_attentions=True answers like the Transformer does: an object with .logits,
        .cross_attentions (one "layer" with one "head": [(B, 1, T, S)], the α of every step)
        and .encoder_attentions (None).
        """
        state = self.start(src, src_mask)
        feats, alphas = [], []
        for t in range(tgt_in.size(1)):                                      # the recurrence is step by step
            f, state = self._step(tgt_in[:, t], state)
            feats.append(f)
            alphas.append(state.alpha)
        logits = self.logits(torch.stack(feats, dim=1))                      # (B, T, V)
        alpha = torch.stack(alphas, dim=1)                                   # (B, T, S)
        return AttentionOutput(logits, [alpha.unsqueeze(1)]) if output_attentions else logits

    # --- the incremental interface used by dawn.decoding -----------------------
    def step(self, prev: torch.Tensor, state: AttentionState) -> tuple[torch.Tensor, AttentionState]:
        """prev: (B,) last tokens -> log-probabilities (B, V); state.alpha holds this step's weights."""
        feats, state = self._step(prev, state)
        return F.log_softmax(self.logits(feats), dim=-1), state
