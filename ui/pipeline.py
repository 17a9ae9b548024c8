"""What the page computes, in one place: load the models, translate one sentence with all
of them, and the story's results cached once at start-up (its translations and the
clause-by-clause table behind the page's slider).

    from ui.pipeline import load_models, translate_page, story
    models = load_models("checkpoints")                   # every model of dawn.registry (missing ones noted)
    r = translate_page(models, "猫追老鼠。", "The cat is chasing the mouse.", "greedy")
    r.outputs["transformer"].text, r.outputs["transformer"].chrf, r.outputs["transformer"].ms
    p = translate_page(models, "猫追老鼠。老鼠跑了。", "", "beam", sentence=1)  # a paragraph, sentence by sentence
    p.outputs["transformer"].sentences, p.focus                            # each sentence's English; what the maps show
    s = story(models)                                     # STORY_SENTENCE by every model + s.clauses for the slider
    clause_report(r.outputs["transformer"].text, "The cat is chasing the mouse.")  # which clauses it kept

Bad input raises ui.inputs.InputError (the page shows its message); a model that
is missing, unreadable or fails on an input becomes a `problem` on its own output,
never an exception, so the other models still answer. No UI code here: the page
turns codes into words (ui/strings.py) and these results into widgets (app.py).
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from sacrebleu import sentence_chrf

from dawn.checkpoint import CheckpointError
from dawn.explain import explain, round_floats
from ui.inputs import DECODINGS, Note, check_decoding, check_reference, check_sentence, check_source
from dawn.metrics import sentence_scores
from dawn.registry import MODEL_NAMES, MODELS, with_chosen_decoding  # historical order: 2014, 2014 + attention, 2017
from dawn.story import STORY_CLAUSES, STORY_REFERENCE, STORY_SENTENCE
from dawn.translator import Translation, Translator, load_translator

# The decoding the page opens on: the one chosen on validation (dawn/registry.py's beam_size, 4 for every model).
BEST_DECODING = next((d for d, k in DECODINGS.items() if all(s.beam_size == k for s in MODELS)), "beam")
UNK = "<unk>"
# The story's reference cut into its clauses (the English of each Chinese clause, as dawn/story.py pairs them).
STORY_CLAUSES_EN = [ref[len(prev):].strip() for prev, ref in zip([""] + [r for _, r in STORY_CLAUSES[:-1]],
                                                                    [r for _, r in STORY_CLAUSES])]
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
            models.translators[name] = with_chosen_decoding(load_translator(root / name), name)
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
                  sentence: int | None = 0, maps: bool = True, clamp: bool = False) -> PageResult:
    """Translate a sentence, or a paragraph sentence by sentence, with every model; score each against the
    reference (if any) and time it.

    A paragraph's sentences are translated one by one (the models learned single sentences): the focus
    sentence (`sentence`, counting from 0) with its attention record for the maps, the others in
    batches. Raises InputError for input that cannot be translated (see ui/inputs.py). The text is checked
    and normalised once, here; the focus sentence's Translation (ids, attention, beam trace) is what the maps
    reuse (PageResult.translations() -> dawn.explain.explain_all(decoded=...)).

    maps=False: decode and score only (the maps are added when one is asked for: Translator.ensure_maps, which
    explain calls); clamp=True: a sentence number past the last sentence means the last (the page's box).
    """
    beam_size = check_decoding(decoding)
    src = check_source(source)
    if clamp and isinstance(sentence, int) and not isinstance(sentence, bool):
        sentence = min(max(sentence, 0), len(src.sentences) - 1)
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
            tr = translator.translate(result.focus, beam_size=beam_size, normalized=True, maps=maps)  # checked above
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


class Story:
    """The story sentence by every model (`result`, computed at start-up: the page shows it on load) and its
    clause prefixes for section ①'s slider (`clauses`). The prefixes are not waited for at start-up: section ①
    is closed on load, so `prepare_clauses()` translates them in a background thread once the page is up, and
    `clauses` waits for that thread (or computes them itself, when nobody started it)."""

    def __init__(self, models: Models, result: PageResult, beam_size: int):
        self.result = result         # STORY_SENTENCE against STORY_REFERENCE, at `decoding`, by every model
        self._models, self._beam_size = models, beam_size
        self._clauses: list[ClauseRow] | None = None
        self._lock = threading.Lock()

    @property
    def clauses(self) -> list[ClauseRow]:
        """One row per prefix in STORY_CLAUSES; the last row is `result` itself. Computed once, then kept."""
        with self._lock:
            if self._clauses is None:
                self._clauses = _clause_rows(self._models, self.result, self._beam_size)
            return self._clauses

    def prepare_clauses(self) -> threading.Thread:
        """Start translating the clause prefixes in the background (a daemon thread); returns the thread."""
        thread = threading.Thread(target=lambda: self.clauses, name="story-clauses", daemon=True)
        thread.start()
        return thread


def story(models: Models, decoding: str = BEST_DECODING) -> Story:
    """The story sentence by every model, computed once at start-up; its clause prefixes later (Story.clauses).

    Every model first translates the story's first clause at the same decoding: that warms it up, so that
    the story's own times are warm ones (what a visitor's request takes), not the first call's set-up.
    """
    beam_size = check_decoding(decoding)
    for translator in models.translators.values():
        try:
            translator.translate_batch([STORY_CLAUSES[0][0]], beam_size=beam_size)   # warm-up only
        except Exception:  # noqa: BLE001 — translate_page below reports this model's problem
            pass
    return Story(models, translate_page(models, STORY_SENTENCE, STORY_REFERENCE, decoding), beam_size)


def _clause_rows(models: Models, result: PageResult, beam_size: int) -> list[ClauseRow]:
    """The slider's rows: every clause prefix translated as one batch per model at the story's decoding;
    the full sentence is the page's own result, so the slider's last step is the text shown on load."""
    rows = [ClauseRow(src, ref) for src, ref in STORY_CLAUSES]
    prefixes = [row.source for row in rows[:-1]]
    for name in models.names:
        translator, texts = models.translators.get(name), [None] * len(prefixes)
        if translator is not None:
            try:
                texts = translator.translate_batch(prefixes, beam_size=beam_size)
            except Exception:  # noqa: BLE001 — the slider shows "no translation" for this model instead
                pass
        for row, text in zip(rows, texts):
            missing = result.outputs[name].problem or "failed"
            row.outputs[name] = ModelOutput(problem=missing) if text is None else _score(ModelOutput(text=text), row.reference)
        rows[-1].outputs[name] = result.outputs[name]
    return rows


class Startup:
    """load_models and story in a background thread, started as early as possible: the app imports gradio
    (pure Python, seconds) meanwhile, while the models load and decode (mostly in torch, which releases the
    GIL). `result()` waits for both and re-raises what went wrong, as if they had run in line."""

    def __init__(self, checkpoint_root: str | Path, decoding: str = BEST_DECODING):
        self._done: dict = {}
        self._thread = threading.Thread(target=self._run, args=(checkpoint_root, decoding), name="startup",
                                        daemon=True)
        self._thread.start()

    def _run(self, checkpoint_root, decoding) -> None:
        try:
            models = load_models(checkpoint_root)
            self._done["value"] = (models, story(models, decoding))
        except BaseException as e:  # noqa: BLE001 — handed to result(), raised there
            self._done["error"] = e

    def result(self) -> tuple[Models, Story]:
        self._thread.join()
        if "error" in self._done:
            raise self._done["error"]
        return self._done["value"]


# ----------------------------------------------------------------------------- the maps, made when asked for

class MapCache:
    """The maps of one result (dawn.explain payloads), made per model the first time they are asked for and
    kept: a page section that is never opened costs nothing. The models' own ids and beam traces are reused,
    so nothing is decoded twice. Safe to share between requests (the story's cache is)."""

    def __init__(self, translators: dict[str, Translator], result: PageResult):
        self.translators, self.result = translators, result
        self.payloads: dict[str, dict | None] = {}
        self._lock = threading.Lock()

    def get(self, names: list[str]) -> dict[str, dict | None]:
        """{name: payload, or None when the model has no translation (missing, failed) or explaining it failed}."""
        with self._lock:
            for name in names:
                if name not in self.payloads:
                    self.payloads[name] = self._explain(name)
            return {name: self.payloads[name] for name in names}

    def _explain(self, name: str) -> dict | None:
        out, translator = self.result.outputs.get(name), self.translators.get(name)
        if out is None or out.translation is None or translator is None:
            return None
        try:
            payload = explain(translator, self.result.focus, DECODINGS[self.result.decoding], name=name,
                              decoded=out.translation, normalized=True,   # the focus sentence, checked once
                              with_saliency=False)   # the page's explorers draw attention and influence
        except Exception:  # noqa: BLE001 — the translation still stands; the explorer says there is nothing to show
            return None
        return {**payload, "ms": out.ms}   # the translation's time: the explorer's details line, not the score line


# ----------------------------------------------------------------------------- which clauses a translation kept

# Words that carry no content of their own: a clause is judged by the others ("the weather was bad" -> weather, bad).
STOPWORDS = frozenset("""a an the and but or so if as of to in on at by for with from up out off over into onto
    about than then that this these those there here it its it's is are was were be been being am do does did
    done have has had having will would shall should can could may might must i me my we us our you your he him
    his she her they them their what which who whom whose when where why how all any each both not no nor too
    very just also go get got s t d ll re ve m""".split())
CLAUSE_END = re.compile(r"(?<=[,;:.!?])\s+")    # an English clause ends at , ; : . ! ? followed by a space
KEPT = 0.5                                       # a clause is kept when at least half its content words are there
MAX_CLAUSES = 12      # a paragraph's report covers its first 12 clauses (bounded work: each costs chrF windows)
MAX_WINDOWS = 40      # stretches tried per clause: every one in a sentence, evenly spaced ones in a long paragraph


def _stem(word: str) -> str:
    """A crude stem, enough to match climb / climbing / climbed and mountain / mountains."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> list[str]:
    """Lower-cased words of `text` that are not STOPWORDS, in order (repeats kept)."""
    words = re.findall(r"[a-z]+(?:'[a-z]+)?", text.lower())
    return [w for w in words if w not in STOPWORDS and w.split("'")[0] not in STOPWORDS]


def split_clauses(reference: str) -> list[str]:
    """An English reference cut at its clause ends (, ; : . ! ? then a space); empty parts dropped."""
    return [c.strip() for c in CLAUSE_END.split(reference.strip()) if c.strip()]


def best_window_chrf(translation: str, clause: str) -> float:
    """chrF (0-100) of `clause` against the stretch of `translation` that matches it best: every run of
    consecutive words as long as the clause (the whole translation if it is shorter; at most MAX_WINDOWS
    runs, evenly spaced, in a translation longer than that). No alignment needed, and a long translation
    is not punished for the words that belong to other clauses."""
    words, n = translation.split(), max(1, len(clause.split()))
    if len(words) <= n:
        return round(sentence_chrf(translation, [clause]).score, 1)
    starts = len(words) - n + 1
    picked = sorted({round(k * (starts - 1) / (MAX_WINDOWS - 1)) for k in range(MAX_WINDOWS)}) \
        if starts > MAX_WINDOWS else range(starts)
    return round(max(sentence_chrf(" ".join(words[i: i + n]), [clause]).score for i in picked), 1)


def clause_report(translation: str, reference: str | list[str]) -> list[dict]:
    """Which clauses of the reference a translation kept, one dict per clause, in order:

        {"clause": str, "words": [content words], "found": [those in the translation, compared by _stem], "kept": bool,
         "chrf": chrF of the best-matching stretch (best_window_chrf)}

    `reference` is a text (cut with split_clauses) or the clauses themselves; only the first MAX_CLAUSES
    are reported. A clause is kept when at least KEPT of its content words occur in the translation; a
    clause without content words is never kept.
    """
    clauses = split_clauses(reference) if isinstance(reference, str) else [c.strip() for c in reference]
    clauses = clauses[:MAX_CLAUSES]
    have = {_stem(w) for w in content_words(translation)}
    rows = []
    for clause in clauses:
        words = content_words(clause)
        found = [w for w in words if _stem(w) in have]
        rows.append({"clause": clause, "words": words, "found": found,
                     "kept": bool(words) and len(found) >= KEPT * len(words),
                     "chrf": best_window_chrf(translation, clause) if translation.strip() else 0.0})
    return rows


def clause_reports(r: PageResult, clauses: list[str] | None = None) -> dict:
    """Every model's clause_report of one result, for the page: {name: [rows]}; {} without a reference.
    `clauses`: the reference already cut (the story's own clauses); else r.reference is cut at clause ends."""
    if not r.reference:
        return {}
    ref = clauses if clauses is not None else r.reference
    return {name: clause_report(o.text, ref) for name, o in r.outputs.items() if o.problem is None}


# ----------------------------------------------------------------------------- JSON for the browser

def output_json(out: ModelOutput) -> dict:
    """One model's result as plain JSON: text, scores, time, problem; the LSTM's final state (h and c) when it has one."""
    tr = out.translation
    h, c = (tr.final_state, tr.final_cell) if tr is not None else (None, None)   # (n_layers, d) each, LSTM only
    return {"text": out.text, "bleu": out.bleu, "chrf": out.chrf, "ms": out.ms, "problem": out.problem,
            "source_tokens": list(tr.source_tokens) if tr else [], "target_tokens": list(tr.target_tokens) if tr else [],
            "final_state": round_floats(h.float(), 2) if h is not None else None,
            "final_cell": round_floats(c.float(), 2) if c is not None else None}


def result_json(r: PageResult) -> dict:
    return {"source": r.source, "reference": r.reference, "decoding": r.decoding,
            "models": {name: output_json(out) for name, out in r.outputs.items()}}


def clauses_json(rows: list[ClauseRow]) -> list[dict]:
    """The slider's table: per prefix, its length and each model's text and scores (no tensors)."""
    return [{"source": row.source, "reference": row.reference, "chars": len(row.source),
             "models": {name: {"text": o.text, "bleu": o.bleu, "chrf": o.chrf, "problem": o.problem}
                        for name, o in row.outputs.items()}} for row in rows]
