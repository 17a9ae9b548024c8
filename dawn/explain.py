"""What explains a translation, as plain arrays ready for JSON (no UI code).

    from dawn import load_translator
    from dawn.explain import explain
    t = load_translator("checkpoints/transformer")
    p = explain(t, "猫追老鼠。", beam_size=1)
    p["source_tokens"]          # ['猫', '追', '老', '鼠', '。', '</s>']                S tokens
    p["target_tokens"]          # ['The', 'cat', 'chased', 'the', 'mouse', '.']        T tokens
    p["cross_attention"][l][h]  # T rows of S integers; weight = value / p["scale"], every row sums to scale
    p["influence"][t][j]        # drop in log p(target t) when source j becomes <unk>, in nats
    p["saliency"][t][j]         # input × gradient of log p(target t) for source j's embedding (dawn/saliency.py)
    p["agreement"]["all"]       # share of English words for which attention, saliency and influence agree

One call per model per translation; everything the browser shows is in it.
It starts from the model's Translation (dawn/translator.py: Translator.translate),
so the sentence is tokenized, decoded and its attention computed once — the page
passes the Translation it already has (`decoded=`), otherwise explain translates:

1) attention — the weights the decoder used for its own output, as the
   Translation carries them (one teacher-forced pass over [<s>] + output: row t
   is the query that produced target token t). 8-bit: each row is rounded to
   integers summing to exactly ATTENTION_SCALE (largest-remainder rounding), so
   the rows still sum to 1.
2) influence — with the model's own output forced, replace source token j by
   <unk> and measure how much each output token's log-probability drops:

       influence[t, j] = log p(y_t | y_<t, x) − log p(y_t | y_<t, x with x_j := <unk>)

   All S masked copies and the unmasked sentence go through the model as ONE
   batch. It needs no attention at all, so it is the plain LSTM's honest map,
   and beside attention it answers "attention is not explanation": attention
   says where the decoder looked, influence what the output needed.
3) saliency — input × gradient (dawn/saliency.py), for every model, the plain LSTM too:

       saliency[t, j] = Σ_d e_j,d · ∂ log p(y_t | y_<t, x) / ∂ e_j,d

   in nats like influence (its first-order estimate), in the same layout, rounding and word merging.
   Beside them, `agreement`: for how many English words attention (last layer, heads averaged; where the
   model has it), saliency and influence pick the same source token as the top one (the largest value,
   </s> left out) — three views of the same rows that often disagree (Jain & Wallace 2019).
4) alternatives — the TOP_K most likely tokens at every output step (from the
   unmasked row of the same batch), and under beam search the kept, finished
   and dropped hypotheses of every step (dawn.decoding.beam_search's trace).
5) words — the English output is BPE pieces ("clim", "b"); the maps can also show whole words. A word's
   rows are combined (merge_rows): its attention row is the mean of its pieces' rows (still a distribution
   over the source), its influence and saliency the sum of its pieces' (log p(word) = Σ log p(piece), so the
   drop in a word's log-probability, and its gradient, are exactly the sums of its pieces').
6) the whiteboard, for the Transformer's cross-attention heads — per layer and
   head, the raw scores q_t · k_j and the first WHITEBOARD_DIMS numbers of every
   value vector v_j, so that a click on a cell (t, j) can show the episode's
   three steps with the model's own numbers:

       1) score  s_tj = q_t · k_j      2) scale  s_tj / √d_k
       3) weights α_t = softmax_j(s_tj / √d_k),   output y_t = Σ_j α_tj v_j
"""

from __future__ import annotations

import math
import threading
import time

import torch

from dawn.registry import spec
from dawn.saliency import saliency
from dawn.tokenizer import BOS, EOS, UNK
from dawn.translator import Translation, Translator

ATTENTION_SCALE = 255   # attention weights travel as integers 0..255; weight = value / 255
TOP_K = 5               # alternatives shown per output step
WHITEBOARD_DIMS = 4     # numbers of each value vector v_j sent for the whiteboard's weighted sum
INFLUENCE_CHUNK = 64    # rows per forward pass when computing influence (bounds memory on long input)


def bf16_cpu() -> bool:
    """True where the CPU computes bf16 natively (AVX-512 BF16 / AMX); elsewhere autocast would be slower."""
    return torch.ops.mkldnn._is_mkldnn_bf16_supported()
