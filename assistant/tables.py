"""Extract every markdown table of a report into the SQLite statistics store.

One row per cell: table title, row label, column label, value as printed, numeric value,
section, pages, the footnotes that qualify it, and the verbatim row line it came from.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from assistant.corpus import Document
from assistant.errors import CorpusError
from assistant.repair import Block, Section
from assistant.text import clean, normalise
from assistant.untrusted import Flag, flag_reason

SCHEMA = """
CREATE TABLE tables (
    id INTEGER PRIMARY KEY, document TEXT NOT NULL, title TEXT NOT NULL, title_quote TEXT,
    section TEXT NOT NULL, pages TEXT NOT NULL, label_header TEXT, columns TEXT NOT NULL,
    footnotes TEXT NOT NULL, notes TEXT NOT NULL
);
CREATE TABLE cells (
    id INTEGER PRIMARY KEY, table_id INTEGER NOT NULL REFERENCES tables(id),
    row_index INTEGER NOT NULL, row_label TEXT NOT NULL, row_group TEXT NOT NULL,
    column_label TEXT NOT NULL, column_index INTEGER NOT NULL, value_text TEXT NOT NULL,
    value_num REAL, footnotes TEXT NOT NULL, quote TEXT NOT NULL
);
CREATE INDEX cells_table ON cells(table_id, row_index);
"""
_MARKER = re.compile(r"\^\{([\d,\s]+)\}|([¹²³⁴⁵⁶⁷⁸⁹⁰]+(?:,[¹²³⁴⁵⁶⁷⁸⁹⁰]+)*)")
_SUPER = str.maketrans("¹²³⁴⁵⁶⁷⁸⁹⁰", "1234567890")
_NUMERIC = re.compile(r"^[-−+]?£?\d[\d,]*(\.\d+)?%?$")
_EMPTY = {"", "-", "n/a", "na"}
_YEAR = re.compile(r"\b(20\d\d)/(\d\d)\b")


@dataclass
class Row:
    """One data row: its label, group, values by column, footnote numbers and source line."""

    label: str
    group: str
    values: dict[str, str]
    footnotes: list[str]
    quote: str


@dataclass
class Table:
    """A parsed table with its title and the footnotes and notes that qualify it."""

    document: str
    title: str
    title_quote: str
    section: str
    pages: str
    label_header: str
    columns: list[str]
    rows: list[Row]
    footnotes: dict[str, str] = field(default_factory=dict)
    notes: list[dict[str, str]] = field(default_factory=list)


def parse_number(value: str) -> float | None:
    """The number a cell prints, or None for blanks, dashes, n/a and words."""
    text = value.strip().replace("−", "-")
    if not _NUMERIC.match(text):
        return None
    return float(text.replace(",", "").replace("£", "").replace("%", ""))


def extract_tables(doc: Document, sections: list[Section]) -> list[Table]:
    """Every table with at least one column of figures, with title and footnotes."""
    tables: list[Table] = []
    for section in sections:
        blocks = list(section.blocks)
        for i, block in enumerate(blocks):
            if block.kind != "table":
                continue
            table = _parse_table(doc, section, block, _title_before(blocks, i))
            if table is not None and is_contents(table):
                check_contents(doc, table)
            elif table is not None:
                table.footnotes = _footnotes_after(blocks, i)
                tables.append(table)
    note_period_mismatches(tables, doc)
    return tables


def screen_tables(doc: Document, tables: list[Table]) -> list[Flag]:
    """Leave out rows and footnotes that instruct the reader, or give contact details from a
    document not marked trusted; returns what was left out."""
    flags: list[Flag] = []
    for table in tables:
        kept = []
        for row in table.rows:
            reason = flag_reason(clean(row.quote.replace("|", " ")), doc.trusted)
            if reason is None:
                kept.append(row)
            else:
                flags.append(Flag(doc.title, table.section, clean(row.quote), reason))
        table.rows = kept
        for marker, note in list(table.footnotes.items()):
            reason = flag_reason(note, doc.trusted)
            if reason is not None:
                del table.footnotes[marker]
                flags.append(Flag(doc.title, table.section, note, reason))
    return flags


def _title_before(blocks: list[Block], i: int) -> str:
    return blocks[i - 1].text if i and blocks[i - 1].kind == "heading" else ""


def _footnotes_after(blocks: list[Block], i: int) -> dict[str, str]:
    notes: dict[str, str] = {}
    for block in blocks[i + 1 :]:
        if block.kind == "table":
            break
        if block.kind == "footnote":
            notes[block.raw[0].translate(_SUPER)] = clean(block.raw)
    return notes


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _parse_table(doc: Document, section: Section, block: Block, title: str) -> Table | None:
    lines = [ln for ln in block.raw.split("\n") if ln.strip()]
    header, body = _cells(lines[0]), [ln for ln in lines[2:] if ln.strip()]
    rows = [_cells(ln) for ln in body]
    width = max([len(header), *(len(r) for r in rows)])
    value_cols = [c for c in range(width) if _is_value_column(rows, c)]
    if not value_cols:
        return None
    label_col = max(value_cols[0] - 1, 0)
    period = _YEAR.search(title)
    columns = [_column_label(header, c, period.group(0) if period else "Value") for c in value_cols]
    label_header = clean(header[label_col]) if label_col < len(header) else ""
    if not title:
        title = label_header if label_col == 0 and label_header else section.title
        title += f": {label_header}" if label_col and label_header else ""
    table = Table(
        doc.title,
        title,
        _title_before_quote(title, section),
        section.title,
        section.pages,
        label_header,
        columns,
        [],
    )
    group = ""
    for line, cells in zip(body, rows, strict=True):
        cells += [""] * (width - len(cells))
        if label_col and cells[0]:
            group = clean(cells[0])
        label_raw = cells[label_col]
        values = {col: cells[c] for col, c in zip(columns, value_cols, strict=True) if cells[c]}
        quote = line[line.index(label_raw) :] if label_raw else line
        table.rows.append(
            Row(
                clean(label_raw),
                group,
                values,
                _markers(label_raw),
                "| " + quote.rstrip() if not quote.startswith("|") else quote,
            )
        )
    return table


def _title_before_quote(title: str, section: Section) -> str:
    """The title as printed, when it was printed as a heading (it can then be quoted)."""
    return title if any(b.kind == "heading" and b.text == title for b in section.blocks) else ""


def is_contents(table: Table) -> bool:
    """A contents page: labels with dot leaders and page numbers as values."""
    return dot_led([row.label for row in table.rows])


def dot_led(labels: list[str]) -> bool:
    """Most of a table's row labels end with dot leaders (a contents page)."""
    return bool(labels) and sum(label.endswith("...") for label in labels) >= 0.6 * len(labels)


