"""The three models and the decoders: shapes, cached == uncached, batched == single,
greedy == beam 1, bounded output length, what a Translation carries, and the
hand-written attention of the LSTM with attention (weights sum to 1, 0 on padding)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from dawn.decoding import beam_search, greedy_decode, max_output_len, pad_batch, repeated_ngram_tokens
from dawn.registry import MODEL_NAMES
from dawn.tokenizer import BOS, EOS, PAD
from dawn.translator import Translator

MODELS = list(MODEL_NAMES)
SENTENCES = ["我喜欢猫。", "他们有鱼和茶吗？", "你要书。", "我"]


def _batch(tokenizer, sentences=SENTENCES):
    return pad_batch([tokenizer.encode_source(s) for s in sentences])


def _never_eos(model) -> None:
    """Make </s> impossible, so that every output runs to its length limit."""
    with torch.no_grad():
        bias = model.out_bias if hasattr(model, "out_bias") else model.marian.final_logits_bias[0]
        bias[EOS] = -1e4


def _sequence_logprob(model, src, mask, ids: list[int], with_eos: bool) -> float:
    """log p(ids [</s>] | src) by one teacher-forced pass."""
    target = ids + [EOS] if with_eos else ids
    tgt_in = torch.tensor([[BOS] + target[:-1]])                     # (1, T)
    logp = F.log_softmax(model(src, mask, tgt_in), dim=-1)[0]       # (T, V)
    return logp[torch.arange(len(target)), torch.tensor(target)].sum().item()


def test_pad_batch():
    ids, mask = pad_batch([[5, 6, 2], [7, 2]])
    assert ids.tolist() == [[5, 6, 2], [7, 2, PAD]]
    assert mask.tolist() == [[1, 1, 1], [1, 1, 0]]


def test_max_output_len():
    assert max_output_len(5, 256) == 20
    assert max_output_len(200, 256) == 256


@pytest.mark.parametrize("kind", MODELS)
def test_forward_shape(kind, make_model, tokenizer):
    model = make_model(kind)
    src, mask = _batch(tokenizer)                                   # (B, S)
    tgt_in = torch.randint(4, tokenizer.tgt_vocab_size, (len(SENTENCES), 7))
    logits = model(src, mask, tgt_in)
    assert logits.shape == (len(SENTENCES), 7, tokenizer.tgt_vocab_size)
    assert torch.isfinite(logits).all()


@pytest.mark.parametrize("kind", MODELS)
def test_cached_step_by_step_decoding_equals_teacher_forcing(kind, make_model, tokenizer):
    model = make_model(kind)
    src, mask = _batch(tokenizer)                                   # padded: sentences of different lengths
    B, T = src.size(0), 6
    tgt_in = torch.cat([torch.full((B, 1), BOS), torch.randint(4, tokenizer.tgt_vocab_size, (B, T - 1))], dim=1)
    with torch.no_grad():
        full = F.log_softmax(model(src, mask, tgt_in), dim=-1)     # (B, T, V)
        state = model.start(src, mask)
        steps = []
        for t in range(T):
            logp, state = model.step(tgt_in[:, t], state)          # (B, V)
            steps.append(logp)
    torch.testing.assert_close(torch.stack(steps, dim=1), full, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("kind", MODELS)
def test_state_select_reorders_rows(kind, make_model, tokenizer):
    """state.select (beam search) keeps the cache of each row with its row."""
    model = make_model(kind)
    src, mask = _batch(tokenizer)
    perm = torch.tensor([2, 0, 3, 1])
    prev = torch.tensor([BOS] * 4)
    with torch.no_grad():
        state = model.start(src, mask)
        a1, state = model.step(prev, state)
        a2, _ = model.step(a1.argmax(-1)[perm], state.select(perm))
        state = model.start(src[perm], mask[perm])
        b1, state = model.step(prev, state)
        b2, _ = model.step(b1.argmax(-1), state)
    torch.testing.assert_close(a1[perm], b1, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(a2, b2, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("kind", MODELS)
@pytest.mark.parametrize("decode", ["greedy", "beam"])
def test_batched_equals_single_sentence(kind, decode, make_model, tokenizer):
    model = make_model(kind)
    run = greedy_decode if decode == "greedy" else (lambda m, s, k: beam_search(m, s, k, beam_size=3))
    batched = run(model, *_batch(tokenizer))
    for sentence, (ids, logp) in zip(SENTENCES, batched):
        [(ids1, logp1)] = run(model, *_batch(tokenizer, [sentence]))
        assert ids == ids1
        assert logp == pytest.approx(logp1, abs=1e-4)


@pytest.mark.parametrize("kind", MODELS)
def test_greedy_equals_beam_search_with_one_beam(kind, make_model, tokenizer):
    for seed in range(3):
        model = make_model(kind, seed=seed)
        src, mask = _batch(tokenizer)
        greedy, beam = greedy_decode(model, src, mask), beam_search(model, src, mask, beam_size=1)
        assert [ids for ids, _ in greedy] == [ids for ids, _ in beam]
        assert [lp for _, lp in greedy] == pytest.approx([lp for _, lp in beam], abs=1e-4)


@pytest.mark.parametrize("kind", MODELS)
def test_greedy_picks_the_argmax_of_teacher_forced_logits(kind, make_model, tokenizer):
    """Row t of a teacher-forced pass over [<s>] + output predicts output token t."""
    model = make_model(kind)
    src, mask = _batch(tokenizer, ["他们有鱼和茶吗？"])
    [(ids, logp)] = greedy_decode(model, src, mask)
    with_eos = len(ids) < max_output_len(src.size(1), model.config.max_target_len)
    target = ids + [EOS] if with_eos else ids
    logits = model(src, mask, torch.tensor([[BOS] + target[:-1]]))[0]  # (T, V)
    assert logits.argmax(-1).tolist() == target
    assert logp == pytest.approx(_sequence_logprob(model, src, mask, ids, with_eos), abs=1e-4)


@pytest.mark.parametrize("kind", MODELS)
def test_beam_score_is_the_log_probability_of_its_output(kind, make_model, tokenizer):
    model = make_model(kind, seed=1)
    src, mask = _batch(tokenizer)
    limits = [max_output_len(int(n), model.config.max_target_len) for n in mask.sum(1)]
    for b, (ids, logp) in enumerate(beam_search(model, src, mask, beam_size=4)):
        n = int(mask[b].sum())
        with_eos = len(ids) < limits[b]
        assert logp == pytest.approx(_sequence_logprob(model, src[b:b + 1, :n], mask[b:b + 1, :n], ids, with_eos),
                                     abs=1e-3)


@pytest.mark.parametrize("kind", MODELS)
@pytest.mark.parametrize("cap", [64, 9])
def test_output_length_is_bounded(kind, cap, make_model, tokenizer):
    """With </s> made impossible every output runs exactly to max_output_len (2·S + 10, at most the cap)."""
    model = make_model(kind, max_target_len=cap)
    _never_eos(model)
    src, mask = _batch(tokenizer)
    limits = [max_output_len(int(n), cap) for n in mask.sum(1)]
    assert len(set(limits)) > 1 or cap == 9
    for decoded in (greedy_decode(model, src, mask), beam_search(model, src, mask, beam_size=3)):
        assert [len(ids) for ids, _ in decoded] == limits
        assert all(EOS not in ids and PAD not in ids and BOS not in ids for ids, _ in decoded)


def test_repeated_ngram_tokens_are_those_that_would_complete_an_earlier_ngram():
    assert repeated_ngram_tokens([1, 2, 3, 1, 2], 3) == [3]            # 1 2 3 would come again
    assert repeated_ngram_tokens([1, 2, 1, 3, 1], 2) == [2, 3]         # after 1: 2 and 3 were both seen
    assert repeated_ngram_tokens([5, 5], 2) == [5]
    assert repeated_ngram_tokens([4, 5, 6], 1) == [4, 5, 6]             # n = 1: no token twice
    assert repeated_ngram_tokens([1, 2], 4) == [] and repeated_ngram_tokens([1, 2, 3], 0) == []


def _ngrams(ids: list[int], n: int) -> list[tuple]:
    return [tuple(ids[i:i + n]) for i in range(len(ids) - n + 1)]


@pytest.mark.parametrize("kind", MODELS)
def test_beam_search_with_no_repeat_ngram_never_repeats_one(kind, make_model, tokenizer):
    """Untrained models run to the length limit and repeat themselves; with no_repeat_ngram = 2 no output
    holds a bigram twice, and each score is still the model's own log-probability of its output."""
    model = make_model(kind, seed=2)
    _never_eos(model)
    src, mask = _batch(tokenizer)
    free = beam_search(model, src, mask, beam_size=3)
    assert any(len(set(_ngrams(ids, 2))) < len(_ngrams(ids, 2)) for ids, _ in free)   # they do loop
    for b, (ids, logp) in enumerate(beam_search(model, src, mask, beam_size=3, no_repeat_ngram=2)):
        assert len(set(_ngrams(ids, 2))) == len(_ngrams(ids, 2)), ids
        n = int(mask[b].sum())
        assert logp == pytest.approx(_sequence_logprob(model, src[b:b + 1, :n], mask[b:b + 1, :n], ids, False), abs=1e-3)


