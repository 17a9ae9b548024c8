"""dawn/explain.py: the JSON that explains a translation, and the beam trace it reads.

Tiny models check the mechanics (batched influence = one masked run at a time, 8-bit rows, the trace
changes nothing); the committed checkpoints check the shapes on the story sentence, the digit-copy
influence and that the whiteboard's numbers are the model's own softmax.
"""

from __future__ import annotations

import json
import math
import re

import pytest
import torch
from app_fixtures import CHECKPOINTS

from dawn import load_translator
from dawn.decoding import beam_search, pad_batch
from dawn.explain import (ATTENTION_SCALE, TOP_K, WHITEBOARD_DIMS, bf16_cpu, explain, explain_all,
                          forced_pass, influence, masked_sources, quantize_rows, softmax_row)
from dawn.registry import MODEL_NAMES, MODELS
from dawn.story import STORY_SENTENCE
from dawn.tokenizer import BOS, EOS, UNK
from dawn.translator import Translator

NUMBERS = ["现在是3点。", "我有3个苹果。", "他1995年出生。", "我今年25岁。", "这本书是20块钱。", "我们家有5口人。",
           "他有2个孩子。", "我住在8楼。", "今天是5月1日。", "她买了4本书。", "房间里有7个人。", "我等了10分钟。"]


@pytest.fixture(scope="module")
def shipped():
    return {n: load_translator(CHECKPOINTS / n) for n in MODEL_NAMES}  # a missing one fails, never skips


def tiny_translator(make_model, tokenizer, kind: str) -> Translator:
    model = make_model(kind)
    return Translator(model, tokenizer, kind, {"model_type": kind})


# ----------------------------------------------------------------------------- mechanics, tiny models

def test_quantized_rows_sum_to_exactly_the_scale():
    torch.manual_seed(0)
    w = torch.softmax(torch.randn(3, 7, 23) * 3, dim=-1)             # (H, T, S)
    q = quantize_rows(w)
    assert q.dtype == torch.long and q.min() >= 0
    assert (q.sum(-1) == ATTENTION_SCALE).all()
    assert (q.double() / ATTENTION_SCALE - w.double()).abs().max() <= 1 / ATTENTION_SCALE


def test_masked_sources_replace_one_token_per_row():
    src = masked_sources([11, 12, 13, EOS])
    assert src.tolist() == [[11, 12, 13, EOS], [UNK, 12, 13, EOS], [11, UNK, 13, EOS], [11, 12, UNK, EOS],
                            [11, 12, 13, UNK]]


@pytest.mark.parametrize("kind", ["lstm", "transformer"])
def test_batched_influence_equals_one_masked_run_at_a_time(make_model, tokenizer, kind):
    model = make_model(kind)
    src_ids, out_ids = tokenizer.encode_source("他有鱼。"), [5, 9, 7, 11]
    f = forced_pass(model, src_ids, out_ids)
    drop = influence(f["token_logp"])                                 # (T, S)
    assert drop.shape == (len(out_ids), len(src_ids))

    def logp_of_output(ids):
        src, mask = pad_batch([ids])
        logits = model(src, mask, torch.tensor([[BOS] + out_ids]))   # (1, T+1, V)
        logp = torch.log_softmax(logits[0, :-1], dim=-1)              # (T, V)
        return logp[torch.arange(len(out_ids)), out_ids]              # (T,)

    with torch.no_grad():
        base = logp_of_output(src_ids)
        for j in range(len(src_ids)):
            masked = list(src_ids)
            masked[j] = UNK
            torch.testing.assert_close(drop[:, j], base - logp_of_output(masked), atol=1e-4, rtol=0)


def test_beam_trace_is_off_by_default_and_changes_nothing(make_model, tokenizer):
    model = make_model("transformer", seed=3)
    src, mask = pad_batch([tokenizer.encode_source("他有鱼。"), tokenizer.encode_source("我爱你。")])
    plain = beam_search(model, src, mask, beam_size=3)
    trace: list = []
    traced = beam_search(model, src, mask, beam_size=3, trace=trace)
    assert traced == plain
    assert len(trace) == 2
    for steps in trace:
        for cands in steps:
            statuses = [c[3] for c in cands]
            assert set(statuses) <= {"kept", "finished", "dropped"}
            assert statuses.count("kept") <= 3
            assert all(0 <= c[0] < 3 for c in cands)


def test_payload_of_a_tiny_transformer_under_beam(make_model, tokenizer):
    tr = tiny_translator(make_model, tokenizer, "transformer")
    p = explain(tr, "他有鱼。", beam_size=3)
    json.dumps(p)                                                     # plain JSON, nothing else
    T, S = len(p["target_tokens"]), len(p["source_tokens"])
    assert p["decoding"] == "beam" and p["beam"] is not None
    steps, path = p["beam"]["steps"], p["beam"]["path"]
    assert len(steps) == len(path) >= T
    for t in range(T):                                                # the returned output is on the kept path
        assert path[t] >= 0 and steps[t][path[t]][1] == p["target_tokens"][t]
    assert len(p["influence"]) == T and all(len(r) == S for r in p["influence"])