DIGITS = 2              # decimals kept for log-probabilities and influence (nats)
SCORE_DIGITS = 1        # decimals kept for the whiteboard's raw scores q·k (softmax error < 1%)


# ----------------------------------------------------------------------------- small, pure helpers

def quantize_rows(weights: torch.Tensor, scale: int = ATTENTION_SCALE) -> torch.Tensor:
    """(..., N) rows that sum to 1 -> integers (..., N) that sum to exactly `scale` in every row.

    Largest-remainder rounding: floor every scaled weight, then give the missing units to the
    entries with the largest remainders. No entry moves by more than one unit (1/scale).
    """
    scaled = weights.double().clamp(min=0) * scale                   # (..., N)
    floor = scaled.floor()
    missing = (scale - floor.sum(-1, keepdim=True)).round().clamp(min=0)  # (..., 1) units to hand out
    rank = (scaled - floor).argsort(-1, descending=True).argsort(-1)  # (..., N) 0 = largest remainder
    return (floor + (rank < missing).double()).long()


def round_floats(x: torch.Tensor, digits: int) -> list:
    """Tensor -> nested lists of floats rounded to `digits` decimals (-0.0 becomes 0.0)."""
    return (x.double().mul(10 ** digits).round().div(10 ** digits) + 0.0).tolist()


def _token(tokenizer, i: int) -> str:
    return "</s>" if i == EOS else tokenizer.target_tokens([i])[0]


WORD_START = "▁"   # SentencePiece marks the first piece of every English word with it


def word_groups(pieces: list[str]) -> list[list[int]]:
    """Raw target pieces -> the indices of each word's pieces, in order; every index in exactly one group.

    A piece starts a new word when it carries WORD_START, when it is punctuation (",", "."), or when the
    piece before it was punctuation; an apostrophe stays inside its word ("it's"):
    ["▁Al", "though", ",", "▁it", "'", "s"] -> [[0, 1], [2], [3, 4, 5]].
    """
    groups: list[list[int]] = []
    punct = lambda p: p not in ("'", "’") and not any(ch.isalnum() for ch in p.replace(WORD_START, ""))
    for i, piece in enumerate(pieces):
        if not groups or piece.startswith(WORD_START) or punct(piece) or punct(pieces[i - 1]):
            groups.append([i])
        else:
            groups[-1].append(i)
    return groups


def merge_rows(x: torch.Tensor, groups: list[list[int]], reduce: str) -> torch.Tensor:
    """(..., T, S) one row per piece -> (..., W, S) one row per word: the mean ("mean") or sum ("sum") of its rows."""
    if reduce not in ("mean", "sum"):
        raise ValueError(f"reduce must be 'mean' or 'sum', got {reduce!r}")
    rows = [x[..., g, :].sum(-2) / (len(g) if reduce == "mean" else 1) for g in groups]   # W × (..., S)
    return torch.stack(rows, dim=-2)                                                      # (..., W, S)


def top_sources(rows: torch.Tensor) -> list[int]:
    """(W, S) one row per English word -> for each word the source token with the largest value, </s> (the last
    column) left out: the character the view says the word comes from."""
    return rows[:, :-1].argmax(-1).tolist() if rows.size(1) > 1 else [0] * rows.size(0)


def agreement(views: dict[str, torch.Tensor | None]) -> dict:
    """{view name: (W, S) word rows, or None where the model has no such view} -> how often the views pick the
    same top source token (top_sources): the share of the W words for each pair of views, and for all of them.

        {"attention_saliency": 0.5 or None, "attention_influence": ..., "saliency_influence": ...,
         "all": share where every view there agrees, "words": W, "top": {view: [W] token indices or None}}
    """
    top = {name: None if rows is None else top_sources(rows) for name, rows in views.items()}
    present = [name for name in views if top[name] is not None]
    W = len(top[present[0]]) if present else 0

    def share(agrees: list[bool]) -> float | None:
        return round(sum(agrees) / W, 3) if W else None

    result = {f"{a}_{b}": share([x == y for x, y in zip(top[a], top[b])]) if a in present and b in present else None
              for i, a in enumerate(views) for b in list(views)[i + 1:]}
    result["all"] = share([len({top[v][w] for v in present}) == 1 for w in range(W)]) if len(present) > 1 else None
    return {**result, "words": W, "top": top}


