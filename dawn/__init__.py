"""Code Dawn 2014 — two tiny Chinese→English translators and the attention they lack (or have)."""

from dawn.translator import Translation, Translator, load_translator

__all__ = ["load_translator", "Translator", "Translation"]
