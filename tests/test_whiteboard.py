"""dawn/whiteboard.py: the episode's numbers, what the Transformer adds (positions, Q/K/V, √d, the n² bill),
and bad input. Pure NumPy, no app: runs in a second."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dawn import whiteboard as wb
from dawn.whiteboard import (MAX_ABS, MAX_DIM, MAX_TEXT_CHARS, PRESETS, STORY_VECTORS, STORY_WORDS, BadInput,
                             attention, compare_orders, in_order, parse_head, parse_matrix, parse_vector,
                             parse_vectors, run_head, sinusoidal_positions, sqrt_d_experiment)

X = np.array(STORY_VECTORS)  # 猫, 追, 老鼠


def naive(vectors: list[list[float]], scale: bool = False) -> tuple[list, list, list]:
    """The board as the episode writes it, in plain Python: scores, softmax, weighted sums (Q = K = V = X)."""
    d = len(vectors[0])
    S = [[sum(a * b for a, b in zip(x, y)) / (math.sqrt(d) if scale else 1.0) for y in vectors] for x in vectors]
    A = [[math.exp(s) / sum(math.exp(r) for r in row) for s in row] for row in S]
    Y = [[sum(a * y[m] for a, y in zip(row, vectors)) for m in range(d)] for row in A]
    return S, A, Y


# ----------------------------------------------------------------------------- the episode

def test_story_numbers_for_zhui():
    head = run_head(STORY_WORDS, X)
    i = STORY_WORDS.index("追")
    assert head.dots[i].tolist() == [0.0, 1.0, 0.0]
    assert np.round(head.A[i], 3).tolist() == [0.212, 0.576, 0.212]
    assert np.round(head.Y[i], 3).tolist() == [0.318, 0.576, 0.318]
    assert head.A[i, i] == pytest.approx(math.e / (math.e + 2), abs=1e-15)  # exactly e / (e + 2)
    assert head.to_dict()["as_on_the_board"]["outputs"][i] == [0.318, 0.576, 0.318]


def test_default_matrices_against_hand_computed_values():
    """All of S, A and Y for the story's vectors, worked out by hand (e^1.25 = 3.490343, e = 2.718282)."""
    head = run_head(STORY_WORDS, X)
    np.testing.assert_array_equal(head.S, [[1.25, 0, 1], [0, 1, 0], [1, 0, 1.25]])   # s_ij = x_i · x_j
    e125, e1 = math.exp(1.25), math.e
    cat = [e125 / (e125 + 1 + e1), 1 / (e125 + 1 + e1), e1 / (e125 + 1 + e1)]       # 猫's row
    zhui = [1 / (e1 + 2), e1 / (e1 + 2), 1 / (e1 + 2)]
    np.testing.assert_allclose(head.A, [cat, zhui, cat[::-1]], rtol=0, atol=1e-15)
    np.testing.assert_allclose(head.A, [[0.484190, 0.138723, 0.377087], [0.211942, 0.576117, 0.211942],
                                        [0.377087, 0.138723, 0.484190]], atol=1e-6)
    np.testing.assert_allclose(head.Y, [[0.672734, 0.138723, 0.619182], [0.317912, 0.576117, 0.317912],
                                        [0.619182, 0.138723, 0.672734]], atol=1e-6)
    np.testing.assert_allclose(head.A.sum(1), 1.0, atol=1e-15)


@pytest.mark.parametrize("scale", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_identity_projections_equal_the_naive_computation(scale, seed):
    vectors = np.random.default_rng(seed).normal(size=(3, 5)).tolist()
    S, A, Y = naive(vectors, scale)
    for W in (None, (np.eye(5),) * 3):
        head = run_head(STORY_WORDS, np.array(vectors), W, scale=scale)
        np.testing.assert_allclose(head.S, S, atol=1e-12)
        np.testing.assert_allclose(head.A, A, atol=1e-12)
        np.testing.assert_allclose(head.Y, Y, atol=1e-12)
    assert naive(STORY_VECTORS)[1][1] == pytest.approx(run_head(STORY_WORDS, X).A[1].tolist(), abs=1e-15)


def test_attention_is_softmax_of_scaled_projections():
    rng = np.random.default_rng(3)
    Xr, W_q, W_k, W_v = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=(3, 2)), rng.normal(size=(3, 5))
    Q, K, V, S, A, Y = attention(Xr, W_q, W_k, W_v, scale=True)
    assert (Q.shape, K.shape, V.shape, S.shape, A.shape, Y.shape) == ((4, 2), (4, 2), (4, 5), (4, 4), (4, 4), (4, 5))
    expected = np.exp(Xr @ W_q @ (Xr @ W_k).T / math.sqrt(2))
    expected /= expected.sum(1, keepdims=True)
    np.testing.assert_allclose(A, expected, atol=1e-12)
    np.testing.assert_allclose(Y, expected @ Xr @ W_v, atol=1e-12)