# ----------------------------------------------------------------------------- the model's own numbers

def masked_sources(src_ids: list[int]) -> torch.Tensor:
    """The sentence and its S masked copies: (S+1, S); row 0 is unchanged, row 1+j has token j set to <unk>."""
    S = len(src_ids)
    src = torch.tensor(src_ids, dtype=torch.long).repeat(S + 1, 1)    # (S+1, S)
    j = torch.arange(S)
    src[1 + j, j] = UNK
    return src


def _cross_attention_parts(model):
    """Forward hooks that catch the Transformer's cross-attention q, k, v projections of batch row 0.

    Returns (parts, handles): parts[layer] = {"q": (T+1, d), "k": (S, d), "v": (S, d)} after a forward pass.
    The app serves requests on two threads that share the model: a hook keeps only the forward passes of the
    thread that registered it, never another request's decoding.
    """
    owner = threading.get_ident()
    parts, handles = [], []

    def keep(store: dict, name: str):
        def hook(_module, _inputs, out):
            if threading.get_ident() == owner:
                store[name] = out[0].detach()
        return hook

    for layer in model.marian.model.decoder.layers:
        store = {}
        parts.append(store)
        for name in ("q", "k", "v"):
            handles.append(getattr(layer.encoder_attn, f"{name}_proj").register_forward_hook(keep(store, name)))
    return parts, handles


def whiteboard_numbers(parts: list[dict], n_heads: int, T: int) -> dict:
    """Per layer and head: raw scores q_t · k_j (T, S) and the first WHITEBOARD_DIMS numbers of v_j (S, dims).

    Float64 throughout, so that softmax(scores / √d_k) reproduces the model's weights to ~1e-6.
    """
    scores, values = [], []
    for p in parts:
        d = p["q"].size(-1)
        d_k = d // n_heads
        q = p["q"][:T].double().view(T, n_heads, d_k).transpose(0, 1)   # (H, T, d_k)
        k = p["k"].double().view(-1, n_heads, d_k).transpose(0, 1)      # (H, S, d_k)
        v = p["v"].double().view(-1, n_heads, d_k).transpose(0, 1)      # (H, S, d_k)
        scores.append(q @ k.transpose(1, 2))                             # 1) (H, T, S) s_tj = q_t · k_j
        values.append(v[..., :WHITEBOARD_DIMS])                          # (H, S, dims)
    return {"d_k": d_k, "scores": scores, "values": values}


@torch.inference_mode()
def forced_pass(model, src_ids: list[int], out_ids: list[int], whiteboard: bool = False, bf16: bool = False) -> dict:
    """Teacher-force the model's own output on the sentence and on its S masked copies, in one batch
    (in chunks of INFLUENCE_CHUNK rows on long input). Row 0 is the unmasked sentence: its log-probabilities
    give the alternatives, and the whiteboard's q, k, v are caught from it. (Attention is not recomputed
    here: it comes with the Translation.)

    bf16=True runs the S+1 influence rows under bf16 autocast (the sentence itself among them, so that
    every drop compares like with like) and reads the log-probabilities and the whiteboard numbers from
    a separate fp32 pass of the sentence alone: the model's own numbers, equal to the fp32 path's up to
    float32 rounding (a batch of one and row 0 of a batch of S+1 may take different BLAS kernels, whose
    summation order differs by shape and CPU: about one float32 ulp, 1e-7 relative, seen on AVX2).

    Returns float tensors:
      logp        (T, V)   log-probabilities at each output step, unmasked sentence
      token_logp  (S+1, T) log p(y_t) for the sentence (row 0) and each masked copy (row 1+j)
      whiteboard  see whiteboard_numbers(), or None
    """
    S, T = len(src_ids), len(out_ids)
    src = masked_sources(src_ids)                                    # (S+1, S)
    tgt_in = torch.tensor([[BOS] + out_ids])                         # (1, T+1) position t predicts out_ids[t]
    target = torch.tensor(out_ids).expand(INFLUENCE_CHUNK, T)        # (chunk, T)
    parts, handles = _cross_attention_parts(model) if whiteboard and hasattr(model, "marian") else (None, [])
    token_logp, result = [], {"whiteboard": None}

    def log_probs(rows):                                             # (b, S) -> (b, T, V); the </s> step left out
        logits = model(rows, torch.ones_like(rows), tgt_in.expand(rows.size(0), -1))  # (b, T+1, V)
        return torch.log_softmax(logits[:, :T].float(), dim=-1)

    def sentence_done():                                             # row 0's q, k, v were caught: stop catching
        nonlocal handles
        for h in handles:
            h.remove()
        handles = []

    try:
        if bf16:
            result["logp"] = log_probs(src[:1])[0]                   # (T, V) fp32, the model's own numbers
            sentence_done()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            for lo in range(0, S + 1, INFLUENCE_CHUNK):
                rows = src[lo: lo + INFLUENCE_CHUNK]                 # (b, S) all the same length: no padding
                logp = log_probs(rows)                               # (b, T, V)
                if lo == 0 and not bf16:
                    result["logp"] = logp[0]                         # (T, V)
                    sentence_done()
                token_logp.append(logp.gather(-1, target[: rows.size(0)].unsqueeze(-1))[..., 0])  # (b, T)
    finally:
        sentence_done()
    result["token_logp"] = torch.cat(token_logp)                     # (S+1, T)
    if parts is not None:
        result["whiteboard"] = whiteboard_numbers(parts, model.config.n_heads, T)
    return result


