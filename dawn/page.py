"""What the page computes, in one place: load the models, translate one sentence with all
of them, and the story's results cached once at start-up (its translations and the
clause-by-clause table behind the page's slider).

    from dawn.page import load_models, translate_page, story
    models = load_models("checkpoints")                   # every model of dawn.registry (missing ones noted)
    r = translate_page(models, "猫追老鼠。", "The cat is chasing the mouse.", "greedy")
    r.outputs["transformer"].text, r.outputs["transformer"].chrf, r.outputs["transformer"].ms
    p = translate_page(models, "猫追老鼠。老鼠跑了。", "", "beam", sentence=1)  # a paragraph, sentence by sentence
    p.outputs["transformer"].sentences, p.focus                            # each sentence's English; what the maps show
    s = story(models)                                     # STORY_SENTENCE by every model + s.clauses for the slider

Bad input raises dawn.inputs.InputError (the page shows its message); a model that
is missing, unreadable or fails on an input becomes a `problem` on its own output,
never an exception, so the other models still answer. No UI code here: the page
turns codes into words (ui/strings.py) and these results into widgets (app.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from dawn.checkpoint import CheckpointError
from dawn.inputs import Note, check_decoding, check_reference, check_sentence, check_source
from dawn.metrics import sentence_scores
from dawn.registry import MODEL_NAMES  # historical order: 2014, 2014 + attention, 2017
from dawn.story import STORY_CLAUSES, STORY_REFERENCE, STORY_SENTENCE
from dawn.translator import Translation, Translator, load_translator

UNK = "<unk>"
PARAGRAPH_BATCH = 32  # sentences decoded together (sorted by length, so little padding); MAX_SENTENCES bounds them


@dataclass
class Models:
    translators: dict[str, Translator]                        # the models that loaded, by name
    problems: dict[str, str] = field(default_factory=dict)    # name -> "missing" | "unreadable" for the others
    names: tuple[str, ...] = MODEL_NAMES                      # every model the page has a column for, in order


def load_models(checkpoint_root: str | Path, names: tuple[str, ...] = MODEL_NAMES) -> Models:
    """Load checkpoints/NAME for every name; a missing or unreadable folder is noted, not raised."""
    root = Path(checkpoint_root)
    models = Models({}, {}, tuple(names))
    for name in names:
        if not (root / name).is_dir():
            models.problems[name] = "missing"
            continue
        try:
            models.translators[name] = load_translator(root / name)
        except (CheckpointError, OSError, ValueError, KeyError, TypeError, RuntimeError):
            models.problems[name] = "unreadable"  # e.g. half-copied, or written by a newer version of the code
    return models


@dataclass
class ModelOutput:
    text: str = ""                          # the English translation ("" when there is none): its sentences joined
    sentences: list[str] = field(default_factory=list)  # the English of each source sentence, in order
    bleu: float | None = None               # sentence BLEU against the reference; None without one
    chrf: float | None = None               # sentence chrF against the reference; None without one
    ms: float | None = None                 # decoding time in milliseconds
    translation: Translation | None = None  # tokens and attention weights of the focus sentence, for the maps
    problem: str | None = None              # "missing" | "unreadable" | "failed" when there is no translation
    detail: str = ""                        # for "failed": the exception, short


@dataclass
class PageResult:
    source: str                 # the text every model translated (cleaned, Simplified)
    reference: str              # the cleaned reference ("" when none was given)
    decoding: str               # "greedy" | "beam"
    notes: list[Note] = field(default_factory=list)                 # what the input checks changed, and <unk>s
    outputs: dict[str, ModelOutput] = field(default_factory=dict)   # model name -> its result, in page order
    sentences: list[str] = field(default_factory=list)  # `source` split at sentence ends (one item: a sentence)
    sentence: int = 0                                   # the sentence the maps explain (index into `sentences`)

    @property
    def focus(self) -> str:
        """The sentence the maps explain (the whole source when it is one sentence)."""
        return self.sentences[self.sentence] if self.sentences else self.source

    def translations(self) -> dict:
        """model name -> its Translation (ids, attention, beam trace), for explain_all(..., decoded=...): decode once."""
        return {name: o.translation for name, o in self.outputs.items() if o.translation is not None}


def _score(out: ModelOutput, reference: str) -> ModelOutput:
    if reference:
        scores = sentence_scores(out.text, reference)
        out.bleu, out.chrf = scores["bleu"], scores["chrf"]
    return out


def _translate_rest(translator: Translator, sentences: list[str], beam_size: int) -> list[str]:
    """Every sentence's English, in order: batches of PARAGRAPH_BATCH sentences of similar length."""
    order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
    texts = [""] * len(sentences)
    for lo in range(0, len(order), PARAGRAPH_BATCH):
        chunk = order[lo: lo + PARAGRAPH_BATCH]
        for i, text in zip(chunk, translator.translate_batch([sentences[i] for i in chunk], beam_size=beam_size)):
            texts[i] = text
    return texts