def check_contents(doc: Document, table: Table) -> None:
    """The manifest's first pages must agree with the report's own contents page."""
    first_pages = {s.title.lower(): s.pages.split("-")[0] for s in doc.sections}
    for row in table.rows:
        title = row.label.rstrip(". ").lower()
        page = next(iter(row.values.values()), "")
        if title in first_pages and first_pages[title] != page:
            raise CorpusError(
                f"{doc.path.name}: manifest gives section {row.label.rstrip('. ')!r} "
                f"page {first_pages[title]}, the contents page says {page}"
            )


def _is_value_column(rows: list[list[str]], c: int) -> bool:
    cells = [r[c] for r in rows if c < len(r)]
    numbers = sum(parse_number(v) is not None for v in cells)
    blanks = sum(v.lower() in _EMPTY for v in cells)
    return numbers > 0 and numbers + blanks >= 0.6 * len(cells)


def _column_label(header: list[str], c: int, fallback: str) -> str:
    return clean(header[c]) if c < len(header) and clean(header[c]) else fallback


def _markers(label: str) -> list[str]:
    found: list[str] = []
    for m in _MARKER.finditer(label):
        found += [n.strip().translate(_SUPER) for n in (m.group(1) or m.group(2)).split(",")]
    return [n for n in found if n]


def total_of(table: Table) -> tuple[Row, str] | None:
    """The table's total row and its value, when it has one."""
    for row in reversed(table.rows):
        if row.label.lower().startswith("total") and row.values:
            return row, next(iter(row.values.values()))
    return None


def note_period_mismatches(tables: list[Table], doc: Document) -> None:
    """Note a table whose title names another year while its total matches this year's."""
    year = doc.period_end[:4]
    this_period = f"{int(year) - 1}/{year[2:]}" if year.isdigit() else ""
    for table in tables:
        titled = _YEAR.search(table.title)
        found = total_of(table)
        if not titled or titled.group(0) == this_period or not found:
            continue
        for other in tables:
            other_total = total_of(other)
            if (
                other is table
                or not other_total
                or this_period not in other.title + " ".join(other.columns)
            ):
                continue
            if parse_number(other_total[1]) == parse_number(found[1]):
                table.notes.append(
                    {
                        "kind": "period_mismatch",
                        "title_period": titled.group(0),
                        "total": found[1],
                        "period": this_period,
                        "other_table": other.title,
                    }
                )
                break


def write_store(path: Path, tables: list[Table]) -> int:
    """Write the statistics store; returns the number of cells written."""
    connection = sqlite3.connect(path)
    cells = 0
    with connection:
        connection.executescript(SCHEMA)
        for table in tables:
            cursor = connection.execute(
                "INSERT INTO tables (document, title, title_quote, section, pages, label_header,"
                " columns, footnotes, notes) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    table.document,
                    table.title,
                    table.title_quote,
                    table.section,
                    table.pages,
                    table.label_header,
                    json.dumps(table.columns),
                    json.dumps(table.footnotes),
                    json.dumps(table.notes),
                ),
            )
            cells += _write_rows(connection, cursor.lastrowid, table)
    connection.close()
    return cells


def _write_rows(connection: sqlite3.Connection, table_id: int | None, table: Table) -> int:
    count = 0
    for r, row in enumerate(table.rows):
        for c, column in enumerate(table.columns):
            if column not in row.values:
                continue
            value = row.values[column]
            connection.execute(
                "INSERT INTO cells (table_id, row_index, row_label, row_group, column_label,"
                " column_index, value_text, value_num, footnotes, quote)"
                " VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    table_id,
                    r,
                    row.label,
                    row.group,
                    column,
                    c,
                    value,
                    parse_number(value),
                    json.dumps(row.footnotes),
                    normalise(row.quote),
                ),
            )
            count += 1
    return count
