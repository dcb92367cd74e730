"""The statistics store: every table cell with its labels, footnotes and verbatim row."""

from __future__ import annotations

import sqlite3

import pytest

from assistant.settings import Settings
from assistant.tables import parse_number


@pytest.mark.parametrize(
    ("printed", "number"),
    [
        ("111,022", 111022.0),
        ("-55.9", -55.9),
        ("-27,920", -27920.0),
        ("-", None),
        ("n/a", None),
        ("Data are not currently available", None),
        ("£4.95", 4.95),
    ],
    ids=["thousands", "negative-decimal", "negative-thousands", "dash", "n/a", "words", "pounds"],
)
def test_parse_number(printed: str, number: float | None) -> None:
    assert parse_number(printed) == number


def _cells(settings: Settings, sql: str, *args: str) -> list[tuple]:
    from assistant.index import open_built

    connection = sqlite3.connect(open_built(settings).stats_path)
    try:
        return connection.execute(sql, args).fetchall()
    finally:
        connection.close()


def test_homicide_row_is_stored_cell_by_cell(built_settings: Settings) -> None:
    rows = _cells(
        built_settings,
        "SELECT column_label, value_text, value_num, t.section, t.pages, quote FROM "
        "cells JOIN tables t ON t.id = table_id WHERE row_label = ? "
        "ORDER BY column_index",
        "Number of homicides",
    )
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("12 months to Mar 2016", "34", 34.0),
        ("12 months to Mar 2017", "15", 15.0),
        ("Number Difference", "-19", -19.0),
        ("% Difference", "-55.9", -55.9),
    ]
    assert {(r[3], r[4]) for r in rows} == {("Performance data", "23")}
    assert rows[0][5] == "| Number of homicides | 34 | 15 | -19 | -55.9 | pages 14-15 |"


def test_footnote_qualifies_the_row_it_marks(built_settings: Settings) -> None:
    [(footnotes,)] = _cells(
        built_settings,
        "SELECT DISTINCT footnotes FROM cells WHERE row_label = ?",
        "Number of Organised Criminal Group disruptions",
    )
    assert footnotes == '["4"]'


def test_contents_page_is_not_a_statistics_table(built_settings: Settings) -> None:
    titles = [t for (t,) in _cells(built_settings, "SELECT title FROM tables")]
    assert titles == [
        "What the money was spent on in 2016/17",
        "Funding Sources",
        "Amount spent on different policing services in 2015/16",
        "Performance data: Police Priority Indicators",
    ]


def test_misdated_table_is_noted(built_settings: Settings) -> None:
    [(notes,)] = _cells(
        built_settings, "SELECT notes FROM tables WHERE title LIKE ?", "Amount spent%"
    )
    assert '"title_period": "2015/16"' in notes and '"total": "266,279"' in notes


def test_every_table_cell_is_stored(built_settings: Settings) -> None:
    [(count,)] = _cells(built_settings, "SELECT count(*) FROM cells")
    assert count == 12 + 7 + 12 + 53


def test_totals_and_subtotals_are_marked_as_aggregates(assistant_session) -> None:
    marked = {
        (t["title"], r["label"])
        for t in assistant_session.tables()
        for r in t["rows"]
        if r["aggregate"]
    }
    assert marked == {
        ("What the money was spent on in 2016/17", "Operational Expenditure"),
        ("What the money was spent on in 2016/17", "Net Revenue Expenditure"),
        ("What the money was spent on in 2016/17", "Total"),
        ("Funding Sources", "Total"),
        ("Amount spent on different policing services in 2015/16", "Total expenditure"),
    }
