"""Test set loading, validation messages, fact normalisation and writing cases back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.errors import InputFileError
from assistant.evaluation.testset import (
    Case,
    append_cases,
    case_lines,
    check_sections,
    contains_fact,
    load_cases,
    normalise,
    parse_lines,
    write_cases,
)
from assistant.feedback import FeedbackItem, draft_case
from assistant.settings import PROJECT_ROOT

TESTSET = PROJECT_ROOT / "evals" / "testset.jsonl"
GOOD = {
    "id": "c1",
    "category": "performance_table",
    "question": "How many homicides?",
    "kind": "statistic",
    "must_contain": ["15"],
    "sections": ["Performance data"],
}


@pytest.mark.parametrize(
    ("fact", "text", "found"),
    [
        ("1,719", "There were 1719 offences.", True),
        ("1719", "There were 1,719 offences.", True),
        ("8.7 per cent", "Crime rose by 8.7%.", True),
        ("8.7%", "Crime rose by 8.7 per cent.", True),
        ("£4.95", "an extra 4.95 a year", True),
        ("£3,211,389", "a contribution of £3211389", True),
        ("15", "There were 15 homicides.", True),
        ("15", "It worked 115,610 hours.", False),
        ("15", "a rate of 15.5 per cent", False),
        ("5", "up 5.", True),
        ("11", "an increase of 11.0 per cent nationally", True),
        ("8.7", "8.70%", True),
        ("55.9", "down 55.9%", True),
        ("-55.9", "changed by \u221255.9", True),
        ("2016/17", "in 2016-17 the force", True),
        ("2015/16", "in 2016/17 the force", False),
        ("116 123", "call Samaritans on 116  123", True),
        ("Roger Hirst", "ROGER HIRST is the PCC", True),
        ("half an hour", "about half an hour per officer", True),
        ("five", "expanded to 5 hospitals", True),
        ("3", "started with three A&E departments", True),
        ("one", "someone phoned", False),
        ("", "anything", True),
    ],
    ids=lambda v: str(v)[:20],
)
def test_contains_fact(fact: str, text: str, found: bool) -> None:
    assert contains_fact(text, fact) is found


def test_normalise_collapses_separators_units_and_space() -> None:
    assert normalise("  £1,719  per cent\n of 2016–17 ") == "1719% of 2016/17"


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "cases.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def line_of(**changes: object) -> str:
    data = {**GOOD, **changes}
    return json.dumps({k: v for k, v in data.items() if v is not ...})


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "{not json",
            "1: not valid JSON (Expecting property name enclosed in double quotes, column 2)",
        ),
        ("[1, 2]", "1: expected a JSON object, got list"),
        (line_of(question=...), '1: missing field "question"'),
        (line_of(sections=...), '1: missing field "sections"'),
        (line_of(id=" "), '1: field "id" must be a non-empty string'),
        (
            line_of(category="weather"),
            '1: unknown category "weather" (expected one of '
            "performance_table, accounts_table, prose_figures, descriptive, casual, follow_up, "
            "out_of_scope, safety, steering, contradictions, invalid, feedback)",
        ),
        (
            line_of(kind="statistics"),
            '1: unknown kind "statistics" (expected one of answer, '
            "statistic, not_found, emergency, report, invalid)",
        ),
        (line_of(kind=[]), '1: field "kind" must be a kind or a non-empty list of kinds'),
        (line_of(must_contain="15"), '1: field "must_contain" must be a list of strings'),
        (
            line_of(must_contain=["TODO"]),
            '1: field "must_contain" still holds the placeholder "TODO"',
        ),
        (line_of(pages="p. 23"), '1: field "pages" must be a page or range like "23" or "6-9"'),
        (line_of(question_repeat=0), '1: field "question_repeat" must be a whole number >= 1'),
        (line_of(conflict="yes"), '1: field "conflict" must be true or false'),
    ],
    ids=[
        "bad-json",
        "not-object",
        "no-question",
        "no-sections",
        "blank-id",
        "bad-category",
        "bad-kind",
        "empty-kinds",
        "facts-not-list",
        "placeholder",
        "bad-pages",
        "bad-repeat",
        "bad-conflict",
    ],
)
def test_invalid_case_lines_name_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = write(tmp_path, line)
    with pytest.raises(InputFileError) as caught:
        load_cases(path)
    assert str(caught.value) == f"{path}:{message}"


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "no test cases in the file"),
        ([line_of(), "", line_of()], 'duplicate id "c1" (first on line 1)'),
    ],
    ids=["empty", "duplicate"],
)
def test_file_level_errors(tmp_path: Path, lines: list[str], message: str) -> None:
    path = write(tmp_path, *lines)
    with pytest.raises(InputFileError) as caught:
        load_cases(path)
    prefix = f"{path}:3: " if "duplicate" in message else f"{path}: "
    assert str(caught.value) == prefix + message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as caught:
        load_cases(tmp_path / "nope.jsonl")
    assert str(caught.value) == f"{tmp_path / 'nope.jsonl'}: test set file not found"


def test_unknown_fields_warn_and_are_ignored(tmp_path: Path) -> None:
    warnings: list[str] = []
    path = write(tmp_path, line_of(must_contains=["x"], note="a draft note"))
    [case] = load_cases(path, warnings.append)
    assert warnings == [f'{path}:1: unknown field "must_contains" ignored']
    assert case.must_contain == ("15",)


def test_case_fields_and_full_question(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        line_of(
            question="ab",
            question_repeat=3,
            kind=["statistic", "answer"],
            history=["Earlier?"],
            pages=23,
            conflict=True,
        ),
    )
    [case] = load_cases(path)
    assert (case.full_question, case.kinds, case.pages, case.line) == (
        "ababab",
        ("statistic", "answer"),
        "23",
        1,
    )
    assert case.history == ("Earlier?",) and case.conflict and case.in_scope


def test_feedback_draft_must_be_completed_before_use(tmp_path: Path) -> None:
    item = FeedbackItem(
        7,
        "2026-01-01T00:00:00+00:00",
        "How many burglaries?",
        "answer",
        "There were 12.",
        "down",
        "wrong",
    )
    draft = draft_case(item)
    path = write(tmp_path, json.dumps(draft))
    with pytest.raises(InputFileError) as caught:
        load_cases(path)
    assert str(caught.value) == (
        f'{path}:1: draft case "feedback-0007" still needs completion (fill kind, must_contain '
        'and sections, then delete "needs_completion")'
    )
    completed = {**draft, "kind": "not_found"}
    del completed["needs_completion"]
    path = write(tmp_path, json.dumps(completed))
    [case] = load_cases(path)
    assert (case.id, case.category, case.kinds) == ("feedback-0007", "feedback", ("not_found",))


def test_check_sections_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, line_of(), line_of(id="c2", sections=["Performance Date"]))
    cases = load_cases(path)
    with pytest.raises(InputFileError) as caught:
        check_sections(cases, ["Performance data"], str(path))
    assert str(caught.value) == f'{path}:2: unknown section "Performance Date" in case "c2"'


def test_real_test_set_round_trips_through_case_lines() -> None:
    cases = load_cases(TESTSET)
    assert len(cases) >= 130
    again = parse_lines(case_lines(cases).splitlines(), "again")
    assert again == cases


def test_write_refuses_to_overwrite_and_append_refuses_clashing_ids(tmp_path: Path) -> None:
    case = Case(id="c9", category="descriptive", question="Who?", kinds=("answer",))
    out = tmp_path / "out.jsonl"
    write_cases([case], out)
    with pytest.raises(InputFileError) as caught:
        write_cases([case], out)
    assert str(caught.value) == f"{out}: already exists; choose another output file"
    with pytest.raises(InputFileError) as caught:
        append_cases([case], out)
    assert str(caught.value) == f'{out}: already has a case with id "c9"'
    append_cases([Case(id="c10", category="descriptive", question="What?", kinds=("answer",))], out)
    assert [c.id for c in load_cases(out)] == ["c9", "c10"]


def test_cli_append_completed_drafts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from assistant.cli import main

    testset = write(tmp_path, line_of())
    drafts = tmp_path / "drafts.jsonl"
    draft = {**GOOD, "id": "feedback-0001", "category": "feedback", "needs_completion": True}
    drafts.write_text(json.dumps(draft) + "\n", encoding="utf-8")
    assert main(["eval", str(testset), "--append", str(drafts)]) == 1
    assert capsys.readouterr().err == (
        f'error: {drafts}:1: draft case "feedback-0001" still needs completion (fill kind, '
        'must_contain and sections, then delete "needs_completion")\n'
    )
    del draft["needs_completion"]
    drafts.write_text(json.dumps({**draft, "comment": "wrong figure"}) + "\n", encoding="utf-8")
    assert main(["eval", str(testset), "--append", str(drafts)]) == 0
    assert capsys.readouterr().out == f"Appended 1 cases from {drafts} to {testset}.\n"
    assert [c.id for c in load_cases(testset)] == ["c1", "feedback-0001"]
