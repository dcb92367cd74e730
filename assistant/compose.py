"""Compose answers: statistics from table rows, sentences from passages, or an honest refusal.

Every sentence stated is followed by its [n]; every [n] carries a verbatim quote.
"""

from __future__ import annotations

import re
from dataclasses import replace

from assistant.answer import Answer, CitationList, Conflict, Statistic
from assistant.conflicts import Mention, money_conflicts, prose_mentions, rate_conflicts
from assistant.intake import echoed
from assistant.invariants import GAP, verbatim_quote
from assistant.passages import Passage
from assistant.select import Candidate
from assistant.statistics import Extreme, StatisticsStore, StatRow
from assistant.tables import parse_number
from assistant.text import normalise

NOT_FOUND = "The annual report doesn't cover that."
_MARKER = re.compile(r"\[(\d+)\]")
_FIRST_PERSON = re.compile(r"\b(I|my|me)\b")


class Composer:
    """Builds Answer objects; holds the normalised report texts for verbatim quotes."""

    def __init__(
        self,
        reports: dict[str, str],
        passages: list[Passage],
        store: StatisticsStore,
        authors: dict[str, tuple[str, str]] | None = None,
        own: frozenset[str] = frozenset(),
    ) -> None:
        self.reports = reports
        self.own = own  # words naming the reports' own area
        self.authors = authors or {}  # document title -> (author's name, the words naming them)
        self.passages = passages
        self.store = store
        self._at = {(p.document, p.position): p for p in passages}
        self.default_topics = default_topics(passages)
        self._mentions: dict[tuple[str, str, str], list[Mention]] = {}

    def mentions(self, row: StatRow) -> list[Mention]:
        """The report's sentences that give the row's figures (``prose_mentions``), found
        once per row: the passages do not change while the composer serves."""
        key = (row.document, row.table_title, row.quote)  # the printed line: one per row
        found = self._mentions.get(key)
        if found is None:
            found = self._mentions[key] = prose_mentions(row, self.passages, self.own)
        return found

    def _cite_sentence(self, cites: CitationList, passage: Passage, sentence: str) -> int:
        quote = verbatim_quote(sentence, self.reports[passage.document])
        return cites.cite(passage.document, passage.section, passage.pages, quote)

    def from_sentences(
        self, question: str, chosen: list[Candidate], name_the_author: bool = False
    ) -> Answer:
        """The chosen sentences, each with its citation, and any rival figures for them; for a
        'who' question answered in the first person, who "I" is."""
        cites, parts, conflicts = CitationList(), [], []
        for c in chosen:
            parts.append(f"{c.text} [{self._cite_sentence(cites, c.passage, c.text)}]")
            parts += self._list_after(c, cites)
        if name_the_author:
            parts += self._first_person(chosen, cites)
        for c in chosen:
            rivals = _distinct(
                rate_conflicts(c.text, self.passages)
                + money_conflicts(c.text, c.passage, self.passages),
                chosen,
            )
            for rival in rivals:
                n = self._cite_sentence(cites, rival.passage, rival.sentence)
                parts.append(
                    f"Elsewhere the report gives a different figure: {rival.sentence} [{n}]"
                )
                mine = self._cite_sentence(cites, c.passage, c.text)
                conflicts.append(
                    Conflict(
                        f"The report gives two different figures for this: [{mine}] and [{n}] "
                        f"({rival.figure}).",
                        (mine, n),
                    )
                )
        return Answer(question, "answer", " ".join(parts), cites.items, [], conflicts)

    def by_author(self, question: str) -> Answer | None:
        """Who wrote the report(s): each author named from its manifest, citing the report's
        own words naming them; None when no report names its author in its text."""
        cites, parts = CitationList(), []
        for document, (name, quote) in self.authors.items():
            where = self._naming(document, quote) if name and quote else None
            if where is None:
                continue
            n = cites.cite(where.document, where.section, where.pages, quote)
            parts.append(f"The report is written by {name} [{n}].")
        if not parts:
            return None
        return Answer(question, "answer", " ".join(parts), cites.items, [], [])

    def _first_person(self, chosen: list[Candidate], cites: CitationList) -> list[str]:
        """'I' in a report is its author: say so, citing the report's own words naming them."""
        first = next((c for c in chosen if _FIRST_PERSON.search(c.text)), None)
        if first is None or first.passage.document not in self.authors:
            return []
        name, quote = self.authors[first.passage.document]
        if not name or not quote or name.split(",")[0] in " ".join(c.text for c in chosen):
            return []
        where = self._naming(first.passage.document, quote) or first.passage
        n = cites.cite(where.document, where.section, where.pages, quote)
        return [f"In the report, “I” is its author, {name} [{n}]."]

    def _naming(self, document: str, quote: str) -> Passage | None:
        """The passage of a report holding the words that name its author."""
        return next(
            (p for p in self.passages if p.document == document and quote in normalise(p.text)),
            None,
        )

    def _list_after(self, c: Candidate, cites: CitationList) -> list[str]:
        """The list a sentence introduces ("... including:"), quoted item by item."""
        nxt = self._at.get((c.passage.document, c.passage.position + 1))
        last = c.index == len(c.passage.sentences()) - 1
        if not (last and c.text.endswith((":", "-", "–")) and nxt and nxt.kind == "list"):
            return []
        items = nxt.sentences()
        report = self.reports[nxt.document]
        quote = GAP.join(verbatim_quote(item, report) for item in items)
        n = cites.cite(nxt.document, nxt.section, nxt.pages, quote)
        return ["; ".join(i.rstrip(".") for i in items) + f". [{n}]"]

    def from_row(self, question: str, row: StatRow, period: str | None) -> Answer:
        """A table row's figures exactly as printed, with the period asked for first."""
        cites = CitationList()
        n = cites.cite(row.document, row.section, row.pages, row.quote)
        periods = row.periods()
        if len(periods) >= 2:
            text, stats = _two_periods(row, periods[-2], periods[-1], period, n)
            text = _settled(question, row, periods[-2], periods[-1]) + text
        else:
            text, stats = _one_period(row, periods[0] if periods else "", n)
        text += self._footnotes(row, cites)
        answer = Answer(question, "statistic", text, cites.items, stats, [])
        self._add_prose(answer, row, cites)
        self._add_notes(answer, row, cites)
        return answer

    def from_two_rows(self, question: str, rows: list[StatRow], period: str | None) -> Answer:
        """Two lines of one table compared: which is larger in the latest period both give
        (or the one asked for), then each row's figures, cited."""
        answer = self.joined(question, [self.from_row(question, r, period) for r in rows])
        periods = [p for p in rows[0].periods() if p in rows[1].periods()]
        if not periods:
            return answer
        column = periods[0] if period == "earlier" and len(periods) >= 2 else periods[-1]
        values = [parse_number(r.values.get(column, "")) for r in rows]
        if None in values or values[0] == values[1]:
            return answer
        big, small = (0, 1) if values[0] > values[1] else (1, 0)
        cited = {c.quote: c.n for c in answer.citations}
        if not all(r.quote in cited for r in rows):
            return answer
        a, b = rows[big], rows[small]
        answer.text = (
            f"{a.label} is the larger in {column}: {a.values[column]} [{cited[a.quote]}], "
            f"against {b.values[column]} for {b.label} [{cited[b.quote]}]. {answer.text}"
        )
        return answer

    def from_extreme(self, question: str, found: Extreme) -> Answer:
        """The largest (or smallest) row of a table, with the row cited."""
        row, cites = found.row, CitationList()
        n = cites.cite(row.document, row.section, row.pages, row.quote)
        size = "largest" if found.largest else "smallest"
        if "difference" in found.column.lower():
            size = "largest rise" if found.largest else "largest fall"
        text = (
            f"In the table “{row.table_title}”, the {size} ({found.column}) is "
            f"{row.label}: {row.values[found.column]} [{n}]."
        )
        stats = [Statistic(row.label, found.column, row.values[found.column])]
        answer = Answer(question, "statistic", text, cites.items, stats, [])
        self._add_notes(answer, row, cites)
        return answer

    def _footnotes(self, row: StatRow, cites: CitationList) -> str:
        if all(parse_number(v) is not None for v in row.values.values()):
            return ""
        notes = [
            f" The table's note says: {f} [{cites.cite(row.document, row.section, row.pages, f)}]"
            for f in row.footnotes
        ]
        return "".join(notes)

    def _add_prose(self, answer: Answer, row: StatRow, cites: CitationList) -> None:
        mentions = self.mentions(row)
        agreeing = [m for m in mentions if m.agrees][:2]
        for lead, m in zip(("The report's text agrees:", "It also says:"), agreeing, strict=False):
            n = self._cite_sentence(cites, m.passage, m.sentence)
            answer.text += f" {lead} {m.sentence} [{n}]"
        rivals = [m for m in mentions if not m.agrees] if len(row.label_stems()) >= 2 else []
        for m in rivals[:2]:
            n = self._cite_sentence(cites, m.passage, m.sentence)
            answer.text += f" The report's text gives a different figure: {m.sentence} [{n}]"
            answer.conflicts.append(
                Conflict(
                    f"The performance table gives {row.values.get('% Difference')}% for "
                    f"'{row.label}' [1], but the text of '{m.passage.section}' says "
                    f"{m.figure} [{n}].",
                    (1, n),
                )
            )
        answer.citations = cites.items

    def _add_notes(self, answer: Answer, row: StatRow, cites: CitationList) -> None:
        for note in row.notes:
            other = self.store.total_row(note["other_table"])
            own = self.store.total_row(row.table_title)
            if other is None or own is None or not row.title_quote:
                continue
            t = cites.cite(row.document, row.section, row.pages, row.title_quote)
            a = cites.cite(own.document, own.section, own.pages, own.quote)
            named = (
                f" [{cites.cite(other.document, other.section, other.pages, other.title_quote)}]"
                if other.title_quote
                else ""
            )
            b = cites.cite(other.document, other.section, other.pages, other.quote)
            answer.text += (
                f" Note: this table is titled {note['title_period']} [{t}], but its total, "
                f"{note['total']} [{a}], equals the total of “{note['other_table']}”{named}, "
                f"{other.values.get(other.periods()[0], '')} [{b}], so the year in its title "
                "may be a misprint."
            )
            answer.conflicts.append(
                Conflict(
                    f"Table titled {note['title_period']} [{t}] has the same total as the "
                    f"{note['period']} accounts [{b}].",
                    (t, b),
                )
            )
        answer.citations = cites.items

    def joined(self, question: str, answers: list[Answer]) -> Answer:
        """Answers to the parts of one question as one answer, citations renumbered."""
        found = [a for a in answers if a.kind in ("answer", "statistic")]
        if not found:
            return self.not_found(question)
        cites, texts, stats, conflicts = CitationList(), [], [], []
        for answer in found:
            new = {
                c.n: cites.cite(c.document, c.section, c.pages, c.quote) for c in answer.citations
            }
            texts.append(_MARKER.sub(lambda m, new=new: f"[{new[int(m.group(1))]}]", answer.text))
            stats += answer.statistics
            conflicts += [
                Conflict(
                    _MARKER.sub(lambda m, new=new: f"[{new[int(m.group(1))]}]", c.summary),
                    tuple(new[n] for n in c.citations),
                )
                for c in answer.conflicts
            ]
        texts = _without_repeats(texts)
        if len(found) < len(answers):
            texts.append("The report doesn't answer the rest of the question.")
        kind = "statistic" if all(a.kind == "statistic" for a in found) else "answer"
        unique_stats = list(dict.fromkeys(stats))
        return renumbered(
            Answer(question, kind, " ".join(texts), cites.items, unique_stats, conflicts)
        )

    def not_their_pay(self, question: str, who: str, nearest: StatRow | None) -> Answer:
        """The refusal for one person's pay, naming where the nearest line is (no figure:
        a refusal states none)."""
        text = f"The report doesn't say what {who} is paid."
        if nearest is not None:
            text += (
                f" The nearest thing it gives is the “{nearest.label}” line among the "
                f"figures in “{topic_name(nearest.section)}”, which is what that part of "
                "the budget cost, not one person's pay."
            )
        return Answer(question, "not_found", text)

    def nothing_to_follow(self, question: str) -> Answer:
        """The reply to a follow-up that starts a conversation ("and the year before?"): it
        asks for the whole question instead of refusing."""
        text = (
            f"I'm not sure what “{echoed(question)}” refers to: there is no earlier question "
            "in this conversation. Please ask the whole question, saying what you would like "
            "to know about."
        )
        return Answer(question, "not_found", text)

    def not_found(self, question: str, topics: list[str] | None = None) -> Answer:
        """The plain refusal, with a few topics the report does cover (nearest ones if given)."""
        text = NOT_FOUND
        topics = topics or self.default_topics
        if topics:
            text += " It does cover, for example: " + "; ".join(topics) + "."
        return Answer(question, "not_found", text)


