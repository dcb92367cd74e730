"""Read a question: its key terms, what kind of figure it wants, which period, follow-up cues."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistant.text import MEASURE_WORDS, NUMBER, content_words, expanded_stems
from assistant.untrusted import instruction_reason

_CUES = (
    (
        "duration",
        re.compile(
            r"\bhow (much|long) time\b|\bhow long\b|\bhow many (minutes|hours)\b|"
            r"\bsave\w* .*\btime\b|\btime sav|\b(average|typical|mean|waiting) (time|wait)s?\b|"
            r"\bwait(ing)? times?\b|\bhow quickly\b",
            re.I,
        ),
    ),
    (  # a sum asked outright, whatever changed: "how much extra cash did the rise bring in?"
        "money",
        re.compile(
            r"\bhow much (extra |more |additional |new )?(money|cash|funding|income)\b|"
            r"\bhow many pounds\b|\b(extra|additional) (sum|amount)\b|"
            r"\b(sum|amount|money|cash|funding|income) (raised|generated|brought in)\b",
            re.I,
        ),
    ),
    (
        "change",
        re.compile(
            r"\b(go(ne|ing)? (up|down)|went (up|down)|(up|down) (by|on|from)|increase[sd]?|"
            r"decrease[sd]?|"
            r"rise|rising|rose|fall|falling|fell|drop(ped)?|chang(e|ed)|"
            r"gr[eo]w(n|th)?|growing|shr[iau]nk|climb(ed)?|"
            r"reduc(e|ed|tion)|trend|compared?|(percentage|per ?cent) difference)\b|% difference\b",
            re.I,
        ),
    ),
    (
        "percentage",
        re.compile(
            r"\b(percentage|per ?cent|proportion|rate|what share|what fraction)\b|%|"
            r"^\s*(did|do|does|are|were|was|is|have|has)\s+(most|the majority of|a majority of|"
            r"more than half( of)?|fewer than half( of)?)\s+(the\s+)?(people|victims|residents|"
            r"users|those|respondents|agencies|children|young people|officers|staff)\b",
            re.I,
        ),
    ),
    (
        "money",
        re.compile(
            r"\b(how much|(the|what|an?) amount|cost|costs|spen[dt]|spending|budget|money|salary|"
            r"salaries|paid(?! (for|4)\b)|wages?|earns?|expenditure)\b|£",
            re.I,
        ),
    ),
    ("count", re.compile(r"\b(how many|number of|count|total number)\b", re.I)),
    (  # "did they work more hours this year than before?": a change (after "how many more")
        "change",
        re.compile(
            r"\b(more|fewer|less|higher|lower|bigger|smaller)\b[^?.]{0,60}\bthan (before|"
            r"last( year)?|the (year|period|twelve months|12 months) before|previously|"
            r"the previous (year|period)|a year (ago|earlier))\b",
            re.I,
        ),
    ),
    (
        "person",
        re.compile(
            r"\bwho(s|'s| is| was)( the| your| [a-z]+['’]s)? ([a-z]+ ){0,3}"
            r"(pcc|commissioner|deputy|chief|constable|head|boss|superintendent|cop|copper|"
            r"chair|leader|author)",
            re.I,
        ),
    ),
    ("who", re.compile(r"\bwho(se|s|'s)?\b|\bname of\b", re.I)),
    ("which", re.compile(r"^\s*which\b|\bwhich (other|organisation|force|partner)", re.I)),
    ("when", re.compile(r"\bwhen\b|\bwhat (year|date|month)\b", re.I)),
    ("where", re.compile(r"\bwhere\b|\bwhich (hospitals|areas|places|towns)\b", re.I)),
)
_EARLIER = re.compile(
    r"\b(last|previous|prior|preceding|earlier) (year|yr|period|twelve months|12 months)\b|"
    r"\b(the )?year before\b|\bbefore that\b|\ba year earlier\b|\bthe one before\b",
    re.I,
)
_LATEST = re.compile(r"\b(this|latest|most recent|current|reporting) (year|period)\b", re.I)
_FOLLOW_UP = re.compile(
    r"^\s*(and|but|also|so|what about|how about|what of|and what about|same for)\b|"
    r"\b(it|its|it's|they|them|their|that|this|those|these|he|she|him|her)\b",
    re.I,
)
_PROPER = re.compile(r"(?<=[a-z,;:] )([A-Z][a-z]{2,})")
_DATE_LIKE = re.compile(r"^(\d{1,2}|(19|20)\d\d)$")  # days, months, years: not key terms
_MONTHS = frozenset(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)


@dataclass(frozen=True)
class Question:
    """What the answering stages need to know about a question."""

    text: str
    terms: tuple[str, ...]
    names: tuple[str, ...]
    cue: str | None
    period: str | None
    follow_up_cue: bool
    own: frozenset[str] = frozenset()  # words naming the report's own area: never key terms

    def term_stems(self) -> list[set[str]]:
        """For each key term, the stems it may match in the report."""
        return [expanded_stems(t) for t in self.terms]


_PERIOD_PHRASE = re.compile(
    r"\b(in |for |during |over )?(the )?((financial|reporting) )?(year|12 months|twelve months)"
    r"( ending| ended| to| up to)( (the )?end of)?( (march|mar|april|apr))? ((19|20)\d\d)\b",
    re.I,
)
# "As a number rather than a percentage": the kind of figure set aside is not the one asked.
_NOT_WANTED = re.compile(
    r"\b(rather than|instead of|not as|not)\s+(a |an |the )?(percentage|per ?cent|proportion|"
    r"rate|number|count|figure|amount|sum|total)s?\b",
    re.I,
)
# "who" after a noun joins a clause to it ("people who used the service"): it asks for no
# one; after these words, or at a clause's start, it asks who ("tell me who", "and who's").
_RELATIVE_WHO = re.compile(r"\b([a-z]+)\s+who(?=\s|['’](ve|re|d)\b)", re.I)
_ASKING_WHO = frozenset(
    "and but or so then know knows knew tell ask asks asking asked wonder wondering out about "
    "say says said sure see idea me us is was exactly find".split()
)
_FY = re.compile(
    r"\b(20\d\d)\s*[-/–]\s*(20)?(\d\d)\b|\b(?:mar(?:ch)?|to|ending|ended) (20\d\d)\b", re.I
)


# "16/17", "fy 16-17": two two-digit years, the second the year after the first
_FY_SHORT = re.compile(r"(?<![\d/.-])(\d\d)\s*[-/]\s*(\d\d)(?![\d/.-])")


# What the writer's own household pays ("how much more will I pay in council tax?"): an
# amount per household, never an accounts line (a body's total).
_OWN_PAYMENT = re.compile(
    r"\b(i|we)\s+(will\s+|'ll\s+|have\s+to\s+|am\s+|are\s+|'m\s+|'re\s+)?(be\s+)?"
    r"(pay|paying|charged)\b|\b(my|our)\s+(council\s+tax|bill|household)\b",
    re.I,
)


def pays_personally(text: str) -> bool:
    """Whether the question asks what the writer's own household pays."""
    return _OWN_PAYMENT.search(text) is not None