def translate_page(models: Models, source: str | None, reference: str | None, decoding: str = "greedy",
                  sentence: int | None = 0) -> PageResult:
    """Translate a sentence, or a paragraph sentence by sentence, with every model; score each against the
    reference (if any) and time it.

    A paragraph's sentences are translated one by one (the models learned single sentences): the focus
    sentence (`sentence`, counting from 0) with its attention record for the maps, the others in
    batches. Raises InputError for input that cannot be translated (see dawn/inputs.py). The text is checked
    and normalised once, here; the focus sentence's Translation (ids, attention, beam trace) is what the maps
    reuse (PageResult.translations() -> dawn.explain.explain_all(decoded=...)).
    """
    beam_size = check_decoding(decoding)
    src = check_source(source)
    focus = check_sentence(sentence, len(src.sentences))
    result = PageResult(src.text, check_reference(reference), decoding, list(src.notes), sentences=src.sentences,
                        sentence=focus)
    others = [s for i, s in enumerate(src.sentences) if i != focus]
    unknown = {}                                                              # model name -> <unk> count
    for name in models.names:
        translator = models.translators.get(name)
        if translator is None:
            result.outputs[name] = ModelOutput(problem=models.problems.get(name, "missing"))
            continue
        start = time.perf_counter()
        try:
            tr = translator.translate(result.focus, beam_size=beam_size, normalized=True)  # checked above
            texts = _translate_rest(translator, others, beam_size)
            texts.insert(focus, tr.text)                                      # (n_sentences,) in source order
            out = ModelOutput(text=" ".join(t for t in texts if t), sentences=texts,
                              ms=round((time.perf_counter() - start) * 1000.0, 1), translation=tr)
            result.outputs[name] = _score(out, result.reference)
            unknown[name] = tr.source_tokens.count(UNK) + _count_unknown(translator, others)
        except Exception as e:  # a bug on some odd input must become a message, never a traceback
            result.outputs[name] = ModelOutput(problem="failed", detail=f"{type(e).__name__}: {str(e)[:200]}")
    if max(unknown.values(), default=0):
        result.notes.append(Note("unknown", {"n": max(unknown.values())}))
    if len(result.sentences) > 1:
        result.notes.append(Note("paragraph", {"n": len(result.sentences), "k": focus + 1, "text": result.focus}))
    return result


def _count_unknown(translator: Translator, sentences: list[str]) -> int:
    """How many source characters this model reads as <unk> in these sentences."""
    tok = translator.tokenizer
    return sum(tok.source_tokens(tok.encode_source(s, normalized=True)).count(UNK) for s in sentences)


# ----------------------------------------------------------------------------- the story, cached at start-up

@dataclass
class ClauseRow:
    source: str                                     # the story sentence cut after this clause
    reference: str                                  # the matching reference prefix
    outputs: dict[str, ModelOutput] = field(default_factory=dict)  # model name -> translation and scores


@dataclass
class Story:
    result: PageResult           # STORY_SENTENCE against STORY_REFERENCE, greedy, by every model
    clauses: list[ClauseRow]     # one row per prefix in STORY_CLAUSES; the last row is `result` itself


def story(models: Models) -> Story:
    """The story sentence by every model, and the same for every clause prefix (the slider), computed once.

    Prefixes are translated as one greedy batch per model; the full sentence is the page's own result, so
    the slider's last step and the translations shown on load are the same text.
    """
    result = translate_page(models, STORY_SENTENCE, STORY_REFERENCE, "greedy")
    rows = [ClauseRow(src, ref) for src, ref in STORY_CLAUSES]
    prefixes = [row.source for row in rows[:-1]]
    for name in models.names:
        translator = models.translators.get(name)
        texts: list[str | None] = [None] * len(prefixes)
        if translator is not None:
            try:
                texts = translator.translate_batch(prefixes, beam_size=1)
            except Exception:  # noqa: BLE001 — the slider shows "no translation" for this model instead
                pass
        for row, text in zip(rows, texts):
            missing = result.outputs[name].problem or "failed"
            row.outputs[name] = ModelOutput(problem=missing) if text is None else _score(ModelOutput(text=text), row.reference)
        rows[-1].outputs[name] = result.outputs[name]
    return Story(result, rows)


# ----------------------------------------------------------------------------- JSON for the browser

def _round(values, digits: int = 3):
    return [_round(v, digits) for v in values] if isinstance(values, list) else round(float(values), digits)


def output_json(out: ModelOutput) -> dict:
    """One model's result as plain JSON: text, scores, time, problem; the LSTM's final state when it has one."""
    tr = out.translation
    state = tr.final_state if tr is not None else None   # (n_layers, d), LSTM only
    return {"text": out.text, "bleu": out.bleu, "chrf": out.chrf, "ms": out.ms, "problem": out.problem,
            "source_tokens": list(tr.source_tokens) if tr else [], "target_tokens": list(tr.target_tokens) if tr else [],
            "final_state": _round(state.float().tolist(), 2) if state is not None else None}


def result_json(r: PageResult) -> dict:
    return {"source": r.source, "reference": r.reference, "decoding": r.decoding,
            "models": {name: output_json(out) for name, out in r.outputs.items()}}


def clauses_json(rows: list[ClauseRow]) -> list[dict]:
    """The slider's table: per prefix, its length and each model's text and scores (no tensors)."""
    return [{"source": row.source, "reference": row.reference, "chars": len(row.source),
             "models": {name: {"text": o.text, "bleu": o.bleu, "chrf": o.chrf, "problem": o.problem}
                        for name, o in row.outputs.items()}} for row in rows]
