"""Gradient saliency: how sensitive each output token's log-probability is to each source token's embedding.

    from dawn.saliency import saliency
    s = saliency(model, src_ids, out_ids)              # (T, S): input × gradient
    ig = saliency(model, src_ids, out_ids, steps=16)   # (T, S): integrated gradients, 16 steps from e = 0

Input × gradient (Shrikumar et al. 2016; for translation, Ding et al. 2019, who found it aligns words better
than attention), with the model's own output teacher-forced:

    s[t, j] = Σ_d e_j,d · ∂ log p(y_t | y_<t, x) / ∂ e_j,d

e_j is source token j's embedding, straight from the model's lookup (model.source_embedding), before any
scaling or positions (a constant scale c cancels: (c e) · ∂/∂(c e) = e · ∂/∂e). It is the first-order
estimate of how much log p(y_t) would drop if e_j were zero: a local, gradient cousin of influence (the drop
when token j is replaced by <unk>, measured, dawn/explain.py). Positive: y_t leans on x_j; negative: x_j
speaks against y_t. It needs no attention, so the plain LSTM gets it too.

Integrated gradients (Sundararajan et al. 2017) average the gradient along the straight path from a baseline
e' = 0 to e, with `steps` points α = k/steps (a right Riemann sum):

    IG[t, j] = Σ_d e_j,d · (1/steps) Σ_k ∂ log p(y_t | y_<t, α_k e) / ∂ e_j,d

and add up to log p(y_t | x) − log p(y_t | e = 0) over j as steps grows (completeness).

One batched backward. The sentence is copied T times (× steps for IG); copy (k, t) is teacher-forced on the
output and contributes log p(y_t) at α_k. The copies share nothing but weights, so the gradient of the sum in
copy (k, t)'s embeddings is exactly that of its own term. Weights never receive a gradient (the embeddings are
the only leaves, and torch.autograd.grad computes nothing else).
"""

from __future__ import annotations

import threading

import torch

from dawn.tokenizer import BOS

MAX_COPIES = 64     # copies per forward/backward pass, as influence's rows (each holds T x V logits: bounds memory)


def _embedding_leaf(alphas: torch.Tensor, store: dict):
    """A forward hook for model.source_embedding: on its first call of a forward pass (the encoder's; a shared
    embedding is called again by the decoder) it scales the output by alpha per copy and makes that the leaf
    the gradient is taken for. alphas: (B,). The app serves requests on two threads that share the model: the
    hook touches only the forward pass of the thread that registered it (None leaves another's output as is)."""
    owner = threading.get_ident()

    def hook(_module, _inputs, out):                                    # out: (B, S, d)
        if threading.get_ident() != owner:
            return None
        if "e" in store:
            return out
        store["e"] = out.detach()                                       # e_j, (B, S, d)
        store["x"] = (out.detach() * alphas[:, None, None]).requires_grad_(True)  # α e_j: what the model reads
        return store["x"]

    return hook


def _gradient_rows(model, src_ids: list[int], out_ids: list[int], alphas: torch.Tensor, targets: torch.Tensor
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """Copies b = 0..B-1 of the sentence at scale alphas[b], each scoring target position targets[b]:
    -> e (B, S, d) and ∂ log p(y_targets[b]) / ∂(α e) in copy b (B, S, d), in source order."""
    B, S, T = len(alphas), len(src_ids), len(out_ids)
    src = torch.tensor([src_ids]).expand(B, S)                          # (B, S) all the same length: no padding
    tgt_in = torch.tensor([[BOS] + out_ids[:-1]]).expand(B, T)          # (B, T) position t predicts out_ids[t]
    y = torch.tensor(out_ids)[targets]                                  # (B,) each copy's target token
    store: dict = {}
    handle = model.source_embedding.register_forward_hook(_embedding_leaf(alphas, store))
    try:
        logits = model(src, torch.ones_like(src), tgt_in)               # (B, T, V)
    finally:
        handle.remove()
    logp = torch.log_softmax(logits[torch.arange(B), targets].float(), dim=-1)  # (B, V) at each copy's target step
    objective = logp.gather(-1, y[:, None]).sum()                       # Σ_b log p(y_{t_b} | copy b)
    (grad,) = torch.autograd.grad(objective, store["x"])                # (B, S, d)
    e = store["e"]
    if model.reverses_source:                                           # the encoder embedded x_S ... x_1
        e, grad = e.flip(1), grad.flip(1)
    return e, grad


def saliency(model, src_ids: list[int], out_ids: list[int], steps: int = 0) -> torch.Tensor:
    """(T, S) input × gradient (steps=0) or integrated gradients with `steps` points (steps >= 1), of log p(y_t)
    for the model's own output out_ids (T tokens, no </s>) on the source src_ids (S tokens, </s> included).
    Gradients are taken in float32 outside inference mode; the model's weights are not touched."""
    if steps < 0:
        raise ValueError(f"steps must be 0 (input × gradient) or a positive number of points, got {steps}")
    T, S = len(out_ids), len(src_ids)
    if T == 0:
        return torch.zeros(0, S)
    with torch.inference_mode(False), torch.enable_grad():             # every tensor below is an ordinary one
        alphas = torch.ones(1) if steps == 0 else torch.arange(1, steps + 1) / steps    # (K,)
        K = len(alphas)
        rows_alpha = alphas.repeat_interleave(T)                        # (K·T,) copy (k, t) -> α_k
        rows_target = torch.arange(T).repeat(K)                         # (K·T,) copy (k, t) -> t
        total = torch.zeros(T, S)
        for lo in range(0, K * T, MAX_COPIES):
            a, t = rows_alpha[lo: lo + MAX_COPIES], rows_target[lo: lo + MAX_COPIES]
            e, grad = _gradient_rows(model, src_ids, out_ids, a, t)      # (b, S, d) each
            total.index_add_(0, t, (e * grad).sum(-1))                   # Σ_d e_j,d ∂/∂x_j,d, into row t
        return total / K                                                # (T, S) the mean over the K points