def financial_years(text: str) -> set[int]:
    """Years in which the financial years a text names end ("2020-21", "20/21" and "to March
    2021": 2021)."""
    out = set()
    for m in _FY.finditer(text):
        out.add(int(m.group(1)[:2] + m.group(3)) if m.group(1) else int(m.group(4)))
    for m in _FY_SHORT.finditer(text):
        if int(m.group(2)) == int(m.group(1)) + 1:
            out.add(2000 + int(m.group(2)))
    return out


def _wanted(text: str) -> str:
    """The text whose asking words say what is wanted: no "rather than a percentage", and no
    "who" that only joins a clause to a noun."""

    def asking(m: re.Match[str]) -> str:
        return m.group(0) if m.group(1).lower() in _ASKING_WHO else m.group(1)

    return _RELATIVE_WHO.sub(asking, _NOT_WANTED.sub(" ", text))


def cue_of(text: str) -> str | None:
    """The kind of fact a question asks for (duration, change, percentage, money, count,
    person, who, which, when, where), or None."""
    wanted = _wanted(text)
    return next((name for name, pattern in _CUES if pattern.search(wanted)), None)


def first_cue(text: str) -> str | None:
    """The kind of fact the question's first asking words ask for ("how many knives did the
    bins the commissioner paid for take in?" asks for a count, though it names money)."""
    wanted = _wanted(text)
    found = [(m.start(), name) for name, p in _CUES if (m := p.search(wanted)) is not None]
    return min(found)[1] if found else None


