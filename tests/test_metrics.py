"""BLEU / chrF through sacrebleu, length buckets, paired bootstrap."""

from __future__ import annotations

import math

import pytest
import sacrebleu

from dawn.metrics import (BUCKETS, LONG_BUCKETS, bucket_of, corpus_scores, loop_rate, paired_bootstrap, repeated_phrase,
                          sentence_scores, source_length)

REFS = ["The cat is chasing the mouse.", "We decided to climb the mountain.", "It is raining today."]


def test_perfect_hypotheses_score_100():
    s = corpus_scores(REFS, REFS)
    assert s["bleu"] == 100.0 and s["chrf"] == 100.0
    assert s["signature"]["bleu"].startswith("nrefs:1|") and "tok:13a" in s["signature"]["bleu"]
    assert sentence_scores(REFS[0], REFS[0]) == {"bleu": 100.0, "chrf": 100.0}


def test_empty_hypotheses_score_0():
    s = corpus_scores(["", "", ""], REFS)
    assert s["bleu"] == 0.0 and s["chrf"] == 0.0
    assert sentence_scores("", REFS[0]) == {"bleu": 0.0, "chrf": 0.0}


def test_hypotheses_and_references_are_not_swapped():
    """A short hypothesis whose every n-gram is right is penalised only for brevity:
    BLEU = 100 · exp(1 - r/c). Swapped, it would be a long hypothesis with poor precision."""
    hyp = "the cat sat on the"                                             # c = 5 tokens
    ref = "the cat sat on the mat in the sun with a hat all day long"      # r = 15 tokens
    expected = 100 * math.exp(1 - 15 / 5)                                   # 13.53
    assert corpus_scores([hyp], [ref])["bleu"] == pytest.approx(expected, abs=0.01)
    assert corpus_scores([ref], [hyp])["bleu"] > 20  # swapped: precisions 5/15, 4/14, 3/13, 2/12 and no penalty
    assert sentence_scores(hyp, ref)["bleu"] == pytest.approx(expected, abs=0.05)
    assert sentence_scores(hyp, ref)["chrf"] == round(sacrebleu.sentence_chrf(hyp, [ref]).score, 1)
    assert sentence_scores(hyp, ref)["chrf"] != sentence_scores(ref, hyp)["chrf"]


def test_corpus_scores_match_sacrebleu():
    hyps = ["The cat chases a mouse.", "We decided to climb a hill.", "It rains."]
    s = corpus_scores(hyps, REFS)
    assert s["bleu"] == round(sacrebleu.corpus_bleu(hyps, [REFS]).score, 2)
    assert s["chrf"] == round(sacrebleu.corpus_chrf(hyps, [REFS]).score, 2)
    assert 0 < s["bleu"] < 100


def test_corpus_scores_length_mismatch():
    with pytest.raises(ValueError, match="2 hypotheses but 3 references"):
        corpus_scores(["a", "b"], REFS)


def test_every_length_is_in_exactly_one_bucket():
    names = [name for name, _, _ in BUCKETS]
    assert len(set(names)) == len(names)
    for n in range(0, 500):
        holding = [name for name, lo, hi in BUCKETS if lo <= n <= hi]
        assert len(holding) == (1 if n >= 1 else 0)
        assert bucket_of(n) == (holding[0] if holding else "1-8")
    assert bucket_of(10**6) == "25+"
    assert [bucket_of(n) for n in (8, 9, 12, 13, 16, 17, 24, 25)] == ["1-8", "9-12", "9-12", "13-16", "13-16",
                                                                       "17-24", "17-24", "25+"]


def test_long_buckets_for_flores_cover_every_length_once_in_order():
    assert [name for name, _, _ in LONG_BUCKETS] == ["1-24", "25-34", "35-44", "45-59", "60+"]
    for (_, _, hi), (_, lo, _) in zip(LONG_BUCKETS, LONG_BUCKETS[1:]):
        assert lo == hi + 1                                                  # no gap, no overlap
    assert [bucket_of(n, LONG_BUCKETS) for n in (0, 24, 25, 44, 45, 59, 60, 10**6)] == [
        "1-24", "1-24", "25-34", "35-44", "45-59", "45-59", "60+", "60+"]
    assert bucket_of(54, LONG_BUCKETS) == "45-59"                           # the story sentence


def test_source_length_ignores_spaces():
    assert source_length(" 猫 追\t老鼠。") == 5


def _systems():
    refs = [f"the {a} {v} the {o} today ." for a in ("cat", "dog", "bird", "man") for v in ("sees", "likes")
            for o in ("ball", "tree", "house")]
    good = [r.replace(" today", "") if i % 3 else r for i, r in enumerate(refs)]
    bad = [r.replace("the ", "a ").replace(" today", "") if i % 2 else r.split(" the ")[0] for i, r in enumerate(refs)]
    return bad, good, refs


def test_paired_bootstrap_ci_contains_the_delta():
    bad, good, refs = _systems()
    r = paired_bootstrap(bad, good, refs, n_samples=200, seed=1)
    expected = corpus_scores(good, refs)["bleu"] - corpus_scores(bad, refs)["bleu"]
    assert r["delta"] == pytest.approx(expected, abs=0.02)    # BLEU(b) - BLEU(a), in that order
    assert r["delta"] > 0
    lo, hi = r["ci95"]
    assert lo <= r["delta"] <= hi and lo < hi
    assert (r["n"], r["samples"]) == (len(refs), 200)
    assert paired_bootstrap(bad, good, refs, n_samples=200, seed=1) == r          # seeded
    assert paired_bootstrap(good, bad, refs, n_samples=200, seed=1)["delta"] == -r["delta"]


def test_paired_bootstrap_of_a_system_with_itself_is_zero():
    _, good, refs = _systems()
    assert paired_bootstrap(good, good, refs, n_samples=50) == {"delta": 0.0, "ci95": [0.0, 0.0], "n": len(refs),
                                                              "samples": 50}


@pytest.mark.parametrize("a,b,refs", [(["x"], ["x", "y"], ["r", "s"]), ([], [], [])])
def test_paired_bootstrap_bad_input(a, b, refs):
    with pytest.raises(ValueError, match="two equally long, non-empty hypothesis lists"):
        paired_bootstrap(a, b, refs)


def test_a_loop_is_a_phrase_said_again_right_after_itself():
    assert repeated_phrase("The end of the sunset of the sunset.") == "of the sunset"
    assert repeated_phrase("The result is really pretty pretty scenery.") == "pretty"
    assert repeated_phrase("It's going to rain, and it's going to rain.") is None   # said again, not right after
    assert repeated_phrase("I love you.") is None and repeated_phrase("") is None
    assert repeated_phrase("a b c d e f g h i a b c d e f g h i") is None            # 9 words: longer than a loop
    assert loop_rate(["pretty pretty", "I love you.", "Go go!", "Hi."]) == 0.5