def test_empty_source_is_refused(make_model, tokenizer):
    tr = tiny_translator(make_model, tokenizer, "lstm")
    with pytest.raises(ValueError, match="empty"):
        explain(tr, "   ")
    with pytest.raises(ValueError, match="beam_size"):
        explain(tr, "他有鱼。", beam_size=0)


# ----------------------------------------------------------------------------- the committed checkpoints

def check_shapes(p: dict) -> None:
    S, T = len(p["source_tokens"]), len(p["target_tokens"])
    assert p["source_tokens"][-1] == "</s>" and T > 0
    assert len(p["influence"]) == T and all(len(row) == S for row in p["influence"])
    assert len(p["saliency"]) == T and all(len(row) == S for row in p["saliency"])   # every model, the LSTM too
    assert p["agreement"]["words"] == len(p["words"]["tokens"]) and p["agreement"]["saliency_influence"] is not None
    assert (p["agreement"]["attention_saliency"] is None) == (p["cross_attention"] is None)
    assert len(p["token_logprob"]) == T
    assert len(p["alternatives"]) == T and all(len(a) == TOP_K for a in p["alternatives"])
    for a in p["alternatives"]:
        probs = [pr for _, pr in a]
        assert probs == sorted(probs, reverse=True) and 0 <= sum(probs) <= 1.001
    for key, rows in (("cross_attention", T), ("encoder_attention", S)):
        if p[key] is None:
            continue
        for layer in p[key]:
            for head in layer:
                assert len(head) == rows and all(len(r) == S for r in head)
                assert all(sum(r) == p["scale"] for r in head)        # every row sums to exactly 1 (× scale)
    if p["whiteboard"] is not None:
        wb = p["whiteboard"]
        L, H = len(p["cross_attention"]), len(p["cross_attention"][0])
        assert len(wb["scores"]) == L and all(len(l) == H for l in wb["scores"])
        assert all(len(h) == T and all(len(r) == S for r in h) for l in wb["scores"] for h in l)
        assert all(len(h) == S and all(len(v) == WHITEBOARD_DIMS for v in h) for l in wb["values"] for h in l)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_story_payload_shapes_match_the_token_lists(shipped, name):
    tr = shipped[name]
    p = explain(tr, STORY_SENTENCE, beam_size=1, name=name)
    check_shapes(p)
    assert p["text"] == tr.translate(STORY_SENTENCE).text              # the same translation the page shows
    assert (p["cross_attention"] is None) == (not tr.model.has_attention)
    assert (p["whiteboard"] is not None) == (tr.model_type == "transformer")
    json.dumps(p)


def test_beam_payload_on_the_committed_transformer(shipped):
    tr = shipped["transformer"]
    p = explain(tr, "我明天要去图书馆看书。", beam_size=4)
    check_shapes(p)
    assert p["text"] == tr.translate("我明天要去图书馆看书。", beam_size=4).text
    assert all(p["beam"]["path"][t] >= 0 for t in range(len(p["target_tokens"])))


def test_explain_all_returns_every_model(shipped):
    r = explain_all(shipped, "我爱你。", beam_size=1)
    assert list(r["models"]) == list(shipped) and r["decoding"] == "greedy"


def test_attention_rows_are_the_models_own_weights(shipped):
    tr = shipped["transformer"]
    p = explain(tr, STORY_SENTENCE)
    ref = tr.translate(STORY_SENTENCE)
    for layer, weights in zip(p["cross_attention"], ref.cross_attentions):
        got = torch.tensor(layer, dtype=torch.float64) / p["scale"]
        assert (got - weights.double()).abs().max() <= 1 / p["scale"]


def copied_digits(src: list[str], out: list[str]) -> list[tuple[int, int]]:
    """(source position, output position) of every digit of a number that the output copies verbatim.

    A number is a maximal run of digits in the source; it is copied when consecutive output tokens spell
    exactly it (e.g. 25 -> "25" or "2", "5"); each of its digits is carried by the output token spelling it."""
    pairs = []
    for m in re.finditer(r"[0-9]+", "".join(c if len(c) == 1 else "_" for c in src)):
        number, start = m.group(), m.start()
        for t0 in range(len(out)):
            spelled, t1 = "", t0
            while t1 < len(out) and re.fullmatch(r"[0-9]+", out[t1]) and len(spelled) < len(number):
                spelled += out[t1]
                t1 += 1
            if spelled == number and (t0 == 0 or not re.fullmatch(r"[0-9]+", out[t0 - 1])):
                owner = [t for t in range(t0, t1) for _ in out[t]]   # digit k of the number -> its token
                pairs += [(start + k, owner[k]) for k in range(len(number))]
                break
    return pairs


