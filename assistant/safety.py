"""The safety router: danger, distress and crime reports get fixed wording before anything else.

Three layers, any of which can route, none of which needs the index:

1. rules for unmistakable English phrases (always on, even with no model);
2. danger and distress words in other languages (``language.py`` and its lexicon file);
3. a classifier over MiniLM sentence embeddings fitted on ``evals/safety_bank.jsonl``
   (``safety_classifier.py``), used when the model loads.

Boundaries drawn (documented with examples in ``evals/README.md``): a crime or danger
happening now or about to happen is 999; a crime that is over, or a suspicion, is 101 and
online reporting, even when serious ("I was attacked last week"); wanting to report
antisocial behaviour is a report; a question about figures, services or policy on the same
topics ("how many knife crimes were there?") is not routed.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistant.answer import Answer
from assistant.corpus import police_contact
from assistant.language import is_other_language, lexicon
from assistant.language import warm_up as warm_up_language
from assistant.safety_classifier import SafetyClassifier, decide
from assistant.settings import Settings

log = logging.getLogger(__name__)

SERVICE_NUMBERS = ("999", "101", "116 123")


@dataclass(frozen=True)
class Wording:
    """The fixed texts, naming the local police force and its online reporting page (settings)."""

    force: str = "the police"
    report_url: str = ""

    def text(self, label: str, english_only: bool = False) -> str:
        """The fixed wording for a routed label, with a line in English for other languages."""
        where = f" ({self.report_url})" if self.report_url else ""
        texts = {
            "danger": "If a crime is happening now, someone is in danger, there is a fire or "
            "someone is badly hurt or ill, call 999 now. " + CANNOT_HELP + " " + SAMARITANS,
            "distress": "If you are in danger or might harm yourself, call 999 now. You can "
            "talk to Samaritans at any time, free, on 116 123. " + CANNOT_HELP,
            "report": f"To report a crime that is not happening now, call {self.force} on 101 or "
            f"report it online on the {self.force} website{where}. If it is an emergency or a "
            "crime is happening now, call 999. This chat cannot take crime reports: it only "
            "answers questions about the annual report.",
        }
        return f"{texts[label]} {ENGLISH_ONLY}" if english_only else texts[label]

    def other_language(self) -> str:
        """The reply to a message in another language: English only, with 999 and 101."""
        return (
            f"{ENGLISH_ONLY} Please ask your question in English. If you are in danger or a "
            "crime is happening now, call 999. To report a crime that is not an emergency, "
            f"call {self.force} on 101."
        )


CANNOT_HELP = "This chat cannot send help: it only answers questions about the annual report."
# Also under the 999 text: danger and distress share wording ("I keep looking at the knives in
# the kitchen"), so whoever is routed to 999 also gets the Samaritans' number.
SAMARITANS = "If you are thinking of harming yourself, Samaritans are free, any time, on 116 123."
ENGLISH_ONLY = "This assistant answers in English only."

_SELF = r"(my ?self|her ?self|him ?self|them ?sel(f|ves))"
_DISTRESS = re.compile(
    rf"\b((kill|hang|hurt|harm|cut|drown|poison|burn|stab|shoot)(ing)? {_SELF}|"
    r"(i'?m|i am|feel(ing)?|been|so|really) (so |really |very )?suicidal|"
    r"(commit|attempt(ed)?|thinking (of|about)|considering) suicide|suicide note|"
    r"end(ing)? (it all|my life|my own life)|take my (own )?life|"
    r"i('ve| have| am|'m)? (been )?self[- ]?harm\w*|want(ed)? to die|wanna die|"
    r"better off (dead|without me)|no reason to live|can'?t go on|(not|isn'?t) worth living|"
    r"life (is|isn'?t|is not) (not )?worth|(don'?t|do not|dont) want to (be alive|live|be here|"
    r"exist|wake up)|not want to be here anymore|can'?t cope|hopeless|"
    r"(taken|took|had|swallowed|done) an overdose|overdosed|i'?ve overdosed|"
    r"(took|taken|swallowed|downed|necked) .{0,30}\b(pills|tablets|paracetamol|painkillers|"
    r"meds|medication|sleeping)|"
    # "all" or "everything": a bare "I want it to stop" is as often about harassment
    r"want (it all|everything( all)?) to (stop|end)|want it to all (stop|end)|"
    r"no point (in )?(living|going on(?! about| with)|carrying on(?! with))|"
    r"nobody would (miss|care)|give up on (life|everything)|end(ing)? (it|things|everything)\b|"
    r"feel like ending|(going|gonna|want) to jump (off|from|in front))\b",
    re.I,
)
SIGNS_FILE = Path(__file__).parent / "data" / "distress_signs.json"


@lru_cache(maxsize=1)
def warning_signs(path: Path = SIGNS_FILE) -> re.Pattern[str]:
    """The published warning signs of suicide, as first-person phrases (``distress_signs.json``,
    each entry with its source), compiled into one pattern; an apostrophe is optional."""
    data = json.loads(path.read_text(encoding="utf-8"))
    phrases = [p.replace("'", "'?") for entry in data["entries"] for p in entry["patterns"]]
    return re.compile(r"\b(" + "|".join(f"(?:{p})" for p in phrases) + r")\b", re.I)


_NOW = r"(right now|now|at the moment|as we speak|currently|outside|in my (house|home|garden|flat))"
# A child someone looks after, for "... has been unaccounted for", "... has wandered off".
_CHILD = (
    r"(child|children|pupils?|sons?|daughters?|boys?|girls?|kids?|toddlers?|baby|"
    r"grand(son|daughter)s?|nephews?|nieces?|teen(ager)?s?|\d{1,2}[- ]?(yrs?|years?)[- ]?old)"
)
# A child overdue and out of reach ("should have been home at 4 ... her phone's off") is a
# missing child now: police advice is to call 999 when a missing child may be at risk.
_OVERDUE = (
    r"should('ve| have) been (home|back)|(hasn'?t|has not|didn'?t|did not|never) "
    r"(come|came|got|gotten|made it) (home|back)|not (home|back) yet"
)
_UNREACHABLE = (
    r"(phone('s| is)? (off|dead|switched off|going (straight )?to voicemail)|"
    r"(not|isn'?t|is not|hasn'?t been) (answering|picking up|replying)|"
    r"no(body| one|-one) (knows|has seen|has heard)|can'?t (reach|get hold of|contact|get through))"
)
_EMERGENCY = re.compile(
    r"\b(i'?m in danger|in danger now|(i'?m|i am|we'?re|we are|he'?s|she'?s|he is|she is|"
    r"they'?re|they are) being (attacked|followed|stabbed|assaulted|robbed|chased|beaten|"
    r"threatened)|(is|are|'s|'re) (breaking|trying to break|getting) in|"
    r"break(ing)?[- ]in (right )?now|"
    r"(is|are|'s|'re) (attacking|hitting|beating|stabbing|threatening|following|chasing|"
    r"kicking|punching|strangling) (me|us|my|him|her|them|someone|somebody)|"
    r"(man|woman|guy|someone|somebody|person|people|gang|group|boy|girl|lads?|he|she|they)"
    r"( is| are|'s|'re)? (with|holding|carrying|waving|has|got|pulled( out)?) (a|his|her) "
    r"(knife|gun|weapon|blade|machete)|"
    r"house is on fire|there'?s a fire|can'?t breathe|unconscious|"
    r"(won'?t|wont|will not|don'?t|dont|do not) let (me|us) (leave|go|out)|"
    r"(i'?m|im|i am|we'?re|we are|being) (held|kept|locked) (in|against|inside)|"
    r"(i'?m|im|i am|we'?re|we are) not (allowed|permitted|able) to (leave|go out|get out)|"
    r"(from|in) a locked (room|house|flat|shed|container|van|lorry|building|basement)|"
    r"(locks?|locking) (me|us) (in|inside|up)|"
    r"(want|wanna|trying|tried|try|need) to (leave|get out|escape|run away)"
    r"( (here|this place|the (house|flat|room|building)))?\W{0,3}(but )?"
    r"(i |we )?(can'?t|cannot|am not allowed|'?m not allowed|are not allowed|"
    r"(he|she|they) (won'?t|will not|wont) let)|"
    r"not breathing|(going|gonna|threaten\w*) to (kill|hurt|stab|attack) (me|us|her|"
    r"him|them)|waving (a|his|her) (knife|gun|weapon|machete|blade)|"
    r"someone (is|'s) (in|inside) my|"
    r"i'?m (so )?(scared|afraid|frightened|terrified) (he|she|they)'?(ll| will| are| is|'re|'s)|"
    r"(need|want) (the )?police (now|here|urgently)|"
    r"^\s*i need (the )?police|"
    r"^(please\W+)?((some|any)(one|body)\W+)?help(\W+(me|us|please|now|quick(ly)?|asap))*(?=\W*$)|"
    r"send (an? )?(officer|police|someone|help|ambulance) (now|quick|asap|please|urgently)|"
    r"\b(my|our) \w+ (is|has gone|went) missing|missing (child|daughter|son|kid)\b|"
    r"(stabbing|shooting|stabbed|shot) (outside|nearby|near me|just now|right now)|"
    r"(is|isn'?t|is not|'s not|are not|aren'?t|not) (breathing|moving|responding|conscious|"
    r"waking up)|having a (seizure|fit|heart attack|stroke)|"
    r"(can'?t|cannot) find my (son|daughter|child|kid|boy|girl|baby|little)|"
    rf"{_CHILD}\b.{{0,80}}\b(is|are|was|has been|have been) "
    r"(unaccounted for|nowhere to be (found|seen))|"
    rf"{_CHILD}\b.{{0,80}}\b(has|have) (gone missing|wandered off|"
    r"disappeared|vanished)|"
    rf"{_CHILD}\b.{{0,80}}\b({_OVERDUE})\b.{{0,120}}\b{_UNREACHABLE}|"
    r"(someone|somebody|a man|a woman|people|they)('s| is| are|'re)? (in|inside) (my|the|our) "
    r"(house|home|flat|garden|room|kitchen|bedroom)|"
    r"(kicking|smashing|banging|breaking|trying to open) (down |in |on )?(my|the|our|your) "
    r"(door|window)|(says|saying|threatening|threatened) (he|she|they)?'?(ll|'d| will| would|"
    r" is going to| are going to)? ?(kill|stab|hurt|shoot) (me|us|her|him|them|my)|"
    r"(is|are|'s|'re) (pouring|splashing|spraying|throwing)( \w+){0,4} (petrol|fuel|diesel|"
    r"paraffin|lighter fluid)|"
    r"(taken|took|dragged|bundled|pulled|forced|grabbed) (him|her|them|my (son|daughter|child|kid|"
    r"boy|girl)) (in|into) (their|a|the|his|her|an unmarked) (car|van|motor)|"
    # a car driven into the one the writer sits in; a child being taken abroad, on the way
    r"(ramm\w*|smash\w* into|driv\w* into|crash\w* into) (my|our) (car|van|vehicle)"
    r".{0,40}\b(i'?m|i am|we'?re|we are|me|us) (sat|sitting|stuck|trapped|inside|in it|"
    r"in there|still in (it|the car|there))|"
    rf"{_CHILD}\b.{{0,160}}\b(abroad|out of the country)\b.{{0,160}}\b(heading|on (his|her|"
    r"their) way|at the airport|boarding|driving to the (airport|port|ferry))|"
    # a child gone with someone nobody knows: "he left with a man they didn't recognise"
    rf"{_CHILD}\b.{{0,120}}\b(left|go|goes|gone|went|walked off|driven off|got in a car) "
    r"with (a|an|some) (man|woman|stranger|adult|person|guy|bloke)\b.{0,30}\b(didn'?t|"
    r"don'?t|did not|do not|doesn'?t|does not|nobody|no one|no-one) (recogni[sz]e[sd]?|knows?)|"
    r"said (he|she|they)'?(ll| will| is going to| are going to) (kill|stab|hurt|shoot) (me|us))\b",
    re.I,
)
# Someone or something threatening, close by: with a "now" it is an emergency.
_DANGER = (
    r"(someone|somebody|a (man|woman|guy|person|gang|group)|men|people|intruder|burglar|"
    r"(an|the) (individual|male|female|suspect)|"
    r"door|doors|window|garden|handles?|knife|knives|guns?|weapons?|machetes?|blades?|fire|"
    r"handguns?|firearms?|pistols?|rifles?|shotguns?|crossbows?|brandish\w*|armed|"
    r"smoke|crash|accident|fight\w*|attack\w*|break\w*|threat\w*|follow\w*|stalk\w*|"
    r"chas(e|es|ed|ing)|hit\w*|hurt\w*|"
    r"steal\w*|drunk|screaming|shout\w*|bleeding|injured)"
)
_NEAR_NOW = re.compile(
    rf"\b{_DANGER}\b.*\b(right now|now|at the moment|as we speak)\b|"
    rf"\b(right now|now|at the moment|as we speak)\b.*\b{_DANGER}\b|"
    rf"\b{_DANGER}\b.*\boutside (my|our|the) (door|house|flat|window|home)\b|"
    r"\bjust (hit|attacked|stabbed|broke into|stole|crashed|assaulted|threatened|punched|"
    r"robbed|mugged|shot)\b",
    re.I,
)
# Words of danger that a past event shares with a present one ("he hit me", "bleeding"):
# routed by the rules alone, but the classifier may judge them a report of something over.
_LOOSE_DANGER = re.compile(
    r"\b(intruder|bleeding|trapped|screaming|collapsed|passed out|unresponsive|overdosing|"
    r"(fire|smoke|flames) (in|coming|pouring|spreading|everywhere)|on fire|gas leak|"
    r"smell (of )?(gas|burning|smoke)|hiding (in|from|under|upstairs|downstairs)|"
    r"petrol (cans?|bombs?)|(pour|splash|dous)\w* (petrol|fuel|diesel|paraffin|lighter fluid)|"
    r"being (attacked|followed|stabbed|assaulted|robbed|"
    r"chased|beaten|threatened)|(hit|hurt|attacked|beat|beaten|threatened|raped|assaulted|"
    r"strangled|choked) me|(there'?s been|just seen|just saw) an? (stabbing|shooting|attack|"
    r"crash|accident|fight)|"
    r"said (he|she|they)?'?(d|'d| would| will|'ll)? ?(kill|stab|hurt|shoot) "
    r"(me|us|her|him|them|my)|(burn|torch) (down )?(my|our|your|the) (house|home|flat|place)"
    r"( down)?)\b",
    re.I,
)
# Words that say it is happening at this moment (a bare "now" is too weak: "she's ok now").
_PRESENT = (
    r"(right now|rn|as we speak|at (the|this) moment|in progress|currently|this minute|"
    r"(it'?s|it is|this is) happening( now)?|"
    r"still (here|there|outside|inside|in the))"
)
_PRESENT_WORD = re.compile(rf"\b{_PRESENT}\b", re.I)
_DANGER_PRESENT = re.compile(
    rf"\b{_DANGER}\b.*\b{_PRESENT}\b|\b{_PRESENT}\b.*\b{_DANGER}\b|"
    rf"\b(burglary|robbery|break-in|fight|attack|assault)\b.*\b{_PRESENT}\b",
    re.I,
)
# "Nothing's happening right now", "he isn't here at the moment": the present, said calm.
_CALM_NOW = re.compile(
    rf"\b(nothing('?s| is)? (happening|going on)|(nobody|no one|no-one)('?s| is) (in (any )?"
    rf"danger|hurt)|(not|n'?t|no longer) (here|there|around|"
    rf"outside|happening|in danger|in any danger|with me|near me)|(i'?m|i am|we'?re|we are|"
    rf"(s)?he'?s|(s)?he is) (safe|ok|okay|fine|alright|all right))\b.{{0,30}}"
    rf"\b({_PRESENT}|now)\b|"
    # an age told ("she's 30 now"): the present of the writer's life, not of events
    r"\b(i'?m|i am|(s)?he'?s|(s)?he is|they'?re|they are) \d{1,2}( years old)? now\b",
    re.I,
)
_HAPPENING_NOW = re.compile(
    rf"\b(happening|going on|taking place|break(ing)? in(to)?|attack\w*|fight\w*|swerving|"
    rf"crash\w*|assault\w*|stealing|kicking off|on fire)\b.*\b{_NOW}\b|"
    rf"\b{_NOW}\b.*\b(break(ing)? in(to)?|attack\w*|fight\w*|stealing|on fire)\b",
    re.I,
)
_REPORT = re.compile(
    r"\b((how|where|can|could|want|wish|need|like|i'?d) (do i |can i |to |i )?report\w*|"
    r"report(ing)? (a|an|my|the) (crime|theft|burglary|assault|incident|scam|fraud|robbery)|"
    r"(was|were|been|got|has been|have been) (stolen|burgled|robbed|mugged|assaulted|"
    r"broken into|vandalised|scammed|attacked|defrauded)|"
    r"(stole|nicked) my|i (was|have been|got) (burgled|robbed|mugged|assaulted|scammed|attacked|"
    r"punched|hit|threatened|harassed)|broke into my|"
    r"who (do|should|can|could|would) i (tell|contact|call|inform|pass|give|send|speak|talk)|"
    r"pass (this|it|that|the) (information |info |details )?on|"
    r"pass on (some |any )?(information|info|details) (about|on)|"
    r"(get|need|want|have|give me) (a |the |my )?crime (ref|reference)\b|"
    r"who to (tell|contact|call|inform|speak to|talk to)|"
    r"(i'?m|i am) (writing to |calling to )?reporting|"
    r"(form|page|site|website|link|number|app|portal|way|somewhere|place)( online)? "
    r"(to|for) report(ing)?|"
    r"(let|tell|inform|notify|alert) the police( know)?|"
    r"never reported it|(is|was) (stolen|vandalised|damaged)|report (it|this|that) (to|online)|"
    r"being (harassed|stalked|bullied)|keeps (messaging|calling|texting|following|turning up))\b",
    re.I,
)
# Wanting to tell the police, said outright: a report even beside words about the report's
# figures ("... 8,990 offences is a lot. While I'm here, I've got it on my dashcam").
_REPORT_INTENT = re.compile(
    r"\b((how|where) (do|can|could|should) i report|i('d| would)? (like|want|need|wish) to report|"
    r"(i'?m|i am|i feel) (finally |now )?ready to (come forward|speak (up|out)|say something|"
    r"tell (someone|somebody|the police|you|an officer))|"
    r"(want|like|need) (it|this|that|what happened) (written down|on record|recorded|logged)|"
    r"(want|like|need|wish|ready) to (make|give) an? (formal |police |written )?statement|"
    r"press(ing)? charges|(want|like) (him|her|them) (to be )?(charged|prosecuted)|"
    # abuse long past, told or asked about: "is it too late to report?", "when I was ten"
    r"(too late|not too late|still possible) (for \w+ )?to (\w+ )?(report|tell|come forward|"
    r"do (anything|something)|say something|go to the police)|"
    r"is it (still )?(a crime|worth reporting|reportable) if it (happened|was) (\w+ )?"
    r"(years|a long time|ages|decades) ago|"
    r"(abused|molested|assaulted|touched|did things to) (me|her|him) when (i|she|he) was "
    r"(a kid|a child|little|young|small|a teenager|about \d+|\d+)|"
    r"who (do|should|can|could) i (pass|give|send|report) (this|it|that)"
    r"( information| info)? (on )?to|"
    r"(got|have|caught|captured|recorded) (it|him|her|them|the whole thing|everything|all of it) "
    r"on (my |our |the )?(dashcam|dash cam|camera|cctv|video|doorbell|ring|phone)|"
    r"(i have|i've got|i've|i got|we have|we've got|we've) (some |the )?(dash ?cam|cctv|doorbell|"
    r"ring|helmet ?cam|go ?pro|phone|camera|video) (footage|video|clip|recording)s?|"
    r"where (do|should|can|could) (i|we) (send|submit|upload|hand in|take) (it|this|them|the "
    r"(footage|video|clip|recording|evidence))|"
    r"(how|where) (do|can|could|should) (i|we) (send|submit|upload|hand in|pass on) (in )?"
    r"(my |our |the |some |this )?(dash ?cam|cctv|doorbell|helmet ?cam|phone|camera|video)? ?"
    r"(footage|video|clip|recording))\b",
    re.I,
)

# "If someone broke in and I hit them, would I be arrested?": a question about a case that
# has not happened is not a crime to report (danger and distress words still route).
_HYPOTHETICAL = re.compile(
    r"^\W*(hypothetically|in theory|what (would happen|happens) if|what if|if|say|suppose|"
    r"supposing|imagine)\b(?=.*\b(would|could|am i allowed|is it (legal|allowed|ok))\b)"
    r"(?!.*\b(yesterday|last (night|week|month|year|weekend)|ago|this (morning|week))\b)",
    re.I | re.S,
)
_FIGURES = re.compile(r"\s*(how many|how much|what (number|percentage|proportion|share))\b", re.I)
# A message about figures or the report, not about something that happened to the writer.
# A complaint about the police's service is not a crime to report ("our shed was broken into
# last year ... who do I complain to about response times?"): the classifier decides.
_COMPLAINT = re.compile(
    r"\b(who|where|how) (do|should|can|could) (i|we) (complain|make a complaint|lodge a complaint|"
    r"send a complaint)|\b(make|lodge|file|raise|submit) an? (formal )?complaint\b|"
    r"\bcomplain(ing)? (to \w+ )?about (an? |the |their |your )?(officers?|police|response|"
    r"service|wait|waiting|101|call handlers?|staff)\b",
    re.I,
)
_ABOUT_FIGURES = re.compile(
    r"\b(the (annual )?report|rates?|figures?|statistics|stats|per ?cent|percentage|"
    r"(going|gone|went) (up|down)|increased?|decreased?|fallen|risen)\b",
    re.I,
)


@dataclass(frozen=True)
class Route:
    """A safety decision: the routed label and which layer made it (rules, language or
    classifier)."""

    label: str
    layer: str = "rules"

    @property
    def kind(self) -> str:
        """The answer kind: 'emergency' for danger and distress, 'report' for reports."""
        return "report" if self.label == "report" else "emergency"


def rules_route(question: str) -> Route | None:
    """The rules layer alone: unmistakable phrases, then the looser danger words, then
    reports (what routes when the classifier is unavailable)."""
    signals = rule_signals(question)
    if signals.strict is not None and signals.strict.label != "report":
        return signals.strict
    return Route("danger") if signals.now or signals.loose else signals.strict


@dataclass(frozen=True)
class Signals:
    """What the rules see: an unmistakable route, danger words with an explicit "right now",
    and danger words a past event shares ("he hit me", "bleeding")."""

    strict: Route | None
    now: bool
    loose: bool
    intent: bool = False  # the writer says outright they want to report ("on record")


def rule_signals(question: str) -> Signals:
    """The rules' signals. Questions about figures are never danger or reports."""
    straight = question.replace("\u2019", "'")
    if _DISTRESS.search(straight) or warning_signs().search(straight):
        return Signals(Route("distress"), False, False)
    if _FIGURES.match(question) is not None:
        return Signals(None, False, False)
    calm = _CALM_NOW.search(question) is not None
    if _EMERGENCY.search(question):  # danger words themselves: any word of the present is now
        return Signals(
            Route("danger"), not calm and _PRESENT_WORD.search(question) is not None, False
        )
    now = not calm and _DANGER_PRESENT.search(question) is not None
    # "now" in a calm phrase ("he's fine now") makes nothing near it happen now
    settled = _CALM_NOW.sub(" ", question) if calm else question
    loose = _LOOSE_DANGER.search(question) is not None or any(
        p.search(settled) for p in (_HAPPENING_NOW, _NEAR_NOW)
    )
    intent = _REPORT_INTENT.search(question) is not None
    report = intent or (
        _REPORT.search(question)
        and not _ABOUT_FIGURES.search(question)
        and not _COMPLAINT.search(question)
    )
    return Signals(Route("report") if report else None, now, loose, intent)