def test_beam_size_must_be_positive(make_model, tokenizer):
    with pytest.raises(ValueError, match="beam_size must be >= 1, got 0"):
        beam_search(make_model("lstm"), *_batch(tokenizer), beam_size=0)


def test_transformer_translation_carries_attention(make_model, tokenizer):
    model = make_model("transformer", encoder_layers=1, decoder_layers=2)
    _never_eos(model)  # a non-empty output: T = the length limit
    t = Translator(model, tokenizer, "transformer", {})
    r = t.translate("我喜歡貓。", beam_size=2)
    assert r.source_tokens == ["我", "喜", "欢", "猫", "。", "</s>"]
    assert r.final_state is None
    S, T, H = len(r.source_tokens), len(r.target_tokens), 2
    assert T == max_output_len(S, model.config.max_target_len)
    assert len(r.cross_attentions) == 2 and len(r.encoder_attentions) == 1
    for a in r.cross_attentions:
        assert a.shape == (H, T, S)
        torch.testing.assert_close(a.sum(-1), torch.ones(H, T))
        assert (a >= 0).all()
    for a in r.encoder_attentions:
        assert a.shape == (H, S, S)
        torch.testing.assert_close(a.sum(-1), torch.ones(H, S))


def test_lstm_translation_carries_final_state(make_model, tokenizer):
    model = make_model("lstm", n_layers=2)
    t = Translator(model, tokenizer, "lstm", {})
    r = t.translate("我喜欢猫。")
    assert r.cross_attentions is None and r.encoder_attentions is None
    assert r.final_state.shape == (2, 16)
    src, mask = pad_batch([tokenizer.encode_source("我喜欢猫。")])
    torch.testing.assert_close(r.final_state, model.encode(src, mask).h[:, 0])


