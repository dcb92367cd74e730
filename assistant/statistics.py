"""Statistics lookup: answer questions about table rows from the SQLite store, as printed."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.question import Question, financial_years
from assistant.tables import parse_number
from assistant.text import MEASURE_WORDS, content_words, expanded_stems, stem, stems, words

_GENERIC = frozenset(stem(w) for w in "police policing force forces county report pcc".split())
_MONEY_TITLES = frozenset(
    stem(w) for w in "spent expenditure funding sources income revenue".split()
)
_MEASURE_STEMS = frozenset(stem(w) for w in MEASURE_WORDS)
# Question words that need not appear in a row for it to answer the question.
_SOFT = frozenset(
    stem(w)
    for w in (
        "people use using used caught record recorded happen happened report reported commit "
        "committed overall altogether see seen made make across place area areas figure total "
        "collect collected nicked arrested ppl "
        "raise raised receive received get got given cases case table tables shown show printed "
        "according paid out came come comes from two both give gives giving line lines row rows"
    ).split()
)
# Words questions use about tables and figures: known words, never "typos" to correct.
QUESTION_STEMS = _SOFT | _MEASURE_STEMS | _GENERIC
_TOTAL_WORDS = frozenset("total totals overall altogether all whole".split())
NO_BUSY_WAIT_S = 0.0  # a locked store fails at once: the opener retries with back-off
MIN_RECALL = 0.5
MIN_PRECISION = 0.75
# A row whose label the question says in full needs less of the question's weight (the rest
# says more about the row) and is preferred over rows it only partly names.
WHOLE_PRECISION = 0.5
WHOLE_LABEL = 0.05
Weight = Callable[[set[str]], float]


@dataclass(frozen=True)
class StatRow:
    """One table row with its table's context, loaded from the statistics store."""

    document: str
    table_title: str
    title_quote: str
    section: str
    pages: str
    label: str
    columns: tuple[str, ...]
    values: dict[str, str]
    footnotes: tuple[str, ...]
    quote: str
    label_header: str
    notes: tuple[dict[str, str], ...]
    kind: str

    def label_groups(self) -> list[set[str]]:
        """For each word saying what the row measures, the stems it may be asked by
        (a bare 'Total' row: the words of what its table totals)."""
        text = self.label
        if self.is_total():
            text += f" {self.label_header or self.table_title}"
        groups = [expanded_stems(w) for w in dict.fromkeys(content_words(text))]
        return [g for g in groups if not g <= _MEASURE_STEMS | _GENERIC]

    def years(self) -> set[int]:
        """The years the row's periods end in (a misdated table: the year it may really be)."""
        found = financial_years(" ".join(self.columns))
        found |= {
            int(n["period"][:2] + n["period"][-2:])
            for n in self.notes
            if n.get("period", "")[:4].isdigit()
        }
        return found

    def is_total(self) -> bool:
        """A row totalling its table."""
        return self.label.lower().startswith("total")

    def label_stems(self) -> set[str]:
        """Every stem of the row's label words."""
        return set().union(*self.label_groups()) if self.label_groups() else set()

    def context_stems(self) -> set[str]:
        """Stems of the table title and column labels."""
        return stems(" ".join([self.table_title, self.label_header, *self.columns]))

    def periods(self) -> list[str]:
        """Value columns that are periods, oldest first (not differences)."""
        return [c for c in self.columns if "difference" not in c.lower()]


