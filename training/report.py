"""Regenerate the results section of README.md from the JSON files the scripts wrote.

    python -m training.report

Reads checkpoints/{lstm,transformer}/{config,train_log,metrics}.json,
checkpoints/comparison.json, checkpoints/benchmark.json and
checkpoints/load_test.json, and rewrites the text between the
<!-- results:start --> and <!-- results:end --> markers. Every number comes from
those files, except the published opus-mt-zh-en reference row (BLEU 36.1, chrF
0.548 on Tatoeba-test v2020-07-28, as reported by Helsinki-NLP).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

START, END = "<!-- results:start -->", "<!-- results:end -->"
MODELS = ("lstm", "transformer")
TARGETS = "Targets: Transformer Mandarin BLEU ≥ 25; LSTM Mandarin BLEU ≥ 10; longest bucket Transformer ≥ 2× LSTM."


def _load(path: Path):
    return json.loads(path.read_text()) if path.exists() else None


def _fmt(x, nd=1):
    return "–" if x is None else (f"{x:,.{nd}f}" if isinstance(x, float) else f"{x:,}")


def render(root: Path) -> str:
    ck = {m: {k: _load(root / m / f"{k}.json") for k in ("config", "train_log", "metrics")} for m in MODELS}
    comparison, bench, load = (_load(root / f) for f in ("comparison.json", "benchmark.json", "load_test.json"))
    out = []
    if all(ck[m]["metrics"] for m in MODELS):
        met = {m: ck[m]["metrics"] for m in MODELS}
        out += [f"Test set: Tatoeba-test `{met['transformer']['test_set']}` (zho→eng, {met['transformer']['n']:,} sentences, "
                f"{met['transformer'].get('n_mandarin', 0):,} Mandarin), read once per final model. "
                "sacrebleu on detokenized, cased English; chrF on a 0–100 scale.", "",
                "| model | parameters | training data | training time (CPU) | decoding | BLEU | chrF | Mandarin BLEU | Mandarin chrF |",
                "|---|---|---|---|---|---|---|---|---|",
                "| Helsinki-NLP opus-mt-zh-en (published) | ≈78M | tens of millions of pairs | – | beam | 36.1 | 54.8 | – | – |"]
        for m in MODELS:
            cfg, log, mt = ck[m]["config"], ck[m]["train_log"], met[m]
            tr = cfg["training"]
            out.append(f"| **{m}** (ours) | {cfg['num_parameters'] / 1e6:.1f}M | {tr['train_pairs']:,} Tatoeba pairs "
                       f"(+{tr['concatenated_examples']:,} concatenated) | {log['training_time_s'] / 60:.1f} min, "
                       f"{log['threads']} thread | {mt['decoding']} | {mt['bleu']} | {mt['chrf']} | "
                       f"{mt.get('bleu_mandarin')} | {mt.get('chrf_mandarin')} |")
        out += ["", "BLEU by source length (Chinese characters):", "",
                "| bucket | n | LSTM BLEU | Transformer BLEU | Δ BLEU (95% paired-bootstrap CI) | LSTM chrF | Transformer chrF |",
                "|---|---|---|---|---|---|---|"]
        deltas = {d["bucket"]: d for d in (comparison or {}).get("by_length", [])}
        for bl, bt in zip(met["lstm"]["by_length"], met["transformer"]["by_length"]):
            d = deltas.get(bl["bucket"])
            ci = f"{d['delta']:+.1f} [{d['ci95'][0]:+.1f}, {d['ci95'][1]:+.1f}]" if d else "–"
            out.append(f"| {bl['bucket']} | {bl['n']:,} | {_fmt(bl['bleu'])} | {_fmt(bt['bleu'])} | {ci} | "
                       f"{_fmt(bl['chrf'])} | {_fmt(bt['chrf'])} |")
        if comparison:
            o = comparison["overall"]
            out += ["", f"Overall Transformer − LSTM: {o['delta']:+.2f} BLEU, 95% CI [{o['ci95'][0]:+.2f}, {o['ci95'][1]:+.2f}] "
                        f"({o['samples']} bootstrap resamples)."]
        longest = [(bl["bleu"], bt["bleu"]) for bl, bt in zip(met["lstm"]["by_length"], met["transformer"]["by_length"])][-1]
        checks = [("Transformer Mandarin BLEU ≥ 25", met["transformer"].get("bleu_mandarin", 0) >= 25, met["transformer"].get("bleu_mandarin")),
                  ("LSTM Mandarin BLEU ≥ 10", met["lstm"].get("bleu_mandarin", 0) >= 10, met["lstm"].get("bleu_mandarin")),
                  ("Longest bucket: Transformer ≥ 2× LSTM", None not in longest and longest[1] >= 2 * longest[0],
                   f"{_fmt(longest[1])} vs {_fmt(longest[0])}")]
        out += ["", "| target | met? | measured |", "|---|---|---|",
                *[f"| {name} | {'yes' if ok else '**no**'} | {val} |" for name, ok, val in checks]]
        out += ["", "![BLEU by source length](checkpoints/bleu_by_length.png)", ""]
    else:
        out += ["Not evaluated yet: run `python -m training.evaluate` (see below).", ""]
    if bench:
        t = bench["targets"]
        rows = [("Transformer, story sentence, greedy (median of %d)" % bench["runs"], f"{bench['transformer_greedy_ms']} ms", f"≤ {t['transformer_greedy_ms']} ms"),
                ("Transformer, story sentence, beam 4", f"{bench['transformer_beam4_ms']} ms", ""),
                ("LSTM, story sentence, greedy", f"{bench['lstm_greedy_ms']} ms", f"≤ {t['lstm_greedy_ms']} ms"),
                ("LSTM, story sentence, beam 4", f"{bench['lstm_beam4_ms']} ms", ""),
                ("Transformer training throughput (synthetic 64×12 batches)", f"{bench['transformer_train_target_tokens_per_s']:,} target tok/s", ""),
                ("LSTM training throughput (synthetic 64×12 batches)", f"{bench['lstm_train_target_tokens_per_s']:,} target tok/s", "")]
        if "app_cold_start_s" in bench:
            rows += [("App cold start → first translation", f"{bench['app_cold_start_s']} s", f"≤ {t['app_cold_start_s']} s"),
                     ("App peak RSS", f"{bench['app_peak_rss_mb']} MB", f"≤ {t['app_peak_rss_mb']} MB")]
        out += [f"Performance (`python -m training.benchmark`, {bench['machine']}, torch {bench['torch']}, "
                f"{bench['threads']} threads):", "", "| measure | value | target |", "|---|---|---|",
                *[f"| {a} | {b} | {c} |" for a, b, c in rows], ""]
    if bench and "transformer_story_translation" in bench:
        out += ["The story sentence, greedy: / 故事里的长句（贪心解码）：", "",
                f"- LSTM: *{bench['lstm_story_translation']}*",
                f"- Transformer: *{bench['transformer_story_translation']}*", ""]
    if load:
        lat = load["latency_ms"]
        out += [f"Load (`python -m training.load_test`): {load['requests']} `/translate` requests, {load['concurrency']} "
                f"at a time, mixed short and long sentences, through `gradio_client` on loopback — {load['ok']} answered, "
                f"{load['errors']} errors, {load['busy_rejected']} turned away as busy (queue full); latency p50 "
                f"{lat['p50']} ms, p95 {lat['p95']} ms, max {lat['max']} ms; {load['throughput_rps']} requests/s.", ""]
    return "\n".join(out)


def main() -> int:
    readme = Path("README.md")
    text = readme.read_text()
    if START not in text or END not in text:
        print(f"README.md lacks the {START} / {END} markers", file=sys.stderr)
        return 2
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(head + START + "\n" + render(Path("checkpoints")) + "\n" + END + tail)
    print("README.md results section regenerated", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