def test_scaling_divides_scores_by_sqrt_dk():
    head, plain = run_head(STORY_WORDS, X, scale=True), run_head(STORY_WORDS, X)
    np.testing.assert_allclose(head.S, plain.S / math.sqrt(3))
    np.testing.assert_allclose(head.dots, plain.dots)
    assert np.round(head.A[1], 3).tolist() == [0.264, 0.471, 0.264]
    assert head.A.max() < plain.A.max()  # scaling flattens the weights


def test_large_entries_do_not_overflow():
    big = np.array([[1e6, 0, 0], [0, 1e6, 0], [0, 0, 1e6]])
    head = run_head(STORY_WORDS, big, (big, big, big), scale=True, positions=True)
    assert np.isfinite(head.A).all() and np.isfinite(head.Y).all()
    np.testing.assert_allclose(head.A, np.eye(3), atol=1e-12)


# ----------------------------------------------------------------------------- word order and positions

def test_without_positions_the_two_orders_are_a_permutation():
    a = run_head(*in_order("猫追老鼠", STORY_WORDS, X))
    b = run_head(*in_order("老鼠追猫", STORY_WORDS, X))
    assert b.words == ["老鼠", "追", "猫"]
    np.testing.assert_allclose(b.Y, a.Y[::-1], atol=1e-15)         # every word: the same output
    np.testing.assert_allclose(b.A, a.A[::-1, ::-1], atol=1e-15)   # the weights, only permuted
    assert max(compare_orders(a, b).values()) < 1e-12
    for name, W in PRESETS.items():  # whatever W_Q, W_K, W_V: attention alone ignores word order
        a, b = (run_head(*in_order(o, STORY_WORDS, X), W, scale=True) for o in wb.ORDERS)
        assert max(compare_orders(a, b).values()) < 1e-12, name


def test_with_positions_the_two_orders_differ():
    a = run_head(*in_order("猫追老鼠", STORY_WORDS, X), positions=True)
    b = run_head(*in_order("老鼠追猫", STORY_WORDS, X), positions=True)
    diff = compare_orders(a, b)
    assert set(diff) == set(STORY_WORDS) and all(v > 0.01 for v in diff.values())
    assert diff["猫"] == pytest.approx(1.2548, abs=1e-4) and diff["追"] == pytest.approx(0.0667, abs=1e-4)
    np.testing.assert_allclose(a.X - a.P, X)                 # x_i + p_i, and the vectors travel with their words
    np.testing.assert_allclose(b.P, a.P)                     # positions stay where they are


def test_sinusoidal_positions_follow_the_paper():
    P = sinusoidal_positions(50, 8)
    pos, i = np.arange(50)[:, None], np.arange(4)[None, :]
    np.testing.assert_allclose(P[:, 0::2], np.sin(pos / 10000 ** (2 * i / 8)), atol=1e-15)
    np.testing.assert_allclose(P[:, 1::2], np.cos(pos / 10000 ** (2 * i / 8)), atol=1e-15)
    np.testing.assert_allclose(sinusoidal_positions(3, 3)[0], [0, 1, 0])
    np.testing.assert_allclose(sinusoidal_positions(3, 3)[1], [math.sin(1), math.cos(1), math.sin(10000 ** (-2 / 3))])


def test_unknown_order_is_refused():
    with pytest.raises(BadInput, match="order must be one of 猫追老鼠 / 老鼠追猫, got '猫猫'"):
        in_order("猫猫", STORY_WORDS, X)


# ----------------------------------------------------------------------------- queries, keys, values

def test_presets():
    i = STORY_WORDS.index
    identity = run_head(STORY_WORDS, X, PRESETS["identity"])
    np.testing.assert_array_equal(identity.A, run_head(STORY_WORDS, X).A)   # the board
    obj = run_head(STORY_WORDS, X, PRESETS["object"])
    assert obj.A[i("追")].argmax() == i("老鼠") and obj.A[i("追"), i("老鼠")] > 0.8   # 追 listens to 老鼠
    others = run_head(STORY_WORDS, X, PRESETS["others"])
    assert all(others.A[k].argmax() != k for k in range(3))                       # nobody listens to itself
    np.testing.assert_allclose(run_head(STORY_WORDS, X, PRESETS["uniform"]).A, 1 / 3)
    values = run_head(STORY_WORDS, X, PRESETS["values"])
    np.testing.assert_array_equal(values.A, identity.A)                           # same weights ...
    np.testing.assert_allclose(values.Y, identity.Y[:, ::-1])                     # ... other values


def test_matrices_parse_and_round_trip():
    M = parse_matrix("1 0 0; 0 1 0\n0, 0, 1", "W_Q", 3)
    np.testing.assert_array_equal(M, np.eye(3))
    np.testing.assert_array_equal(parse_matrix("", "W_Q", 4), np.eye(4))          # empty: the identity
    np.testing.assert_array_equal(parse_matrix(wb.matrix_text(PRESETS["object"][1]), "W_K", 3), PRESETS["object"][1])
    W_q, W_k, W_v = parse_head(("1 0; 0 1; 1 1", "2 0; 0 2; 0 0", "1; 1; 1"), ("W_Q", "W_K", "W_V"), 3)
    assert (W_q.shape, W_k.shape, W_v.shape) == ((3, 2), (3, 2), (3, 1))           # d_k = 2, d_v = 1


