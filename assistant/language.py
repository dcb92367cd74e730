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
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

LEXICON_FILE = Path(__file__).parent / "data" / "safety_lexicon.json"
FUNCTION_WORDS_FILE = Path(__file__).parent / "data" / "english_function_words.json"
TEXT_SPEAK_FILE = Path(__file__).parent / "data" / "text_speak.json"
# A message is "not English" when the identifier is this sure and has this many words to go
# on: single words and text-speak fool it ("help" -> Norwegian, "wat u mean" -> Maltese).
MIN_CONFIDENCE = 0.9
MIN_WORDS = 2
# Short questions in Spanish or Arabic often score lower ("¿Cuántos homicidios hubo?" 0.75):
# at least this sure, with at least UNSURE_WORDS words and not one English function word,
# the message is not English either.
UNSURE_CONFIDENCE = 0.5
UNSURE_WORDS = 3
# A bare cry for help ("¡Ayuda!", "Hilfe, bitte") is at most this many words.
CRY_WORDS = 3
# The labels, most urgent first: a message with words of several gets the first.
URGENCY = ("distress", "danger", "report", "figures")
_WORD = re.compile(r"\w+")
_lock = threading.Lock()


@dataclass(frozen=True)
class Lexicon:
    """Danger, distress and report words per language, indexed by their first word (a term's
    words must follow each other in the message; a trailing * lets its last word have any
    ending), and the terms of scripts written without spaces, found anywhere in the text.
    A dictionary lookup per word of the message, not a scan per term: thousands of terms cost
    well under a millisecond."""

    by_first: dict[str, tuple[tuple[tuple[str, ...], bool, str], ...]]
    prefixes: dict[str, str]  # one-word terms with a trailing *: the word's start -> label
    unspaced: tuple[tuple[str, str], ...]  # (term, label)
    cries: dict[str, str] = field(default_factory=dict)  # words that route only alone

    def label(self, text: str) -> str | None:
        """'distress', 'danger' or 'report' (in that order) when one of its words is in the
        text, 'figures' for a question asking for a figure (even one naming reports), else
        None."""
        folded = fold(text)
        found = {label for term, label in self.unspaced if term in folded}
        words = words_of(folded)
        if len(words) <= CRY_WORDS:
            found.update(self.cries[w] for w in words if w in self.cries)
        for i, word in enumerate(words):
            for rest, star, label in self.by_first.get(word, ()):
                if _follows(words, i + 1, rest, star):
                    found.add(label)
            for end in range(1, len(word) + 1):
                label = self.prefixes.get(word[:end])
                if label is not None:
                    found.add(label)
        if "figures" in found and not found & {"distress", "danger"}:
            return "figures"  # "Wie viele Anzeigen ...?" asks how many reports were made
        return next((label for label in URGENCY if label in found), None)


def _follows(words: list[str], at: int, rest: tuple[str, ...], star: bool) -> bool:
    """Whether the words from ``at`` on are ``rest`` (the last one only begun, with ``star``)."""
    if at + len(rest) > len(words):
        return False
    for k, want in enumerate(rest):
        have = words[at + k]
        last = k == len(rest) - 1
        if not (have == want or (star and last and have.startswith(want))):
            return False
    return True


def words_of(folded: str) -> list[str]:
    """The words of a folded text: runs of letters, digits and combining marks (Indic vowel
    signs stay inside their word)."""
    return "".join(ch if _in_word(ch) else " " for ch in folded).split()


def _in_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_" or unicodedata.category(ch).startswith("M")


def fold(text: str) -> str:
    """NFKC, lower case, accents removed (people often type without them)."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).lower())
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", kept.replace("ł", "l").replace("ı", "i"))


@lru_cache(maxsize=1)
def lexicon(path: Path = LEXICON_FILE) -> Lexicon:
    """The lexicon file, indexed."""
    data = json.loads(path.read_text(encoding="utf-8"))
    by_first: dict[str, list[tuple[tuple[str, ...], bool, str]]] = {}
    prefixes: dict[str, str] = {}
    unspaced: list[tuple[str, str]] = []
    cries: dict[str, str] = {}
    for entry in data["entries"]:
        label = entry["label"]
        if entry.get("alone"):
            cries.update((fold(t), label) for t in entry["terms"])
            continue
        for term in entry["terms"]:
            star = term.endswith("*")
            folded = fold(term.removesuffix("*"))
            if folded and all(_unspaced(ch) for ch in folded):
                unspaced.append((folded, label))
                continue
            words = words_of(folded)
            if not words:
                continue
            if star and len(words) == 1:  # keep the most urgent label for a shared start
                held = prefixes.get(words[0])
                if held is None or URGENCY.index(label) < URGENCY.index(held):
                    prefixes[words[0]] = label
                continue
            by_first.setdefault(words[0], []).append((tuple(words[1:]), star, label))
    return Lexicon(
        {first: tuple(terms) for first, terms in by_first.items()},
        prefixes,
        tuple(unspaced),
        cries,
    )


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
    """True when the message is in a language other than English: the identifier is sure,
    or fairly sure and the message has none of English's function words."""
    if len(_WORD.findall(text)) < MIN_WORDS:
        return False
    language, confidence = language_of(text)
    if language == "en" or confidence < UNSURE_CONFIDENCE:
        return False
    if confidence >= MIN_CONFIDENCE:
        return True
    words = words_of(fold(text))
    return len(words) >= UNSURE_WORDS and not any(w in english_words() for w in words)


@lru_cache(maxsize=1)
def _function_word_lists() -> tuple[frozenset[str], frozenset[str]]:
    """The function-words file, read once: all the words, and those other languages share."""
    data = json.loads(FUNCTION_WORDS_FILE.read_text(encoding="utf-8"))
    return frozenset(data["words"]), frozenset(data["shared"])


def function_words() -> frozenset[str]:
    """All the English function words of the list, shared ones too."""
    return _function_word_lists()[0]


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """English function words no other common language shares, and text-speak spellings."""
    words, shared = _function_word_lists()
    speak = json.loads(TEXT_SPEAK_FILE.read_text(encoding="utf-8"))["entries"]
    return (words - shared) | {fold(e["written"]) for e in speak}