def analyse(text: str, latest: int | None = None, own: frozenset[str] = frozenset()) -> Question:
    """Key terms (no stopwords, measure words, years, months or ``own`` words: those naming
    the report's own area), cue, period (``latest``: the year the report's period ends in)
    and follow-up cue."""
    period = period_of(text, latest)
    text_terms = _PERIOD_PHRASE.sub(" ", text)
    terms = tuple(
        dict.fromkeys(
            w
            for w in content_words(text_terms)
            if w not in MEASURE_WORDS
            and w not in _MONTHS
            and w not in own
            and not _DATE_LIKE.match(w)
        )
    )
    cue = cue_of(text)
    names = tuple(w.lower() for w in _PROPER.findall(text) if w.lower() not in _MONTHS)
    return Question(text, terms, names, cue, period, bool(_FOLLOW_UP.search(text)), own)


_ASIDE = re.compile(r"<!--.*?-->|<[^>]{0,300}>|\[[^\]]{0,300}\]|\{[^}]{0,300}\}", re.S)
_SENTENCE = re.compile(r"(?<=[.!?;])\s+")


# "Is that consistent ...?", "What were the actual figures?": the question needs the
# sentence before it.
_POINTS_BACK = re.compile(
    r"\b(that|this|these|those|it|they)\b|"
    r"\b(actual|precise|exact|real|correct|true|official|right)\s+(figure|number|percentage|"
    r"amount|total|sum|rate|count|cost|level)s?\b",
    re.I,
)
_PRONOUN = re.compile(r"\b(it|its|they|them|their|he|she|him|his|her|that|those|these)\b", re.I)


# "it", "that" or "this" standing for a thing ("who runs it?", "what did that cost?"), not the
# report ("what does it say about ...") nor a person or people ("they", "he")
_THING = re.compile(
    r"\b(it|that|this)\b(?!\s+(say|says|said|show|shows|mention|mentions|state|states)\b)"
    r"(?!\s+(is|was)\s+(right|true|correct|so)\b)",
    re.I,
)


def points_at_thing(text: str) -> bool:
    """Whether the question names its subject only as "it", "that" or "this": in a
    conversation, a thing the question before was about."""
    return _THING.search(text) is not None


_AUTHOR = re.compile(
    r"\bwho(\s+is|'s|\s+was)?\b[^?.]{0,90}\b(wrote|written|writes|authored|author|behind|"
    r"signed|publish(ed|es))\b[^?.]{0,20}\b(this|the|your|that)\s+(annual\s+)?report\b"
    r"(?!\s+(on|about|into|of)\b)|"
    r"\bwho\b[^?.]{0,40}\b(this|the)\s+(annual\s+)?report\b[^?.]{0,20}\b(by|from)\s*\??$|"
    r"\bauthor of (this|the) (annual )?report\b",
    re.I,
)


def asks_author(text: str) -> bool:
    """Whether the question asks who wrote the report ("who is behind this report?")."""
    return _AUTHOR.search(text) is not None


def points_back(text: str) -> bool:
    """Whether the question names its subject only by a pronoun ("how many did *they* make?",
    "what did *he* say?"): in a conversation, that is what the last answer was about."""
    return _PRONOUN.search(text) is not None


