"""The four invariants of the answer contract, checked on every answer before it is returned.

1. Every number in the text appears in a citation's quote or a statistic.
2. Every quote is verbatim report text (after whitespace normalisation; " … " marks a gap).
3. not_found, emergency and invalid answers cite nothing and state no figure from the report.
4. A conflict cites at least two different sources, each of which exists.
"""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.answer import Answer
from assistant.safety import SERVICE_NUMBERS
from assistant.text import normalise, number_key, numbers_in

GAP = " … "
_MARKER = re.compile(r"\[(\d+)\]")
_SERVICE_KEYS = {number_key(n) for s in SERVICE_NUMBERS for n in numbers_in(s)}


def verbatim_quote(sentence: str, report: str) -> str:
    """The sentence as a quote of the normalised report, gaps marked where text was between."""
    text = normalise(sentence)
    if text in report:
        return text
    tokens, parts, i = text.split(" "), [], 0
    while i < len(tokens):
        lo, hi = i, len(tokens)
        while lo < hi:  # longest run tokens[i:j] that is report text
            mid = (lo + hi + 1) // 2
            if " ".join(tokens[i:mid]) in report:
                lo = mid
            else:
                hi = mid - 1
        if lo == i:
            i += 1
            continue
        parts.append(" ".join(tokens[i:lo]))
        i = lo
    return GAP.join(parts)


def violations(answer: Answer, reports: dict[str, str]) -> list[str]:
    """Every broken invariant, as one line each; reports maps document title to normalised text."""
    problems = _quotes_verbatim(answer, reports) + _markers_resolve(answer)
    if answer.kind in ("answer", "statistic"):
        problems += _numbers_sourced(answer)
    else:
        problems += _nothing_stated(answer, reports)
    return problems + _conflicts_cited(answer)


def _quotes_verbatim(answer: Answer, reports: dict[str, str]) -> list[str]:
    out = []
    for c in answer.citations:
        report = reports.get(c.document)
        if report is None:
            out.append(f"[{c.n}] cites unknown document {c.document!r}")
        elif not c.quote.strip() or any(
            normalise(part) not in report for part in c.quote.split(GAP.strip())
        ):
            out.append(f"[{c.n}] quote is not verbatim report text: {c.quote[:60]!r}")
    return out


def _markers_resolve(answer: Answer) -> list[str]:
    known = {c.n for c in answer.citations}
    return [
        f"text cites [{n}] but there is no such citation"
        for n in sorted({int(m) for m in _MARKER.findall(answer.text)} - known)
    ]


def _numbers_sourced(answer: Answer) -> list[str]:
    sources = " ".join(
        [c.quote for c in answer.citations] + [f"{s.value} {s.period}" for s in answer.statistics]
    )
    known = {number_key(n) for n in numbers_in(sources)}
    text = _MARKER.sub("", answer.text)
    return [
        f"number {n} in the text is in no citation or statistic"
        for n in numbers_in(text)
        if number_key(n) not in known
    ]


def _nothing_stated(answer: Answer, reports: dict[str, str]) -> list[str]:
    out = []
    if answer.kind in ("not_found", "emergency", "invalid") and (
        answer.citations or answer.statistics
    ):
        out.append(f"a {answer.kind} answer must cite nothing")
    report_numbers = set().union(*(_numbers_of(r) for r in reports.values()))
    # the user's own words echoed back ("what “and the 12 months before?” refers to") state
    # nothing from the report
    typed = {number_key(n) for n in numbers_in(answer.question)}
    for n in numbers_in(answer.text):
        key = number_key(n)
        if key in report_numbers and key not in _SERVICE_KEYS | typed:
            out.append(f"a {answer.kind} answer states the report figure {n}")
    return out


@lru_cache(maxsize=8)
def _numbers_of(report: str) -> frozenset[str]:
    """Every number a report states (computed once per report, not per answer)."""
    return frozenset(number_key(n) for n in numbers_in(report))


def _conflicts_cited(answer: Answer) -> list[str]:
    known = {c.n for c in answer.citations}
    return [
        f"conflict {c.summary[:40]!r} needs two existing citations"
        for c in answer.conflicts
        if len(set(c.citations) & known) < 2
    ]