@dataclass(frozen=True)
class Policy:
    """How far the classifier may overrule the rules' weaker signals (from the settings)."""

    report_over_danger: float = 0.5  # danger words, but the classifier reads a report
    loose_veto: float = 0.5  # danger words, but the classifier reads an ordinary question
    report_veto: float = 0.8  # a report phrase, but the classifier is sure it is ordinary
    piece_veto: float = 0.7  # a sentence reads as danger, but the whole message as ordinary
    report_keep: float = 0.98  # danger words or a danger sentence, but the whole reads a report
    urgent_floor: float = 0.6  # read as danger or distress more than as ordinary, this sure
    danger_veto: float = 0.98  # danger words not said to be now, but surely an ordinary message
    figures_keep: float = 0.8  # another language asks for figures, but this sure of danger


def combine(
    signals: Signals, probs: dict[str, float], threshold: float, policy: Policy
) -> Route | None:
    """The rules' signals and the classifier's probabilities together.

    Unmistakable distress, and unmistakable danger words said to be happening right now,
    route whatever the classifier says; other unmistakable danger words too, unless the
    classifier is sure the message reports something that is over, or is an ordinary message
    (hyperbole); so do looser danger words said to be happening now ("how many young people
    are in the cadets at the moment" is a question, not people threatening now).
    Looser danger words route as danger (distress when the classifier reads that likelier)
    unless the classifier reads a report of something over, or an ordinary question; a
    report phrase yields to the classifier when it reads danger or distress (but a plain wish
    to report, "I want it on record", with no danger words, stays a report), or when it is
    sure the message is ordinary."""
    strict = signals.strict
    if strict is not None and strict.label != "report":
        over = strict.label == "danger" and not signals.now
        if over and probs["report"] >= policy.report_keep:
            return Route("report", "classifier")
        if over and probs["none"] >= policy.danger_veto:
            return None  # hyperbole: "these rises are going to kill me"
        return strict
    if signals.now and probs["none"] < policy.danger_veto:  # 999; distress adds Samaritans
        return Route("distress" if probs["distress"] > probs["danger"] else "danger")
    label = decide(probs, threshold) or _urgent(probs, policy.urgent_floor)
    if label in ("danger", "distress") and not (signals.intent and not signals.loose):
        return Route(label, "classifier")
    if signals.loose:
        if probs["report"] >= policy.report_over_danger:
            return Route("report", "classifier")
        if probs["none"] >= policy.loose_veto:
            return None
        return Route("distress" if probs["distress"] > probs["danger"] else "danger")
    if strict is not None:
        return None if probs["none"] >= policy.report_veto else strict
    return Route(label, "classifier") if label else None