_PRIVATE = (
    r"(own\s+)?(home address|address|phone( number)?|mobile( number)?|e-?mail( address)?|"
    r"salary|wages?|date of birth|birthday|religion|politics)"
)
_PERSONAL = r"(pay|age|family|wife|husband|children|kids|health)"  # only with his/her/your
PERSONAL_INFO = re.compile(
    # someone's private details: "your/his/her ...", or a named person's ("Jane Smith's salary")
    rf"\b(your|his|her|their)\s+({_PRIVATE}|{_PERSONAL})\b|"
    rf"\b(?-i:[A-Z][a-z]+ [A-Z][a-z]+)['’]s\s+{_PRIVATE}\b",
    re.I,
)


# "How much is the Commissioner paid?": one person's pay, which a report's spending lines
# (the cost of an office, a service or a whole workforce) do not give.
ONE_PERSONS_PAY = re.compile(
    r"\bhow much (is|does|was|did) (the |a |an |our )?(?P<who>[a-z][a-z '’&-]{1,60}?) "
    r"(paid|earn|earns|get paid|gets paid|got paid|take home)\b|"
    r"\bhow much money (does|did) (the |a |an |our )(?P<who6>[a-z][a-z '’&-]{1,60}?) make\W*$|"
    r"\bwhat (is|was) (the )?(?P<who2>[a-z][a-z '’&-]{1,60}?)['’]s (salary|pay|wage|earnings)\b|"
    r"\bwhat (does|did) (the |a |an |our )?(?P<who3>[a-z][a-z '’&-]{1,60}?) "
    r"(earn|get paid|take home)\b|"
    r"\bwhat (salary|wage|pay) (does|did|is|was) (the |a |an |our )"
    r"(?P<who4>[a-z][a-z '’&-]{1,60}?) (get|earn|receive|paid|get paid|on)\b|"
    r"\bwhat (is|was) the (salary|wage) of (the |a |an |our )(?P<who5>[a-z][a-z '’&-]{1,60}?)\W*$|"
    r"\bwhat (is|was) (the |a |an |our )(?!(total|amount|sum|figure|cost|money|bill|budget|"
    r"average|overall|grant|fee|price|rate|level)\b)(?P<who7>[a-z][a-z '’&-]{1,60}?) "
    r"(paid|earning)\b",
    re.I,
)


def one_persons_pay(text: str) -> str | None:
    """Whose pay a question asks about ("the police and crime commissioner", "Sam Okafor"),
    when it asks what one person is paid; None otherwise (a pay bill: "how much are officers
    paid")."""
    match = ONE_PERSONS_PAY.search(text)
    if match is None:
        return None
    groups = ("who", "who2", "who3", "who4", "who5", "who6", "who7")
    who = next((match.group(g) for g in groups if match.group(g)), "").strip()
    if not who:
        return None
    named = re.search(rf"\b(the|a|an|our)\s+{re.escape(who)}", match.group(0), re.I)
    return f"the {who}" if named else who  # "the commissioner"; "Sam Okafor"


OPINION = re.compile(
    r"\byour (own )?(favourite|favorite|opinion|view|views|thoughts?|feelings?|preference)\b|"
    r"\b(do|would) you (personally )?(like|love|prefer|support|think|believe|recommend)\b",
    re.I,
)


_SECOND_QUESTION = re.compile(
    r",?\s+and\s+(?=(?:when|where|who|how|what|why|which|by when)\b)|"
    r",\s+and\s+(?=(?:is|are|was|were|did|does|do|has|have)\s+(?:that|this|it|there)\b)",
    re.I,
)


_COMPARE = re.compile(
    r"^\s*compare\s+(.+?)\s+(?:with|to|and|against|vs\.?|versus)\s+(.+?)[?.!]*$", re.I
)
_SHARED_HEAD = re.compile(r"^(.*?\b(?:on|of|for|in)\b)\s", re.I)


