"""What if: forced-prefix decoding (dawn.decoding), Translator.continue_prefix, dawn/whatif.py's JSON and the
/whatif handler. Tiny models check the mechanics; the committed Transformer checks that a typed beginning
stays exactly as typed on the story sentence."""

from __future__ import annotations

import json

import gradio as gr
import pytest
import torch
from app_fixtures import CHECKPOINTS

from dawn.decoding import forced_prefix_decode, greedy_decode, max_output_len, pad_batch
from dawn.explain import ATTENTION_SCALE, TOP_K
from dawn.tokenizer import BOS, EOS, PAD, UNK
from dawn.translator import MAX_PREFIX_CHARS, Translator
from dawn.whatif import whatif
from ui.attention_explorer import explorer_whatif, whatif_handler

KINDS = ("lstm", "lstm_attention", "transformer")
SENTENCE = "他有鱼。"


def tiny(make_model, tokenizer, kind: str, seed: int = 0) -> Translator:
    return Translator(make_model(kind, seed=seed), tokenizer, kind, {"model_type": kind})


def teacher_forced_logp(model, src_ids: list[int], out: list[int], eos: bool) -> float:
    """Σ_t log p(y_t | y_<t, x) from one teacher-forced pass (plus </s> when the output ends with it)."""
    src, mask = pad_batch([src_ids])
    target = out + ([EOS] if eos else [])
    with torch.no_grad():
        logits = model(src, mask, torch.tensor([[BOS] + target[:-1]]))     # (1, T, V)
    logp = torch.log_softmax(logits[0], dim=-1)                            # (T, V)
    return logp[torch.arange(len(target)), target].sum().item()


@pytest.mark.parametrize("kind", KINDS)
def test_an_empty_prefix_or_the_greedy_beginning_is_greedy_decoding(make_model, tokenizer, kind):
    model = make_model(kind)
    src, mask = pad_batch([tokenizer.encode_source(SENTENCE)])
    ids, logp = greedy_decode(model, src, mask)[0]
    for k in (0, 1, min(3, len(ids))):
        d = forced_prefix_decode(model, src, mask, ids[:k])
        assert d.ids == ids and d.n_forced == k
        assert d.log_prob == pytest.approx(logp, abs=1e-4)


@pytest.mark.parametrize("kind", KINDS)
def test_the_prefix_is_forced_and_the_log_prob_is_the_whole_sequence(make_model, tokenizer, kind):
    model = make_model(kind, seed=1)
    src_ids = tokenizer.encode_source(SENTENCE)
    src, mask = pad_batch([src_ids])
    greedy_first = greedy_decode(model, src, mask)[0][0][:1]
    prefix = [i for i in tokenizer.encode_target("She wants tea")[:-1]]
    assert prefix[:1] != greedy_first                          # really forced, not what the model picks anyway
    d = forced_prefix_decode(model, src, mask, prefix, top_k=TOP_K)
    assert d.ids[: len(prefix)] == prefix
    limit = max_output_len(len(src_ids), model.config.max_target_len)
    reached_eos = len(d.ids) < limit
    assert d.log_prob == pytest.approx(teacher_forced_logp(model, src_ids, d.ids, reached_eos), abs=1e-3)
    assert len(d.token_log_probs) == len(d.alternatives) == len(d.ids)
    for t, (tok, alts) in enumerate(zip(d.ids, d.alternatives)):
        lps = [lp for _, lp in alts]
        assert len(alts) == TOP_K and lps == sorted(lps, reverse=True)
        if t >= len(prefix):                                    # after the prefix: the model's own first choice
            assert alts[0][0] == tok and alts[0][1] == pytest.approx(d.token_log_probs[t])


def test_forced_decoding_refuses_what_it_cannot_do(make_model, tokenizer):
    model = make_model("lstm")
    src_ids = tokenizer.encode_source(SENTENCE)
    src, mask = pad_batch([src_ids])
    limit = max_output_len(len(src_ids), model.config.max_target_len)
    with pytest.raises(ValueError, match="at most"):
        forced_prefix_decode(model, src, mask, [5] * limit)
    with pytest.raises(ValueError, match="</s>"):
        forced_prefix_decode(model, src, mask, [5, EOS])
    with pytest.raises(ValueError, match="one sentence"):
        forced_prefix_decode(model, src.repeat(2, 1), mask.repeat(2, 1), [5])


@pytest.mark.parametrize("prefix", ["She", "She wa", "She wants ", "  He has", "He has fish", "他 has"])
def test_the_text_starts_with_the_prefix_exactly_as_typed(make_model, tokenizer, prefix):
    r = tiny(make_model, tokenizer, "transformer").continue_prefix(SENTENCE, prefix)
    assert r.text.startswith(prefix)
    assert r.n_forced == len(tokenizer.encode_target(prefix)) - 1
    assert "  " not in r.text[len(prefix) - 1:]                 # no doubled space where the model takes over


def test_ids_as_prefix_and_the_maps(make_model, tokenizer):
    t = tiny(make_model, tokenizer, "transformer")
    ids = tokenizer.encode_target("He has")[:-1]
    r = t.continue_prefix(SENTENCE, ids)
    assert r.ids[: len(ids)] == ids and r.text.startswith("He has")
    S, T = len(r.source_tokens), len(r.ids)
    assert [a.shape for a in r.cross_attentions] == [(2, T, S)] * 2        # 2 decoder layers of 2 heads
    torch.testing.assert_close(r.cross_attentions[-1].sum(-1), torch.ones(2, T))
    assert tiny(make_model, tokenizer, "lstm").continue_prefix(SENTENCE, ids).cross_attentions is None


