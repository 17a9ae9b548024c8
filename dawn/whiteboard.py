"""The episode's whiteboard: self-attention by hand, in NumPy — and the four things the Transformer adds.

    猫 = [1, 0, 0.5]    追 = [0, 1, 0]    老鼠 = [0.5, 0, 1]

For every word i (the query) and every word j (the key):
    1) project   q_i = x_i W_Q,  k_j = x_j W_K,  v_j = x_j W_V      (on the board W = I, so q = k = v = x)
    2) score     s_ij = q_i · k_j                                   (÷ √d_k when scaled)
    3) weights   a_ij = softmax_j(s_ij) = exp(s_ij) / Σ_m exp(s_im)
    4) output    y_i  = Σ_j a_ij v_j

For 追: scores (0, 1, 0) -> weights (0.212, 0.576, 0.212) -> y = [0.318, 0.576, 0.318].

What the board still lacks, and what this module adds so that the page can show it:
    word order     without positions, 老鼠追猫 gives every word the same output as 猫追老鼠  (compare_orders)
    positions      sinusoidal encodings p_i added to x_i make the two orders differ        (sinusoidal_positions)
    Q, K, V        learned matrices decide who listens to whom and what is passed on       (attention, PRESETS)
    √d             q·k of random unit-variance vectors has variance d; ÷√d brings it to 1  (sqrt_d_experiment)
    the n² bill    n words -> n² scores per head per layer                                 (attention_cost)

    from dawn.whiteboard import STORY_WORDS, STORY_VECTORS, run_head
    head = run_head(STORY_WORDS, np.array(STORY_VECTORS))
    head.A[1]    # array([0.21194156, 0.57611688, 0.21194156])

Everything here is pure NumPy and plain data ready for JSON; bad input raises BadInput (a ValueError)
whose English message is built from MESSAGES, and whose key and parameters let the page say it in Chinese.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

import numpy as np

STORY_WORDS = ["猫", "追", "老鼠"]
STORY_VECTORS = [[1.0, 0.0, 0.5], [0.0, 1.0, 0.0], [0.5, 0.0, 1.0]]
ORDERS = {"猫追老鼠": [0, 1, 2], "老鼠追猫": [2, 1, 0]}  # word order -> indices into STORY_WORDS
MAX_ABS = 1e6          # larger entries are refused: the numbers would be unreadable anyway
MAX_DIM = 16           # numbers per vector, and rows/columns per matrix
MAX_TEXT_CHARS = 4000  # raw text of one vector or matrix, checked before any parsing work
BOARD_DECIMALS = 3     # the episode's rounding: 0.212 / 0.576 / 0.212
D_HEAD = 64            # d_k of one head in "Attention Is All You Need" (d_model 512 / 8 heads), for the n² bill
SQRT_D_KEYS, SQRT_D_TRIALS, SQRT_D_SEED = 8, 256, 2014  # the √d experiment: keys per query, queries, seed

MESSAGES = {  # BadInput key -> English message; the page has the same keys in Chinese
    "too_long": "{name}: {chars:,} characters is too long (at most {limit:,})",
    "empty": "{name}: the vector is empty — enter numbers such as 1, 0, 0.5",
    "not_a_number": "{name}: {token} is not a number",
    "not_finite": "{name}: {token} is not a finite number (NaN and infinity are not allowed)",
    "too_large": "{name}: {token} is too large (keep entries within ±{limit:g})",
    "too_many": "{name}: {count} numbers; at most {limit} are allowed",
    "lengths": "all vectors must have the same length, got {lengths}",
    "ragged": "{name}: every row needs the same number of entries, got {lengths}",
    "rows": "{name} has {rows} rows but the vectors have {dim} numbers: it needs {dim} rows "
            "(leave it empty for the identity)",
    "qk_columns": "{name_q} has {q} columns but {name_k} has {k}: queries and keys must have the same size",
    "order": "order must be one of {orders}, got {order}",
    "dim": "the dimension d must be a whole number from {low} to {high}, got {d}",
}


class BadInput(ValueError):
    """What was wrong with the input, in English (str(e)), plus a key and parameters for other languages."""

    def __init__(self, key: str, **params):
        self.key, self.params = key, params
        super().__init__(MESSAGES[key].format(**params))


# ----------------------------------------------------------------------------- the code beside the board

def attention(X: np.ndarray, W_q: np.ndarray, W_k: np.ndarray, W_v: np.ndarray, scale: bool = True):
    """softmax(Q Kᵀ / √d_k) V, one head.  X: (n, d) word vectors; W_q, W_k: (d, d_k); W_v: (d, d_v).
    Returns Q, K (n, d_k), V (n, d_v), scores S (n, n), weights A (n, n), outputs Y (n, d_v)."""
    Q, K, V = X @ W_q, X @ W_k, X @ W_v            # 1) project   q_i = x_i W_Q, k_j = x_j W_K, v_j = x_j W_V
    S = Q @ K.T                                    # 2) score     s_ij = q_i · k_j                 (n, n)
    if scale:
        S = S / np.sqrt(K.shape[1])                #              s_ij / √d_k
    E = np.exp(S - S.max(axis=1, keepdims=True))   # 3) softmax   exp(s_ij - max_m s_im): never overflows
    A = E / E.sum(axis=1, keepdims=True)           #              a_ij = exp(s_ij) / Σ_m exp(s_im)
    Y = A @ V                                      # 4) mix       y_i = Σ_j a_ij v_j               (n, d_v)
    return Q, K, V, S, A, Y


def sinusoidal_positions(n: int, d: int) -> np.ndarray:
    """PE(pos, 2i) = sin(pos / 10000^(2i/d)),  PE(pos, 2i+1) = cos(pos / 10000^(2i/d))  -> (n, d).

    Vaswani et al. 2017, section 3.5; positions count from 0, so the first word gets [0, 1, 0, 1, ...]."""
    pos = np.arange(n)[:, None]                    # (n, 1)
    two_i = np.arange(d) // 2 * 2                  # (d,)  2i, shared by the sin and the cos of a pair
    angle = pos / 10000.0 ** (two_i / d)           # (n, d)
    return np.where(np.arange(d) % 2 == 0, np.sin(angle), np.cos(angle))


# ----------------------------------------------------------------------------- one head on one word order

@dataclass
class Head:
    """Everything the board shows for one head on one word order (n words, d numbers each)."""
    words: list[str]
    X: np.ndarray   # (n, d)   the word vectors, positions already added when `positions` is on
    P: np.ndarray   # (n, d)   the position encodings that were added (zeros when off)
    Q: np.ndarray   # (n, d_k)
    K: np.ndarray   # (n, d_k)
    V: np.ndarray   # (n, d_v)
    dots: np.ndarray     # (n, n)  q_i · k_j before any scaling
    S: np.ndarray        # (n, n)  the scores the softmax sees (÷ √d_k when scaled)
    A: np.ndarray        # (n, n)  weights, each row sums to 1
    Y: np.ndarray        # (n, d_v) outputs
    scaled: bool
    positions: bool

    def to_dict(self) -> dict:
        """Plain lists for JSON, plus the episode's rounding of the weights and outputs."""
        board = lambda a: np.round(a, BOARD_DECIMALS).tolist()  # noqa: E731
        return {"words": self.words, "scaled": self.scaled, "positions": self.positions,
                "x": self.X.tolist(), "p": self.P.tolist(), "q": self.Q.tolist(), "k": self.K.tolist(),
                "v": self.V.tolist(), "dot_products": self.dots.tolist(), "scores": self.S.tolist(),
                "weights": self.A.tolist(), "outputs": self.Y.tolist(),
                "as_on_the_board": {"weights": board(self.A), "outputs": board(self.Y)}}


