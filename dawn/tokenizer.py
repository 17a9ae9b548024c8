"""Tokenizers trained with the `tokenizers` library: Chinese by character,
English by BPE subwords. Both share the special-token ids below, both append
</s> to every sentence, and both are saved as plain `tokenizer.json`-style files.

    tok = PairTokenizer.train(zh_sentences, en_sentences, zh_vocab_size=2500, en_vocab_size=2500)
    tok.encode_source("猫追老鼠。")      # [id(猫), id(追), id(老), id(鼠), id(。), EOS]
    tok.decode_target([...])            # "The cat chases the mouse."
"""

from __future__ import annotations

from pathlib import Path

from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

from dawn.text import normalize_en, normalize_zh

SPECIALS = ["<pad>", "<s>", "</s>", "<unk>"]
PAD, BOS, EOS, UNK = 0, 1, 2, 3
ZH_FILE, EN_FILE = "tokenizer_zh.json", "tokenizer_en.json"


def _append_eos() -> processors.TemplateProcessing:
    return processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", EOS)])


def _train_zh(sentences: list[str], vocab_size: int) -> Tokenizer:
    """One token per character (whitespace dropped); rare characters become <unk>."""
    tok = Tokenizer(models.WordLevel(unk_token="<unk>"))
    tok.normalizer = normalizers.NFKC()  # full-width ，？！ -> ,?! and the like
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.WhitespaceSplit(),
        pre_tokenizers.Split(Regex("."), behavior="isolated"),  # every character its own token
    ])
    tok.train_from_iterator(sentences, trainers.WordLevelTrainer(vocab_size=vocab_size, special_tokens=SPECIALS))
    tok.post_processor = _append_eos()
    return tok


def _train_en(sentences: list[str], vocab_size: int) -> Tokenizer:
    """BPE over words; spaces are kept as '▁' so decoding restores the exact text."""
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always"),
        pre_tokenizers.Punctuation(behavior="isolated"),  # "▁world." -> "▁world", "."
    ])
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    tok.train_from_iterator(sentences, trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIALS))
    tok.post_processor = _append_eos()
    return tok


class PairTokenizer:
    """The source (Chinese) and target (English) tokenizers of one model."""

    def __init__(self, zh: Tokenizer, en: Tokenizer):
        for name, tok in (("Chinese", zh), ("English", en)):
            ids = [tok.token_to_id(s) for s in SPECIALS]
            if ids != [PAD, BOS, EOS, UNK]:
                raise ValueError(f"{name} tokenizer: special tokens {SPECIALS} must have ids 0..3, got {ids}")
        self.zh, self.en = zh, en

    @classmethod
    def train(cls, zh: list[str], en: list[str], zh_vocab_size: int, en_vocab_size: int) -> "PairTokenizer":
        return cls(_train_zh(zh, zh_vocab_size), _train_en(en, en_vocab_size))

    @property
    def src_vocab_size(self) -> int:
        return self.zh.get_vocab_size()

    @property
    def tgt_vocab_size(self) -> int:
        return self.en.get_vocab_size()

    def encode_source(self, text: str) -> list[int]:
        """Chinese text (either script) -> ids, ending in </s>."""
        return self.zh.encode(normalize_zh(text)).ids

    def encode_target(self, text: str) -> list[int]:
        """English text -> ids, ending in </s>."""
        return self.en.encode(normalize_en(text)).ids

    def decode_target(self, ids: list[int]) -> str:
        """Target ids -> detokenized English (special tokens dropped)."""
        return self.en.decode(list(ids), skip_special_tokens=True).strip()

    def source_tokens(self, ids: list[int]) -> list[str]:
        return [self.zh.id_to_token(i) for i in ids]

    def target_tokens(self, ids: list[int]) -> list[str]:
        return [self.en.id_to_token(i).replace("▁", " ").strip() or "▁" for i in ids]

    def to_files(self) -> dict[str, bytes]:
        """{file name: contents} for the checkpoint writer (plain JSON, no pickle)."""
        return {ZH_FILE: self.zh.to_str(pretty=True).encode(), EN_FILE: self.en.to_str(pretty=True).encode()}

    @classmethod
    def load(cls, directory: str | Path) -> "PairTokenizer":
        d = Path(directory)
        return cls(Tokenizer.from_file(str(d / ZH_FILE)), Tokenizer.from_file(str(d / EN_FILE)))