@pytest.mark.parametrize("kind", MODELS)
def test_translation_matches_decoder_output(kind, make_model, tokenizer):
    model = make_model(kind)
    t = Translator(model, tokenizer, kind, {})
    for beam in (1, 3):
        r = t.translate("你要书。", beam_size=beam)
        decode = greedy_decode if beam == 1 else (lambda m, s, k: beam_search(m, s, k, beam_size=3))
        [(ids, logp)] = decode(model, *_batch(tokenizer, ["你要书。"]))
        assert r.text == tokenizer.decode_target(ids)
        assert r.target_tokens == tokenizer.target_tokens(ids)
        assert r.log_prob == pytest.approx(logp)
        assert t.translate_batch(SENTENCES, beam_size=beam) == [t.translate(s, beam_size=beam).text for s in SENTENCES]
    assert t.translate_batch([]) == []
    assert t.num_parameters == sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("kind", MODELS)
def test_overlong_source_is_refused_with_a_clear_error(kind, make_model, tokenizer):
    from dawn.translator import MAX_SOURCE_TOKENS, Translator
    t = Translator(make_model(kind), tokenizer, kind, {})
    with pytest.raises(ValueError, match=f"at most {MAX_SOURCE_TOKENS}"):
        t.translate("我" * (MAX_SOURCE_TOKENS + 5))
    with pytest.raises(ValueError, match="split it into sentences"):
        t.translate_batch(["我有猫。", "我" * 600])
    assert t.translate("我" * (MAX_SOURCE_TOKENS - 1)).text is not None  # the longest allowed input still works


