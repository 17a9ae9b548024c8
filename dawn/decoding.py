"""Greedy and beam-search decoding, batched, for any model with the interface

    state = model.start(src, src_mask)            # (B, S), (B, S)
    logp, state = model.step(prev_tokens, state)  # (B,) -> (B, V) log-probabilities
    state = state.select(idx)                     # keep / reorder batch rows

Output length is bounded relative to the input: at most 2·S + 10 tokens (and
never more than the model's max_target_len), so no input can make decoding hang.
"""

from __future__ import annotations

import torch

from dawn.tokenizer import BOS, EOS, PAD


def max_output_len(src_len: int, cap: int) -> int:
    """Longest allowed output (in target tokens, including </s>) for a source of src_len tokens."""
    return min(2 * src_len + 10, cap)


def pad_batch(seqs: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """List of id lists -> (ids (B, S) right-padded with PAD, mask (B, S) with 1 on real tokens)."""
    S = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), S), PAD, dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s, dtype=torch.long)
    return ids, (ids != PAD).long()


@torch.no_grad()
def greedy_decode(model, src: torch.Tensor, src_mask: torch.Tensor) -> list[tuple[list[int], float]]:
    """Pick the most likely token at every step. Returns per sentence (ids without </s>, log-prob)."""
    B = src.size(0)
    limits = [max_output_len(int(n), model.config.max_target_len) for n in src_mask.sum(1)]
    state = model.start(src, src_mask)
    prev = torch.full((B,), BOS, dtype=torch.long, device=src.device)
    out: list[list[int]] = [[] for _ in range(B)]
    score = [0.0] * B
    done = [False] * B
    for t in range(max(limits)):
        logp, state = model.step(prev, state)                       # (B, V)
        best_lp, best = logp.max(dim=-1)                             # (B,), (B,)
        for b in range(B):
            if done[b]:
                continue
            score[b] += best_lp[b].item()
            tok = best[b].item()
            if tok == EOS or t + 1 >= limits[b]:
                done[b] = True
            if tok != EOS:
                out[b].append(tok)
        if all(done):
            break
        prev = torch.where(torch.tensor(done, device=best.device), torch.full_like(best, PAD), best)
    return list(zip(out, score))


@torch.no_grad()
def beam_search(model, src: torch.Tensor, src_mask: torch.Tensor, beam_size: int = 4,
                length_penalty: float = 1.0, trace: list | None = None) -> list[tuple[list[int], float]]:
    """Keep the beam_size best partial translations at every step.

    A finished hypothesis is ranked by  log p(y|x) / |y|^length_penalty  (|y| counts </s> when there is one).
    A sentence stops once it has beam_size finished hypotheses or reaches its length limit.
    Returns per sentence (ids of the best hypothesis without </s>, its log-prob).

    trace: pass an empty list to record the search (off by default, nothing else changes). After the call,
    trace[b][t] lists the candidates of sentence b at step t as (parent, token, log-prob, status): parent is
    the index of the extended hypothesis among those kept at step t-1 (0 at t=0), status is "kept",
    "finished" or "dropped" (among the 2·beam_size best, but not needed to refill the beam).
    """
    if beam_size < 1:
        raise ValueError(f"beam_size must be >= 1, got {beam_size}")
    B, K = src.size(0), beam_size
    limits = [max_output_len(int(n), model.config.max_target_len) for n in src_mask.sum(1)]
    state = model.start(src, src_mask).select(torch.arange(B).repeat_interleave(K))  # rows: b*K + k
    scores = torch.full((B, K), float("-inf"))
    scores[:, 0] = 0.0                                              # at t=0 all beams are equal: keep one
    hyps: list[list[int]] = [[] for _ in range(B * K)]
    finished: list[list[tuple[float, float, list[int]]]] = [[] for _ in range(B)]  # (rank, logp, ids)
    done = [False] * B
    prev = torch.full((B * K,), BOS, dtype=torch.long)
    if trace is not None:
        trace[:] = [[] for _ in range(B)]
    for t in range(max(limits)):
        logp, state = model.step(prev, state)                       # (B*K, V)
        V = logp.size(-1)
        cand = (scores.view(B * K, 1) + logp).view(B, K * V)        # (B, K*V) total log-prob of each extension
        top_lp, top_idx = cand.topk(2 * K, dim=-1)                  # (B, 2K): enough to refill K after </s>
        rows, new_hyps, new_prev = [], [], []
        new_scores = torch.full((B, K), float("-inf"))
        for b in range(B):
            alive = []                                              # (row, logp, ids, token)
            if not done[b]:
                step_trace = [] if trace is not None else None
                for lp, idx in zip(top_lp[b].tolist(), top_idx[b].tolist()):
                    k, tok = divmod(idx, V)
                    if lp == float("-inf") or len(alive) == K or len(finished[b]) >= K:
                        if step_trace is None or lp == float("-inf"):
                            break
                        step_trace.append((k, tok, lp, "dropped"))  # tracing: note the rest, change nothing
                        continue
                    ids = hyps[b * K + k]
                    if tok == EOS:                                  # a complete translation
                        finished[b].append((lp / (len(ids) + 1) ** length_penalty, lp, ids))
                        status = "finished"
                    elif t + 1 >= limits[b]:                        # length limit: it ends here
                        finished[b].append((lp / (len(ids) + 1) ** length_penalty, lp, ids + [tok]))
                        status = "finished"
                    else:
                        alive.append((b * K + k, lp, ids + [tok], tok))
                        status = "kept"
                    if step_trace is not None:
                        step_trace.append((k, tok, lp, status))
                if step_trace is not None:
                    trace[b].append(step_trace)
                if len(finished[b]) >= K or t + 1 >= limits[b] or not alive:
                    done[b], alive = True, []
            for j, (row, lp, ids, tok) in enumerate(alive):
                new_scores[b, j] = lp
                rows.append(row), new_hyps.append(ids), new_prev.append(tok)
            for _ in range(K - len(alive)):                         # dead rows keep the beam K wide
                rows.append(b * K), new_hyps.append([]), new_prev.append(PAD)
        if all(done):
            break
        state = state.select(torch.tensor(rows))
        scores, hyps, prev = new_scores, new_hyps, torch.tensor(new_prev)
    results = []
    for b in range(B):
        best = max(finished[b], key=lambda f: f[0]) if finished[b] else (0.0, 0.0, [])
        results.append((best[2], best[1]))
    return results