def influence(token_logp: torch.Tensor) -> torch.Tensor:
    """(S+1, T) log p(y_t) for the sentence and its masked copies -> (T, S) drop when source j is masked."""
    return (token_logp[0:1] - token_logp[1:]).T                      # (T, S)


# ----------------------------------------------------------------------------- the beam search's record

def beam_payload(tokenizer, trace: list, out_ids: list[int]) -> dict:
    """The beam trace as JSON: steps[t] = [[parent, token, log-prob, status], ...], path[t] = the candidate
    of step t that the returned translation passes through (-1 if none, e.g. after it finished)."""
    steps, path = [], []
    kept_prev = [[]]                                                 # id sequences kept after step t-1
    for t, cands in enumerate(trace):
        kept, on_path = [], -1
        for c, (parent, tok, lp, status) in enumerate(cands):
            ids = kept_prev[parent] + [tok] if parent < len(kept_prev) else [tok]
            if status == "kept":
                kept.append(ids)
            if status != "dropped" and on_path < 0 and (
                    ids == out_ids[: t + 1] if tok != EOS else ids[:-1] == out_ids):
                on_path = c
        steps.append([[parent, _token(tokenizer, tok), round(lp, DIGITS), status] for parent, tok, lp, status in cands])
        path.append(on_path)
        kept_prev = kept or [[]]
    return {"steps": steps, "path": path}


# ----------------------------------------------------------------------------- one payload per model

PAYLOAD = f"""One model's payload (explain()); S source tokens ending in </s>, T output tokens without </s>,
L layers, H heads:
  model, kind, source (the sentence), decoding ("greedy" | "beam"), beam_size, text (the English),
  source_tokens [S], target_tokens [T], log_prob (of the whole output), scale (= {ATTENTION_SCALE});
  cross_attention    [L][H][T][S] integers 0..scale, weight = value / scale, every row sums to exactly
                     scale (row t: where the decoder looked while writing target token t); null without
                     attention (the plain LSTM); the LSTM with attention has L = H = 1
  encoder_attention  [L][H][S][S] the same, the Transformer's encoder self-attention; null otherwise
  influence          [T][S] floats in nats: log p(y_t) minus log p(y_t) with source token j set to <unk>
  saliency           [T][S] floats in nats: input × gradient, Σ_d e_j,d · ∂ log p(y_t) / ∂ e_j,d (e_j: source
                     token j's embedding); every model has it, the plain LSTM too
  agreement          {{"attention_saliency", "attention_influence", "saliency_influence", "all": share of the W
                     English words whose top source token (largest value, </s> left out) the views agree on,
                     null where a view is missing (no attention: the plain LSTM); "words": W; "top": {{"attention",
                     "saliency", "influence": [W] source token indices or null}}}}: attention is the last layer's,
                     heads averaged
  token_logprob [T] log p(y_t);  alternatives [T][{TOP_K}] of [token, probability], most likely first
  target_ids [T], alternative_ids [T][{TOP_K}]: the same tokens as ids (what /whatif takes as a prefix)
  whiteboard         null, or for the Transformer {{"d_k", "dims" (= {WHITEBOARD_DIMS}), "scores": [L][H][T][S]
                     raw q·k (weights = softmax(scores / √d_k)), "values": [L][H][S][dims] first numbers of v_j}}
  beam               null under greedy decoding, else {{"steps": [t][candidate] = [parent, token, log-prob,
                     "kept" | "finished" | "dropped"], "path": [t] the candidate on the returned output's path}}
  words              {{"tokens" [W] the English words, "groups" [W] lists of token indices, "cross_attention"
                     [L][H][W][S] integers 0..scale (rows of a word's pieces averaged) or null, "influence" and
                     "saliency" [W][S] floats (rows summed)}}: W words, BPE pieces merged (word_groups / merge_rows)"""