def run_head(words: list[str], X: np.ndarray, W: tuple | None = None, scale: bool = False,
             positions: bool = False) -> Head:
    """One head on the words in the order given. X: (n, d); W = (W_Q, W_K, W_V) or None for the identity."""
    X = np.asarray(X, dtype=np.float64)
    n, d = X.shape
    W_q, W_k, W_v = W if W is not None else (np.eye(d),) * 3
    P = sinusoidal_positions(n, d) if positions else np.zeros((n, d))
    X = X + P                                              # x_i + p_i: where the word stands
    Q, K, V, S, A, Y = attention(X, W_q, W_k, W_v, scale=scale)
    return Head(list(words), X, P, Q, K, V, Q @ K.T, S, A, Y, scale, positions)


def in_order(order: str, words: list[str], X: np.ndarray) -> tuple[list[str], np.ndarray]:
    """猫追老鼠 -> 老鼠追猫: the words are put in the order named, and each vector travels with its word."""
    if order not in ORDERS:
        raise BadInput("order", orders=" / ".join(ORDERS), order=repr(str(order)[:20]))
    idx = ORDERS[order]
    return [words[i] for i in idx], np.asarray(X)[idx]


def compare_orders(a: Head, b: Head) -> dict[str, float]:
    """For each word, max |y_word(a) - y_word(b)|: zero (up to rounding) when attention ignores word order."""
    return {w: float(np.abs(a.Y[a.words.index(w)] - b.Y[b.words.index(w)]).max()) for w in a.words}


