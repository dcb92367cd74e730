"""Text utilities shared by every stage: normalising, cleaning, sentences, terms, numbers."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import Stemmer

_SUPERSCRIPTS = "¹²³⁴⁵⁶⁷⁸⁹⁰"
_MARKERS = re.compile(r"\s*\^\{[\d,\s]+\}|[" + _SUPERSCRIPTS + r"]+(,[" + _SUPERSCRIPTS + r"]+)*")
_SPACE = re.compile(r"\s+")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # all but tab/newline
_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_NUMBER_PLURAL = re.compile(r"\b(\d+)s\b")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”’']))\s+(?=[\"“‘(]?[A-Z0-9£])")
NUMBER = re.compile(r"(?<![\w.])[-−]?£?\d(?:[\d,]*\d)?(?:\.\d+)?(?:%|mins?\b)?")

STOPWORDS = frozenset(
    """a about above after again against all am an and any are aren't as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it its
    itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them themselves
    then there these they this those through to too under until up very was we were what when
    where which while who whom why will with would you your yours yourself yourselves also much
    many get got tell me please know let us there's what's whats it's isn't did does done go going
    gone u r ur im i'm any anything something thing things give show say said like does doing
    ignore instructions instruction previous pretend prompt system rules answer question questions
    really actually just ok okay hi hello thanks thank cheers mate whos who's wat wot r u ur ya
    cos coz cuz pls plz even anymore still rubbish terrible awful bad good better worse best
    worst great anyone anybody anything everyone someone doing done lot lots bit kind sort
    want wanted wondering wonder curious interested tell explain describe mean means whether
    however although though yet anythin happend normal thing things stuff guys lol innit btw
    tbh gonna wanna kinda literally basically actualy put long often far soon happen happened
    happening happens roughly approximately approx around exactly precisely nearly almost
    share might must shall ought name""".split()
)
# The words by which a report's author names themself (or their office) in its prose.
FIRST_PERSON = frozenset({"i", "me", "my", "we", "us", "our"})
# Words that say what kind of figure is wanted, not what it is about.
MEASURE_WORDS = frozenset(
    """number numbers total many much percentage percent per cent rate proportion proportions
    share fraction ratio figure figures amount sum worth
    level levels count value statistic statistics stats data change difference compared
    compare compares comparing comparison increase increased increases increasing decrease
    decreased decreasing reduce
    reduced reduction reductions rise rose risen fall fell fallen drop dropped up down went
    year years last previous before prior latest current month months annual period recorded
    fewer less more higher lower yr yrs cost costs costing additional extra further
    money currently presently""".split()
)
GLOSSARY_FILE = Path(__file__).parent / "data" / "glossary.json"


@lru_cache(maxsize=1)
def _glossary_entries() -> tuple[dict, ...]:
    """The entries of ``data/glossary.json``, read once."""
    return tuple(json.loads(GLOSSARY_FILE.read_text(encoding="utf-8"))["entries"])


@lru_cache(maxsize=1)
def glossary() -> dict[str, tuple[str, ...]]:
    """Question words mapped to the words a report may use for the same thing: police and
    public-finance terms, informal words and synonyms, each with its source, from
    ``data/glossary.json``."""
    return {e["term"]: tuple(e["means"]) for e in _glossary_entries()}


@lru_cache(maxsize=1)
def _abbreviations() -> dict[str, tuple[str, ...]]:
    """The glossary's abbreviations and what they stand for (their other spellings)."""
    return {
        e["term"]: tuple(m for m in e["means"] if m != e["term"] and " " in m)
        for e in _glossary_entries()
        if e["kind"] == "abbreviation"
    }


def spelled_out(label: str) -> str:
    """A label with the glossary's spelling-out of its abbreviations after it ("DCLG Grant"
    -> "DCLG Grant (communities local government)"), so a question that spells the body
    out finds it by words and by meaning."""
    found = [m for w in words(label) for m in _abbreviations().get(w, ())]
    return f"{label} ({'; '.join(dict.fromkeys(found))})" if found else label


_stemmer = Stemmer.Stemmer("english")


def normalise(text: str) -> str:
    """Text for verbatim comparison: no emphasis or footnote markers, single spaces."""
    return _SPACE.sub(" ", _MARKERS.sub("", text.replace("**", ""))).strip()