class StatisticsStore:
    """Every table row of the store, held in memory for matching."""

    def __init__(self, rows: list[StatRow]) -> None:
        self.rows = rows
        self.aggregates = _aggregates(rows)

    def is_aggregate(self, row: StatRow) -> bool:
        """A total, or a subtotal (the sum of the rows above it)."""
        return row.is_total() or (row.table_title, row.label) in self.aggregates

    @classmethod
    def load(cls, path: Path) -> StatisticsStore:
        """Read the SQLite store written at ingest."""
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=NO_BUSY_WAIT_S)
        try:
            tables = {
                r[0]: r
                for r in connection.execute(
                    "SELECT id, document, title, title_quote, section, pages, columns, footnotes,"
                    " notes, label_header FROM tables"
                )
            }
            cells = connection.execute(
                "SELECT table_id, row_index, row_label, column_label, value_text, footnotes,"
                " quote FROM cells ORDER BY table_id, row_index, column_index"
            ).fetchall()
        finally:
            connection.close()
        return cls(_rows(tables, cells))

    def tables(self) -> list[dict[str, Any]]:
        """Tables for display: title, source, columns and rows with values as printed."""
        out: dict[str, dict[str, Any]] = {}
        for row in self.rows:
            table = out.setdefault(
                row.table_title,
                {
                    "title": row.table_title,
                    "document": row.document,
                    "section": row.section,
                    "pages": row.pages,
                    "columns": list(row.columns),
                    "rows": [],
                    "footnotes": sorted(set(row.footnotes)),
                    "notes": [describe_note(row.table_title, n) for n in row.notes],
                },
            )
            table["footnotes"] = sorted(set(table["footnotes"]) | set(row.footnotes))
            table["rows"].append(
                {
                    "label": row.label,
                    "aggregate": self.is_aggregate(row),
                    "values": dict(row.values),
                    "quote": row.quote,
                    "numbers": {c: parse_number(v) for c, v in row.values.items()},
                }
            )
        return list(out.values())

    def find(self, label: str, table_title: str | None = None) -> StatRow | None:
        """The row with exactly this label (in this table, when given)."""
        return next(
            (r for r in self.rows if r.label == label and table_title in (None, r.table_title)),
            None,
        )

    def total_row(self, table_title: str) -> StatRow | None:
        """The last row of a table whose label starts with 'Total'."""
        rows = [
            r
            for r in self.rows
            if r.table_title == table_title and r.label.lower().startswith("total")
        ]
        return rows[-1] if rows else None

    def match(
        self, question: Question, weight: Weight, must_hold: list[set[str]] = ()
    ) -> StatRow | None:
        """The row the question asks about, when the question's key terms fit it
        (and it holds every term of must_hold)."""
        scored = [
            (score, row)
            for row in self.rows
            if all(g & (row.label_stems() | row.context_stems()) for g in must_hold)
            and (score := match_score(question, row, weight)) is not None
        ]
        if not scored:
            return None
        return max(scored, key=lambda pair: pair[0])[1]

    def also_named(self, question: Question, row: StatRow, weight: Weight) -> StatRow | None:
        """Another line of the row's table whose label the question also says in full, when
        the row's is said in full too ("the net revenue expenditure together with the
        operational expenditure"): both lines are asked for."""
        said = stems(question.text)
        if not said_in_full(row, said):
            return None
        others = [
            r
            for r in self.rows
            if r.table_title == row.table_title
            and r.label != row.label
            and said_in_full(r, said)
            and not label_within(r, row)
            and match_score(question, r, weight) is not None
        ]
        return others[0] if len(others) == 1 else None


_MOST = frozenset("most biggest largest highest greatest top main".split())
_LEAST = frozenset("least smallest lowest fewest".split())
_FALL = frozenset("fell fall fallen falling drop dropped decrease decreased reduced".split())


@dataclass(frozen=True)
class Extreme:
    """The row with the largest (or smallest) value of a column of one table."""

    row: StatRow
    column: str
    largest: bool


def extreme(store: StatisticsStore, question: Question) -> Extreme | None:
    """Answer 'which ... the most / the least' over the table the question names."""
    said = set(words(question.text))
    largest = bool(said & _MOST)
    if not (largest or said & _LEAST) or not said & {"which", "what", "where"}:
        return None
    if question.cue not in ("count", "money", "percentage", "change") and not _names_table(
        question.text
    ):
        return None
    if question.cue == "change" and said & _FALL:
        largest = not largest
    asked = {s for s in stems(question.text) if not s[:1].isdigit()}
    titles = {r.table_title: r for r in store.rows}
    scored = [
        (len(asked & (stems(f"{t} {r.label_header}") - _GENERIC)), t) for t, r in titles.items()
    ]
    best, title = max(scored, default=(0, ""))
    if not best:
        return None
    rows = [r for r in store.rows if r.table_title == title and not store.is_aggregate(r)]
    column = _extreme_column(rows[0], question)
    valued = [(parse_number(r.values.get(column, "")), r) for r in rows]
    valued = [(v, r) for v, r in valued if v is not None]
    if not valued:
        return None
    pick = max if largest else min
    return Extreme(pick(valued, key=lambda pair: pair[0])[1], column, largest)


def _names_table(text: str) -> bool:
    """'the smallest funding source': a superlative followed by what it ranks."""
    return bool(
        re.search(
            r"\b(most|biggest|largest|highest|greatest|least|smallest|lowest)"
            r" (\w+ )?(source|item|line|service|cost|spend\w*|expenditure|"
            r"indicator|funding|grant)",
            text,
            re.I,
        )
    )


def _extreme_column(row: StatRow, question: Question) -> str:
    if question.cue == "change":
        percent = [c for c in row.columns if c.startswith("%")]
        if percent:
            return percent[0]
    periods = row.periods()
    return periods[0] if question.period == "earlier" and len(periods) > 1 else periods[-1]


def describe_note(table_title: str, note: dict[str, str]) -> str:
    """A table note as one readable sentence."""
    return (
        f"The table '{table_title}' is titled {note['title_period']}, but its total "
        f"({note['total']}) equals the {note['period']} total in '{note['other_table']}': "
        "the year in its title may be a misprint."
    )


_FIGURE_KINDS = ("count", "percentage", "money")