_COMPARATIVE = r"(more|less|fewer|higher|lower|bigger|larger|greater|smaller|most|least)"
# "Was more spent on A or on B?", "Which brought in more money, A or B?", "Were there more
# A or B?" (not "were there fewer drink or drug driving offences than the year before")
_EITHER = re.compile(
    rf"^(?P<lead>.*?\b{_COMPARATIVE}\b.*?(\b(on|for|in|of|from|to|by|with|among|between)\b|[,:]|\s[-–—])|"
    rf"(?!.*\bthan\b).*?\b(was|were|is|are)\s+there\s+{_COMPARATIVE})"
    r"\s+(?P<a>[^,?]+?)\s*,?\s+or\s+((on|for|in|of|from|to|by|with|the)\s+)?(?P<b>[^,?]+?)"
    r"(\s*,.*)?[?.!]*$",
    re.I,
)
# "Did A or B cost more?", "Was A or B higher?", "In the breakdown, did A or B have more
# officers?" (the comparative after both things; its verb and object asked of each)
_EITHER_FIRST = re.compile(
    r"^(?P<lead>(.*?,\s*)?(did|does|do|was|were|is|are|has|have)\s+)(the\s+)?(?P<a>[^,?]+?)\s*,?\s+"
    r"or\s+(the\s+)?(?P<b>[^,?]+?)\s+((?P<verb>cost|spend|spent|get|got|receive|received|take|"
    rf"took|have|had|record|recorded|bring in|brought in)\s+)?{_COMPARATIVE}\b\s*"
    r"(?P<what>[^,?.!]*?)(\s*,.*)?[?.!]*$",
    re.I,
)
# "Did A cost more than B, and by how much?"
_THAN = re.compile(
    rf"^\s*((did|does|do|was|were|is|are|has|have)\s+)?(?P<a>.+?)\s+(?P<verb>[a-z]+\s+)?"
    rf"{_COMPARATIVE}\s+(?P<what>[a-z]+\s+)?than\s+(?P<b>[^,?]+?)(\s*,.*)?[?.!]*$",
    re.I,
)
# "Was more spent on A than came in as B?", "Did the commissioner give out more in grants than
# it cost to run his office?" (the comparative before the first thing; what comes before the
# comparative is asked of the first thing only)
_MORE_THAN = re.compile(
    rf"^\s*(did|does|do|was|were|is|are|has|have)\s+(?P<pre>[^?]*?)\b{_COMPARATIVE}\s+"
    r"(?P<a>[^?]+?)\s+than\s+(?P<b>[^,?]+?)(\s*,.*)?[?.!]*$",
    re.I,
)
# "How much more went on A than on B?", "How many more A than B were there?"
_HOW_MUCH_MORE = re.compile(
    rf"^\s*how\s+(much|many)\s+{_COMPARATIVE}\s+(?P<verb>(\w+\s+){{0,3}}?(on|for|to|by|in)\s+)?"
    r"(?P<a>.+?)\s+than\s+((on|for|to|by|in)\s+)?(?P<b>[^,?]+?)(\s*,.*)?[?.!]*$",
    re.I,
)
# "How did A compare with B?" (not with an earlier period: one row or sentence holds both),
# also after a scene-setting clause ("In the spending breakdown, how does A compare with B?")
_HOW_COMPARE = re.compile(
    r"^\s*([^?]*,\s*)?how\s+(did|does|do|has|have)\s+(?P<a>.+?)\s+compare(d)?\s+"
    r"(with|to|against)\s+(?P<b>[^?]+?)[?.!]*$",
    re.I,
)
# "How much did A cost compared with B?", "What was A, set against B?"
_COMPARED_WITH = re.compile(
    r"^\s*(how (much|many)|what)\s+(did|does|do|was|were|is|are)\s+(?P<a>.+?)\s+"
    r"(?P<verb>(cost|spend|get|receive|take|bring in|record)\s+)?,?\s*"
    r"(compared (with|to)|as against|set against|versus|vs\.?)\s+(?P<b>[^?]+?)[?.!]*$",
    re.I,
)
# "how much went on A compared with B?": B in A's frame ("how much went on B")
_FRAMED_COMPARED = re.compile(
    r"^(?P<frame>.*?\b(on|for|to|in|of|by|from)\s+)(?P<a>[^,?;:]+?)\s*,?\s*"
    r"(compared (with|to)|as against|set against|versus|vs\.?)\s+(?P<b>[^?]+?)[?.!]*$",
    re.I,
)
# "A went up, but what happened to B?", "A fell, but what about B?": A as said, and B
_BUT_WHAT = re.compile(
    r"^\s*(?P<a>[^,?;]+?)\s*,?\s+but\s+(what|how)\s+(happened\s+(to|with)|about|did)\s+"
    r"(?P<b>[^,?;]+?)(\s+do)?\s*[?.!]*$",
    re.I,
)
# "in 2030/31", "for the year 2030-31": a period said in a comparison, at its end or first
_PERIOD_SAID = r"(in|for|during|over)\s+(the\s+)?(year\s+)?(?P<period>\d{4}([/-]\d{2,4})?)"
_TRAILING_PERIOD = re.compile(rf"\s+{_PERIOD_SAID}\b", re.I)
_LEADING_PERIOD = re.compile(rf"^\s*{_PERIOD_SAID}\s*,?\s+", re.I)
_WHICH_LEAD = re.compile(
    rf"^\s*(which|what|who|was|were|did|do|does|is|are)\b|\b{_COMPARATIVE}\b", re.I
)