# --- the LSTM with attention: e = vᵀ tanh(W_s s + W_h h), α = softmax(e), c = Σ α h --------------

TWO = ["他们有鱼和茶吗？", "我"]  # 9 and 2 source tokens: the second is mostly padding in a batch


def test_attention_weights_sum_to_one_over_the_source_and_are_zero_on_padding(make_model, tokenizer):
    model = make_model("lstm_attention", seed=3)
    src, mask = _batch(tokenizer, TWO + ["你要书。"])                  # (B, S), padded
    B, T = src.size(0), 5
    tgt_in = torch.cat([torch.full((B, 1), BOS), torch.randint(4, tokenizer.tgt_vocab_size, (B, T - 1))], dim=1)
    with torch.no_grad():
        out = model(src, mask, tgt_in, output_attentions=True)
        plain = model(src, mask, tgt_in)
    logits, (alpha,) = out.logits, out.cross_attentions                # (B, T, V), one layer (B, 1, T, S)
    assert out.encoder_attentions is None and alpha.shape[1] == 1
    alpha = alpha[:, 0]                                                # one head: (B, T, S)
    assert alpha.shape == (B, T, src.size(1))
    for b in range(B):
        n = int(mask[b].sum())
        torch.testing.assert_close(alpha[b, :, :n].sum(-1), torch.ones(T))
        assert (alpha[b, :, :n] > 0).all()
        assert (alpha[b, :, n:] == 0).all()                           # exactly 0: masked before the softmax
    torch.testing.assert_close(logits, plain)                          # the weights change nothing else


def test_attention_of_a_batch_equals_each_sentence_alone(make_model, tokenizer):
    model = make_model("lstm_attention", seed=4)
    _never_eos(model)                                                  # outputs of different, known lengths
    t = Translator(model, tokenizer, "lstm_attention", {})
    alone = [t.translate(s) for s in TWO]
    assert t.translate_batch(TWO) == [r.text for r in alone]
    src, mask = _batch(tokenizer, TWO)
    batched = greedy_decode(model, src, mask)
    ids = [i for i, _ in batched]
    assert [tokenizer.target_tokens(i) for i in ids] == [r.target_tokens for r in alone]
    tgt_in, _ = pad_batch([[BOS] + i for i in ids])                    # (B, T+1)
    with torch.no_grad():
        alpha = model(src, mask, tgt_in, output_attentions=True).cross_attentions[0][:, 0]  # (B, T+1, S)
    for b, r in enumerate(alone):
        T, S = len(r.target_tokens), len(r.source_tokens)
        torch.testing.assert_close(alpha[b, :T, :S], r.cross_attentions[0][0], atol=1e-5, rtol=1e-5)
        assert (alpha[b, :T, S:] == 0).all()


@pytest.mark.parametrize("beam", [1, 4])
def test_attention_translation_carries_one_layer_of_weights(beam, make_model, tokenizer):
    model = make_model("lstm_attention", seed=5)
    _never_eos(model)
    r = Translator(model, tokenizer, "lstm_attention", {}).translate("我喜歡貓。", beam_size=beam)
    S, T = len(r.source_tokens), len(r.target_tokens)
    assert T == max_output_len(S, model.config.max_target_len)
    assert [tuple(a.shape) for a in r.cross_attentions] == [(1, T, S)]
    torch.testing.assert_close(r.cross_attentions[0].sum(-1), torch.ones(1, T))
    assert r.encoder_attentions is None and r.final_state is None


def test_attention_weights_are_the_ones_the_decoder_used(make_model, tokenizer):
    """Step-by-step decoding keeps α of each step in its state: the same as the Translation's map."""
    model = make_model("lstm_attention", seed=6)
    _never_eos(model)                                                  # some steps to compare, whatever the seed
    r = Translator(model, tokenizer, "lstm_attention", {}).translate("你要书。")
    assert r.target_tokens, "the tiny model wrote nothing: there is no step to compare"
    ids = tokenizer.encode_source("你要书。")
    src, mask = pad_batch([ids])
    [(out, _)] = greedy_decode(model, src, mask)
    with torch.no_grad():
        state, prev, steps = model.start(src, mask), torch.tensor([BOS]), []
        for tok in out:
            _, state = model.step(prev, state)
            steps.append(state.alpha[0])
            prev = torch.tensor([tok])
    torch.testing.assert_close(torch.stack(steps), r.cross_attentions[0][0], atol=1e-5, rtol=1e-5)
    assert r.cross_attentions[0].shape == (1, len(out), len(ids))