def _urgent(probs: dict[str, float], floor: float) -> str | None:
    """Danger or distress when the classifier reads it as likelier than an ordinary message
    and at least ``floor`` likely, or as the likeliest reading of all ("a boat's capsized
    and there are people in the water": danger 0.50, ordinary 0.49), though not sure enough
    of "not ordinary" to route by the threshold alone: 999 errs on the side of the person
    writing."""
    label = max(("danger", "distress"), key=lambda name: probs[name])
    likeliest = probs[label] >= probs["report"]
    return label if probs[label] > probs["none"] and (probs[label] >= floor or likeliest) else None


def routed(
    question: str,
    probs: dict[str, float],
    threshold: float,
    policy: Policy,
    urgent_piece: Callable[[str], str | None],
) -> Route | None:
    """The rules and the classifier's reading of the whole message together; then, unless the
    whole reads surely as a report of something over, the first sentence of a long message
    that reads as danger or distress (``urgent_piece``, called only then with how the whole
    reads: "ordinary", "report" or "unsure", for how sure the sentence must be)."""
    found = combine(rule_signals(question), probs, threshold, policy)
    if found is not None and found.label != "report":
        return found
    if probs["report"] >= policy.report_keep:
        return found
    reading = (
        "ordinary"
        if probs["none"] >= policy.piece_veto
        else "report"
        if probs["report"] >= policy.piece_veto or found is not None
        else "unsure"
    )
    urgent = urgent_piece(reading)
    if urgent:
        return Route(urgent, "classifier")
    return None if found is not None and _HYPOTHETICAL.search(question) else found


