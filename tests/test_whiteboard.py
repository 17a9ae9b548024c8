"""The whiteboard computation: the story's numbers, and bad input."""

from __future__ import annotations

import math

import pytest
import torch

from dawn.whiteboard import (MAX_DIM, MAX_WORDS, STORY_VECTORS, STORY_WORDS, parse_vector, self_attention,
                             swap_order)


def test_story_numbers_for_zhui():
    r = self_attention(STORY_VECTORS, STORY_WORDS)
    i = STORY_WORDS.index("追")
    assert r.scores[i].tolist() == [0.0, 1.0, 0.0]
    assert r.weights[i].tolist() == pytest.approx([0.212, 0.576, 0.212], abs=5e-4)
    assert r.outputs[i].tolist() == pytest.approx([0.318, 0.576, 0.318], abs=5e-4)
    # exactly: e / (e + 2) on the diagonal
    assert r.weights[i, i].item() == pytest.approx(math.e / (math.e + 2), abs=1e-12)
    assert not r.scaled and r.words == STORY_WORDS


def test_scores_are_dot_products_and_rows_sum_to_one():
    r = self_attention(STORY_VECTORS, STORY_WORDS)
    X = torch.tensor(STORY_VECTORS, dtype=torch.float64)
    torch.testing.assert_close(r.scores, X @ X.T)
    torch.testing.assert_close(r.weights.sum(-1), torch.ones(3, dtype=torch.float64))
    torch.testing.assert_close(r.outputs, r.weights @ X)
    assert r.scores[0].tolist() == [1.25, 0.0, 1.0]  # 猫·猫, 猫·追, 猫·老鼠


def test_swapping_the_order_permutes_the_outputs():
    """Without position information, 猫追老鼠 and 老鼠追猫 give each word the same output."""
    words, vectors = swap_order(STORY_WORDS, STORY_VECTORS)
    assert words == ["老鼠", "追", "猫"]
    a, b = self_attention(STORY_VECTORS, STORY_WORDS), self_attention(vectors, words)
    torch.testing.assert_close(b.outputs, a.outputs.flip(0))
    torch.testing.assert_close(b.weights, a.weights.flip(0).flip(1))


def test_scaling_divides_scores_by_sqrt_d():
    vectors = [[1.0, 2.0, 0.0, -1.0], [0.5, 0.0, 3.0, 1.0]]
    plain, scaled = self_attention(vectors), self_attention(vectors, scale=True)
    torch.testing.assert_close(scaled.scores, plain.scores / 2.0)  # √4
    torch.testing.assert_close(scaled.weights, torch.softmax(plain.scores / 2.0, dim=-1))
    assert scaled.scaled and plain.words == ["w1", "w2"]
    # scaling flattens the weights
    assert scaled.weights.max() < plain.weights.max()


def test_large_entries_do_not_overflow():
    r = self_attention([[1e6, 0.0], [0.0, 1e6]])
    assert torch.isfinite(r.weights).all() and torch.isfinite(r.outputs).all()
    torch.testing.assert_close(r.weights, torch.eye(2, dtype=torch.float64))


@pytest.mark.parametrize("text,expected", [("1, 0, 0.5", [1.0, 0.0, 0.5]), ("[1 0 0.5]", [1.0, 0.0, 0.5]),
                                           ("1，-2e-1", [1.0, -0.2]), ("  7 ", [7.0])])
def test_parse_vector(text, expected):
    assert parse_vector(text, "猫") == expected


@pytest.mark.parametrize("text,message", [
    ("", "猫: the vector is empty"),
    ("[ , ]", "猫: the vector is empty"),
    ("1, two, 3", "猫: 'two' is not a number"),
    ("1, nan", "猫: 'nan' is not a finite number"),
    ("inf", "猫: 'inf' is not a finite number"),
    ("1e7", "猫: '1e7' is too large"),
    (", ".join(["1"] * (MAX_DIM + 1)), f"猫: {MAX_DIM + 1} numbers; at most {MAX_DIM}"),
])
def test_parse_vector_refuses_bad_input(text, message):
    with pytest.raises(ValueError) as e:
        parse_vector(text, "猫")
    assert str(e.value).startswith(message)


def test_self_attention_refuses_bad_input():
    with pytest.raises(ValueError, match="all vectors must have the same length, got 猫: 3, 追: 2"):
        self_attention([[1, 0, 0.5], [0, 1]], ["猫", "追"])
    with pytest.raises(ValueError, match=f"need between 1 and {MAX_WORDS} words, got 0"):
        self_attention([])
    with pytest.raises(ValueError, match=f"got {MAX_WORDS + 1}"):
        self_attention([[1.0]] * (MAX_WORDS + 1))