def compared(text: str, latest: int | None = None) -> tuple[str, str] | None:
    """The two things a comparison asks about, each as its own question ("Was more spent on
    A or B?" -> "spent on A", "spent on B"); None when the question compares nothing, or
    compares one thing with another period (one row or sentence answers that). A period said
    first ("In 2030/31, did A cost more than B?") is asked of both."""
    lead = _LEADING_PERIOD.match(text)
    if lead is not None:
        pair = compared(text[lead.end() :], latest)
        said = f"in {lead.group('period')}"
        return None if pair is None else (f"{pair[0]} {said}", f"{pair[1]} {said}")
    match = _EITHER.match(text)
    if match:
        lead = " ".join(
            re.sub(r"[,:]|\s[-–—]", " ", _WHICH_LEAD.sub(" ", match.group("lead"))).split()
        )
        pair = (f"{lead} {match.group('a')}", f"{lead} {match.group('b')}")
    elif (
        match := _HOW_COMPARE.match(text)
        or _EITHER_FIRST.match(text)
        or _HOW_MUCH_MORE.match(text)
        or _COMPARED_WITH.match(text)
        or _THAN.match(text)
        or _BUT_WHAT.match(text)
    ) is not None:
        verb = " ".join(
            match.groupdict().get(k) or "" for k in ("verb", "what") if match.groupdict().get(k)
        )
        pair = (f"{match.group('a')} {verb}".strip(), f"{match.group('b')} {verb}".strip())
    elif (match := _MORE_THAN.match(text)) is not None:
        pair = (" ".join(f"{match.group('pre')} {match.group('a')}".split()), match.group("b"))
    elif (match := _FRAMED_COMPARED.match(text)) is not None and any(
        not w.isdigit() and w not in MEASURE_WORDS for w in content_words(match.group("b"))
    ):  # (not "in 2031 compared with 2030": one row or sentence holds both years)
        frame = match.group("frame")
        pair = (f"{frame}{match.group('a')}", f"{frame}{match.group('b')}")
    else:
        return None
    periods = {period_of(p, latest) for p in pair}
    if (len(periods) > 1 and "earlier" in periods) or any(len(content_words(p)) < 1 for p in pair):
        return None  # "compared with the year before": one row or sentence holds both
    said = _TRAILING_PERIOD.search(pair[1])
    if said and not _TRAILING_PERIOD.search(pair[0]):  # "A than B in 2030/31": both then
        pair = (f"{pair[0]}{said.group(0)}", pair[1])
    return pair[0], _owner_named(pair[1], text)


def apart(pair: tuple[str, str]) -> tuple[str, str]:
    """Each side of a comparison (``compared``) without the words both begin with ("had the
    budget support services", "had the budget force executive": "support services", "force
    executive")."""
    first, second = pair[0].split(), pair[1].split()
    shared = 0
    while shared < min(len(first), len(second)) - 1 and first[shared] == second[shared]:
        shared += 1
    return " ".join(first[shared:]), " ".join(second[shared:])