# The lexicon's reading of a message in another language that asks for a figure ("¿Cuántos
# ...?", "Ile pieniędzy ...?"): an ordinary question, as "how many" opens one in English.
FIGURES = "figures"


def decided(
    question: str,
    probs: Callable[[], dict[str, float]] | None,
    threshold: float,
    policy: Policy,
    urgent_piece: Callable[[str], str | None],
) -> Route | None:
    """The whole router: the rules, then the words of other languages (danger, distress or a
    report route by them; a report not when the classifier is sure the message is ordinary,
    as for a report phrase in English), then the classifier (``probs``: None when it is not
    loaded, the rules alone). A message in another language asking for figures routes only
    when the classifier is sure it is danger or distress (``policy.figures_keep``)."""
    label = lexicon().label(question)
    if label is not None and label != FIGURES:
        ruled = rules_route(question)
        if ruled is not None:
            return ruled
        if label == "report" and probs is not None and probs()["none"] >= policy.report_veto:
            return None  # as for a report phrase in English
        return Route(label, "language")
    if probs is None:
        return rules_route(question)
    read = probs()
    found = routed(question, read, threshold, policy, urgent_piece)
    if label != FIGURES or found is None:
        return found
    urgent = found.label in ("danger", "distress") and read[found.label] >= policy.figures_keep
    return found if urgent else rules_route(question)