def reusable(decoded: Translation | None, beam_size: int) -> bool:
    """Whether `decoded` can stand for translate(sentence, beam_size): it has its ids and source ids, and
    a beam trace exactly when beam_size > 1 (a greedy result is not reused for a beam request, and vice versa)."""
    return (decoded is not None and decoded.ids is not None and decoded.source_ids is not None
            and (beam_size == 1) == (decoded.beam_trace is None))


@torch.inference_mode()
def explain(translator: Translator, sentence: str, beam_size: int = 1, name: str | None = None,
            timings: dict | None = None, decoded: Translation | None = None, normalized: bool = False,
            with_saliency: bool = True) -> dict:
    """Translate one sentence and return everything that explains it, as plain JSON-ready values:
    the keys and shapes in PAYLOAD (the /attention API shows the same text).

    `with_saliency=False` leaves out the gradients (one backward pass per output token, batched: about as long
    as the influence rows): "saliency" is then null and `agreement` compares attention and influence only.
    The page's explorers pass it, as they draw attention and influence; /attention includes it.
    `timings`, when given, receives "decode_ms", "influence_ms" and "saliency_ms".
    `decoded`: the Translation that translator.translate(sentence, beam_size) already returned: the page
    passes it, so that the sentence is tokenized and decoded, and its attention computed, once (its source
    ids, output ids, attention and beam trace are used as they are; decode_ms is then ~0). Without it
    (or with one of the other decoding) explain translates the sentence itself; `normalized` is then
    passed on to Translator.translate.
    """
    if beam_size < 1:
        raise ValueError(f"beam_size must be >= 1, got {beam_size}")
    t0 = time.perf_counter()
    tr = decoded if reusable(decoded, beam_size) else translator.translate(sentence, beam_size, normalized=normalized)
    translator.ensure_maps(tr)   # a translation decoded without maps (the page's, /translate's) gets them now, once
    t1 = time.perf_counter()
    src_ids, out_ids = tr.source_ids, tr.ids
    if len(src_ids) <= 1:
        raise ValueError("the source is empty: type a Chinese sentence")
    tok = translator.tokenizer
    payload = {
        "model": name or translator.model_type, "kind": translator.model_type, "source": sentence,
        "decoding": "greedy" if beam_size == 1 else "beam", "beam_size": beam_size,
        "text": tr.text, "source_tokens": tr.source_tokens, "target_tokens": tr.target_tokens,
        "log_prob": round(tr.log_prob, DIGITS + 1),
        "scale": ATTENTION_SCALE, "cross_attention": None, "encoder_attention": None,
        "influence": [], "saliency": [], "agreement": None, "token_logprob": [], "alternatives": [],
        "whiteboard": None, "beam": None, "target_ids": list(out_ids), "alternative_ids": [], "words": None,
    }
    if not out_ids:                                                  # the model said nothing: nothing to explain
        _timed(timings, t0, t1, t1, t1)
        return payload
    f = forced_pass(translator.model, src_ids, out_ids, whiteboard=True,
                    bf16=spec(translator.model_type).bf16_influence and bf16_cpu())
    t2 = time.perf_counter()
    sal = saliency(translator.model, src_ids, out_ids) if with_saliency else None   # (T, S)
    t3 = time.perf_counter()
    drop = influence(f["token_logp"])                                            # (T, S)
    payload["influence"] = round_floats(drop, DIGITS)
    payload["saliency"] = None if sal is None else round_floats(sal, DIGITS)
    groups = word_groups([tok.tok.id_to_token(i) for i in out_ids])
    tokens = payload["target_tokens"]
    word_drop = merge_rows(drop, groups, "sum")                                            # (W, S)
    word_sal = None if sal is None else merge_rows(sal, groups, "sum")                      # (W, S)
    payload["words"] = {"tokens": ["".join(tokens[i] for i in g) for g in groups], "groups": groups,
                        "influence": round_floats(word_drop, DIGITS), "saliency": None if word_sal is None else round_floats(word_sal, DIGITS),
                        "cross_attention": None if tr.cross_attentions is None else
                        [quantize_rows(merge_rows(a.float(), groups, "mean")).tolist()
                         for a in tr.cross_attentions]}                                # [L] (H, W, S)
    last = None if tr.cross_attentions is None else merge_rows(tr.cross_attentions[-1].float().mean(0), groups, "mean")
    payload["agreement"] = agreement({"attention": last, "saliency": word_sal, "influence": word_drop})
    payload["token_logprob"] = round_floats(f["token_logp"][0], DIGITS + 1)     # (T,)
    probs, ids = f["logp"].exp().topk(TOP_K, dim=-1)                            # (T, K)
    payload["alternatives"] = [[[_token(tok, i), round(p, 3)] for p, i in zip(pr, ix)]
                               for pr, ix in zip(probs.tolist(), ids.tolist())]
    payload["alternative_ids"] = ids.tolist()                                    # (T, K)
    if tr.cross_attentions is not None:
        payload["cross_attention"] = [quantize_rows(a).tolist() for a in tr.cross_attentions]      # [L] (H, T, S)
    if tr.encoder_attentions is not None:
        payload["encoder_attention"] = [quantize_rows(a).tolist() for a in tr.encoder_attentions]  # [L] (H, S, S)
    if f["whiteboard"] is not None:
        wb = f["whiteboard"]
        payload["whiteboard"] = {"d_k": wb["d_k"], "dims": WHITEBOARD_DIMS,
                                 "scores": [round_floats(s, SCORE_DIGITS) for s in wb["scores"]],
                                 "values": [round_floats(v, 3) for v in wb["values"]]}
    if tr.beam_trace is not None:
        payload["beam"] = beam_payload(tok, tr.beam_trace, out_ids)
    _timed(timings, t0, t1, t2, t3)
    return payload


