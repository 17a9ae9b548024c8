"""One tokenizer for both languages, saved as a single `tokenizer.json` that plain
`transformers` loads (`AutoTokenizer.from_pretrained(folder)`), trained with the
`tokenizers` library:

    ids 0..3                      <pad> <s> </s> <unk>
    ids 4 .. tgt_vocab_size-1     English BPE subwords   (the decoder's whole vocabulary)
    ids tgt_vocab_size ..         Chinese characters, then corpus tags such as <bible>
                                  (seen only by the encoder)

Chinese is split into single characters; everything else (English, digits,
names in Latin script inside a Chinese sentence) goes through the English BPE,
so a number or a name in the source becomes English subwords the decoder also
knows (without the word-start mark "▁" when it touches a Chinese character:
在2014年 -> 在, 2014, 年, where the English side would write ▁2014).
The Chinese characters kept are the most frequent ones of the training split, as
many as it takes to cover `zh_coverage` of its character occurrences.

Plain `transformers` has one tokenizer per folder and no target mode for it:
`tok(text_target=...)` runs the same tokenizer.json, so a Chinese character in an
English target would get its source id (8,000 and up), past the decoder's
vocabulary. So each folder also holds `target_tokenizer/`: the same tokenizer
with only the decoder's vocabulary, where such a character is <unk> — what
`encode_target` gives (a corpus tag such as <bible>, which English never holds, aside:
plain text there). Fine-tuning with plain transformers reads the labels with it:

    AutoTokenizer.from_pretrained(folder, subfolder="target_tokenizer")(text_target=english)

    tok = PairTokenizer.train(zh_sentences, en_sentences, en_vocab_size=8000, zh_coverage=0.9995)
    tok.encode_source("猫追老鼠。")      # [id(猫), id(追), id(老), id(鼠), id(。), EOS]
    tok.decode_target([...])            # "The cat chases the mouse."
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from pathlib import Path

from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

from dawn.text import normalize_en, normalize_zh

SPECIALS = ["<pad>", "<s>", "</s>", "<unk>"]
PAD, BOS, EOS, UNK = 0, 1, 2, 3
TOKENIZER_FILE, TOKENIZER_CONFIG = "tokenizer.json", "tokenizer_config.json"
TARGET_DIR = "target_tokenizer"  # the decoder's vocabulary only, for plain-transformers labels
OLD_FILES = ("tokenizer_zh.json", "tokenizer_en.json")  # the first checkpoints' two-file format

# Characters that are tokens on their own: Han characters, kana, CJK punctuation (。、「」) and full-width forms.
CJK = r"\p{Han}\p{Hiragana}\p{Katakana}\x{3000}-\x{303F}\x{FF00}-\x{FFEF}"


def _is_cjk(ch: str) -> bool:
    name = unicodedata.name(ch, "")
    return name.startswith(("CJK", "HIRAGANA", "KATAKANA", "IDEOGRAPHIC", "FULLWIDTH", "HALFWIDTH"))


def _new_tokenizer(model) -> Tokenizer:
    tok = Tokenizer(model)
    tok.normalizer = normalizers.NFKC()  # full-width ，？！ -> ,?! and the like
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always"),   # "a b" -> "▁a", "▁b"
        pre_tokenizers.Split(Regex(f"▁(?=[{CJK}])"), behavior="removed"),     # no "▁" in front of a character
        pre_tokenizers.Split(Regex(f"[{CJK}]"), behavior="isolated"),          # every character its own token
        pre_tokenizers.Punctuation(behavior="isolated"),                        # "▁world." -> "▁world", "."
    ])
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    return tok


def char_counts(sentences: list[str]) -> Counter:
    """How often each CJK character occurs (after the tokenizer's NFKC normalisation)."""
    return Counter(ch for s in sentences for ch in unicodedata.normalize("NFKC", s) if _is_cjk(ch))


def chars_by_coverage(counts: Counter, coverage: float, min_count: int = 2) -> list[str]:
    """The most frequent characters, as few as cover `coverage` of all occurrences (each seen ≥ min_count times)."""
    total, kept, covered = sum(counts.values()), [], 0
    for ch, n in counts.most_common():
        if n < min_count or (total and covered / total >= coverage):
            break
        kept.append(ch)
        covered += n
    return kept


class PairTokenizer:
    """The encoder's and the decoder's vocabulary in one `tokenizers.Tokenizer`."""

    def __init__(self, tok: Tokenizer, tgt_vocab_size: int):
        ids = [tok.token_to_id(s) for s in SPECIALS]
        if ids != [PAD, BOS, EOS, UNK]:
            raise ValueError(f"tokenizer: special tokens {SPECIALS} must have ids 0..3, got {ids}")
        if not 4 < tgt_vocab_size <= tok.get_vocab_size():
            raise ValueError(f"tokenizer: tgt_vocab_size {tgt_vocab_size} outside 5..{tok.get_vocab_size()}")
        self.tok, self.tgt_vocab_size = tok, tgt_vocab_size

    @classmethod
    def train(cls, zh: list[str], en: list[str], en_vocab_size: int = 8000, zh_coverage: float = 0.9995,
              zh_min_count: int = 2, tags: list[str] = ()) -> "PairTokenizer":
        # 1) English BPE, specials first: ids 0 .. Ve-1
        en_tok = _new_tokenizer(models.BPE(unk_token="<unk>"))
        en_tok.train_from_iterator(en, trainers.BpeTrainer(vocab_size=en_vocab_size, special_tokens=SPECIALS))
        spec = json.loads(en_tok.to_str())["model"]
        vocab, merges = dict(spec["vocab"]), [tuple(m) if isinstance(m, list) else tuple(m.split(" "))
                                               for m in spec["merges"]]
        tgt_vocab_size = len(vocab)
        # 2) Chinese characters by coverage of the training split: ids Ve ..
        for ch in chars_by_coverage(char_counts(zh), zh_coverage, zh_min_count):
            vocab.setdefault(ch, len(vocab))
        tok = _new_tokenizer(models.BPE(vocab=vocab, merges=merges, unk_token="<unk>"))
        # 3) corpus tags (source side only) and </s> after every sentence
        tok.add_special_tokens(SPECIALS + list(tags))
        tok.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", EOS)])
        return cls(tok, tgt_vocab_size)

    @property
    def src_vocab_size(self) -> int:
        return self.tok.get_vocab_size()

    def encode_source(self, text: str, tag: str | None = None, normalized: bool = False) -> list[int]:
        """Chinese text (either script) -> ids ending in </s>; `tag` (e.g. "<bible>") goes first.
        normalized=True: `text` is already normalize_zh's output (cleaned, Simplified): not converted again."""
        text = text if normalized else normalize_zh(text)
        return self.tok.encode(f"{tag} {text}" if tag else text).ids

    def encode_target(self, text: str) -> list[int]:
        """English text -> decoder ids ending in </s> (a Chinese character in it becomes <unk>)."""
        return [i if i < self.tgt_vocab_size else UNK for i in self.tok.encode(normalize_en(text)).ids]

    def decode_target(self, ids: list[int]) -> str:
        """Decoder ids -> detokenized English (special tokens dropped)."""
        return self.tok.decode([i for i in ids if i < self.tgt_vocab_size], skip_special_tokens=True).strip()

    def source_tokens(self, ids: list[int]) -> list[str]:
        return [self.tok.id_to_token(i) for i in ids]

    def target_tokens(self, ids: list[int]) -> list[str]:
        return [self.tok.id_to_token(i).replace("▁", " ").strip() or "▁" for i in ids]

    def unk_rate(self, sentences: list[str]) -> float:
        """Fraction of source tokens (without </s>) that are <unk>."""
        ids = [i for s in sentences for i in self.encode_source(s)[:-1]]
        return sum(i == UNK for i in ids) / max(len(ids), 1)

    def target_tokenizer(self) -> Tokenizer:
        """The same tokenizer with only the decoder's vocabulary (ids < tgt_vocab_size): what is not in it,
        a Chinese character, becomes <unk> — the ids encode_target gives, without its mapping (corpus tags are
        not special tokens here: "<bible>" in an English target is spelt out)."""
        spec = json.loads(self.tok.to_str())
        spec["model"]["vocab"] = {t: i for t, i in spec["model"]["vocab"].items() if i < self.tgt_vocab_size}
        spec["added_tokens"] = [t for t in spec["added_tokens"] if t["id"] < self.tgt_vocab_size]
        return Tokenizer.from_str(json.dumps(spec))

    def to_files(self) -> dict[str, bytes]:
        """{file name: contents}: tokenizer.json plus the tokenizer_config.json that transformers reads,
        and the same pair for the target side in target_tokenizer/."""
        config = {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": 512,
                  "pad_token": "<pad>", "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
                  "clean_up_tokenization_spaces": False, "dawn_tgt_vocab_size": self.tgt_vocab_size}
        config_bytes = json.dumps(config, indent=2).encode()
        return {TOKENIZER_FILE: self.tok.to_str(pretty=True).encode(), TOKENIZER_CONFIG: config_bytes,
                f"{TARGET_DIR}/{TOKENIZER_FILE}": self.target_tokenizer().to_str(pretty=True).encode(),
                f"{TARGET_DIR}/{TOKENIZER_CONFIG}": config_bytes}

    @classmethod
    def from_files(cls, files: dict[str, bytes], where: str | Path = "checkpoint",
                   tgt_vocab_size: int | None = None) -> "PairTokenizer":
        """From tokenizer.json + tokenizer_config.json. `tgt_vocab_size` (the model's) stands in for
        the config's dawn_tgt_vocab_size, which a tokenizer re-saved by plain transformers may lack."""
        if TOKENIZER_FILE not in files and all(f in files for f in OLD_FILES):
            raise ValueError(f"{where}: an old checkpoint ({' + '.join(OLD_FILES)}); this version reads "
                             f"{TOKENIZER_FILE} — retrain it with python -m training.train")
        if TOKENIZER_FILE not in files or (TOKENIZER_CONFIG not in files and tgt_vocab_size is None):
            raise ValueError(f"{where}: {TOKENIZER_FILE} or {TOKENIZER_CONFIG} is missing")
        config = json.loads(files[TOKENIZER_CONFIG]) if TOKENIZER_CONFIG in files else {}
        size = config.get("dawn_tgt_vocab_size", tgt_vocab_size)
        if size is None:
            raise ValueError(f"{where}: {TOKENIZER_CONFIG} lacks dawn_tgt_vocab_size (the decoder's vocabulary size)")
        return cls(Tokenizer.from_str(files[TOKENIZER_FILE].decode()), int(size))

    @classmethod
    def load(cls, directory: str | Path) -> "PairTokenizer":
        d = Path(directory)
        return cls.from_files({p.name: p.read_bytes() for p in d.glob("tokenizer*.json")}, d)
