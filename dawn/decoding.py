"""Greedy and beam-search decoding, batched, for any model with the interface

    state = model.start(src, src_mask)            # (B, S), (B, S)
    logp, state = model.step(prev_tokens, state)  # (B,) -> (B, V) log-probabilities
    state = state.select(idx)                     # keep / reorder batch rows

Output length is bounded relative to the input: at most 2·S + 10 tokens (and
never more than the model's max_target_len), so no input can make decoding hang.

forced_prefix_decode is the explorer's "what if": the first tokens are given, the rest is greedy.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def repeated_ngram_tokens(ids: list[int], n: int) -> list[int]:
    """The tokens that would make `ids` contain one n-gram twice: every token that followed an earlier
    occurrence of its last n-1 tokens.  ids = [a b c a b], n = 3 -> [c] (a b c would repeat)."""
    if n < 1 or len(ids) < n - 1:
        return []
    tail = ids[len(ids) - n + 1:]                                   # the last n-1 tokens ([] for n = 1)
    return [ids[i + n - 1] for i in range(len(ids) - n + 1) if ids[i:i + n - 1] == tail]


@torch.no_grad()
def beam_search(model, src: torch.Tensor, src_mask: torch.Tensor, beam_size: int = 4,
                length_penalty: float = 1.0, trace: list | None = None,
                no_repeat_ngram: int = 0) -> list[tuple[list[int], float]]:
    """Keep the beam_size best partial translations at every step.

    A finished hypothesis is ranked by  log p(y|x) / |y|^length_penalty  (|y| counts </s> when there is one).
    A sentence stops once it has beam_size finished hypotheses or reaches its length limit.
    Returns per sentence (ids of the best hypothesis without </s>, its log-prob).

    no_repeat_ngram = n > 0: no hypothesis contains the same n target tokens twice; at every step

        log p(v | y_<t, x) = -inf   for each v in repeated_ngram_tokens(y_<t, n)

    (transformers' no_repeat_ngram_size). A loop ("of the sunset of the sunset") cannot form; the
    log-probabilities of the tokens that remain are the model's own. 0 = off.

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
        if no_repeat_ngram > 0 and t + 1 >= no_repeat_ngram:
            for row, ids in enumerate(hyps):
                banned = repeated_ngram_tokens(ids, no_repeat_ngram)
                if banned:
                    logp[row, banned] = float("-inf")
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


@dataclass
class ForcedDecode:
    """What forced_prefix_decode returns for one sentence (T output tokens, without </s>)."""
    ids: list[int]                             # the prefix, then the greedy continuation
    log_prob: float                            # log p(y | x) of the whole output, </s> included when reached
    token_log_probs: list[float]               # (T,) log p(y_t | y_<t, x) of each output token
    alternatives: list[list[tuple[int, float]]]  # (T, top_k) the top_k (token id, log-prob) at each step
    n_forced: int                              # how many of `ids` were forced (= len(prefix))


@torch.no_grad()
def forced_prefix_decode(model, src: torch.Tensor, src_mask: torch.Tensor, prefix: list[int],
                         top_k: int = 5) -> ForcedDecode:
    """"What if": force the first target tokens to be `prefix`, then continue greedily, for one sentence.

        y_t = prefix[t]                            for t < P   (whatever the model prefers)
        y_t = argmax_v log p(v | y_<t, x)          for t ≥ P   until </s> or the length limit
        log p(y | x) = Σ_t log p(y_t | y_<t, x)    forced and chosen tokens alike

    With an empty prefix it is greedy_decode. src, src_mask: (1, S). The prefix must leave room for at
    least one decoded token within max_output_len. Also returns, at every step, the top_k tokens the model
    would have picked (the page's "choose this one instead").
    """
    if src.size(0) != 1:
        raise ValueError(f"forced_prefix_decode takes one sentence, got a batch of {src.size(0)}")
    limit = max_output_len(int(src_mask.sum()), model.config.max_target_len)
    if any(i in (PAD, BOS, EOS) for i in prefix):
        raise ValueError("the prefix may not contain <pad>, <s> or </s>")
    if len(prefix) >= limit:
        raise ValueError(f"the prefix has {len(prefix)} tokens; this source allows at most {limit - 1} "
                         "before the model must continue")
    state = model.start(src, src_mask)
    prev = torch.tensor([BOS], device=src.device)
    ids, token_lps, alternatives, total = [], [], [], 0.0
    for t in range(limit):
        logp, state = model.step(prev, state)                       # (1, V)
        top_lp, top = logp[0].topk(top_k)                           # (top_k,), (top_k,)
        tok = prefix[t] if t < len(prefix) else top[0].item()       # forced, else the greedy choice
        lp = logp[0, tok].item()
        total += lp
        if tok == EOS:
            break
        ids.append(tok), token_lps.append(lp)
        alternatives.append(list(zip(top.tolist(), top_lp.tolist())))
        prev = torch.tensor([tok], device=src.device)
    return ForcedDecode(ids, total, token_lps, alternatives, len(prefix))
