"""The episode's whiteboard: self-attention by hand, for three words.

    猫 = [1, 0, 0.5]    追 = [0, 1, 0]    老鼠 = [0.5, 0, 1]

For every word i (the query) and every word j:
    1) score      s_ij = x_i · x_j                  (optionally / √d)
    2) weights    a_ij = softmax_j(s_ij) = exp(s_ij) / Σ_k exp(s_ik)
    3) output     y_i  = Σ_j a_ij x_j

For 追: scores (0, 1, 0) -> weights (0.212, 0.576, 0.212) -> y = [0.318, 0.576, 0.318].
What the whiteboard still lacks (and the Transformer adds): position information,
the √d scaling, separate query/key/value projections, and it costs O(n²).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

STORY_WORDS = ["猫", "追", "老鼠"]
STORY_VECTORS = [[1.0, 0.0, 0.5], [0.0, 1.0, 0.0], [0.5, 0.0, 1.0]]
MAX_ABS = 1e6   # larger entries are refused: the numbers would be unreadable anyway
MAX_WORDS, MAX_DIM = 12, 16


@dataclass
class WhiteboardResult:
    words: list[str]
    vectors: torch.Tensor   # (n, d) the input vectors x_i
    scores: torch.Tensor    # (n, n) s_ij, already divided by √d when scaled
    weights: torch.Tensor   # (n, n) a_ij, each row sums to 1
    outputs: torch.Tensor   # (n, d) y_i
    scaled: bool


def parse_vector(text: str, word: str) -> list[float]:
    """'1, 0, 0.5' or '[1 0 0.5]' -> [1.0, 0.0, 0.5]; ValueError with a readable message otherwise."""
    parts = str(text).replace("[", " ").replace("]", " ").replace(",", " ").replace("，", " ").split()
    if not parts:
        raise ValueError(f"{word}: the vector is empty — enter numbers such as 1, 0, 0.5")
    values = []
    for p in parts:
        try:
            v = float(p)
        except ValueError:
            raise ValueError(f"{word}: {p[:20]!r} is not a number") from None
        if not math.isfinite(v):
            raise ValueError(f"{word}: {p[:20]!r} is not a finite number (NaN and infinity are not allowed)")
        if abs(v) > MAX_ABS:
            raise ValueError(f"{word}: {p[:20]!r} is too large (keep entries within ±{MAX_ABS:g})")
        values.append(v)
    if len(values) > MAX_DIM:
        raise ValueError(f"{word}: {len(values)} numbers; at most {MAX_DIM} are allowed")
    return values


def self_attention(vectors: list[list[float]], words: list[str] | None = None, scale: bool = False) -> WhiteboardResult:
    """softmax(X Xᵀ [/ √d]) X — self-attention with no learned projections (Q = K = V = X)."""
    words = words or [f"w{i + 1}" for i in range(len(vectors))]
    if not 1 <= len(vectors) <= MAX_WORDS:
        raise ValueError(f"need between 1 and {MAX_WORDS} words, got {len(vectors)}")
    dims = {len(v) for v in vectors}
    if len(dims) != 1:
        raise ValueError("all vectors must have the same length, got " +
                         ", ".join(f"{w}: {len(v)}" for w, v in zip(words, vectors)))
    X = torch.tensor(vectors, dtype=torch.float64)   # (n, d)
    d = X.size(1)
    scores = X @ X.T                                 # 1) (n, n) dot products s_ij = x_i · x_j
    if scale:
        scores = scores / math.sqrt(d)               #    scaled: s_ij / √d
    weights = torch.softmax(scores, dim=-1)          # 2) (n, n) each row sums to 1 (max-subtracted, no overflow)
    outputs = weights @ X                            # 3) (n, d) y_i = Σ_j a_ij x_j
    return WhiteboardResult(words, X, scores, weights, outputs, scale)


def swap_order(words: list[str], vectors: list[list[float]]) -> tuple[list[str], list[list[float]]]:
    """猫追老鼠 -> 老鼠追猫: reverse the word order (the vectors travel with their words)."""
    return words[::-1], vectors[::-1]
