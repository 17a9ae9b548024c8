"""The 2014 model: an LSTM encoder-decoder WITHOUT attention (Sutskever et al. 2014).

The encoder reads the (reversed) Chinese sentence and keeps only its final
state (h, c) — one vector pair per layer. That is all the decoder ever gets:

    (h_S, c_S) = LSTM_enc(x_S, ..., x_1)          # source reversed, as in the paper
    s_0 = (h_S, c_S)
    s_t = LSTM_dec(embed(y_{t-1}), s_{t-1})
    p(y_t | y_<t, x) = softmax(W s_t)

However long the sentence, it must squeeze through 2 × n_layers × d_hidden
numbers. That bottleneck is what the demo exists to show.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence

from dawn.hub import HubModelMixin
from dawn.tokenizer import PAD


@dataclass
class LSTMConfig:
    src_vocab_size: int
    tgt_vocab_size: int
    d_model: int = 256     # embedding size = LSTM hidden size (so the output layer can share the embedding)
    n_layers: int = 3      # stacked LSTM layers in the encoder and in the decoder
    dropout: float = 0.2   # between layers and on embeddings / outputs
    max_target_len: int = 256  # hard cap on decoded length
    model_type: str = "lstm"

    def to_dict(self) -> dict:
        return asdict(self)


class LSTMState:
    """Decoder state carried between steps: h, c each (n_layers, B, d)."""

    def __init__(self, h: torch.Tensor, c: torch.Tensor):
        self.h, self.c = h, c

    def select(self, idx: torch.Tensor) -> "LSTMState":
        """Keep / reorder batch rows (beam search)."""
        return LSTMState(self.h.index_select(1, idx), self.c.index_select(1, idx))


class LSTMSeq2Seq(nn.Module, HubModelMixin):
    has_attention = False
    reverses_source = True   # the encoder embeds x_S ... x_1: source_embedding's output runs backwards

    def __init__(self, config: LSTMConfig | dict):
        super().__init__()
        if isinstance(config, dict):  # from config.json (from_pretrained)
            config = LSTMConfig(**config)
        self.config = config
        d, L = config.d_model, config.n_layers
        self.src_embed = nn.Embedding(config.src_vocab_size, d, padding_idx=PAD)
        self.tgt_embed = nn.Embedding(config.tgt_vocab_size, d, padding_idx=PAD)
        self.encoder = nn.LSTM(d, d, num_layers=L, dropout=config.dropout, batch_first=True)
        self.decoder = nn.LSTM(d, d, num_layers=L, dropout=config.dropout, batch_first=True)
        self.drop = nn.Dropout(config.dropout)
        # output projection tied to the target embedding: logits = s_t · E_tgtᵀ + b
        self.out_bias = nn.Parameter(torch.zeros(config.tgt_vocab_size))

    @property
    def source_embedding(self) -> nn.Embedding:
        """The source token embedding e_j (dawn/saliency.py differentiates with respect to its output)."""
        return self.src_embed

    def encode(self, src: torch.Tensor, src_mask: torch.Tensor) -> LSTMState:
        """src, src_mask: (B, S) -> the final encoder state, the decoder's only view of the source."""
        lengths = src_mask.sum(1)                                   # (B,)
        # reverse each sentence's real tokens (padding stays at the end)
        S = src.size(1)
        pos = torch.arange(S, device=src.device).unsqueeze(0)       # (1, S)
        rev = (lengths.unsqueeze(1) - 1 - pos).clamp(min=0)         # (B, S)
        src_rev = torch.where(src_mask.bool(), src.gather(1, rev), src)  # (B, S)
        x = self.drop(self.src_embed(src_rev))                      # (B, S, d)
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, (h, c) = self.encoder(packed)                            # h, c: (L, B, d) at each sentence's true end
        return LSTMState(h, c)

    def decode(self, tgt_in: torch.Tensor, state: LSTMState) -> tuple[torch.Tensor, LSTMState]:
        """tgt_in: (B, T) previous tokens -> logits (B, T, V) and the new state."""
        y = self.drop(self.tgt_embed(tgt_in))                       # (B, T, d)
        out, (h, c) = self.decoder(y, (state.h, state.c))           # out: (B, T, d)
        logits = self.drop(out) @ self.tgt_embed.weight.T + self.out_bias  # (B, T, V)
        return logits, LSTMState(h, c)

    def forward(self, src: torch.Tensor, src_mask: torch.Tensor, tgt_in: torch.Tensor) -> torch.Tensor:
        """Teacher forcing: (B, S), (B, S), (B, T) -> logits (B, T, V)."""
        logits, _ = self.decode(tgt_in, self.encode(src, src_mask))
        return logits

    # --- the incremental interface used by dawn.decoding ---------------------
    def start(self, src: torch.Tensor, src_mask: torch.Tensor) -> LSTMState:
        return self.encode(src, src_mask)

    def step(self, prev: torch.Tensor, state: LSTMState) -> tuple[torch.Tensor, LSTMState]:
        """prev: (B,) last tokens -> log-probabilities (B, V) of the next token.

        decode() for a single token, written out as the LSTM equations on nn.LSTM's own weights
        (PyTorch stores the four gates in the order i, f, g, o), layer by layer:

            [i f g o] = W_ih x + b_ih + W_hh h_{t-1} + b_hh
            c_t = σ(f) · c_{t-1} + σ(i) · tanh(g)      forget part of the memory, write something new
            h_t = σ(o) · tanh(c_t)                     what this layer passes up (and to the next step)

        Calling nn.LSTM once per token is slower on a CPU: its oneDNN kernel is made for whole sequences.
        tests/test_models.py checks that the steps equal teacher forcing.
        """
        x = self.drop(self.tgt_embed(prev))                         # (B, d)
        L, hs, cs = self.config.n_layers, [], []
        for l in range(L):
            W_ih, W_hh = getattr(self.decoder, f"weight_ih_l{l}"), getattr(self.decoder, f"weight_hh_l{l}")  # (4d, d)
            b = getattr(self.decoder, f"bias_ih_l{l}") + getattr(self.decoder, f"bias_hh_l{l}")             # (4d,)
            i, f, g, o = (x @ W_ih.T + state.h[l] @ W_hh.T + b).chunk(4, dim=-1)  # (B, d) each
            c = torch.sigmoid(f) * state.c[l] + torch.sigmoid(i) * torch.tanh(g)  # (B, d)
            h = torch.sigmoid(o) * torch.tanh(c)                                  # (B, d)
            hs.append(h), cs.append(c)
            x = F.dropout(h, self.decoder.dropout, self.training) if l < L - 1 else h  # as nn.LSTM between layers
        logits = self.drop(x) @ self.tgt_embed.weight.T + self.out_bias  # (B, V)
        return F.log_softmax(logits, dim=-1), LSTMState(torch.stack(hs), torch.stack(cs))
