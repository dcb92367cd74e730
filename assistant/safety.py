"""Rule-based safety router and personal-data masking; needs no index."""

from __future__ import annotations

import re
from dataclasses import dataclass

EMERGENCY_TEXT = (
    "If a crime is happening now or someone is in danger, call 999 now. "
    "This chat cannot send help: it only answers questions about the annual report."
)
DISTRESS_TEXT = (
    "If you are in danger or might harm yourself, call 999 now. "
    "You can talk to Samaritans at any time, free, on 116 123. "
    "This chat cannot send help: it only answers questions about the annual report."
)
REPORT_TEXT = (
    "To report a crime that is not happening now, call Essex Police on 101 or report it online "
    "on the Essex Police website. If it is an emergency or a crime is happening now, call 999. "
    "This chat cannot take crime reports: it only answers questions about the annual report."
)
PERSONAL_DATA_NOTICE = (
    "Please don't share personal details such as names, phone numbers, email or home addresses "
    "in this chat."
)
SERVICE_NUMBERS = ("999", "101", "116 123")

_DISTRESS = re.compile(
    r"\b(kill(ing)? my ?self|suicid\w*|end(ing)? (it all|my life)|take my (own )?life|"
    r"self[- ]?harm\w*|harm(ing)? my ?self|hurt(ing)? my ?self|want(ed)? to die|"
    r"better off dead|no reason to live|can'?t go on|(don'?t|do not) want to (be alive|live|"
    r"wake up)|not want to be here anymore|overdose|can'?t cope|hopeless|"
    r"want (it|everything) (all )?to (stop|end)|no point (in )?(living|going on|carrying on)|"
    r"nobody would (miss|care)|give up on (life|everything)|end(ing)? (it|things|everything)\b|"
    r"feel like ending)\b",
    re.I,
)
_NOW = r"(right now|now|at the moment|as we speak|currently|outside|in my (house|home|garden|flat))"
_EMERGENCY = re.compile(
    r"\b(help me|i'?m in danger|in danger now|being (attacked|followed|stabbed|assaulted|robbed|"
    r"chased|beaten|threatened)|(is|are|'s|'re) (breaking|trying to break|getting) in|"
    r"break(ing)?[- ]in (right )?now|"
    r"(is|are|'s|'re) (attacking|hitting|beating|stabbing|threatening|following|chasing|"
    r"kicking|punching|strangling) (me|us|my|him|her|them|someone|somebody)|"
    r"(man|woman|guy|someone|somebody|person|people|gang|group|boy|girl|lads?|he|she|they)"
    r"( is| are|'s|'re)? (with|holding|carrying|waving|has|got|pulled( out)?) (a|his|her) "
    r"(knife|gun|weapon|blade|machete)|"
    r"intruder|house is on fire|there'?s a fire|can'?t breathe|bleeding|trapped|unconscious|"
    r"not breathing|screaming|(going|gonna|threaten\w*) to (kill|hurt|stab|attack) (me|us|her|"
    r"him|them)|waving (a|his|her) (knife|gun|weapon|machete|blade)|"
    r"someone (is|'s) (in|inside) my|"
    r"(hit|hurt|attacked|beat|beaten|threatened|raped|assaulted|strangled|choked) me|"
    r"i'?m (so )?(scared|afraid|frightened|terrified)|"
    r"(need|want) (the )?police (now|here|urgently)|"
    r"^\s*i need (the )?police|send (an? )?(officer|police|someone|help|ambulance)|"
    r"\b(my|our) \w+ (is|has gone|went) missing|missing (child|daughter|son|kid)\b|"
    r"(there'?s been|just seen|just saw) an? (stabbing|shooting|attack|crash|accident|fight)|"
    r"(stabbing|shooting|stabbed|shot) (outside|nearby|near me|just now|right now))\b",
    re.I,
)
# Someone or something threatening, close by: with a "now" it is an emergency.
_DANGER = (
    r"(someone|somebody|a (man|woman|guy|person|gang|group)|men|people|intruder|burglar|"
    r"door|doors|window|garden|handles?|knife|gun|weapon|fire|smoke|crash|accident|"
    r"fight\w*|attack\w*|break\w*|threat\w*|follow\w*|stalk\w*|hit\w*|hurt\w*|"
    r"steal\w*|drunk|screaming|shout\w*|bleeding|injured)"
)
_NEAR_NOW = re.compile(
    rf"\b{_DANGER}\b.*\b(right now|now|at the moment|as we speak)\b|"
    rf"\b(right now|now|at the moment|as we speak)\b.*\b{_DANGER}\b|"
    r"\bjust (hit|attacked|stabbed|broke into|stole|crashed|assaulted|threatened|punched|"
    r"robbed|mugged|shot)\b",
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
    r"punched|hit|threatened|harassed)|broke into my|who do i (tell|contact|call)|"
    r"never reported it|(is|was) (stolen|vandalised|damaged)|report (it|this|that) (to|online)|"
    r"being (harassed|stalked|bullied)|keeps (messaging|calling|texting|following|turning up))\b",
    re.I,
)

_FIGURES = re.compile(r"\s*(how many|how much|what (number|percentage|proportion|share))\b", re.I)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b")
_PHONE = re.compile(r"(?<!\w)(\+44\s?\(?0?\)?|\(?0)\d{2,4}\)?[\s-]?\d{3,4}[\s-]?\d{3,4}(?!\w)")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.I)
_ADDRESS = re.compile(
    r"\b\d{1,4}[a-z]?\s+(?:[A-Z][a-z]+\s){1,3}(road|rd|street|st|avenue|ave|lane|ln|close|drive|"
    r"way|crescent|gardens|place|court|grove|terrace)\b",
    re.I,
)
_NAME = re.compile(r"\b(my name is|i am called|i'm called|name's)\s+[A-Z][a-z]+(\s+[A-Z][a-z]+)?")


@dataclass(frozen=True)
class Route:
    """A safety decision: the answer kind and its fixed wording."""

    kind: str
    text: str


def route(question: str) -> Route | None:
    """Fixed-wording answer for danger, distress or crime reports; None to go on."""
    if _DISTRESS.search(question):
        return Route("emergency", DISTRESS_TEXT)
    asks_for_figures = _FIGURES.match(question) is not None
    if not asks_for_figures and any(
        p.search(question) for p in (_EMERGENCY, _HAPPENING_NOW, _NEAR_NOW)
    ):
        return Route("emergency", EMERGENCY_TEXT)
    if _REPORT.search(question):
        return Route("report", REPORT_TEXT)
    return None


def has_personal_details(text: str) -> bool:
    """True when the text holds an email, phone number, postcode, street address or a name."""
    return any(p.search(text) for p in (_EMAIL, _PHONE, _POSTCODE, _ADDRESS, _NAME))


def mask_personal_details(text: str) -> str:
    """Replace emails, phone numbers, postcodes, street addresses and stated names."""
    text = _EMAIL.sub("[email]", text)
    text = _PHONE.sub("[phone]", text)
    text = _POSTCODE.sub("[postcode]", text)
    text = _ADDRESS.sub("[address]", text)
    return _NAME.sub(lambda m: f"{m.group(1)} [name]", text)
