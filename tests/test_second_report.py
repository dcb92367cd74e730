"""A second report works: another area, other years, its own sections, tables and manifest.

Nothing in the engine knows the first report: questions about this one are answered from it
and cite it, "last year" and its years follow its manifest, and a figure it doesn't give is
refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.assistant import Assistant
from assistant.index import ensure_index
from assistant.settings import Settings

TEXT = """**Northshire Police and Crime Commissioner: Annual Report 2020-21**

Contents: Foreword; Safer streets; Money; Results

This is my foreword. Northshire has had a demanding year, and I thank every officer, member \
of staff and volunteer who has kept the county safe. My deputy, Priya Olsen, led our work \
with rural communities.

Sam Okafor, Police and Crime Commissioner for Northshire

Our streets work began with the Lantern Walk scheme. In 2020-21 the Lantern Walk scheme \
trained 214 volunteers to patrol town centres at night, and the walkers passed 37 \
offences on to officers. Burglary remains a priority for residents in every district.

The money we spent is set out below. The council tax precept for policing rose by 2.1 per \
cent, which raised an additional £1.9 million.

| What the money was spent on in 2020/21 | 2020/21 |
|---|---|
| Police officer pay & allowances | 88,410 |
| Police staff pay & allowances | 31,207 |
| Total | 119,617 |

Our results for the year are below.

| Indicators | 12 months to Mar 2020 | 12 months to Mar 2021 | Number Difference | % Difference |
|---|---|---|---|---|
| Number of burglary offences | 4,820 | 4,102 | -718 | -14.9 |
| Number of vehicle crime offences | 6,315 | 6,977 | 662 | 10.5 |
"""

MANIFEST = {
    "file": "northshire-2020-21.txt",
    "title": "Annual Report 2020-21",
    "full_title": "Northshire Police and Crime Commissioner: Annual Report 2020-21",
    "publisher": "Police and Crime Commissioner for Northshire",
    "period": {"start": "2020-04-01", "end": "2021-03-31", "label": "2020-21"},
    "author": {"name": "Sam Okafor, Police and Crime Commissioner", "quote": "Sam Okafor"},
    "police": {"name": "Northshire Police", "report_online": "https://example.org/report"},
    "sections": [
        {"title": "Cover and contents", "pages": "1", "starts_at": "**Northshire Police"},
        {"title": "Foreword", "pages": "2", "starts_at": "This is my foreword"},
        {"title": "Safer streets", "pages": "3-4", "starts_at": "Our streets work"},
        {"title": "Money", "pages": "5", "starts_at": "The money we spent"},
        {"title": "Results", "pages": "6", "starts_at": "Our results for the year"},
    ],
}


@pytest.fixture(scope="module")
def second(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """An Assistant over a corpus holding only the second report."""
    root = tmp_path_factory.mktemp("second")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / MANIFEST["file"]).write_text(TEXT, encoding="utf-8")
    manifest = corpus / "northshire-2020-21.manifest.json"
    manifest.write_text(json.dumps(MANIFEST), encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=root / "index")
    ensure_index(settings)
    assistant = Assistant.open(settings)
    yield assistant
    assistant.close()


def _cited_sections(answer) -> set[str]:
    return {c.section for c in answer.citations}


def test_a_table_figure_is_answered_from_the_second_report(second: Assistant) -> None:
    answer = second.ask("How many burglaries were there in 2020-21?")
    assert answer.kind == "statistic", answer.text
    assert "4,102" in answer.text
    assert _cited_sections(answer) == {"Results"}
    assert {c.document for c in answer.citations} == {MANIFEST["title"]}


def test_last_year_and_its_years_follow_the_manifest(second: Assistant) -> None:
    last_year = second.ask("How many burglary offences were there last year?")
    assert last_year.text.startswith("Number of burglary offences: 4,820 in the 12 months to")
    named = second.ask("How many vehicle crime offences were recorded in 2019/20?")
    assert "6,315" in named.text, named.text


def test_a_follow_up_points_back_to_the_row(second: Assistant) -> None:
    first = second.ask("How many vehicle crime offences were there in the year to March 2021?")
    follow = second.ask("And the year before?", history=[first])
    assert "6,315" in follow.text, follow.text


def test_a_pronoun_points_back_to_the_last_answer_not_to_any_row(second: Assistant) -> None:
    first = second.ask("How many volunteers did the Lantern Walk scheme train?")
    follow = second.ask("And how many offences did they record?", history=[first])
    assert "37" in follow.text, follow.text


def test_prose_figures_and_people_come_from_its_text(second: Assistant) -> None:
    volunteers = second.ask("How many volunteers did the Lantern Walk scheme train?")
    assert "214" in volunteers.text and _cited_sections(volunteers) == {"Safer streets"}
    deputy = second.ask("Who is the commissioner's deputy?")
    assert "Priya Olsen" in deputy.text


def test_a_comparison_gives_both_figures(second: Assistant) -> None:
    answer = second.ask("Was more spent on police officer pay or on police staff pay?")
    assert "88,410" in answer.text and "31,207" in answer.text


def test_a_figure_the_second_report_does_not_give_is_refused(second: Assistant) -> None:
    assert second.ask("How many homicides were there in 2020-21?").kind == "not_found"
    assert second.ask("How many burglaries were there in 2017-18?").kind == "not_found"


def test_the_fixed_101_wording_names_the_second_force(second: Assistant) -> None:
    answer = second.ask("my bike was stolen from outside my house last week, how do I report it")
    assert answer.kind == "report"
    assert "Northshire Police" in answer.text and "101" in answer.text


def test_the_engine_names_no_report() -> None:
    """What the grep of issue 8 checks: no report's place, years, rows or operations in code."""
    import re

    package = Path(__file__).resolve().parents[1] / "assistant"
    pattern = re.compile(r"essex|2016|2015|homicide|raptor", re.I)
    allowed = {
        # a Unicode range of dash characters, not a year
        "evaluation/testset.py": "\\u2015",
    }
    for path in package.rglob("*.py"):
        rel = path.relative_to(package).as_posix()
        for line in path.read_text(encoding="utf-8").splitlines():
            if pattern.search(line):
                assert rel in allowed and allowed[rel] in line, f"{rel}: {line.strip()}"


@pytest.mark.parametrize(
    ("asked", "lead"),
    [
        ("Did burglary offences go up in 2020-21?", "No. Number of burglary offences went down:"),
        ("Did the number of burglary offences fall?", "Yes. Number of burglary offences went"),
        ("Has vehicle crime increased?", "Yes. "),
        ("How many burglary offences were there?", "Number of burglary offences went down: "),
    ],
)
def test_a_yes_no_question_the_row_settles_is_answered_yes_or_no_first(
    second: Assistant, asked: str, lead: str
) -> None:
    answer = second.ask(asked)
    assert answer.kind == "statistic" and answer.text.startswith(lead), answer.text
    assert answer.text.count(" went ") == 1  # the direction is said once
