"""The test-set results the page shows: read checkpoints/NAME/metrics.json defensively, as plain JSON for the browser.

    from dawn.registry import MODEL_NAMES
    from ui.results import benchmark
    benchmark("checkpoints", MODEL_NAMES)
    # {"models": {"lstm": {"bleu": 10.0, "chrf": 24.4, "test_set": ..., "num_parameters": ...}, ...},
    #  "curves": {"flores200": {"buckets": ["1-8", ...], "models": {"lstm": [{"bucket", "n", "bleu", "chrf"}, ...]}},
    #             "tatoeba": {...}},
    #  "problems": {"lstm_attention": "missing"}}

A missing, half-written or differently shaped metrics.json never raises: the model
is listed under "problems" ("missing" or "unreadable") and its curve is left out.
FLORES-200 is read from the "flores200" entry (a dict with its own "by_length",
or a by_length list itself); Tatoeba from the top-level "by_length".
"""

from __future__ import annotations

import json
import math
from pathlib import Path

CURVE_SETS = ("flores200", "tatoeba")  # the page draws the first one any model has


def _number(v) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) else None


def _buckets(by_length) -> list[dict]:
    """A by_length list -> [{"bucket": str, "n": int | None, "bleu": float | None, "chrf": float | None}]."""
    out = []
    for b in by_length if isinstance(by_length, list) else []:
        if isinstance(b, dict) and isinstance(b.get("bucket"), (str, int)):
            n = _number(b.get("n"))
            out.append({"bucket": str(b["bucket"]), "n": None if n is None else int(n),
                        "bleu": _number(b.get("bleu")), "chrf": _number(b.get("chrf"))})
    return out


def read_metrics(path: Path) -> tuple[dict | None, str]:
    """(metrics dict, "") from a metrics.json; (None, "missing" | "unreadable") otherwise."""
    if not path.is_file():
        return None, "missing"
    try:
        m = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, "unreadable"
    return (m, "") if isinstance(m, dict) else (None, "unreadable")


def benchmark(checkpoint_root: str | Path, names: list[str] | tuple[str, ...]) -> dict:
    """Corpus scores and BLEU-by-length curves of every model, JSON-ready (see the module docstring)."""
    root = Path(checkpoint_root)
    models, problems = {}, {}
    curves = {s: {"buckets": [], "models": {}} for s in CURVE_SETS}
    for name in names:
        m, problem = read_metrics(root / name / "metrics.json")
        if m is None:
            problems[name] = problem
            continue
        models[name] = {"bleu": _number(m.get("bleu")), "chrf": _number(m.get("chrf")),
                        "test_set": str(m.get("test_set", ""))[:100], "decoding": str(m.get("decoding", ""))[:40],
                        "num_parameters": _number(m.get("num_parameters"))}
        flores = m.get("flores200")
        sets = {"tatoeba": m.get("by_length"),
                "flores200": flores.get("by_length") if isinstance(flores, dict) else flores}
        for s, by_length in sets.items():
            rows = _buckets(by_length)
            if rows:
                curves[s]["models"][name] = rows
                for row in rows:  # the union of buckets, in the order they first appear
                    if row["bucket"] not in curves[s]["buckets"]:
                        curves[s]["buckets"].append(row["bucket"])
    return {"models": models, "curves": {s: c for s, c in curves.items() if c["models"]}, "problems": problems}