@pytest.mark.parametrize("prefix, message", [
    ("", "empty"), ("   ", "empty"), ([], "empty"), ("x" * (MAX_PREFIX_CHARS + 1), "at most"),
    ([PAD], "not English tokens"), ([BOS, 5], "not English tokens"), ([10 ** 6], "not English tokens"),
    ([True], "integers"), (["5"], "integers"),
])
def test_bad_prefixes_get_a_clear_message(make_model, tokenizer, prefix, message):
    with pytest.raises(ValueError, match=message):
        tiny(make_model, tokenizer, "lstm").continue_prefix(SENTENCE, prefix)


def test_an_overlong_prefix_is_refused_before_decoding(make_model, tokenizer):
    t = tiny(make_model, tokenizer, "lstm")
    with pytest.raises(ValueError, match="can be forced"):
        t.continue_prefix(SENTENCE, " ".join(["fish"] * 40))    # the 5-character source allows 2·6 + 10 tokens


def test_unknown_words_are_forced_as_unk(make_model, tokenizer):
    r = tiny(make_model, tokenizer, "lstm").continue_prefix(SENTENCE, "猫 has")
    assert r.ids[0] == UNK and r.text.startswith("猫 has")


@pytest.mark.parametrize("kind", KINDS)
def test_whatif_json(make_model, tokenizer, kind):
    w = whatif(tiny(make_model, tokenizer, kind), SENTENCE, "He has", name="m")
    json.dumps(w)
    assert {"text", "tokens", "log_prob", "cross_attention"} <= set(w)
    assert w["text"].startswith("He has") and w["model"] == "m" and w["prefix"] == "He has"
    T, S = len(w["tokens"]), len(w["source_tokens"])
    assert len(w["ids"]) == len(w["token_logprob"]) == len(w["alternatives"]) == len(w["alternative_ids"]) == T
    assert w["log_prob"] <= sum(w["token_logprob"]) + 0.001 * T  # the </s> step can only lower it (± rounding)
    if kind == "lstm":
        assert w["cross_attention"] is None
    else:
        for layer in w["cross_attention"]:
            assert all(len(row) == S and sum(row) == ATTENTION_SCALE for head in layer for row in head)
            assert all(len(head) == T for head in layer)


@pytest.fixture
def handler(make_model, tokenizer):
    return whatif_handler({k: tiny(make_model, tokenizer, k) for k in ("lstm", "transformer")})


def test_whatif_handler(handler, tokenizer):
    w = handler(SENTENCE, "transformer", "She")
    assert w["text"].startswith("She") and w["cross_attention"] is not None
    ids = tokenizer.encode_target("We like")[:-1]
    assert handler(SENTENCE, "lstm", ids)["ids"][: len(ids)] == ids


@pytest.mark.parametrize("source, model, prefix, message", [
    (SENTENCE, "gpt", "She", "unknown model 'gpt'; expected one of lstm, transformer"),
    (SENTENCE, "<img src=x onerror=alert(1)>", "She", "unknown model; expected"),
    (SENTENCE, None, "She", "unknown model; expected"),
    ("", "lstm", "She", "Chinese sentence"),
    ("<b>猫</b>", "lstm", "She", "markup"),
    (SENTENCE, "lstm", "", "empty"),
    (SENTENCE, "lstm", "a" * 10_000, "at most"),
])
def test_whatif_handler_refuses_bad_input_cleanly(handler, source, model, prefix, message):
    with pytest.raises(gr.Error, match=message):
        handler(source, model, prefix)


def test_the_explorers_server_function_answers_errors_as_data(handler):
    call = explorer_whatif(handler)
    assert call.__name__ == "whatif"
    assert call([SENTENCE, "lstm", "She"])["text"].startswith("She")
    assert "unknown model" in call([SENTENCE, "gpt", "She"])["error"]
    assert "error" in call(["only one"])


@pytest.mark.skipif(not (CHECKPOINTS / "transformer" / "manifest.json").exists(), reason="no committed Transformer")
def test_the_committed_transformer_continues_the_story_sentence():
    from dawn import load_translator
    from dawn.story import STORY_SENTENCE

    t = load_translator(CHECKPOINTS / "transformer")
    own = t.translate(STORY_SENTENCE)
    w = whatif(t, STORY_SENTENCE, "The cat")
    assert w["text"].startswith("The cat") and w["tokens"][:2] == ["The", "cat"]
    assert w["log_prob"] < own.log_prob                          # the model's own greedy choice was more likely
    same = whatif(t, STORY_SENTENCE, own.ids[:3])
    assert same["text"] == own.text and same["log_prob"] == pytest.approx(own.log_prob, abs=1e-3)


def test_bench_explorer_times_both_whatif_cases(make_model, tokenizer):
    from lab.benchmarks.explorer import TYPED_PREFIX, bench_whatif

    out = bench_whatif({"transformer": tiny(make_model, tokenizer, "transformer")}, repeats=1)
    for case in ("choose", "typed"):
        r = out["transformer"][case]
        assert r["ms"] > 0 and r["forced_tokens"] == (2 if case == "choose" else len(
            tokenizer.encode_target(TYPED_PREFIX)) - 1) and r["output_tokens"] >= r["forced_tokens"]