def renumbered(answer: Answer) -> Answer:
    """Citations numbered 1, 2, ... in the order the text first cites them; uncited ones and
    conflicts about them dropped."""
    order = list(dict.fromkeys(int(n) for n in _MARKER.findall(answer.text)))
    new = {old: i for i, old in enumerate(order, start=1)}
    by_n = {c.n: c for c in answer.citations}
    answer.text = _MARKER.sub(lambda m: f"[{new[int(m.group(1))]}]", answer.text)
    answer.citations = [replace(by_n[old], n=new[old]) for old in order if old in by_n]
    answer.conflicts = list(
        dict.fromkeys(
            Conflict(
                _MARKER.sub(lambda m: f"[{new.get(int(m.group(1)), m.group(1))}]", c.summary),
                tuple(new[n] for n in c.citations),
            )
            for c in answer.conflicts
            if all(n in new for n in c.citations)
        )
    )
    return answer


def _without_repeats(texts: list[str]) -> list[str]:
    """The answers' cited sentences, each once (two parts of a question may share one)."""
    seen: set[str] = set()
    out = []
    for text in texts:
        kept = []
        for piece in re.findall(r".*?\[\d+\]\.?(?:\s+|$)|.+$", text):
            if piece.strip() and piece.strip() not in seen:
                seen.add(piece.strip())
                kept.append(piece.strip())
        if kept:
            out.append(" ".join(kept))
    return out


