"""dawn/saliency.py and its place in dawn/explain.py: input × gradient is exactly e_j · ∂ log p(y_t) / ∂ e_j for
every model (checked against plain autograd on the embedding weights, which knows nothing of hooks or of the
plain LSTM reading its source backwards), integrated gradients add up as they should, the weights are left
alone, and the payload carries `saliency` and `agreement` in influence's layout, as plain JSON."""

from __future__ import annotations

import json

import pytest
import torch

from dawn.decoding import pad_batch
from dawn.explain import agreement, explain, merge_rows
from dawn.registry import MODEL_NAMES
from dawn.saliency import saliency
from dawn.tokenizer import BOS
from dawn.translator import Translator

SENTENCE = "他有鱼。"          # every source token distinct: a weight row's gradient is one position's gradient
OUT_IDS = [5, 9, 7, 11]        # a forced output (T = 4), as in test_explain.py


def log_prob(model, src_ids: list[int], out_ids: list[int], t: int) -> torch.Tensor:
    """log p(y_t | y_<t, x): one teacher-forced pass, batch of one, nothing special."""
    src, mask = pad_batch([src_ids])
    logits = model(src, mask, torch.tensor([[BOS] + out_ids]))         # (1, T+1, V)
    return torch.log_softmax(logits[0, t], dim=-1)[out_ids[t]]


@pytest.mark.parametrize("kind", MODEL_NAMES)
def test_saliency_is_input_times_gradient(make_model, tokenizer, kind):
    model = make_model(kind)
    src_ids = tokenizer.encode_source(SENTENCE)
    assert len(set(src_ids)) == len(src_ids)
    s = saliency(model, src_ids, OUT_IDS)                             # (T, S)
    assert s.shape == (len(OUT_IDS), len(src_ids))
    W = model.source_embedding.weight                                  # (V, d) the lookup table
    for t in range(len(OUT_IDS)):
        (grad,) = torch.autograd.grad(log_prob(model, src_ids, OUT_IDS, t), W)   # (V, d)
        expected = (W[src_ids] * grad[src_ids]).sum(-1)                 # (S,) Σ_d e_j,d ∂ log p(y_t) / ∂ e_j,d
        torch.testing.assert_close(s[t], expected.detach(), atol=1e-5, rtol=1e-4)
    assert s.abs().sum() > 0                                            # the check is not 0 == 0
    assert all(p.grad is None for p in model.parameters())              # the weights got no gradient


def test_integrated_gradients_add_up_to_the_change_in_log_prob(make_model, tokenizer):
    """Completeness: Σ_j IG[t, j] = log p(y_t | x) − log p(y_t | e = 0), up to the Riemann sum's error."""
    model = make_model("lstm_attention")
    src_ids = tokenizer.encode_source(SENTENCE)
    ig = saliency(model, src_ids, OUT_IDS, steps=200)                  # (T, S)
    handle = model.source_embedding.register_forward_hook(lambda _m, _i, out: torch.zeros_like(out))
    try:
        with torch.no_grad():
            at_zero = torch.stack([log_prob(model, src_ids, OUT_IDS, t) for t in range(len(OUT_IDS))])
    finally:
        handle.remove()
    with torch.no_grad():
        at_x = torch.stack([log_prob(model, src_ids, OUT_IDS, t) for t in range(len(OUT_IDS))])
    torch.testing.assert_close(ig.sum(-1), at_x - at_zero, atol=0.02, rtol=0.02)
    plain = saliency(model, src_ids, OUT_IDS, steps=1)                  # one point at α = 1: input × gradient
    torch.testing.assert_close(plain, saliency(model, src_ids, OUT_IDS), atol=1e-6, rtol=0)
    with pytest.raises(ValueError, match="steps"):
        saliency(model, src_ids, OUT_IDS, steps=-1)


def test_no_output_means_no_rows(make_model, tokenizer):
    assert saliency(make_model("lstm"), tokenizer.encode_source(SENTENCE), []).shape == (0, 5)


