"""Results in words, in one language: the plain strings the page's text boxes and the API return.

No Markdown and no HTML: every string here is shown as text.
"""

from __future__ import annotations

from ui.inputs import NOTE_CODES, Note
from ui.pipeline import ModelOutput, PageResult
from ui.strings import text


def _num(v: float | None) -> str:
    return "–" if v is None else f"{v:.1f}"


def score_line(lang: str, out: ModelOutput) -> str:
    """'BLEU 12.3 · chrF 45.6', or why there is no translation (the time it took is the explorer's detail)."""
    if out.problem:
        return text(lang, f"problem.{out.problem}") + (f" ({out.detail})" if out.detail else "")
    if out.ms is None:
        return ""
    line = (text(lang, "score.line", bleu=_num(out.bleu), chrf=_num(out.chrf)) if out.bleu is not None
            else text(lang, "score.noref"))
    return ("" if out.text else text(lang, "score.empty")) + line


def sentence_value(r: PageResult, story: str | None = None) -> dict:
    """What the sentence view above the translations shows: the Chinese translated (the story's sentence as the
    story writes it, when `story` gives it; otherwise the text as the models received it), and whose it is."""
    if story is not None:
        return {"source": story, "kind": "story"}
    return {"source": r.source, "kind": "paragraph" if len(r.sentences) > 1 else "own"}


def note_text(lang: str, notes: list[Note]) -> str:
    """The input checks' notes, one per line ("" when all is well); an error among them (the page keeps the
    reason it cleared its results) in its own words."""
    return "\n".join(text(lang, f"note.{n.code}" if n.code in NOTE_CODES else f"error.{n.code}", **n.params)
                     for n in notes)


def error_text(lang: str, note: Note) -> str:
    return text(lang, f"error.{note.code}", **note.params)


def api_outputs(lang: str, r: PageResult) -> list[str]:
    """Every model's translation, then every model's score line, then the notes: the /translate return value."""
    outs = list(r.outputs.values())
    return [o.text for o in outs] + [score_line(lang, o) for o in outs] + [note_text(lang, r.notes)]