# The one doing something in a yes/no question: "did the commissioner ...", "has the force ..."
_ASKED_SUBJECT = re.compile(
    r"^\s*(?:how\s+)?(?:did|does|do|has|have|had|was|were|is|are|will|would|could|can)\s+"
    r"the\s+([a-z]+)\b",
    re.I,
)
_POSSESSIVE = re.compile(r"\b(his|her|their|its)\b", re.I)


def _owner_named(side: str, question: str) -> str:
    """The second side of a comparison with its owner named: "than it cost to run his office"
    in "Did the commissioner give more in grants than ..." is the commissioner's office."""
    subject = _ASKED_SUBJECT.match(question)
    if subject is None or not _POSSESSIVE.search(side):
        return side
    return _POSSESSIVE.sub(f"the {subject.group(1)}'s", side)


def split_compound(text: str) -> list[str]:
    """'Who is X and when was he elected?' -> two questions (the second may lean on the first);
    'Compare spending on A with B' -> 'spending on A', 'spending on B'."""
    compare = _COMPARE.match(text)
    if compare:
        first, second = compare.group(1), compare.group(2)
        head = _SHARED_HEAD.match(first)
        return [first, f"{head.group(1)} {second}" if head else second]
    parts = [p.strip(" ,") for p in _SECOND_QUESTION.split(text, maxsplit=1)]
    if len(parts) == 2 and all(len(p.split()) >= 3 for p in parts):
        return [parts[0].rstrip("?") + "?", parts[1]]
    return [text]


FRAMING_FILE = Path(__file__).parent / "data" / "framing.json"
TEXT_SPEAK_FILE = Path(__file__).parent / "data" / "text_speak.json"
ABBREVIATIONS_FILE = Path(__file__).parent / "data" / "abbreviations.json"


@lru_cache(maxsize=1)
def _abbreviations() -> frozenset[str]:
    data = json.loads(ABBREVIATIONS_FILE.read_text(encoding="utf-8"))
    return frozenset(data["words"])


def sentences_of(text: str) -> list[str]:
    """The text's sentences; a full stop after an abbreviation ("Misc.", "approx.") ends
    none (``abbreviations.json``)."""
    out: list[str] = []
    for piece in _SENTENCE.split(text):
        if not piece.strip():
            continue
        ended = out[-1] if out else ""  # a kept piece holds a word
        if ended.endswith(".") and ended.split()[-1].rstrip(".").lower() in _abbreviations():
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


@lru_cache(maxsize=1)
def _text_speak() -> tuple[re.Pattern[str], dict[str, str], re.Pattern[str], dict[str, str]]:
    """The spellings of ``data/text_speak.json`` ("b4", "wot") and what they stand for; the
    short forms after a sum of money ("£3.2m") and theirs."""
    data = json.loads(TEXT_SPEAK_FILE.read_text(encoding="utf-8"))
    means = {e["written"].lower(): e["means"] for e in data["entries"]}
    alternatives = "|".join(sorted(map(re.escape, means), key=len, reverse=True))
    sums = {e["written"].lower(): e["means"] for e in data.get("money_suffixes", [])}
    suffixes = "|".join(sorted(map(re.escape, sums), key=len, reverse=True)) or "(?!)"
    return (
        re.compile(rf"(?<![\w'’£$.,/&-])({alternatives})(?![\w'’%/&-])", re.I),
        means,
        re.compile(rf"([£$]\d[\d,]*(?:\.\d+)?) ?({suffixes})\b", re.I),
        sums,
    )


def plainly_spelled(text: str) -> str:
    """The text with text-speak spellings replaced by the words they stand for ("the yr b4"
    -> "the year before", "£3.2m" -> "£3.2 million"); whole words only, and a lone capital
    letter ("R Hirst") kept."""
    pattern, means, money, sums = _text_speak()

    def plain(match: re.Match[str]) -> str:
        word = match.group()
        return word if len(word) == 1 and word.isupper() else means[word.lower()]

    text = money.sub(lambda m: f"{m.group(1)} {sums[m.group(2).lower()]}", text)
    return pattern.sub(plain, text)


