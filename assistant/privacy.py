"""Personal details typed into the chat: found, and masked before anything is stored or searched."""

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
    r"\b\d{1,4}[a-z]?\s+(?:[A-Z][a-z]+\s){1,3}(road|rd|street|st|avenue|ave|lane|ln|close|drive|"
    r"way|crescent|gardens|place|court|grove|terrace)\b",
    re.I,
)
_NAME = re.compile(r"\b(my name is|i am called|i'm called|name's)\s+[A-Z][a-z]+(\s+[A-Z][a-z]+)?")


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
