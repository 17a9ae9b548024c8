"""BLEU and chrF with sacrebleu, source-length buckets, and paired bootstrap.

All scores are computed on detokenized, cased English with sacrebleu's default
tokenizer (13a), so they are comparable with published Tatoeba numbers.
"""

from __future__ import annotations

import random
import re

import sacrebleu

# Source length in Chinese characters (after normalisation, without spaces).
BUCKETS = [("1-8", 1, 8), ("9-12", 9, 12), ("13-16", 13, 16), ("17-24", 17, 24), ("25+", 25, 10**9)]
# FLORES-200 sentences are long (median 40 characters): buckets of their own.
LONG_BUCKETS = [("1-24", 1, 24), ("25-34", 25, 34), ("35-44", 35, 44), ("45-59", 45, 59), ("60+", 60, 10**9)]


def corpus_scores(hypotheses: list[str], references: list[str]) -> dict:
    """Corpus BLEU and chrF (0-100) of hypotheses against one reference each, with signatures."""
    if len(hypotheses) != len(references):
        raise ValueError(f"{len(hypotheses)} hypotheses but {len(references)} references")
    bleu, chrf = sacrebleu.metrics.BLEU(), sacrebleu.metrics.CHRF()
    b = bleu.corpus_score(hypotheses, [references])
    c = chrf.corpus_score(hypotheses, [references])
    return {"bleu": round(b.score, 2), "chrf": round(c.score, 2),
            "signature": {"bleu": str(bleu.get_signature()), "chrf": str(chrf.get_signature())}}


def sentence_scores(hypothesis: str, reference: str) -> dict:
    """Sentence BLEU (with sacrebleu's default smoothing) and chrF of one translation."""
    return {"bleu": round(sacrebleu.sentence_bleu(hypothesis, [reference]).score, 1),
            "chrf": round(sacrebleu.sentence_chrf(hypothesis, [reference]).score, 1)}


def bucket_of(num_chars: int, buckets=BUCKETS) -> str:
    """Name of the length bucket holding a source of num_chars characters (0 counts as the shortest)."""
    for name, lo, hi in buckets:
        if num_chars <= hi:
            return name
    raise AssertionError("unreachable: the last bucket is open-ended")


def source_length(zh: str) -> int:
    return len("".join(zh.split()))


LOOP_WORDS = 8   # a loop: a run of 1..LOOP_WORDS words said again right after itself


def repeated_phrase(text: str, max_words: int = LOOP_WORDS) -> str | None:
    """The first phrase of 1..max_words words that `text` says twice in a row ("pretty pretty", "of the
    sunset of the sunset"), lower-cased, or None. Words are runs of letters, digits and apostrophes."""
    words = re.findall(r"[\w']+", text.lower())
    for i in range(len(words)):
        for n in range(1, min(max_words, (len(words) - i) // 2) + 1):
            if words[i:i + n] == words[i + n:i + 2 * n]:
                return " ".join(words[i:i + n])
    return None


def loop_rate(hypotheses: list[str]) -> float:
    """The share of hypotheses that repeat a phrase right after itself (repeated_phrase)."""
    return round(sum(repeated_phrase(h) is not None for h in hypotheses) / max(len(hypotheses), 1), 4)


def paired_bootstrap(hyps_a: list[str], hyps_b: list[str], references: list[str],
                     n_samples: int = 1000, seed: int = 12345) -> dict:
    """95% confidence interval of BLEU(b) - BLEU(a) by resampling sentences with replacement.

    Uses BLEU's sufficient statistics per sentence, so each resample costs O(n), not a re-tokenisation.
    """
    n = len(references)
    if not (len(hyps_a) == len(hyps_b) == n) or n == 0:
        raise ValueError("paired bootstrap needs two equally long, non-empty hypothesis lists")
    bleu = sacrebleu.metrics.BLEU()
    stats_a = [bleu._extract_corpus_statistics([h], [[r]])[0] for h, r in zip(hyps_a, references)]
    stats_b = [bleu._extract_corpus_statistics([h], [[r]])[0] for h, r in zip(hyps_b, references)]

    def score(stats, idx):
        total = [sum(stats[i][j] for i in idx) for j in range(len(stats[0]))]
        return bleu._compute_score_from_stats(total).score

    rng = random.Random(seed)
    diffs = []
    for _ in range(n_samples):
        idx = [rng.randrange(n) for _ in range(n)]
        diffs.append(score(stats_b, idx) - score(stats_a, idx))
    diffs.sort()
    full = range(n)
    return {"delta": round(score(stats_b, full) - score(stats_a, full), 2),
            "ci95": [round(diffs[int(0.025 * n_samples)], 2), round(diffs[int(0.975 * n_samples) - 1], 2)],
            "n": n, "samples": n_samples}