# ----------------------------------------------------------------------------- parsing what the visitor typed

_SEPARATORS = re.compile(r"[\s,，、;；\[\]()（）［］【】]+")  # spaces, commas, brackets (ASCII and full-width)


def _number(token: str, name: str) -> float:
    try:
        v = float(token)
    except ValueError:
        raise BadInput("not_a_number", name=name, token=repr(token[:20])) from None
    if not math.isfinite(v):
        raise BadInput("not_finite", name=name, token=repr(token[:20]))
    if abs(v) > MAX_ABS:
        raise BadInput("too_large", name=name, token=repr(token[:20]), limit=MAX_ABS)
    return v


def parse_vector(text: str | None, name: str) -> list[float]:
    """'1, 0, 0.5' or '[1 0 0.5]' -> [1.0, 0.0, 0.5]; BadInput saying what is wrong otherwise."""
    text = "" if text is None else str(text)
    if len(text) > MAX_TEXT_CHARS:
        raise BadInput("too_long", name=name, chars=len(text), limit=MAX_TEXT_CHARS)
    tokens = [t for t in _SEPARATORS.split(text) if t]
    if not tokens:
        raise BadInput("empty", name=name)
    if len(tokens) > MAX_DIM:
        raise BadInput("too_many", name=name, count=len(tokens), limit=MAX_DIM)
    return [_number(t, name) for t in tokens]


def parse_matrix(text: str | None, name: str, rows: int) -> np.ndarray:
    """'1 0 0; 0 1 0; 0 0 1' (rows split by ';' or new lines) -> (rows, cols); empty -> the identity."""
    text = "" if text is None else str(text)
    if len(text) > MAX_TEXT_CHARS:
        raise BadInput("too_long", name=name, chars=len(text), limit=MAX_TEXT_CHARS)
    lines = [line for line in re.split(r"[;；\n]", text) if _SEPARATORS.sub("", line)]
    if not lines:
        return np.eye(rows)
    if len(lines) > MAX_DIM:
        raise BadInput("too_many", name=name, count=len(lines), limit=MAX_DIM)
    M = [parse_vector(line, name) for line in lines]
    if len({len(r) for r in M}) != 1:
        raise BadInput("ragged", name=name, lengths=", ".join(str(len(r)) for r in M))
    if len(M) != rows:
        raise BadInput("rows", name=name, rows=len(M), dim=rows)
    return np.array(M)


def parse_vectors(texts: list[str | None], names: list[str]) -> np.ndarray:
    """Three vector texts -> X (n, d); BadInput when one is bad or their lengths differ."""
    vectors = [parse_vector(t, w) for t, w in zip(texts, names)]
    if len({len(v) for v in vectors}) != 1:
        raise BadInput("lengths", lengths=", ".join(f"{w}: {len(v)}" for w, v in zip(names, vectors)))
    return np.array(vectors)