def test_copied_digits_finds_verbatim_numbers_only():
    assert copied_digits(list("我今年25岁。") + ["</s>"], ["I", "am", "2", "5", "."]) == [(3, 2), (4, 3)]
    assert copied_digits(list("他1995年") + ["</s>"], ["in", "19", "4", "5"]) == []


def test_masking_a_copied_digit_hurts_the_token_that_carries_it_most(shipped):
    """Whenever the output copies a number, masking one of its digits gives the largest drop in log-probability
    on the output token that carries that digit. At least one test sentence must have its number copied.

    The English BPE may start a number's word with a bare space piece ("▁", then "8"): that piece belongs to
    the same word and may take the largest drop, as long as the digit's own token is hurt next most."""
    tr = shipped["transformer"]
    checked = []
    for sentence in NUMBERS:
        p = explain(tr, sentence)
        out = p["target_tokens"]
        for j, t in copied_digits(p["source_tokens"], out):
            column = [row[j] for row in p["influence"]]               # drop of every output token when j is masked
            ranked = sorted(range(len(column)), key=column.__getitem__, reverse=True)
            word_start = t - 1 if t > 0 and out[t - 1] == "▁" else None
            assert ranked[0] == t or (ranked[0] == word_start and ranked[1] == t), (sentence, out, column)
            assert column[t] > 0
            checked.append((sentence, out[t]))
    assert checked, "the Transformer copied no number in any of the test sentences"