def _timed(timings: dict | None, t0: float, t1: float, t2: float, t3: float) -> None:
    if timings is not None:
        timings["decode_ms"] = round((t1 - t0) * 1000, 1)
        timings["influence_ms"] = round((t2 - t1) * 1000, 1)
        timings["saliency_ms"] = round((t3 - t2) * 1000, 1)


def explain_all(translators: dict[str, Translator], sentence: str, beam_size: int = 1,
                timings: dict | None = None, decoded: dict | None = None, normalized: bool = False,
                with_saliency: bool = True) -> dict:
    """{"source", "decoding", "beam_size", "models": {name: explain(...)}} for every model, in the given order.
    `decoded`: {name: Translation} already decoded for this sentence and beam size; `normalized`: the
    sentence already went through dawn.text.normalize_zh (see explain)."""
    models = {}
    for name, translator in translators.items():
        per = {} if timings is not None else None
        models[name] = explain(translator, sentence, beam_size, name=name, timings=per,
                               decoded=(decoded or {}).get(name), normalized=normalized,
                               with_saliency=with_saliency)
        if timings is not None:
            timings[name] = per
    return {"source": sentence, "decoding": "greedy" if beam_size == 1 else "beam", "beam_size": beam_size,
            "models": models}


def softmax_row(scores: list[float], d_k: int) -> list[float]:
    """The whiteboard's steps 2) and 3) for one row, in plain Python: softmax_j(s_j / √d_k)."""
    scaled = [s / math.sqrt(d_k) for s in scores]
    top = max(scaled)
    e = [math.exp(s - top) for s in scaled]
    total = sum(e)
    return [x / total for x in e]
