"""What if the model had written something else? A forced beginning and its greedy continuation, as JSON.

    from dawn import load_translator
    from dawn.whatif import whatif
    t = load_translator("checkpoints/transformer")
    w = whatif(t, "猫追老鼠。", "A dog")      # or a list of target token ids (the explorer's "choose this one")
    w["text"]                # "A dog chased the mouse." — starts with the prefix as typed
    w["tokens"], w["ids"]    # the output's T tokens (the first n_forced were forced)
    w["log_prob"]            # log p(y | x) of the whole output, </s> included: compare with the model's own
    w["cross_attention"]     # [L][H][T][S] ints (÷ scale), or None for the plain LSTM

The continuation is dawn.decoding.forced_prefix_decode (through Translator.continue_prefix):

    y_t = prefix[t] for t < P,   y_t = argmax_v log p(v | y_<t, x) after,   log p(y | x) = Σ_t log p(y_t | y_<t, x)

Keys beyond the four above: model, kind, source, prefix, source_tokens, n_forced, scale, token_logprob [T],
alternatives [T][k] of [token, prob] and alternative_ids [T][k] (every step's top k, forced steps included),
in the same form as dawn/explain.py's payload, so the browser draws both with the same code.
"""

from __future__ import annotations

import math

import torch

from dawn.explain import ATTENTION_SCALE, DIGITS, TOP_K, _token, quantize_rows
from dawn.translator import Translator


@torch.inference_mode()
def whatif(translator: Translator, sentence: str, prefix: str | list[int], name: str | None = None) -> dict:
    """Force `prefix` (English text or target token ids), continue greedily; everything the page shows, as JSON.
    Bad input (empty or overlong prefix, ids outside the English vocabulary) raises ValueError."""
    r = translator.continue_prefix(sentence, prefix, top_k=TOP_K)
    tok = translator.tokenizer
    return {
        "model": name or translator.model_type, "kind": translator.model_type, "source": sentence,
        "prefix": prefix if isinstance(prefix, str) else tok.decode_target(list(prefix)),
        "text": r.text, "tokens": r.target_tokens, "ids": r.ids, "n_forced": r.n_forced,
        "source_tokens": r.source_tokens, "log_prob": round(r.log_prob, DIGITS + 1),
        "token_logprob": [round(lp, DIGITS + 1) for lp in r.token_log_probs],
        "alternatives": [[[_token(tok, i), round(math.exp(lp), 3)] for i, lp in step]
                         for step in r.alternatives],
        "alternative_ids": [[i for i, _ in step] for step in r.alternatives],
        "scale": ATTENTION_SCALE,
        "cross_attention": None if r.cross_attentions is None or not r.ids else
        [quantize_rows(a.float()).tolist() for a in r.cross_attentions],              # [L] (H, T, S)
    }
