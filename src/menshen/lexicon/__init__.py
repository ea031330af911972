"""The keyword library: file format, loading, compiling and matching."""

from menshen.lexicon.compiler import CompiledLexicon, compile_library
from menshen.lexicon.loader import STARTER, Library, Rule, load_library
from menshen.lexicon.matching import KeywordHit, find_hits
from menshen.lexicon.model import Entry, LexiconFile, Variant

__all__ = [
    "STARTER",
    "CompiledLexicon",
    "Entry",
    "KeywordHit",
    "LexiconFile",
    "Library",
    "Rule",
    "Variant",
    "compile_library",
    "find_hits",
    "load_library",
]