def test_additive_attention_is_the_formula_and_the_models_attend_calls_it(make_model, tokenizer):
    """e_j = vᵀ tanh(W_s s + W_h h_j), α = softmax(e) (0 on padding), c = Σ_j α_j h_j, written out
    once more with plain loops; the model's attend() gives the same numbers."""
    import doctest

    import dawn.lstm_attention as la
    assert doctest.testmod(la, verbose=False).failed == 0                # the docstring's example by hand
    model = make_model("lstm_attention", seed=7)
    src, mask = _batch(tokenizer, TWO)                                 # (2, S), the second padded
    with torch.no_grad():
        state = model.start(src, mask)
        state.h = torch.randn_like(state.h)                            # any decoder state s
        context, alpha = model.attend(state)                           # (B, 2·d_enc), (B, S)
        c2, a2 = la.additive_attention(model.W_s(state.h), model.W_h(state.annotations), state.annotations, mask,
                                       model.v)
        for b in range(src.size(0)):
            n = int(mask[b].sum())
            e = [float(model.v.weight[0] @ torch.tanh(model.W_s.weight @ state.h[b] + model.W_s.bias
                                                      + model.W_h.weight @ state.annotations[b, j]))
                 for j in range(n)]
            a = torch.softmax(torch.tensor(e), dim=0)
            torch.testing.assert_close(alpha[b, :n], a, atol=1e-5, rtol=0)
            assert (alpha[b, n:] == 0).all()
            c = sum(a[j] * state.annotations[b, j] for j in range(n))
            torch.testing.assert_close(context[b], c, atol=1e-5, rtol=0)
    assert torch.equal(context, c2) and torch.equal(alpha, a2)


# --- loading without initialisation (dawn.translator.model_from_config(..., init_weights=False)) -------------

@pytest.mark.parametrize("n_pos, dim", [(512, 256), (100, 64), (37, 255), (1, 2)])
def test_sinusoidal_positions_are_marians_own_bit_for_bit(n_pos, dim):
    from transformers.models.marian.modeling_marian import MarianSinusoidalPositionalEmbedding

    from dawn.transformer import sinusoidal_positions

    assert torch.equal(sinusoidal_positions(n_pos, dim), MarianSinusoidalPositionalEmbedding(n_pos, dim).create_weight())


@pytest.mark.parametrize("kind", MODEL_NAMES)
def test_a_checkpoint_loads_the_same_without_initialisation(kind, make_model, tmp_path):
    """The app builds models without random initialisation, since the stored weights overwrite it: every tensor
    (tied output layer and unstored position tables included) must equal an initialised model's after loading."""
    from dawn.checkpoint import load_weights, weights_to_store
    from dawn.translator import model_from_config

    trained = make_model(kind, seed=3)
    config = {"model_type": kind, **trained.config.to_dict()} if kind != "transformer" else trained.hub_config()
    stored = weights_to_store(trained.hub_module)
    models, ties = [], []
    for init in (True, False):
        torch.manual_seed(99 if init else 7)             # different seeds: only the stored weights may decide
        _, model = model_from_config(config, init_weights=init)
        load_weights(model.hub_module, stored, "tiny")
        state = model.hub_module.state_dict()
        models.append(state)
        shared = {}                                      # tied tensors: the names that share one storage
        for name, t in state.items():
            shared.setdefault(t.data_ptr(), []).append(name)
        ties.append(sorted(group for group in shared.values() if len(group) > 1))
    initialised, bare = models
    assert set(bare) == set(initialised) and ties[0] == ties[1]
    assert ties[0] or kind != "transformer"             # its output layer is the decoder embedding
    for name, tensor in initialised.items():
        assert torch.equal(bare[name], tensor), name
