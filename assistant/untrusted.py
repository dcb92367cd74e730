"""Untrusted text stays text: sentences that instruct the reader (or an AI) are flagged, and
contact details are taken only from documents the manifest marks as the organisation's own.

Screened at ingest (assistant/passages.py, assistant/tables.py): a flagged sentence never
enters the index, so it is never retrieved, ranked or quoted. The patterns, each with the
reason it is shown with and its source, are data: ``data/instruction_patterns.json``.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

PATTERNS_FILE = Path(__file__).parent / "data" / "instruction_patterns.json"

_SCHEME_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"'`]+", re.I)
_BARE_DOMAIN = re.compile(
    r"(?<![\w@.-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,24}(?:/[^\s<>\"'`]*)?(?![\w@-])"
)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_PHONE = re.compile(
    r"(?<![\w£$€.,])(?:\+\d{1,3}[\s.-]?\(?\d{1,5}\)?|\(?0\d{1,5}\)?|\(\d{3}\))"
    r"[\s.-]?\d{3,4}[\s.-]?\d{3,4}(?![\w%])|\b\d{3}-\d{3}-\d{4}\b"
)
_TRAILING = ".,;:!?)]}’”"


@dataclass(frozen=True)
class Flag:
    """A sentence left out at ingest: where it is, what it says and why."""

    document: str
    section: str
    sentence: str
    reason: str

    def line(self) -> str:
        """One line for `assistant ingest`: document, section, the sentence, the reason."""
        return f"{self.document} | {self.section} | {self.sentence} ({self.reason})"


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """The instruction patterns, compiled, each with its reason."""
    data = json.loads(PATTERNS_FILE.read_text(encoding="utf-8"))
    return tuple((re.compile(p["pattern"], re.I), p["reason"]) for p in data["patterns"])


def patterns_version() -> str:
    """Hash of the pattern file: an index screened with other patterns is rebuilt."""
    return hashlib.sha256(PATTERNS_FILE.read_bytes()).hexdigest()[:12]


def instruction_reason(sentence: str) -> str | None:
    """Why the sentence reads as an instruction to the reader or an AI; None if it does not."""
    return next((reason for pattern, reason in _patterns() if pattern.search(sentence)), None)


def web_addresses(text: str) -> list[str]:
    """Web addresses written with a scheme or 'www.', trailing punctuation left off."""
    return [m.group(0).rstrip(_TRAILING) for m in _SCHEME_URL.finditer(text)]


def split_web_addresses(text: str) -> list[tuple[str, bool]]:
    """The text in pieces, each marked True when it is a web address (scheme or 'www.')."""
    pieces: list[tuple[str, bool]] = []
    last = 0
    for m in _SCHEME_URL.finditer(text):
        end = m.start() + len(m.group(0).rstrip(_TRAILING))
        pieces += [(text[last : m.start()], False), (text[m.start() : end], True)]
        last = end
    pieces.append((text[last:], False))
    return [(piece, is_address) for piece, is_address in pieces if piece]


def contact_details(text: str) -> list[str]:
    """Phone numbers, email addresses and web addresses (with or without a scheme)."""
    emails = [m.group(0) for m in _EMAIL.finditer(text)]
    without_emails = _EMAIL.sub(" ", text)
    addresses = web_addresses(without_emails)
    bare = [
        m.group(0).rstrip(_TRAILING)
        for m in _BARE_DOMAIN.finditer(_SCHEME_URL.sub(" ", without_emails))
    ]
    phones = [m.group(0).strip() for m in _PHONE.finditer(text)]
    return list(dict.fromkeys([*phones, *emails, *addresses, *bare]))


def flag_reason(sentence: str, trusted: bool) -> str | None:
    """Why a document's sentence must not be quoted (instructions anywhere; contact details
    from a document not marked trusted), or None when it may be."""
    reason = instruction_reason(sentence)
    if reason is not None:
        return reason
    found = contact_details(sentence) if not trusted else []
    if found:
        return f"contact details ({', '.join(found)}) in a document not marked trusted"
    return None


def link_allowed(address: str, domains: tuple[str, ...]) -> bool:
    """Whether a web address's host is one of the domains (or under one)."""
    url = address if "://" in address else f"https://{address}"
    try:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return False
    return any(host == d or host.endswith(f".{d}") for d in domains if d)


def domain_of(url: str) -> str:
    """The host of a web address, lower-cased ('' when it has none)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