def clean(text: str) -> str:
    """Display text: normalised, with list dashes dropped."""
    text = normalise(text)
    return text[2:] if text.startswith("- ") else text


def split_sentences(text: str) -> list[str]:
    """Sentences of a cleaned passage (list items on their own lines stay apart)."""
    out: list[str] = []
    for line in text.split("\n"):
        out.extend(s.strip() for s in _SENTENCE_END.split(line) if s.strip())
    return out


def words(text: str) -> list[str]:
    """Lower-case word tokens (hyphenated words split; a number written with thousands
    separators, "52,170", is one word)."""
    return list(_words(text))


@lru_cache(maxsize=32768)
def _words(text: str) -> tuple[str, ...]:
    text = text.lower().replace("-", " ").replace("’", "'")
    text = _NUMBER_PLURAL.sub(r"\1", text)  # "the over-16s", "the 1990s": the number
    text = _THOUSANDS.sub("", text)  # "52,170" is one number, not 52 and 170
    return tuple(w[:-2] if w.endswith("'s") else w for w in _WORD.findall(text))


_IRREGULAR = {
    "knives": "knife",
    "knifes": "knife",
    "lives": "life",
    "wives": "wife",
    "thieves": "thief",
    "halves": "half",
    "women": "woman",
    "men": "man",
    # Irregular past forms of the verbs of change (Oxford Learner's Dictionaries, list of
    # irregular verbs): "has it grown?" finds "grow", "it fell" finds "fall".
    **{
        past: verb
        for verb, forms in {
            "grow": "grew grown",
            "rise": "rose risen",
            "fall": "fell fallen",
            "shrink": "shrank shrunk",
        }.items()
        for past in forms.split()
    },
}


@lru_cache(maxsize=20000)
def stem(word: str) -> str:
    """English Snowball stem of one word (irregular plurals first made singular)."""
    return _stemmer.stemWord(_IRREGULAR.get(word, word))


def content_words(text: str) -> list[str]:
    """Words that carry meaning: no stopwords, no one-letter tokens."""
    return list(_content_words(text))


def stems(text: str) -> set[str]:
    """Stems of the content words of a text."""
    return set(_stems(text))


# The report's sentences are read again for every question: their words and stems are
# worked out once and kept (a few thousand sentences; questions pass through too).
@lru_cache(maxsize=32768)
def _content_words(text: str) -> tuple[str, ...]:
    return tuple(w for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit()))


@lru_cache(maxsize=32768)
def _stems(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in _content_words(text))


def expanded_stems(word: str) -> set[str]:
    """Stems a question word may match in the report: itself and its synonyms."""
    return set(_expanded_stems(word))


@lru_cache(maxsize=32768)
def _expanded_stems(word: str) -> frozenset[str]:
    out = {stem(word)}
    for alt in glossary().get(word, ()):
        out.update(stem(w) for w in words(alt))
    return frozenset(out)


def numbers_in(text: str) -> list[str]:
    """Every number written in a text, as written."""
    return [m.group(0) for m in NUMBER.finditer(text)]


def number_key(token: str) -> str:
    """Canonical form of a number for comparison: no £, commas, % or trailing .0."""
    key = token.replace("£", "").replace(",", "").replace("%", "").replace("−", "-")
    key = re.sub(r"mins?$", "", key).lstrip("+")
    if "." in key:
        key = key.rstrip("0").rstrip(".")
    return key or token


def compound_index(lowered: str) -> dict[str, tuple[str, str]]:
    """Every two words a lower-cased text writes side by side or hyphenated, by the one word
    they make ("go-pro": "gopro"; "dash cams": "dashcams" and "dashcam"), built once so a
    question word is looked up, not searched for."""
    found: dict[str, tuple[str, str]] = {}
    for m in re.finditer(r"(?=(?<![a-z])([a-z]{2,})[- ]([a-z]{2,})(?![a-z]))", lowered):
        first, second = m.group(1), m.group(2)
        found.setdefault(first + second, (first, second))
        for ending in ("es", "s"):
            if second.endswith(ending) and len(second) - len(ending) >= 2:
                found.setdefault(first + second[: -len(ending)], (first, second[: -len(ending)]))
    return found


def compound_parts(word: str, index: dict[str, tuple[str, str]]) -> tuple[str, str] | None:
    """The two words a text writes the word as ("dashcam": "dash", "cam"), from its
    ``compound_index``; None when it never does."""
    return index.get(word.lower())