@pytest.mark.parametrize("kind", MODEL_NAMES)
def test_the_payload_carries_saliency_like_influence(make_model, tokenizer, kind):
    translator = Translator(make_model(kind), tokenizer, kind, {"model_type": kind})
    timings: dict = {}
    with torch.inference_mode():                                       # as the app calls it
        p = explain(translator, SENTENCE, timings=timings)
    json.dumps(p)                                                      # plain JSON
    T, S = len(p["target_tokens"]), len(p["source_tokens"])
    assert T > 0 and timings["saliency_ms"] >= 0
    assert len(p["saliency"]) == T and all(len(row) == S for row in p["saliency"])
    assert all(isinstance(v, float) and round(v, 2) == v for row in p["saliency"] for v in row)   # 2 decimals
    words = p["words"]
    W = len(words["tokens"])
    assert len(words["saliency"]) == W and all(len(row) == S for row in words["saliency"])
    summed = merge_rows(torch.tensor(p["saliency"]), words["groups"], "sum")   # a word's rows add up
    assert (summed - torch.tensor(words["saliency"])).abs().max() <= 0.01 * max(len(g) for g in words["groups"])
    a = p["agreement"]
    assert a["words"] == W and len(a["top"]["saliency"]) == len(a["top"]["influence"]) == W
    assert all(0 <= j < S - 1 for j in a["top"]["saliency"])            # never </s>
    if translator.model.has_attention:
        assert len(a["top"]["attention"]) == W and 0 <= a["all"] <= min(a["attention_saliency"], 1)
    else:                                                               # the plain LSTM: no attention to compare
        assert a["top"]["attention"] is None and a["attention_saliency"] is a["attention_influence"] is None
        assert a["all"] == a["saliency_influence"]


def test_agreement_counts_the_words_whose_views_pick_the_same_source():
    # 3 words x (4 sources + </s>); the last column never counts, however large
    attention = torch.tensor([[.7, .1, .1, .0, .1], [.1, .8, .0, .0, .1], [.0, .0, .1, .2, .7]])
    saliency_ = torch.tensor([[2., 0., 0., 0., 9.], [0., 0., 3., 0., 0.], [0., 0., 0., 1., 0.]])
    influence = torch.tensor([[1., 0., 0., 0., 0.], [0., 2., 0., 0., 0.], [0., 0., 0., 4., 0.]])
    a = agreement({"attention": attention, "saliency": saliency_, "influence": influence})
    assert a["top"] == {"attention": [0, 1, 3], "saliency": [0, 2, 3], "influence": [0, 1, 3]}
    assert (a["attention_saliency"], a["attention_influence"], a["saliency_influence"], a["all"]) == (
        0.667, 1.0, 0.667, 0.667)
    b = agreement({"attention": None, "saliency": saliency_, "influence": influence})
    assert b["attention_saliency"] is None and b["all"] == b["saliency_influence"] == 0.667


def test_two_requests_explaining_at_once_do_not_see_each_others_forward_passes():
    # The app explains on two threads with one model: the saliency hook (which replaces the embedding's output)
    # and the whiteboard's q/k/v hooks must act only on their own thread's passes, or one request's decoding
    # would read the other's embeddings, and a whiteboard would catch a one-step decoding pass.
    from concurrent.futures import ThreadPoolExecutor

    from app_fixtures import CHECKPOINTS
    from dawn import load_translator
    from dawn.explain import explain

    t = load_translator(CHECKPOINTS / "transformer")
    sentences = ["猫追老鼠。", "虽然昨天天气不好，但我们还是决定去爬山。", "老鼠跑了。", "我们明天见。"] * 2
    keys = ("text", "saliency", "influence", "whiteboard")
    alone = {s: {k: explain(t, s)[k] for k in keys} for s in set(sentences)}
    with ThreadPoolExecutor(max_workers=2) as pool:
        together = list(pool.map(lambda s: {k: explain(t, s)[k] for k in keys}, sentences))
    assert together == [alone[s] for s in sentences]