def wording_for(settings: Settings) -> Wording:
    """The fixed wording's force and reporting page: the settings', else the manifests'."""
    force, url = settings.police_force, settings.report_online_url
    if not (force and url):
        named, page = police_contact(settings.corpus_dir)
        force, url = force or named, url or page
    return Wording(force or "the police", url)


ROUTES_KEPT = 256  # messages whose route is kept (all forgotten when full)


class SafetyRouter:
    """Rules, then other languages, then the classifier when its model is loaded.

    ``load_classifier()`` may run in a background thread: until it finishes (or if the model
    cannot load) routing uses the rules and the lexicon alone."""

    def __init__(
        self,
        model_dir: Path | None = None,
        policy: Policy | None = None,
        wording: Wording | None = None,
    ) -> None:
        self.model_dir = model_dir
        self.policy = policy or Policy()
        self.wording = wording or Wording()
        self.classifier: SafetyClassifier | None = None
        self.problem: str | None = None
        self._loading = threading.Lock()
        self._routes: dict[tuple[str, bool], Route | None] = {}

    @classmethod
    def for_settings(cls, settings: Settings) -> SafetyRouter:
        """A router (rules only until ``load_classifier``) configured by the settings."""
        model_dir = settings.resolved_model_dir() if settings.safety_classifier else None
        policy = Policy(
            settings.safety_report_over_danger,
            settings.safety_loose_veto,
            settings.safety_report_veto,
            settings.safety_piece_veto,
            settings.safety_report_keep,
            settings.safety_urgent_floor,
            settings.safety_danger_veto,
            settings.safety_figures_keep,
        )
        return cls(model_dir, policy, wording_for(settings))

    def load_in_background(self) -> SafetyRouter:
        """Start loading the classifier (and the language identifier) in a thread."""
        threading.Thread(target=self._load_all, name="safety-router", daemon=True).start()
        return self

    def _load_all(self) -> None:
        warm_up_language()
        self.load_classifier()

    def route(self, question: str) -> Route | None:
        """The route for a message, or None for an ordinary question (the last few kept:
        the web app routes a message before the engine, which routes it again)."""
        key = (question, self.classifier is not None)
        if key in self._routes:
            return self._routes[key]
        found = self._route(question)
        if len(self._routes) >= ROUTES_KEPT:
            self._routes.clear()
        self._routes[key] = found
        return found

    def _route(self, question: str) -> Route | None:
        classifier = self.classifier
        if classifier is None:
            return decided(question, None, 0.0, self.policy, lambda reading: None)
        return decided(
            question,
            lambda: classifier.probabilities(question),
            classifier.threshold,
            self.policy,
            lambda reading: classifier.urgent_piece(question, reading),
        )

    def load_classifier(self) -> SafetyRouter:
        """Load the embedding model and the fitted weights; on failure keep the rules only."""
        from assistant import safety_classifier

        with self._loading:
            if self.classifier is not None or self.model_dir is None:
                return self
            try:
                embedder = safety_classifier.embedder_for(self.model_dir)
                self.classifier = safety_classifier.load(embedder.matrix)
            except Exception as error:  # any failure: the rules still route
                self.problem = f"{type(error).__name__}: {error}"
                log.warning("safety classifier unavailable, rules only (%s)", self.problem)
        return self

    def answer(self, question: str) -> Answer | None:
        """The fixed-wording answer for a routed message, the English-only reply for one in
        another language, or None for an ordinary question."""
        found = self.route(question)
        if found is not None:
            text = self.wording.text(found.label, english_only=found.layer == "language")
            return Answer(question, found.kind, text)  # type: ignore[arg-type]
        if is_other_language(question):
            return Answer(question, "not_found", self.wording.other_language())
        return None
