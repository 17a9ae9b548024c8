"""Figures: attention heatmaps, the LSTM's single final state, the whiteboard,
and BLEU by source length. All return PIL images (or write PNGs) and render
Chinese with a CJK font found on the system (Debian: fonts-noto-cjk)."""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from PIL import Image  # noqa: E402

from dawn.registry import MODEL_NAMES, spec  # noqa: E402

def line_style(name: str) -> dict:
    """A model's colour, dash and marker as the page draws them (dawn.registry); other runs: matplotlib's."""
    if name not in MODEL_NAMES:
        return {"marker": "^"}
    s = spec(name)
    dashes = tuple(float(x) for x in s.dash.split())                  # SVG "6 4" -> matplotlib (0, (6, 4))
    return {"color": s.colour, "marker": s.marker, "linestyle": (0, dashes) if dashes else "-"}


CJK_FAMILIES = ["Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
                "WenQuanYi Micro Hei", "Droid Sans Fallback", "AR PL UMing CN", "SimHei", "Microsoft YaHei", "PingFang SC"]


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """Name of an installed font with Chinese glyphs (and make matplotlib use it); None if there is none."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    name = next((f for f in CJK_FAMILIES if f in installed), None)
    if name:
        plt.rcParams["font.sans-serif"] = [name, "DejaVu Sans"]
        plt.rcParams["font.family"] = "sans-serif"
        plt.rcParams["axes.unicode_minus"] = False
    return name


def _to_image(fig) -> Image.Image:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def heatmap(weights: np.ndarray, rows: list[str], cols: list[str], title: str,
            xlabel: str = "", ylabel: str = "", annotate: bool | None = None, cmap: str = "viridis") -> Image.Image:
    """A (len(rows), len(cols)) weight matrix as a labelled heatmap; sized so long sentences stay legible."""
    cjk_font()
    weights = np.asarray(weights, dtype=float)
    n_rows, n_cols = weights.shape
    annotate = annotate if annotate is not None else n_rows * n_cols <= 36
    fig, ax = plt.subplots(figsize=(min(2.0 + 0.32 * n_cols, 24), min(1.6 + 0.3 * n_rows, 24)))
    im = ax.imshow(weights, cmap=cmap, aspect="auto", vmin=0.0 if weights.min() >= 0 else None)
    ax.set_xticks(range(n_cols), cols, fontsize=10)
    ax.set_yticks(range(n_rows), rows, fontsize=9)
    ax.tick_params(axis="x", labeltop=True, labelbottom=False, top=True, bottom=False)
    if annotate:
        for i in range(n_rows):
            for j in range(n_cols):
                ax.text(j, i, f"{weights[i, j]:.3f}", ha="center", va="center", fontsize=10,
                        color="white" if weights[i, j] < 0.6 * weights.max() else "black")
    ax.set_title(title, fontsize=11, pad=24)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02)
    return _to_image(fig)


def state_strip(final_state: np.ndarray, n_source_tokens: int) -> Image.Image:
    """The LSTM decoder's only view of the source: (n_layers, d) numbers, however long the sentence."""
    cjk_font()
    L, d = final_state.shape
    fig, ax = plt.subplots(figsize=(10, 0.6 + 0.45 * L))
    im = ax.imshow(final_state, cmap="coolwarm", aspect="auto", vmin=-1, vmax=1)
    ax.set_yticks(range(L), [f"layer {i + 1} h" for i in range(L)])
    ax.set_xlabel(f"{d} hidden units per layer")
    ax.set_title(f"{n_source_tokens} source tokens → these {L}×{d} numbers (plus the cell state c) "
                 f"are all the decoder receives / 解码器只收到这些数字", fontsize=10)
    fig.colorbar(im, ax=ax, fraction=0.02, pad=0.01)
    return _to_image(fig)


def length_curve(results: dict[str, dict], path: str | Path | None = None,
                 test_name: str = "Tatoeba-test") -> Image.Image:
    """BLEU by source length for each model (the figure Bahdanau et al. 2014 made famous).

    results: {model name: metrics dict with "bleu" and "by_length": [{"bucket", "n", "bleu"}, ...]}.
    """
    cjk_font()
    fig, ax = plt.subplots(figsize=(7, 4.2))
    labels = None
    for name, m in results.items():
        buckets = m["by_length"]
        labels = [f"{b['bucket']}\n(n={b['n']})" for b in buckets]
        ax.plot(range(len(buckets)), [b["bleu"] for b in buckets], lw=2, ms=7, label=f"{name} (BLEU {m['bleu']})",
                **line_style(name))
    ax.set_xticks(range(len(labels or [])), labels or [])
    ax.set_xlabel("source length in Chinese characters / 源句长度（汉字数）")
    ax.set_ylabel("BLEU")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.set_title(f"BLEU by sentence length on {test_name} / 按句长统计的 BLEU")
    ax.legend()
    img = _to_image(fig)
    if path is not None:
        img.save(path)
    return img
