"""Personal details typed into the chat: found, and masked before anything is stored or searched.

Names are found by the ways people introduce or sign themselves ("my name is ...", "I'm
called ...", "this is ... speaking", "... here", a title and surname, a sign-off line), in
any letter case; the name itself may be typed in lower case.
"""

from __future__ import annotations

import re

PERSONAL_DATA_NOTICE = (
    "Please don't share personal details such as names, phone numbers, email or home addresses "
    "in this chat."
)

_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b")
_PHONE = re.compile(r"(?<!\w)(\+44\s?\(?0?\)?|\(?0)\d{2,4}\)?[\s-]?\d{3,4}[\s-]?\d{3,4}(?!\w)")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.I)
_ADDRESS = re.compile(
    r"\b\d{1,4}[a-z]?,?\s+(?:[A-Za-z]+\s){1,3}(road|rd|street|st|avenue|ave|lane|ln|close|"
    r"drive|way|crescent|gardens|place|court|grove|terrace|hill|park|rise|walk|mews)\b",
    re.I,
)
# Words that end a name: what usually follows one in a sentence.
_NOT_NAME = (
    r"(?:and|but|or|i|i'm|im|my|me|from|in|at|of|the|a|an|is|was|have|has|had|live|living|"
    r"here|speaking|please|thanks|thank|who|which|that|this|it|just|so|also|can|could|would|"
    r"want|need|to|on|with|for|about|re|regarding|aged?|years?|calling|writing|asking)\b"
)
_NAME_WORD = rf"(?!{_NOT_NAME})[A-Za-z][A-Za-z'’-]+"
_NAMES = rf"{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}}"
_INTRODUCED = re.compile(
    rf"\b(my name is|my name's|my names|name's|i am called|i'm called|im called|call me|"
    rf"this is|it's|its)\s+({_NAMES})(?=\s+(?:speaking|here)\b)|"
    rf"\b(my name is|my name's|my names|name's|i am called|i'm called|im called|call me)"
    rf"\s+({_NAMES})",
    re.I,
)
_HERE = re.compile(r"^(\s*)[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?(?=\s+here\s*[,.!:-])")
_TITLED = re.compile(r"\b(Mr|Mrs|Ms|Miss|Mx|Dr|Sir|Dame)\.?\s+[A-Z][A-Za-z'’-]+", re.I)
_SIGNED = re.compile(
    rf"\b(yours sincerely|yours faithfully|kind regards|best regards|warm regards|regards|"
    rf"best wishes|many thanks|thanks|thank you|cheers|from)\s*[,.!-]?\s*\n\s*({_NAMES})\s*$",
    re.I | re.M,
)


def has_personal_details(text: str) -> bool:
    """True when the text holds an email, phone number, postcode, street address or a name."""
    return mask_personal_details(text) != text


def mask_personal_details(text: str) -> str:
    """Replace emails, phone numbers, postcodes, street addresses and stated names."""
    text = _EMAIL.sub("[email]", text)
    text = _PHONE.sub("[phone]", text)
    text = _POSTCODE.sub("[postcode]", text)
    text = _ADDRESS.sub("[address]", text)
    text = _INTRODUCED.sub(_keep_lead_in, text)
    text = _HERE.sub(lambda m: f"{m.group(1)}[name]", text)
    text = _TITLED.sub("[name]", text)
    return _SIGNED.sub(lambda m: f"{m.group(1)}\n[name]", text)


def _keep_lead_in(match: re.Match[str]) -> str:
    """'my name is [name]': the words that introduce the name stay, the name goes."""
    lead = match.group(1) or match.group(3)
    return f"{lead} [name]"
