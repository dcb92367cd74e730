"""Which language a message is in, and danger or distress words in other languages.

The assistant answers in English. A message that is confidently in another language gets a
short English reply with the 999 and 101 lines; one whose words mark danger or distress in
its language gets the fixed 999 (and Samaritans) text. The words live in
``data/safety_lexicon.json``, each entry with its source. Language identification is
py3langid, whose model ships inside the package (no download).
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

LEXICON_FILE = Path(__file__).parent / "data" / "safety_lexicon.json"
# A message is "not English" only when the identifier is this sure and has this many words to
# go on: single words and text-speak fool it ("help" -> Norwegian, "wat u mean" -> Maltese).
MIN_CONFIDENCE = 0.9
MIN_WORDS = 2
_WORD = re.compile(r"\w+")
_lock = threading.Lock()


@dataclass(frozen=True)
class Lexicon:
    """Danger and distress words per language: (label, compiled pattern) pairs."""

    patterns: tuple[tuple[str, re.Pattern[str]], ...]

    def label(self, text: str) -> str | None:
        """'distress', 'danger' or 'report' (in that order) when one of its words is in the
        text, else None."""
        folded = fold(text)
        found = {label for label, pattern in self.patterns if pattern.search(folded)}
        for label in ("distress", "danger", "report"):
            if label in found:
                return label
        return None


def fold(text: str) -> str:
    """NFKC, lower case, accents removed (people often type without them)."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).lower())
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", kept.replace("ł", "l").replace("ı", "i"))


@lru_cache(maxsize=1)
def lexicon(path: Path = LEXICON_FILE) -> Lexicon:
    """The lexicon file, compiled."""
    data = json.loads(path.read_text(encoding="utf-8"))
    patterns: dict[str, list[str]] = {}
    for entry in data["entries"]:
        patterns.setdefault(entry["label"], []).extend(_term_pattern(t) for t in entry["terms"])
    return Lexicon(tuple((label, re.compile("|".join(terms))) for label, terms in patterns.items()))


def _term_pattern(term: str) -> str:
    """A whole word or phrase; with a trailing * any ending. Scripts written without spaces
    between words (Chinese, Japanese) match anywhere in the text."""
    word = fold(term.removesuffix("*"))
    if all(_unspaced(ch) for ch in word):
        return re.escape(word)
    return r"(?<!\w)" + re.escape(word) + ("" if term.endswith("*") else r"(?!\w)")


def _unspaced(ch: str) -> bool:
    """Whether a character belongs to a script written without spaces between words."""
    return unicodedata.name(ch, "").startswith(("CJK UNIFIED", "HIRAGANA", "KATAKANA"))


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import _load_identifier

    return _load_identifier(norm_probs=True)


def warm_up() -> None:
    """Load the identifier's model now (about a second) rather than on a first message."""
    with _lock:
        _identifier()


def language_of(text: str) -> tuple[str, float]:
    """The most likely ISO 639-1 language of the text and the identifier's confidence."""
    with _lock:
        identifier = _identifier()
    language, confidence = identifier.classify(text)
    return str(language), float(confidence)


def is_other_language(text: str) -> bool:
    """True when the message is confidently in a language other than English."""
    if len(_WORD.findall(text)) < MIN_WORDS:
        return False
    language, confidence = language_of(text)
    return language != "en" and confidence >= MIN_CONFIDENCE