def default_topics(passages: list[Passage]) -> list[str]:
    """Three topics the reports cover, for a refusal with no nearer suggestion."""
    titles = list(dict.fromkeys(topic_name(p.section) for p in passages if p.kind == "prose"))
    titles = [t for t in titles if t not in ("Introduction", "Cover and contents")]
    return titles[:: max(1, len(titles) // 3)][:3]


def topic_name(section: str) -> str:
    """A section title as a topic: 'Priority 2: Crack down on ...' -> 'Crack down on ...'."""
    return re.sub(r"^Priority \d+: ", "", section)


def _two_periods(
    row: StatRow, earlier: str, latest: str, period: str | None, n: int
) -> tuple[str, list[Statistic]]:
    first, second = (earlier, latest) if period == "earlier" else (latest, earlier)
    v1, v2 = row.values.get(first, ""), row.values.get(second, "")
    said = [v for c, v in row.values.items() if v and parse_number(v) is None and v != "-"]
    if parse_number(v1) is None and parse_number(v2) is None and said:
        return (
            f"The report gives no figure for {row.label}: the table says “{said[0]}” [{n}]."
        ), []
    stats = [Statistic(row.label, p, row.values[p]) for p in (first, second) if p in row.values]
    stats += [
        Statistic(row.label, c, v)
        for c, v in row.values.items()
        if "difference" in c.lower() and parse_number(v) is not None
    ]
    if parse_number(v1) is None:
        return (
            f"The report gives no figure for {row.label} in the {first}: the table shows "
            f"“{v1 or 'nothing'}” [{n}]."
            + (f" For the {second} it gives {v2}." if parse_number(v2) is not None else "")
        ), stats
    if parse_number(v2) is None:
        return (
            f"{row.label}: {v1} in the {first} [{n}]. The table has no figure for the "
            f"{second} (it shows “{v2 or 'nothing'}”)."
        ), stats
    if first == latest:
        text = (
            f"{row.label}{_direction(v2, v1)}: {v1} in the {first}, compared with {v2} in the "
            f"{second}{_change(row)} [{n}]."
        )
    else:
        text = f"{row.label}: {v1} in the {first} [{n}]. In the {second} it was {v2}{_change(row)}."
    return text, stats


_YES_NO = re.compile(r"^\s*(is|are|was|were|did|does|do|has|have|had)\b", re.I)
_EITHER_OR = re.compile(r"\bor\b(?!\s+not\b)", re.I)
_RISE = re.compile(r"\b(up|rise|rising|rose|risen|increase\w*|higher|more|gr[eo]w\w*)\b", re.I)
_FALL = re.compile(
    r"\b(down|fall|falling|fell|fallen|drop\w*|decrease\w*|lower|less|fewer|reduc\w*|cut)\b",
    re.I,
)


def _settled(question: str, row: StatRow, earlier: str, latest: str) -> str:
    """ "Yes. " or "No. " when a yes/no question asks whether a row rose (or fell) and its two
    periods settle it (the row's line that follows says which way it went); "" otherwise."""
    if not _YES_NO.match(question) or _EITHER_OR.search(question):
        return ""  # "were there more in 2030 or in 2031?" asks which, not whether
    rise, fall = _RISE.search(question) is not None, _FALL.search(question) is not None
    before, after = (
        parse_number(row.values.get(earlier, "")),
        parse_number(row.values.get(latest, "")),
    )
    if rise == fall or before is None or after is None or before == after:
        return ""
    return "Yes. " if (after > before) == rise else "No. "


def _direction(before: str, after: str) -> str:
    """ " went up", " went down" or " was unchanged": the reply first, its figures after."""
    was, now = parse_number(before), parse_number(after)
    if was is None or now is None:
        return ""
    return " went up" if now > was else " went down" if now < was else " was unchanged"


def _change(row: StatRow) -> str:
    diff = [v for c, v in row.values.items() if "number difference" in c.lower()]
    pct = [v for c, v in row.values.items() if c.startswith("%")]
    if not diff or parse_number(diff[0]) is None:
        return ""
    out = f" (a change of {diff[0]}"
    if pct and parse_number(pct[0]) is not None:
        out += f", {pct[0]}%"
    return out + ")"


def _one_period(row: StatRow, column: str, n: int) -> tuple[str, list[Statistic]]:
    value = row.values.get(column, "")
    stats = [Statistic(row.label, column, value)] if value else []
    text = (
        f"{row.label}: {value} in {column}, according to the table “{row.table_title}” "
        f"[{n}]. The report prints these figures without stating their units."
    )
    if parse_number(value) is None:
        text = (
            f"The table “{row.table_title}” gives no figure for {row.label} "
            f"(it shows “{value}”) [{n}]."
        )
    return text, stats


def _distinct(mentions: list[Mention], chosen: list[Candidate]) -> list[Mention]:
    """One sentence per different figure, leaving out sentences already in the answer."""
    seen: set[str] = set()
    out = []
    texts = {c.text for c in chosen}
    for m in mentions:
        if m.sentence not in texts and m.figure.lower() not in seen:
            seen.add(m.figure.lower())
            out.append(m)
    return out