def other_kind(question: Question, row: StatRow) -> bool:
    """The question asks for one kind of figure and the row holds another ("how many PCSOs"
    is not answered by the money spent on them, nor by a percentage)."""
    return question.cue in _FIGURE_KINDS and row.kind in _FIGURE_KINDS and question.cue != row.kind


def match_score(question: Question, row: StatRow, weight: Weight) -> float | None:
    """How well a row answers the question (recall of the row's terms), or None if it can't.

    The row (label, table title, columns) must hold at least MIN_PRECISION of the weight of
    the question's key terms, and the question must name enough of the row's own terms.
    """
    own = {stem(w) for w in question.own}  # the report's own area need not be asked
    groups = [g for g in row.label_groups() if not g <= own]
    label, context = row.label_stems(), row.context_stems()
    term_stems = [
        g
        for t, g in zip(question.terms, question.term_stems(), strict=True)
        if stem(t) not in _GENERIC | _SOFT
    ]
    if not term_stems or not label or question.cue in ("who", "when", "where", "which", "person"):
        return None
    if (question.cue == "change" and len(row.periods()) < 2) or other_kind(question, row):
        return None
    asked_years = financial_years(question.text)
    if asked_years and not asked_years & row.years():
        return None  # the table has no column for the period asked about
    said = set(words(question.text))
    if row.is_total() and not said & _TOTAL_WORDS:
        return None
    weights = [weight(s) for s in term_stems]
    held = sum(w for s, w in zip(term_stems, weights, strict=True) if s & (label | context))
    asked = set().union(*term_stems)
    whole = said_in_full(row, stems(question.text))
    if held < (WHOLE_PRECISION if whole else MIN_PRECISION) * sum(weights):
        return None
    if not asked & (label | context) - _SOFT:
        return None
    cue_fits = question.cue == row.kind or (
        question.cue in (None, "change") and row.kind in ("count", "percentage")
    )
    matched = sum(1 for g in groups if g & asked)
    if not matched:
        return None
    recall = (matched + cue_fits) / (min(len(groups), 4) + 1)
    if recall < MIN_RECALL:
        return None
    totals = 0.1 if "total" in said and row.is_total() else 0.0
    generic = 0.02 * len(said & {w for w in words(row.label) if stem(w) in _GENERIC})
    dated = 0.05 if any(c in question.text for c in row.columns) else 0.0
    return recall + 0.01 * matched + totals + dated + generic + (WHOLE_LABEL if whole else 0.0)


def label_within(row: StatRow, other: StatRow) -> bool:
    """Whether every word of a row's label is in the other's ("Police Grant" within "Police
    and Crime Commissioner grants"): saying the longer says the shorter too."""
    return stems(row.label) <= stems(other.label)


def said_in_full(row: StatRow, said: set[str]) -> bool:
    """Whether the question (``said``: the stems of its words) says every word of a row's
    label of two words or more, as the report prints them ("the central government police
    grant" says all of "Police Grant")."""
    label = stems(row.label)
    return len(label) >= 2 and label <= said


def _aggregates(rows: list[StatRow]) -> set[tuple[str, str]]:
    """(table, label) of rows whose first value equals the sum of the other rows above them."""
    found: set[tuple[str, str]] = set()
    running: dict[str, float] = {}
    counted: dict[str, int] = {}
    for row in rows:
        periods = row.periods()
        value = parse_number(row.values.get(periods[0], "")) if periods else None
        if value is None:
            continue
        total = running.get(row.table_title, 0.0)
        if counted.get(row.table_title, 0) > 1 and abs(value - total) < 0.5:
            found.add((row.table_title, row.label))
            continue
        running[row.table_title] = total + value
        counted[row.table_title] = counted.get(row.table_title, 0) + 1
    return found


def _rows(tables: dict[int, tuple], cells: list[tuple]) -> list[StatRow]:
    grouped: dict[tuple[int, int], list[tuple]] = {}
    for cell in cells:
        grouped.setdefault((cell[0], cell[1]), []).append(cell)
    rows = []
    for (table_id, _), row_cells in grouped.items():
        t = tables[table_id]
        notes = json.loads(t[7])
        rows.append(
            StatRow(
                document=t[1],
                table_title=t[2],
                title_quote=t[3] or "",
                section=t[4],
                pages=t[5],
                label=row_cells[0][2],
                columns=tuple(json.loads(t[6])),
                values={c[3]: c[4] for c in row_cells},
                footnotes=tuple(notes[n] for n in json.loads(row_cells[0][5]) if n in notes),
                quote=row_cells[0][6],
                label_header=t[9] or "",
                notes=tuple(json.loads(t[8])),
                kind=_row_kind(row_cells[0][2], t[2] + " " + (t[9] or "")),
            )
        )
    return rows


def _row_kind(label: str, title: str) -> str:
    first = label.lower().split(" ")[0]
    if first == "percentage":
        return "percentage"
    if first == "number":
        return "count"
    return "money" if stems(title) & _MONEY_TITLES else "value"