# ----------------------------------------------------------------------------- why √d

def test_scaled_max_weight_stays_below_unscaled_as_d_grows():
    dims = (3, 16, 64, 256, 512)
    runs = [sqrt_d_experiment(d) for d in dims]
    for r in runs:
        assert r["max_weight_scaled"] < r["max_weight_unscaled"]
        assert r["entropy_scaled"] > r["entropy_unscaled"]
        assert 0.75 < r["var_dot"] / r["d"] < 1.25 and 0.75 < r["var_scaled"] < 1.25   # Var(q·k) = d; ÷√d: 1
    unscaled = [r["max_weight_unscaled"] for r in runs]
    assert unscaled == sorted(unscaled) and unscaled[-1] > 0.9                  # towards one-hot
    assert all(0.3 < r["max_weight_scaled"] < 0.4 for r in runs)                # the same at every d
    assert sqrt_d_experiment(100) == sqrt_d_experiment(100)                     # seeded
    with pytest.raises(BadInput):
        sqrt_d_experiment(0)


def test_the_n_squared_bill():
    story = wb.attention_cost(54)
    assert story == {"n": 54, "scores": 2916, "multiply_adds": 2 * 2916 * 64, "bytes": 4 * 2916, "lstm_steps": 54}
    assert wb.attention_cost(4096)["scores"] == 16_777_216 and wb.attention_cost(4096)["bytes"] == 64 * 2**20
    assert wb.attention_cost(3)["scores"] == 9


# ----------------------------------------------------------------------------- what a visitor may type

@pytest.mark.parametrize("text,expected", [
    ("1, 0, 0.5", [1.0, 0.0, 0.5]), ("[1 0 0.5]", [1.0, 0.0, 0.5]), ("1，-2e-1", [1.0, -0.2]), ("  7 ", [7.0]),
    ("（1，0，0.5）", [1.0, 0.0, 0.5]), ("1e6", [1e6]), ("5e-324", [5e-324])])
def test_parse_vector(text, expected):
    assert parse_vector(text, "猫") == expected


@pytest.mark.parametrize("text,key,message", [
    ("", "empty", "猫: the vector is empty"),
    (None, "empty", "猫: the vector is empty"),
    ("[ , ]", "empty", "猫: the vector is empty"),
    ("1, two, 3", "not_a_number", "猫: 'two' is not a number"),
    ("<script>alert(1)</script>", "not_a_number", "猫: '<script>alert' is not a number"),  # ( ) separate
    ("1\x00 0", "not_a_number", "猫: '1\\x00' is not a number"),
    ("1, nan", "not_finite", "猫: 'nan' is not a finite number"),
    ("inf", "not_finite", "猫: 'inf' is not a finite number"),
    ("0 -inf 0", "not_finite", "猫: '-inf' is not a finite number"),
    ("9" * 400, "not_finite", "猫: '99999999999999999999' is not a finite number"),
    ("1e7", "too_large", "猫: '1e7' is too large"),
    (", ".join(["1"] * (MAX_DIM + 1)), "too_many", f"猫: {MAX_DIM + 1} numbers; at most {MAX_DIM}"),
    ("1 " * 10_000, "too_long", f"猫: 20,000 characters is too long (at most {MAX_TEXT_CHARS:,})"),
])
def test_parse_vector_refuses_bad_input(text, key, message):
    with pytest.raises(BadInput) as e:
        parse_vector(text, "猫")
    assert e.value.key == key and str(e.value).startswith(message) and isinstance(e.value, ValueError)


def test_bad_vector_sets_and_matrices_are_refused():
    with pytest.raises(BadInput, match="all vectors must have the same length, got 猫: 3, 追: 2, 老鼠: 3"):
        parse_vectors(["1, 0, 0.5", "0, 1", "0.5, 0, 1"], STORY_WORDS)
    with pytest.raises(BadInput, match="W_Q: every row needs the same number of entries, got 3, 2"):
        parse_matrix("1 0 0\n0 1", "W_Q", 2)
    with pytest.raises(BadInput, match="W_Q has 3 rows but the vectors have 4 numbers"):
        parse_matrix("1 0 0\n0 1 0\n0 0 1", "W_Q", 4)
    with pytest.raises(BadInput, match="W_Q has 2 columns but W_K has 3"):
        parse_head(("1 0; 0 1; 0 0", "", ""), ("W_Q", "W_K", "W_V"), 3)
    with pytest.raises(BadInput, match="W_V: 'x' is not a number"):
        parse_head(("", "", "x"), ("W_Q", "W_K", "W_V"), 3)
    with pytest.raises(BadInput, match=f"{MAX_DIM + 1} numbers"):
        parse_matrix("\n".join(["1"] * (MAX_DIM + 1)), "W_V", MAX_DIM + 1)
    assert MAX_ABS == 1e6