def test_whiteboard_numbers_are_the_models_own_softmax(shipped):
    """softmax(q·k / √d_k) from the hooked q, k equals the model's attention row; the payload's rounded
    scores give the same row to within 1%."""
    tr = shipped["transformer"]
    ref = tr.translate(STORY_SENTENCE)
    f = forced_pass(tr.model, ref.source_ids, ref.ids, whiteboard=True)
    wb = f["whiteboard"]
    d_k = wb["d_k"]
    assert d_k == tr.config["model"]["d_model"] // tr.config["model"]["n_heads"]
    for layer, (scores, model_weights) in enumerate(zip(wb["scores"], ref.cross_attentions)):
        mine = torch.softmax(scores / math.sqrt(d_k), dim=-1)        # (H, T, S) steps 1) 2) 3)
        torch.testing.assert_close(mine, model_weights.double(), atol=1e-5, rtol=0)
    p = explain(tr, STORY_SENTENCE)
    T = len(p["target_tokens"])
    for layer in range(len(p["cross_attention"])):
        for head in range(len(p["cross_attention"][0])):
            for t in (0, T // 2, T - 1):
                row = softmax_row(p["whiteboard"]["scores"][layer][head][t], p["whiteboard"]["d_k"])
                own = ref.cross_attentions[layer][head, t].tolist()
                assert max(abs(a - b) for a, b in zip(row, own)) < 0.01
                assert math.isclose(sum(row), 1.0, abs_tol=1e-9)


def test_the_plain_lstm_gets_influence_and_no_attention(shipped):
    p = explain(shipped["lstm"], "我爱你。")
    assert p["cross_attention"] is None and p["encoder_attention"] is None and p["whiteboard"] is None
    assert len(p["influence"]) == len(p["target_tokens"]) > 0


@pytest.mark.parametrize("kind", MODEL_NAMES)
@pytest.mark.parametrize("beam_size", [1, 3])
def test_reusing_the_decoded_translation_gives_the_same_payload(make_model, tokenizer, kind, beam_size):
    """The page passes translate()'s output to explain() instead of decoding again: same payload."""
    t = tiny_translator(make_model, tokenizer, kind)
    sentence = "我们喜欢猫。"
    decoded = t.translate(sentence, beam_size=beam_size)
    assert decoded.ids is not None and (decoded.beam_trace is None) == (beam_size == 1)
    again, reused = explain(t, sentence, beam_size), explain(t, sentence, beam_size, decoded=decoded)
    assert reused == again
    greedy = t.translate(sentence, beam_size=1)  # a greedy result is not reused for a beam request, and vice versa
    assert explain(t, sentence, beam_size, decoded=greedy if beam_size > 1 else decoded) == again


@pytest.mark.parametrize("maps", [True, False], ids=["maps", "maps-later"])
@pytest.mark.parametrize("decoding", ["greedy", "beam"])
def test_a_page_request_is_checked_once_and_each_model_encodes_and_decodes_once(make_model, tokenizer, monkeypatch,
                                                                                  decoding, maps):
    """What app.py does for one click: ui.pipeline.translate_page, then explain_all(decoded=...). The sentence is
    normalised once (by the input check), and each model tokenizes it once, decodes it once and computes its
    attention once (one teacher-forced pass); the maps add only the influence batch and the saliency batch (its
    backward pass is no forward), and show that attention.
    maps=False (the page and /translate): decoding does no teacher-forced pass at all; the maps, when asked for,
    add the attention pass once."""
    import dawn.text
    import dawn.translator
    from ui.pipeline import Models, translate_page
    monkeypatch.setattr("dawn.explain.bf16_cpu", lambda: False)           # one fp32 influence batch per model
    translators = {kind: tiny_translator(make_model, tokenizer, kind) for kind in MODEL_NAMES}
    converted, encoded, decoded, forwards = [], [], [], []
    t2s = dawn.text._t2s()
    monkeypatch.setattr(dawn.text, "_t2s", lambda: type("Spy", (), {"convert": lambda _, t: converted.append(t)
                                                                    or t2s.convert(t)})())
    encode = tokenizer.encode_source
    monkeypatch.setattr(tokenizer, "encode_source", lambda *a, **k: encoded.append(a) or encode(*a, **k))
    for name in ("greedy_decode", "beam_search"):
        real = getattr(dawn.translator, name)
        monkeypatch.setattr(dawn.translator, name, lambda *a, real=real, **k: decoded.append(a) or real(*a, **k))
    for t in translators.values():
        with torch.no_grad():                                              # some output to explain, whatever the seed
            (t.model.out_bias if hasattr(t.model, "out_bias") else t.model.marian.final_logits_bias[0])[EOS] = -1e4
        t.model.register_forward_hook(lambda m, i, o: forwards.append(m))  # teacher-forced passes (decoding steps)

    r = translate_page(Models(translators), "我們喜歡猫。", "We like cats.", decoding, maps=maps)
    if not maps:                                                           # /translate stops here: strings only
        assert forwards == [] and all(o.translation.cross_attentions is None for o in r.outputs.values())
    maps = explain_all(translators, r.source, 1 if decoding == "greedy" else 4, decoded=r.translations())

    assert len(converted) == 1 and r.source == "我们喜欢猫。"                 # normalised once: the input check
    assert len(encoded) == len(decoded) == len(MODEL_NAMES)                # per model: tokenized once, decoded once
    # attention (where the model has it), then one influence batch and one saliency batch
    assert len(forwards) == sum(2 + t.model.has_attention for t in translators.values())
    for name, t in translators.items():
        tr, p = r.outputs[name].translation, maps["models"][name]
        assert p["text"] == tr.text and p["target_tokens"] == tr.target_tokens and len(p["influence"]) > 0
        assert p["cross_attention"] == (None if tr.cross_attentions is None else
                                        [quantize_rows(a).tolist() for a in tr.cross_attentions])


EPS32 = torch.finfo(torch.float32).eps  # 1.2e-7: one float32 ulp, relative


@pytest.mark.parametrize("kind", [m.name for m in MODELS if m.bf16_influence])
def test_bf16_influence_keeps_logprobs_to_float32_rounding_and_drops_close(make_model, tokenizer, kind):
    """bf16=True speeds up the S+1 masked rows; log-probs and whiteboard numbers still come from an fp32
    pass of the sentence, so they equal the fp32 path's up to float32 rounding: a batch of one and row 0 of
    a batch of S+1 may take different BLAS kernels (AVX2 and AVX-512 sum in different orders), so the
    tolerance is a few float32 ulps relative (EPS32 = 1.2e-7), not 1e-9 absolute; the drops stay close."""
    if kind == "lstm_attention" and not bf16_cpu():
        pytest.skip("oneDNN has no bf16 LSTM on a CPU without AVX-512 BF16 / AMX (explain() never asks for it there)")
    model = make_model(kind)
    src_ids, out_ids = tokenizer.encode_source("他有鱼。"), [5, 9, 7, 11]
    with torch.no_grad():
        exact = forced_pass(model, src_ids, out_ids, whiteboard=True)
        fast = forced_pass(model, src_ids, out_ids, whiteboard=True, bf16=True)
    torch.testing.assert_close(fast["logp"], exact["logp"], atol=1e-6, rtol=4 * EPS32)
    if kind == "transformer":
        assert fast["whiteboard"]["d_k"] == exact["whiteboard"]["d_k"]
        for key in ("scores", "values"):
            for a, b in zip(fast["whiteboard"][key], exact["whiteboard"][key], strict=True):
                torch.testing.assert_close(a, b, rtol=4 * EPS32, atol=4 * EPS32 * float(b.abs().max()))
    assert fast["token_logp"].shape == exact["token_logp"].shape == (len(src_ids) + 1, len(out_ids))
    assert torch.equal(exact["token_logp"][0], exact["logp"][torch.arange(len(out_ids)), out_ids])
    torch.testing.assert_close(influence(fast["token_logp"]), influence(exact["token_logp"]), atol=0.1, rtol=0)