@lru_cache(maxsize=1)
def _framing() -> tuple[re.Pattern[str], ...]:
    """The framing patterns of ``data/framing.json`` (polite requests, claim checks,
    attributions), compiled."""
    data = json.loads(FRAMING_FILE.read_text(encoding="utf-8"))
    return tuple(re.compile(entry["pattern"], re.I) for entry in data["patterns"])


def unframed(text: str) -> str:
    """The question without the words that only frame it ("I should be grateful if you could
    confirm", "Is it correct that"); the text as it was when nothing else would be left."""
    out = text
    for pattern in _framing():
        out = pattern.sub(" ", out)
    out = " ".join(out.split()).lstrip(" ,;:")
    return out if len(content_words(out)) >= 1 else text


def focus(text: str) -> str:
    """The asking part of a message: markup, bracketed asides and framing words ("Could you
    please confirm ...") dropped, text-speak spelled plainly, and when some sentences are
    questions and others are not (instructions, claims), the questions only, unless a
    question points back at the sentence before it."""
    return _focused(_cleaned(text))


def _focused(cleaned: str) -> str:
    """``focus`` of a message already cleaned."""
    sentences = sentences_of(cleaned)
    asks = [s for s in sentences if s.rstrip().endswith("?")]
    if not asks or len(asks) == len(sentences) or any(len(s.split()) < 3 for s in asks):
        return cleaned
    if any(_POINTS_BACK.search(_FIRST_CLAUSE.split(s, maxsplit=1)[0]) for s in asks):
        return cleaned
    return " ".join(asks)  # "..., and is that worse?": 'that' is in the question itself


def _cleaned(text: str) -> str:
    """``focus``'s message before sentences are set aside."""
    cleaned = unframed(plainly_spelled(" ".join(_ASIDE.sub(" ", text).split())) or text)
    # a sentence left opening on ", and" by the framing removed before it: "Does that match,
    # and what was it ...?" reads "what was it ...?"
    return _LEFT_OPEN.sub(r"\1", cleaned)


def with_context(text: str) -> str | None:
    """The message's statements read with its question, when ``focus`` set them aside and
    none holds a figure (a claim to check, not context): "I read the commissioner paid for
    some knife bins. Roughly how many knives were handed in?" (the bins say which knives).
    None when nothing was set aside, or when a statement holds a figure or an instruction."""
    cleaned = _cleaned(text)
    if _focused(cleaned) == cleaned:
        return None
    statements = [s for s in sentences_of(cleaned) if not s.rstrip().endswith("?")]
    if any(NUMBER.search(s) or instruction_reason(s) for s in statements):
        return None  # a claim to check, or an instruction: not what the question is about
    return cleaned


def with_claim(text: str) -> str | None:
    """The whole message, when ``focus`` set statements aside: read when its question names
    nothing of its own ("My draft says the merger saves £50 million. What figure does the
    report give?": the claim it checks says what it is about). None when nothing was set
    aside."""
    cleaned = _cleaned(text)
    return None if _focused(cleaned) == cleaned else cleaned


_LEFT_OPEN = re.compile(r"(^|[.!?]\s+)[,;:]\s*(?:(?:and|but|or|so)\s+)?", re.I)
_FIRST_CLAUSE = re.compile(r",?\s+(?:and|or|but)\s+|[,;:]\s+", re.I)


def period_of(text: str, latest: int | None = None) -> str | None:
    """'earlier', 'latest' or None: which period of a two-period table is asked about.

    ``latest`` is the year the report's period ends in (from its manifest): the financial
    year ending then, or that year alone, is the latest period; the one before is earlier.
    Without it only words say which ("last year", "this year")."""
    named = financial_years(text)
    if latest is not None and latest in named:
        return "latest"
    if (latest is not None and latest - 1 in named) or _EARLIER.search(text):
        return "earlier"
    if _LATEST.search(text):
        return "latest"
    if latest is not None and not named:
        years = {int(y) for y in re.findall(r"\b((?:19|20)\d\d)\b", text)}
        if latest in years:
            return "latest"
        if latest - 1 in years:
            return "earlier"
    return None