def parse_head(texts: tuple[str | None, str | None, str | None], names: tuple[str, str, str], d: int) -> tuple:
    """(W_Q, W_K, W_V) texts -> matrices with d rows; W_Q and W_K must agree on their columns (d_k)."""
    W_q, W_k, W_v = (parse_matrix(t, name, d) for t, name in zip(texts, names))
    if W_q.shape[1] != W_k.shape[1]:
        raise BadInput("qk_columns", name_q=names[0], name_k=names[1], q=W_q.shape[1], k=W_k.shape[1])
    return W_q, W_k, W_v


def matrix_text(M) -> str:
    """The inverse of parse_matrix, for filling a text box: one row per line."""
    return "\n".join(" ".join(f"{float(v) + 0.0:g}" for v in row) for row in np.asarray(M))


# A few heads a visitor can load: who listens to whom (W_Q, W_K) and what is passed on (W_V) become learnable.
_I = np.eye(3)
PRESETS = {
    "identity": (_I, _I, _I),                                          # the episode's board
    "object": (_I, np.array([[1.0, -2, 0], [0, 0, 0], [0, 3, 1]]), _I),  # k_j's 2nd entry = 3·(x_j's 3rd) - 2·(x_j's 1st): 追 -> 老鼠
    "others": (_I, -_I, _I),                                           # s_ij = -x_i·x_j: listen to the others
    "uniform": (np.zeros((3, 3)), _I, _I),                             # every score 0: everyone gets the average
    "values": (_I, _I, np.array([[0.0, 0, 1], [0, 1, 0], [1, 0, 0]])), # same weights, features swapped on the way
}


# ----------------------------------------------------------------------------- why √d

@functools.lru_cache(maxsize=64)
def sqrt_d_experiment(d: int, keys: int = SQRT_D_KEYS, trials: int = SQRT_D_TRIALS, seed: int = SQRT_D_SEED) -> dict:
    """Random q and k with N(0, 1) entries: Var(q·k) = Σ_m Var(q_m k_m) = d, so q·k/√d has variance 1.

    For `trials` queries against `keys` keys each: the measured variance of q·k and of q·k/√d, and the
    softmax's mean max weight and mean entropy (bits; at most log2(keys)) without and with the scaling."""
    if not isinstance(d, (int, np.integer)) or not 1 <= d <= 4096:
        raise BadInput("dim", low=1, high=4096, d=repr(d))
    rng = np.random.default_rng([seed, int(d)])
    q = rng.standard_normal((trials, 1, d))            # (T, 1, d)
    k = rng.standard_normal((trials, keys, d))         # (T, n, d)
    dots = (q * k).sum(-1)                             # (T, n)  q·k_j
    out = {"d": int(d), "keys": keys, "trials": trials, "max_entropy_bits": math.log2(keys),
           "var_dot": float(dots.var()), "var_scaled": float((dots / math.sqrt(d)).var())}
    for name, S in (("unscaled", dots), ("scaled", dots / math.sqrt(d))):
        E = np.exp(S - S.max(-1, keepdims=True))
        A = E / E.sum(-1, keepdims=True)               # (T, n) softmax over the keys
        entropy = -(A * np.log2(np.where(A > 0, A, 1.0))).sum(-1)  # (T,) bits
        out[f"max_weight_{name}"] = float(A.max(-1).mean())
        out[f"entropy_{name}"] = float(entropy.mean())
    return out


# ----------------------------------------------------------------------------- the n² bill

def attention_cost(n: int, d_k: int = D_HEAD) -> dict:
    """One head in one layer over n tokens: n² scores; Q Kᵀ and A V take n²·d_k multiply-adds each;
    the n×n weight matrix in float32 takes 4n² bytes. An LSTM reads the same n tokens in n sequential steps."""
    return {"n": n, "scores": n * n, "multiply_adds": 2 * n * n * d_k, "bytes": 4 * n * n, "lstm_steps": n}
